#!/usr/bin/env bash
# Configures (once) and builds FlashMLIR in $FLASH_BUILD_DIR (default: build/).
# Extra arguments are ninja targets.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FLASH_BUILD_DIR:-$root/build}

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    "${launcher[@]}"
fi
# Two cores and static links of LLVM: keep link jobs to one at a time.
cmake --build "$build" -- -j"$(nproc)" "$@"
