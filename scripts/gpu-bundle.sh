#!/usr/bin/env bash
# Packs what the GPU host needs into $FLASH_BUNDLE_DIR (default .gpu-bundle/,
# ignored by git): the statically linked tools and test binaries, stripped
# and xz-compressed, plus the bench scripts. The host has no LLVM/MLIR; the
# binaries need only libc, libm and (at run time) libcuda.
# On the host: scripts/gpu-unpack.sh, then run bin/flash-run etc.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FLASH_BUILD_DIR:-$root/build}
bundle=${FLASH_BUNDLE_DIR:-$root/.gpu-bundle}

"$root/scripts/build.sh" flash-run flash-tune flash-opt FlashRuntimeTests
rm -rf "$bundle"
mkdir -p "$bundle"
for binary in flash-run flash-tune flash-opt FlashRuntimeTests; do
  strip -o "$bundle/$binary" "$build/bin/$binary"
  xz -T2 -6 -f "$bundle/$binary"
done
ls -la "$bundle"
