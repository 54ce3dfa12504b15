#!/usr/bin/env python3
"""Mutation fuzzing of flash-opt: invalid IR must get a diagnostic, never a crash.

Takes the flash inputs of the lit suite and kernels/, mutates them (drops or
swaps lines, changes integers, element types and SSA names), runs flash-opt
with a random pass or pipeline, and keeps every input that crashes, hangs or
fails without an `error:` under --out (first line: the flags and exit code).

  scripts/fuzz-flash-opt.py --seconds 600 --seed 1 --out /tmp/fuzz
"""
import argparse
import glob
import os
import random
import re
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIPELINES = [['--flash-to-cpu'], ['--flash-to-nvvm'], ['--flash-tile-attention'],
             ['--flash-assign-layouts'], ['--flash-allocate-shared-memory'],
             ['--convert-flash-to-nvvm'], ['--convert-flash-tile-to-linalg'],
             ['--flash-launch-to-loops'], ['--flash-prefetch-shared-tiles'],
             # The sm_90a variants: swizzled shared tiles, wgmma, stmatrix,
             # TMA copies, a producer warpgroup, consumers taking turns.
             ['--flash-to-nvvm=wgmma=true'], ['--flash-assign-layouts=swizzle-shared=true'],
             ['--convert-flash-to-nvvm=wgmma=true'],
             ['--flash-to-nvvm=wgmma=true tma=true num-warps=8 block-m=128 block-n=128 warp-specialize=true'],
             ['--convert-flash-to-nvvm=wgmma=true tma=true num-warps=8 warp-specialize=true'],
             ['--convert-flash-to-nvvm=wgmma=true tma=true num-warps=8 warp-specialize=true ping-pong=true'],
             ['--convert-flash-to-nvvm=wgmma=true tma=true num-warps=8 warp-specialize=true overlap-softmax=true'],
             ['--convert-flash-to-nvvm=tma=true'],
             # Persistent kernels (tile loops; the CPU's capped grid) and the
             # producer's register split.
             ['--flash-to-nvvm=wgmma=true tma=true num-warps=8 block-m=128 block-n=128 warp-specialize=true persistent=true'],
             ['--flash-to-nvvm=wgmma=true tma=true num-warps=8 block-m=128 block-n=128 warp-specialize=true persistent=true overlap-softmax=true'],
             ['--flash-tile-attention=persistent=true'],
             ['--flash-to-cpu=persistent-programs=3'],
             ['--flash-launch-to-loops=persistent-programs=2'],
             ['--convert-flash-to-nvvm=wgmma=true tma=true num-warps=8 warp-specialize=true producer-registers=56'],
             # The dK/dV kernel on transposed scores (per-column statistics).
             ['--flash-tile-attention=transposed-grad=true'],
             ['--flash-to-nvvm=wgmma=true transposed-grad=true'],
             ['--flash-to-cpu=transposed-grad=true'],
             []]
NUMBERS = ['0', '1', '-1', '2', '3', '7', '65536', '1000000']
TYPES = ['f16', 'bf16', 'f32', 'f64', 'i32', 'i1', 'index']
TYPE_RE = re.compile(r'\b(f16|bf16|f32|f64|i32|i1|index)\b')


def mutate(text, rng):
    lines = text.split('\n')
    kind = rng.randrange(5)
    if kind == 0 and len(lines) > 2:
        del lines[rng.randrange(len(lines))]
    elif kind == 1:
        spots = list(re.finditer(r'\b\d+\b', text))
        if spots:
            m = rng.choice(spots)
            return text[:m.start()] + rng.choice(NUMBERS) + text[m.end():]
    elif kind == 2:
        # Not the element type of array<...>: MLIR's own parser crashes on
        # array<index: ...>, which is not ours to find.
        spots = [m for m in TYPE_RE.finditer(text)
                 if not text[:m.start()].endswith('array<')]
        if spots:
            m = rng.choice(spots)
            return text[:m.start()] + rng.choice(TYPES) + text[m.end():]
    elif kind == 3 and len(lines) > 2:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        names = list(re.finditer(r'%[\w#]+', text))
        if len(names) > 1:
            a, b = rng.choice(names), rng.choice(names)
            return text[:a.start()] + b.group() + text[a.end():]
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--flash-opt', default=os.path.join(ROOT, 'build/bin/flash-opt'))
    parser.add_argument('--seconds', type=float, default=300)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='fuzz-findings')
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    sources = glob.glob(os.path.join(ROOT, 'test/**/*.mlir'), recursive=True)
    sources += glob.glob(os.path.join(ROOT, 'kernels/*.mlir'))
    inputs = [chunk for path in sources
              for chunk in open(path).read().split('// -----') if 'flash.' in chunk]
    deadline = time.time() + args.seconds
    runs = findings = 0
    while time.time() < deadline:
        text = mutate(rng.choice(inputs), rng)
        if rng.random() < 0.3:
            text = mutate(text, rng)
        flags = rng.choice(PIPELINES)
        runs += 1
        try:
            result = subprocess.run([args.flash_opt, '-', '-o', os.devnull] + flags,
                                    input=text, capture_output=True, text=True,
                                    timeout=30)
            code, log = result.returncode, result.stderr
        except subprocess.TimeoutExpired:
            code, log = 'timeout', ''
        crashed = (code == 'timeout' or code not in (0, 1) or 'Stack dump' in log
                   or 'LLVM ERROR' in log or (code == 1 and 'error' not in log))
        if crashed:
            findings += 1
            with open(os.path.join(args.out, f'finding{findings}.mlir'), 'w') as f:
                f.write(f"// flash-opt {' '.join(flags)}: exit {code}\n{text}\n")
                f.write(''.join('// ' + line + '\n' for line in log.splitlines()[:40]))
    print(f'{runs} runs, {findings} findings in {args.out}')
    return 1 if findings else 0


if __name__ == '__main__':
    raise SystemExit(main())
