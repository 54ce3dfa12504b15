#!/usr/bin/env bash
# Round-trips every kernel of the given folder through flash-opt: the printed
# form must parse back to identical text, custom and generic syntax alike.
set -euo pipefail
dir=$1
shopt -s nullglob
kernels=("$dir"/*.mlir)
if ((${#kernels[@]} == 0)); then
  echo "no kernels in $dir" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for kernel in "${kernels[@]}"; do
  name=$(basename "$kernel" .mlir)
  flash-opt --verify-each "$kernel" -o "$tmp/$name.1.mlir"
  flash-opt "$tmp/$name.1.mlir" -o "$tmp/$name.2.mlir"
  cmp "$tmp/$name.1.mlir" "$tmp/$name.2.mlir"
  flash-opt --mlir-print-op-generic "$kernel" -o "$tmp/$name.generic.mlir"
  flash-opt "$tmp/$name.generic.mlir" -o "$tmp/$name.3.mlir"
  cmp "$tmp/$name.1.mlir" "$tmp/$name.3.mlir"
  grep -q "flash.kernel" "$tmp/$name.1.mlir"
  echo "round-tripped $name"
done
