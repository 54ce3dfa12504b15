#!/usr/bin/env bash
# The main job: installs what is missing, builds, compiles an attention
# kernel and runs it on random data, checking the result against the float64
# reference (on the GPU when the build has a usable one, else on the CPU).
# Extra arguments go to flash-run (see `build/bin/flash-run --help`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FLASH_BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" flash-opt flash-run

echo "== flash-opt: the tile-level forward kernel, compiled for the CPU"
# The first lines of the module (sed reads it all: `head` would close the
# pipe early and flash-opt would die of SIGPIPE under pipefail).
"$build/bin/flash-opt" --flash-to-cpu "$root/kernels/attention_fwd.mlir" | sed -n '1,5p'
echo "..."
echo "== flash-run: forward and backward, checked against the float64 reference"
if (($# == 0)); then
  set -- --batch=2 --heads=8 --kv-heads=2 --seqlen-q=256 --seqlen-k=256 \
    --head-dim=64 --dtype=bf16 --causal --dropout=0.1 --seed=42 --backward
fi
"$build/bin/flash-run" --backend=auto --check "$@"
