// RUN: flash-opt %s -split-input-file --flash-allocate-shared-memory | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-allocate-shared-memory=max-bytes=20480 | FileCheck %s --check-prefix=FITS
// RUN: flash-opt %s -split-input-file --flash-allocate-shared-memory=max-bytes=16384 | FileCheck %s --check-prefix=LIMIT

// --flash-allocate-shared-memory{max-bytes}: a kernel over the limit drops
// the shared copies of its accumulating stores' tiles (the stores then add
// from registers) and is allocated again; one within it, or without a
// limit, keeps them. Here a 64 x 64 bf16 tile with padding 8 (9216 bytes)
// and the 64 x 32 f32 sums padded to 40 (10240 bytes, at 9216): 19456 in
// all, 9216 without the sums. Other shared tiles are never dropped: the
// kernel then stays over the limit, for the launch to refuse.

// CHECK-LABEL: func.func @sums(
// CHECK-SAME: flash.shared_memory = 19456 : i64
// CHECK: flash.convert_layout %{{.*}} {flash.shared_offset = 9216 : i64} : tensor<64x32xf32, #flash.mma<warps = 4>> -> tensor<64x32xf32, #flash.shared<padding = 8>>
// FITS-LABEL: func.func @sums(
// FITS-SAME: flash.shared_memory = 19456 : i64
// FITS: flash.store %{{.*}} accumulate : tensor<64x32xf32, #flash.shared<padding = 8>> -> memref<?x40xf32>
// LIMIT-LABEL: func.func @sums(
// LIMIT-SAME: flash.shared_memory = 9216 : i64
// LIMIT-NOT: flash.convert_layout
// LIMIT: flash.store %{{.*}} accumulate : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<?x40xf32>
#mma = #flash.mma<warps = 4>
func.func @sums(%a: memref<?x64xbf16>, %d: memref<?x40xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  %z = arith.constant dense<1.0> : tensor<64x32xf32, #mma>
  %s = flash.convert_layout %z : tensor<64x32xf32, #mma> -> tensor<64x32xf32, #flash.shared<padding = 8>>
  flash.store %s, %d[%c0, %c0] bound %n along 0 accumulate : tensor<64x32xf32, #flash.shared<padding = 8>> -> memref<?x40xf32>
  return
}

// -----

// LIMIT-LABEL: func.func @too_big(
// LIMIT-SAME: flash.shared_memory = 18432 : i64
#mma = #flash.mma<warps = 4>
func.func @too_big(%a: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  %u = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  return
}
