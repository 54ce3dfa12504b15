#!/usr/bin/env python3
"""Randomised numerics: random attention problems through `flash-run --check`.

Each run draws a problem (batch, GQA ratio, head dim, dtype, causal, dropout,
scale, dense or packed lengths, tile sizes, atomic dq sums) and checks every
output against the float64 oracle; every problem that fails or crashes is
printed with its flags and report.

  scripts/fuzz-flash-run.py --seconds 600 --seed 1 [--backend cpu|cuda]
"""
import argparse
import os
import random
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def draw(rng, backend):
    kv_heads = rng.choice([1, 2, 3])
    head_dims = [16, 32, 64, 96, 128, 256]
    if backend == 'cpu':
        head_dims += [8, 24, 40, 72, 136]  # multiples of 8: the CPU backend only
    flags = [f'--backend={backend}', '--check', '--repeats=0',
             f'--heads={kv_heads * rng.choice([1, 2, 3])}', f'--kv-heads={kv_heads}',
             f'--head-dim={rng.choice(head_dims)}', f"--dtype={rng.choice(['fp16', 'bf16'])}"]
    if rng.random() < 0.5:
        flags.append('--causal')
    if rng.random() < 0.3:
        flags += [f'--dropout={rng.choice([0.1, 0.5, 0.9])}',
                  f'--seed={rng.randrange(1 << 40)}', f'--offset={rng.randrange(1 << 32)}']
    if rng.random() < 0.5:
        flags.append('--backward')
        if rng.random() < 0.3:
            flags.append('--atomic-dq=1')
        if rng.random() < 0.3:
            flags.append('--transposed-grad=1')
    if rng.random() < 0.3:
        flags.append(f'--scale={rng.choice([0.01, 0.05, 0.2])}')
    if rng.random() < 0.3:
        batch = rng.randrange(1, 4)
        flags.append('--varlen=' + ','.join(str(rng.randrange(0, 150)) for _ in range(batch)))
        if rng.random() < 0.5:
            flags.append('--varlen-k=' + ','.join(str(rng.randrange(0, 150)) for _ in range(batch)))
    else:
        flags += [f'--batch={rng.randrange(1, 3)}', f'--seqlen-q={rng.randrange(1, 200)}',
                  f'--seqlen-k={rng.randrange(1, 200)}']
    if rng.random() < 0.5:
        # The GPU draws from the autotuner's candidates (4 warps).
        sizes = [16, 32, 64, 128] if backend == 'cpu' else [64, 128]
        flags += [f'--block-m={rng.choice(sizes)}', f'--block-n={rng.choice(sizes)}']
    return flags


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--flash-run', default=os.path.join(ROOT, 'build/bin/flash-run'))
    parser.add_argument('--backend', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--seconds', type=float, default=300)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    deadline = time.time() + args.seconds
    runs = failures = rejected = 0
    while time.time() < deadline:
        flags = draw(rng, args.backend)
        runs += 1
        try:
            result = subprocess.run([args.flash_run] + flags, capture_output=True,
                                    text=True, timeout=600)
            code, report = result.returncode, result.stdout + result.stderr
        except subprocess.TimeoutExpired:
            code, report = 'timeout', ''
        if code == 1 and 'bytes of shared memory; the device has' in report:
            rejected += 1  # tiles the GPU cannot hold, refused with a clear error
            continue
        if code != 0:
            failures += 1
            print(f"exit {code}: flash-run {' '.join(flags)}\n{report[-2000:]}", flush=True)
    print(f'{runs} problems, {failures} failures, {rejected} refused for '
          'shared memory (explicit tiles the device cannot hold)')
    return 1 if failures else 0


if __name__ == '__main__':
    raise SystemExit(main())
