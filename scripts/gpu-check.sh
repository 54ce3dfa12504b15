#!/usr/bin/env bash
# On the GPU host, from the repository root, after gpu-bundle.sh made
# .gpu-bundle here: unpacks, runs the GPU tests, checks every feature from
# the command line, and runs compute-sanitizer's memcheck on the GPU tests.
# Logs go to ${OUT:-/tmp/flash-gpu}.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:-/tmp/flash-gpu}
mkdir -p "$out"
"$root/scripts/gpu-unpack.sh"
bin="$root/.gpu-bundle/bin"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/device.txt"

echo "== GPU tests"
"$bin/FlashRuntimeTests" --gtest_filter='*Cuda*' 2>&1 | tee "$out/gpu-tests.log" | grep -E "^\[  (PASSED|FAILED|SKIPPED) |FAILED  \]|Failure|error" | head -60

echo "== flash-run --backend=cuda --check"
run() { echo "-- $*"; "$bin/flash-run" --backend=cuda --check --repeats=2 "$@" 2>&1 | grep -E "check:|FAILED|error|TFLOP|flash-run:"; }
{
run --batch=2 --heads=4 --seqlen-q=256 --head-dim=64
run --batch=2 --heads=8 --kv-heads=2 --seqlen-q=300 --seqlen-k=500 --head-dim=128 --dtype=fp16 --causal --dropout=0.1 --seed=7 --backward
run --varlen=0,1,77,300 --causal --backward --head-dim=96
run --head-dim=256 --seqlen-q=129 --backward --causal
run --head-dim=32 --seqlen-q=64 --seqlen-k=1 --backward
run --block-m=128 --block-n=64 --head-dim=128 --seqlen-q=1000 --causal --backward
# sm_90a: two warpgroups (TMA copies issued by a producer warpgroup; then
# by the consumers; then cp.async; then with the consumers taking turns),
# two pipeline stages, and the mma.sync path forced.
run --block-m=128 --block-n=128 --num-warps=8 --head-dim=128 --seqlen-q=700 --kv-heads=2 --heads=4 --backward
run --block-m=128 --block-n=128 --num-warps=8 --head-dim=64 --seqlen-q=1000 --causal --dropout=0.1 --seed=5 --backward
run --block-m=128 --block-n=128 --num-warps=8 --head-dim=128 --seqlen-q=515 --causal --warp-specialize=0 --backward
run --block-m=128 --block-n=128 --num-warps=8 --head-dim=64 --seqlen-q=515 --tma=0 --backward
run --block-m=128 --block-n=128 --num-warps=8 --head-dim=128 --seqlen-q=515 --ping-pong=1 --backward
run --stages=2 --head-dim=64 --varlen=5,300,64 --causal --dropout=0.2 --seed=3 --backward
run --wgmma=0 --head-dim=128 --seqlen-q=333 --causal --backward
# The dK/dV kernel on S = Q Kᵀ (the default is Sᵀ = K Qᵀ), one and two
# warpgroups.
run --transposed-grad=0 --head-dim=64 --seqlen-q=300 --seqlen-k=410 --causal --dropout=0.1 --seed=9 --backward
run --transposed-grad=0 --block-m=128 --block-n=128 --num-warps=8 --head-dim=128 --seqlen-q=515 --kv-heads=2 --heads=4 --backward
} | tee "$out/flash-run.log"

if command -v compute-sanitizer >/dev/null; then
  echo "== compute-sanitizer --tool memcheck"
  compute-sanitizer --tool memcheck --error-exitcode 3 "$bin/FlashRuntimeTests" \
    --gtest_filter='*Cuda*varlen*:*Cuda*length_one*:*Cuda*ragged*:*Cuda*strided*:*Cuda*dropout*w8*:*Cuda*rowmajor*:CudaAttentionProperties.*-*HostPointers*' \
    > "$out/memcheck.log" 2>&1
  echo "memcheck exit status $?"
  grep -E "ERROR SUMMARY|PASSED|FAILED" "$out/memcheck.log" | tail -5
fi
