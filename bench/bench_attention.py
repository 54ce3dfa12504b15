#!/usr/bin/env python3
"""Times FlashMLIR's attention beside PyTorch's SDPA (flash and cuDNN
backends) and FlexAttention, in one run on one GPU.

bf16, head dims 64 and 128, seqlen 1k..16k with batch * seqlen = 16k tokens,
2048 / head_dim heads, causal and not. FLOPs are counted as FlashAttention
counts them: 4 b h s^2 d for the forward, 2.5x that for the backward, half
of each when causal. Times are medians of CUDA-event timings after warm-up;
every forward, the peers' and ours, is timed in runs of forwards only, and
every backward in runs of backwards.
Prints a table (TFLOP/s and our ratio to each peer) and writes results.json
and attention.png into --out.

Usage (on the GPU host, after scripts/gpu-unpack.sh):
  python3 bench/bench_attention.py --flash-run .gpu-bundle/bin/flash-run --out $OUT
"""

import argparse
import json
import math
import os
import subprocess
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def flops(batch, heads, seqlen, head_dim, causal, backward):
    f = 4 * batch * heads * seqlen * seqlen * head_dim
    if causal:
        f /= 2
    return 2.5 * f if backward else f


def bench_ms(fn, warmup=3, repeats=10):
    """Median milliseconds of fn() with CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def torch_times(attention, q, k, v, causal):
    """(forward ms, backward ms) of attention(q, k, v, causal)."""
    q = q.detach().requires_grad_()
    k = k.detach().requires_grad_()
    v = v.detach().requires_grad_()
    forward = bench_ms(lambda: attention(q, k, v, causal))
    out = attention(q, k, v, causal)
    grad = torch.randn_like(out)

    def backward():
        q.grad = k.grad = v.grad = None
        out.backward(grad, retain_graph=True)

    return forward, bench_ms(backward)


def sdpa(backend):
    def attention(q, k, v, causal):
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return attention


def flex():
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    # Every shape and mask compiles anew; past dynamo's default cache limit
    # (8) it silently falls back to eager, unfused attention.
    torch._dynamo.config.cache_size_limit = 256
    torch._dynamo.config.accumulated_cache_size_limit = 4096
    compiled = torch.compile(flex_attention, dynamic=False)
    masks = {}

    def attention(q, k, v, causal):
        mask = None
        if causal:
            key = (q.shape[-2], k.shape[-2])
            if key not in masks:
                masks[key] = create_block_mask(
                    lambda b, h, qi, ki: qi >= ki, None, None, key[0], key[1])
            mask = masks[key]
        return compiled(q, k, v, block_mask=mask)
    return attention


def ours(flash_run, batch, heads, seqlen, head_dim, causal, repeats,
         forward_flags, backward_flags):
    """(forward ms, backward ms) from flash-run, each with its own extra
    flags (tile sizes, warps). The forward is timed by a run of forwards
    alone, as the peers' are (bench_ms): in a run with the backward, each
    forward would follow a backward."""
    def run(extra, backward):
        command = [flash_run, "--backend=cuda", "--json", f"--batch={batch}",
                   f"--heads={heads}", f"--seqlen-q={seqlen}",
                   f"--head-dim={head_dim}", "--dtype=bf16",
                   f"--repeats={repeats}", "--data-seed=1"] + extra.split()
        if causal:
            command.append("--causal")
        if backward:
            command.append("--backward")
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(" ".join(command) + ": " + result.stderr.strip())
        return json.loads(result.stdout)

    forward = run(forward_flags, False)["forward_s"]
    return forward * 1e3, run(backward_flags, True)["backward_s"] * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flash-run", required=True)
    parser.add_argument("--out", default=".")
    parser.add_argument("--seqlens", default="1024,2048,4096,8192,16384")
    parser.add_argument("--head-dims", default="64,128")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--peers", default="flash,cudnn,flex")
    parser.add_argument("--forward-flags", default="",
                        help="extra flash-run flags of our forward, e.g. "
                             "'--block-m=128 --block-n=128 --num-warps=8'")
    parser.add_argument("--backward-flags", default="",
                        help="extra flash-run flags of our backward")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    peers = {"flash": sdpa(SDPBackend.FLASH_ATTENTION),
             "cudnn": sdpa(SDPBackend.CUDNN_ATTENTION),
             "flex": None}
    wanted = args.peers.split(",")
    if "flex" in wanted:
        peers["flex"] = flex()
    peers = {name: fn for name, fn in peers.items() if name in wanted}

    device = torch.cuda.get_device_name()
    print(f"device: {device}; torch {torch.__version__}")
    rows = []

    def save():
        # After every class, so that a run cut short keeps what it measured.
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"device": device, "torch": torch.__version__,
                       "forward_flags": args.forward_flags,
                       "backward_flags": args.backward_flags, "rows": rows}, f,
                      indent=1)

    for head_dim in map(int, args.head_dims.split(",")):
        heads = 2048 // head_dim
        for seqlen in map(int, args.seqlens.split(",")):
            batch = max(16384 // seqlen, 1)
            for causal in (False, True):
                row = {"head_dim": head_dim, "seqlen": seqlen, "batch": batch,
                       "heads": heads, "causal": causal}
                shape = (batch, heads, seqlen, head_dim)
                q, k, v = (torch.randn(shape, device="cuda", dtype=torch.bfloat16)
                           for _ in range(3))
                for name, attention in peers.items():
                    try:
                        fwd, bwd = torch_times(attention, q, k, v, causal)
                        row[name] = (fwd, bwd)
                    except Exception as error:  # a peer may not support a case
                        print(f"  {name} failed at {row}: {error}", file=sys.stderr)
                del q, k, v
                torch.cuda.empty_cache()
                try:
                    row["ours"] = ours(args.flash_run, batch, heads, seqlen,
                                       head_dim, causal, args.repeats,
                                       args.forward_flags, args.backward_flags)
                except Exception as error:
                    print(f"  ours failed at {row}: {error}", file=sys.stderr)
                rows.append(row)
                print_row(row)
                save()

    print_table(rows, list(peers))
    plot(rows, list(peers), device, os.path.join(args.out, "attention.png"))


def tflops_of(row, name, backward):
    if name not in row:
        return float("nan")
    ms = row[name][1 if backward else 0]
    return flops(row["batch"], row["heads"], row["seqlen"], row["head_dim"],
                 row["causal"], backward) / (ms * 1e-3) / 1e12


def print_row(row):
    parts = [f"d={row['head_dim']} s={row['seqlen']} b={row['batch']} "
             f"{'causal' if row['causal'] else 'full  '}"]
    for name in ("ours", "flash", "cudnn", "flex"):
        if name in row:
            parts.append(f"{name} {tflops_of(row, name, False):6.1f}/"
                         f"{tflops_of(row, name, True):6.1f}")
    print("  " + "  ".join(parts), flush=True)


def print_table(rows, peers):
    print()
    print("TFLOP/s (forward | backward); ratios are ours / peer")
    header = f"{'d':>4} {'seqlen':>6} {'causal':>6} | {'ours':>13}"
    for name in peers:
        header += f" | {name:>13} {'ratio':>11}"
    print(header)
    for row in rows:
        line = (f"{row['head_dim']:>4} {row['seqlen']:>6} "
                f"{str(row['causal']):>6} | "
                f"{tflops_of(row, 'ours', False):6.1f} {tflops_of(row, 'ours', True):6.1f}")
        for name in peers:
            f_ratio = tflops_of(row, "ours", False) / tflops_of(row, name, False)
            b_ratio = tflops_of(row, "ours", True) / tflops_of(row, name, True)
            line += (f" | {tflops_of(row, name, False):6.1f} "
                     f"{tflops_of(row, name, True):6.1f} {f_ratio:5.2f} {b_ratio:5.2f}")
        print(line)


def plot(rows, peers, device, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot")
        return
    head_dims = sorted({r["head_dim"] for r in rows})
    fig, axes = plt.subplots(2, 2 * len(head_dims), figsize=(6 * len(head_dims) * 2, 8),
                             squeeze=False)
    for col, (head_dim, causal) in enumerate(
            [(d, c) for d in head_dims for c in (False, True)]):
        selected = [r for r in rows if r["head_dim"] == head_dim and r["causal"] == causal]
        seqlens = [r["seqlen"] for r in selected]
        for line, backward in enumerate((False, True)):
            ax = axes[line][col]
            for name in ["ours"] + peers:
                ax.plot(seqlens, [tflops_of(r, name, backward) for r in selected],
                        marker="o", label=name)
            ax.set_xscale("log", base=2)
            ax.set_title(f"{'backward' if backward else 'forward'}, d={head_dim}, "
                         f"{'causal' if causal else 'non-causal'}")
            ax.set_xlabel("seqlen (batch x seqlen = 16k)")
            ax.set_ylabel("TFLOP/s")
            ax.legend()
    fig.suptitle(f"bf16 attention on {device}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
