#!/usr/bin/env bash
# Cold and warm first-call latency of flash-run on one backend: the first
# call of a process with an empty kernel cache (compiles), then of a second
# process with the cache the first one filled (loads). Autotuning is off so
# that the numbers are compilation and loading alone.
#   scripts/first-call-latency.sh [FLASH_RUN] [flash-run problem flags...]
# e.g. scripts/first-call-latency.sh .gpu-bundle/bin/flash-run --backend=cuda \
#        --causal --backward --head-dim=128
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
flash_run=${1:-$root/build/bin/flash-run}
shift || true
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
first_call() {
  FLASH_CACHE_DIR=$cache FLASH_AUTOTUNE=0 "$flash_run" --repeats=0 --json "$@" |
    python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["backend"], r["first_call_s"])'
}
echo "problem: $*"
read -r backend cold < <(first_call "$@")
read -r _ warm < <(first_call "$@")
echo "backend $backend: cold first call ${cold} s (compile), warm first call ${warm} s (kernel cache)"
