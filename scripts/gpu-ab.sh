#!/usr/bin/env bash
# On the GPU host: times two flash-run variants on the same problems,
# interleaved (A, B, A, B) so that clock and thermal drift fall on both, and
# prints the forward (and with --backward the backward) milliseconds.
#
#   scripts/gpu-ab.sh BIN_A BIN_B [flags for every run]
#
# FLAGS_A / FLAGS_B add flags to one side only (e.g. FLAGS_B=
# "--producer-registers=56" with the same binary twice). PROBLEMS, one
# problem a line in flash-run's flags, defaults to the bench's forward
# classes at the tiles given by TILES (default 128x128 with 8 warps).
# Each variant caches its kernels in a directory of its own under
# ${OUT:-/tmp/flash-ab}.
set -uo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,13p' "$0"
  exit 2
fi
a=$1 b=$2
shift 2
out=${OUT:-/tmp/flash-ab}
mkdir -p "$out/cache-a" "$out/cache-b"
tiles=${TILES:---block-m=128 --block-n=128 --num-warps=8}
if [ -z "${PROBLEMS:-}" ]; then
  PROBLEMS=""
  for d in 64 128; do
    for s in 1024 4096 16384; do
      for causal in "" " --causal"; do
        PROBLEMS+="--batch=$((16384 / s)) --heads=$((2048 / d)) --seqlen-q=$s --head-dim=$d $tiles$causal"$'\n'
      done
    done
  done
fi
time_of() { # cache dir, binary, flags...
  local cache=$1 bin=$2
  shift 2
  FLASH_CACHE_DIR=$cache timeout 60 "$bin" --backend=cuda --repeats=7 "$@" 2>&1 |
    grep -oE '(forward|backward) [0-9.]+ ms' | awk '{printf "%s ", $2}'
}
echo "problem | A | B | A | B   (ms: forward [backward])"
while IFS= read -r problem; do
  [ -z "$problem" ] && continue
  # shellcheck disable=SC2086
  echo "$problem | $(time_of "$out/cache-a" "$a" $problem "$@" ${FLAGS_A:-})|" \
       "$(time_of "$out/cache-b" "$b" $problem "$@" ${FLAGS_B:-})|" \
       "$(time_of "$out/cache-a" "$a" $problem "$@" ${FLAGS_A:-})|" \
       "$(time_of "$out/cache-b" "$b" $problem "$@" ${FLAGS_B:-})"
done <<< "$PROBLEMS"
