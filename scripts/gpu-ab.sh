#!/usr/bin/env bash
# On the GPU host: times flash-run variants on the same problems,
# interleaved (A, B, ..., A, B, ...) so that clock and thermal drift fall on
# every one, and prints the forward (and with --backward the backward)
# milliseconds.
#
#   scripts/gpu-ab.sh BIN_A BIN_B [BIN_C ...] [flags for every run]
#
# The binaries are the arguments before the first one starting with "-".
# FLAGS_A / FLAGS_B add flags to the first or second one only (e.g.
# FLAGS_B="--producer-registers=56" with the same binary twice). PROBLEMS,
# one problem a line in flash-run's flags, defaults to the bench's forward
# classes at the tiles given by TILES (default 128x128 with 8 warps).
# Each variant caches its kernels in a directory of its own under
# ${OUT:-/tmp/flash-ab}.
set -uo pipefail
binaries=()
while [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; do
  binaries+=("$1")
  shift
done
if [ ${#binaries[@]} -lt 2 ]; then
  sed -n '2,15p' "$0"
  exit 2
fi
out=${OUT:-/tmp/flash-ab}
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
time_of() { # variant index, flags...
  local i=$1 extra=""
  shift
  [ "$i" = 0 ] && extra=${FLAGS_A:-}
  [ "$i" = 1 ] && extra=${FLAGS_B:-}
  # shellcheck disable=SC2086
  FLASH_CACHE_DIR=$out/cache-$i timeout 60 "${binaries[$i]}" --backend=cuda \
    --repeats=7 "$@" $extra 2>&1 |
    grep -oE '(forward|backward) [0-9.]+ ms' | awk '{printf "%s ", $2}'
}
names=""
for i in "${!binaries[@]}"; do
  names+="$(echo {A..Z} | cut -d' ' -f$((i + 1))) "
  mkdir -p "$out/cache-$i"
done
echo "problem | $names| $names  (ms: forward [backward])"
while IFS= read -r problem; do
  [ -z "$problem" ] && continue
  line="$problem"
  for round in 1 2; do
    for i in "${!binaries[@]}"; do
      # shellcheck disable=SC2086
      line+=" | $(time_of "$i" $problem "$@")"
    done
  done
  echo "$line"
done <<< "$PROBLEMS"
