#!/usr/bin/env bash
# On the GPU host, after gpu-bundle.sh made .gpu-bundle here: profiles one
# launch of a flash-run problem's kernels with Nsight Compute and prints
# where the time goes: throughput against peak (SpeedOfLight), DRAM and L2
# traffic, the warps' stall reasons, occupancy, and the SASS lines that
# stall most (PC sampling).
#
#   scripts/gpu-profile.sh [flash-run flags, e.g. --head-dim=64 --causal]
#
# KERNELS (an ncu -k filter, default regex:fwd) picks the kernels; the
# report is kept as ${OUT:-/tmp/flash-profile}/profile.ncu-rep. ncu
# replays each kernel once a section group: a profile's times are not
# timings (gpu-ab.sh measures those).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:-/tmp/flash-profile}
mkdir -p "$out"
"$root/scripts/gpu-unpack.sh"
ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
if [ ! -x "$ncu" ]; then
  echo "gpu-profile.sh: no ncu (Nsight Compute) on this host" >&2
  exit 1
fi
export FLASH_CACHE_DIR=${FLASH_CACHE_DIR:-$out/cache}
bin="$root/.gpu-bundle/bin/flash-run"
# Compiled (and tuned, if no tiles are given) before ncu sees a launch.
"$bin" --backend=cuda --repeats=0 "$@" > /dev/null
"$ncu" --kernel-name "${KERNELS:-regex:fwd}" --launch-count 1 \
  --section SpeedOfLight --section MemoryWorkloadAnalysis \
  --section ComputeWorkloadAnalysis --section WarpStateStats \
  --section SchedulerStats --section Occupancy --section LaunchStats \
  --section SourceCounters --import-source no \
  --export "$out/profile" --force-overwrite \
  "$bin" --backend=cuda --repeats=0 "$@" > "$out/ncu.log" 2>&1 ||
  { tail -20 "$out/ncu.log"; exit 1; }
"$ncu" --import "$out/profile.ncu-rep" --page details
# The SASS lines with the most stall samples (columns vary by version:
# the whole table goes to a file, its busiest lines here).
if "$ncu" --import "$out/profile.ncu-rep" --page source --csv \
     --print-source sass > "$out/sass.csv" 2> "$out/sass.err"; then
  echo "== SASS lines by warp stall samples (all in $out/sass.csv)"
  python3 - "$out/sass.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
header = next((i for i, r in enumerate(rows) if "Source" in r), None)
if header is None:
    sys.exit("no Source column in " + sys.argv[1])
names = rows[header]
source = names.index("Source")
sampled = [i for i, n in enumerate(names) if "Sampling" in n and "Not" not in n]
if not sampled:
    sys.exit("no sampling column: " + ", ".join(names))
column = sampled[0]
def count(r):
    try:
        return float(r[column].replace(",", ""))
    except (ValueError, IndexError):
        return 0.0
body = [r for r in rows[header + 1:] if len(r) == len(names)]
total = sum(count(r) for r in body) or 1.0
print(names[column])
for r in sorted(body, key=count, reverse=True)[:40]:
    print("%5.1f%%  %s" % (100 * count(r) / total, r[source].strip()))
PY
else
  echo "(no SASS page: $(head -c 300 "$out/sass.err"))"
fi
