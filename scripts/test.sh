#!/usr/bin/env bash
# The test command: installs what is missing, builds everything and runs the
# whole suite (lit IR tests and GoogleTest unit tests) through ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FLASH_BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
