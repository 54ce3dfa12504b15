#!/usr/bin/env bash
# On the GPU host, from the repository root, after gpu-bundle.sh made
# .gpu-bundle here: tunes the forward of the bench's 12 classes (bf16, head
# dims 64 and 128, seqlen 1k/4k/16k with 16k tokens, 2048 / head_dim heads,
# causal and not) and runs bench/bench_attention.py beside SDPA's flash and
# cuDNN backends with the backward at 64x64, 4 warps (performance.md's
# bench), or with BACKWARD_FLAGS= (empty) the backward tuned too. Writes
# results.json (after every class) and the tuned choices under
# ${OUT:-/tmp/flash-bench}; AUTOTUNE_JSON seeds the tuner with the choices
# of an earlier run. Fits one 600-second device call: on an H100 with the
# backward tuned too, the tuning took 151 s, and the bench, compiling half
# the classes' kernels itself, 207 s (performance.md step 35);
# TUNE_SECONDS (default 300) and BENCH_SECONDS (default 270) cap each part.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:-/tmp/flash-bench}
mkdir -p "$out"
"$root/scripts/gpu-unpack.sh"
bin="$root/.gpu-bundle/bin"
export FLASH_CACHE_DIR=${FLASH_CACHE_DIR:-$out/cache}
backward_flags=${BACKWARD_FLAGS---block-m=64 --block-n=64 --num-warps=4}
mkdir -p "$FLASH_CACHE_DIR"
if [ -n "${AUTOTUNE_JSON:-}" ]; then
  cp "$AUTOTUNE_JSON" "$FLASH_CACHE_DIR/autotune.json"
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
date -u
problems="$out/problems.txt"
: > "$problems"
for d in 64 128; do
  for s in 1024 4096 16384; do
    for causal in "" " --causal"; do
      echo "--batch=$((16384 / s)) --heads=$((2048 / d)) --seqlen-q=$s --head-dim=$d$causal" >> "$problems"
    done
  done
done
echo "== flash-tune"
# shellcheck disable=SC2046
timeout "${TUNE_SECONDS:-300}" "$bin/flash-tune" --backend=cuda --problems="$problems" \
  $([ -z "$backward_flags" ] && echo --backward) 2>&1 | tail -26
date -u
echo "== bench"
timeout "${BENCH_SECONDS:-270}" python3 "$root/bench/bench_attention.py" \
  --flash-run "$bin/flash-run" --out "$out" --seqlens 1024,4096,16384 \
  --head-dims 64,128 --repeats 5 --peers flash,cudnn \
  --backward-flags "$backward_flags" 2>&1 | tail -16
date -u
