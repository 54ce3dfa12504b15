#!/usr/bin/env bash
# The main job: installs what is missing, builds, then compiles the
# hand-written forward kernels with flash-opt.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FLASH_BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" flash-opt
for kernel in "$root"/kernels/*.mlir; do
  echo "== $(basename "$kernel")"
  "$build/bin/flash-opt" "$kernel"
done
