// RUN: flash-opt %s --flash-tile-attention="block-m=128 persistent=1" --canonicalize --flash-assign-layouts="num-warps=8 swizzle-shared=1 shared-operand-a=1" --flash-prefetch-shared-tiles --flash-allocate-shared-memory | FileCheck %s

// --flash-prefetch-shared-tiles on a persistent forward (Q in shared memory
// for wgmma): the loop over tiles holds the key loop and is left alone (its
// next tile's Q could lie past the tensors), carrying nothing, while the
// key loop's K and V are prefetched as without the tile loop.
// CHECK-LABEL: func.func private @fwd_attention_fwd(
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: flash.load %arg0{{.*}} {flash.shared_offset = 0 : i64}
// CHECK: flash.load %arg1{{.*}} {flash.prefetched
// CHECK: flash.load %arg2{{.*}} {flash.prefetched
// CHECK: scf.for {{.*}} iter_args(
func.func @fwd(%q: memref<2x256x4x64xbf16>, %k: memref<2x256x4x64xbf16>, %v: memref<2x256x4x64xbf16>,
               %o: memref<2x256x4x64xbf16>, %lse: memref<2x4x256xf32>) {
  flash.attention %q, %k, %v -> %o, %lse : memref<2x256x4x64xbf16>, memref<2x256x4x64xbf16>, memref<2x256x4x64xbf16> -> memref<2x256x4x64xbf16>, memref<2x4x256xf32>
  return
}
