#!/usr/bin/env bash
# On the GPU host: decompresses the bundle made by gpu-bundle.sh into
# $FLASH_BUNDLE_DIR/bin.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bundle=${FLASH_BUNDLE_DIR:-$root/.gpu-bundle}
mkdir -p "$bundle/bin"
for archive in "$bundle"/*.xz; do
  name=$(basename "$archive" .xz)
  xz -dc "$archive" > "$bundle/bin/$name"
  chmod +x "$bundle/bin/$name"
done
