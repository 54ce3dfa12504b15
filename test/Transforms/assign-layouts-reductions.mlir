// RUN: flash-opt %s -split-input-file --flash-assign-layouts=shared-reductions=1 | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-assign-layouts | FileCheck %s --check-prefix=OFF

// --flash-assign-layouts{shared-reductions}: an accumulating store of an f32
// tile that is a block of whole rows of its destination (identity layout,
// rows along the next-to-last axis, from column 0, rows of a multiple of 16
// bytes) reads it from shared memory, its rows padded to the destination's
// (here 32 + 8 = 40, the layout of dq's sums with atomic_dq), so that the
// sm_90 lowering adds the buffer with one bulk reduction. Without the
// option, and for every other store, the tile stays in registers.

// CHECK-LABEL: func.func @whole_rows(
// CHECK: %[[SUM:.*]] = flash.dot
// CHECK-NEXT: %[[SHARED:.*]] = flash.convert_layout %[[SUM]] : tensor<64x32xf32, #flash.mma<warps = 4>> -> tensor<64x32xf32, #flash.shared<padding = 8>>
// CHECK-NEXT: flash.store %[[SHARED]], %{{.*}} along 2 accumulate : tensor<64x32xf32, #flash.shared<padding = 8>> -> memref<?x4x?x40xf32>
// OFF-LABEL: func.func @whole_rows(
// OFF-NOT: flash.convert_layout {{.*}} -> tensor<64x32xf32, #flash.shared
// OFF: flash.store %{{.*}} accumulate : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<?x4x?x40xf32>
func.func @whole_rows(%a: memref<?x64xbf16>, %b: memref<?x32xbf16>,
                      %sums: memref<?x4x?x40xf32>, %n: index, %row: index,
                      %head: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %ta = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %tb = flash.load %b[%c0, %c0] bound %n along 0 : memref<?x32xbf16> -> tensor<64x32xbf16>
  %zero = arith.constant dense<0.0> : tensor<64x32xf32>
  %sum = flash.dot %ta, %tb, %zero : tensor<64x64xbf16>, tensor<64x32xbf16> -> tensor<64x32xf32>
  flash.store %sum, %sums[%c0, %head, %row, %c0] bound %n along 2 accumulate : tensor<64x32xf32> -> memref<?x4x?x40xf32>
  return
}

// -----

// Not whole rows of the destination, or not added: rows along another axis
// than the next-to-last (q's [batch, seqlen, heads, head_dim]), from column
// 8, rows of 34 f32 (136 bytes), a plain store.

// CHECK-LABEL: func.func @register_sums(
// CHECK-NOT: #flash.shared
// CHECK: flash.store %{{.*}} along 1 accumulate : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<?x?x4x32xf32>
// CHECK-NEXT: flash.store %{{.*}} along 2 accumulate : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<?x4x?x40xf32>
// CHECK-NEXT: flash.store %{{.*}} along 2 accumulate : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<?x4x?x34xf32>
// CHECK-NEXT: flash.store %{{.*}} along 2 : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<?x4x?x40xf32>
func.func @register_sums(%q: memref<?x?x4x32xf32>, %sums: memref<?x4x?x40xf32>,
                         %odd: memref<?x4x?x34xf32>, %n: index, %row: index,
                         %head: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %t = arith.constant dense<1.0> : tensor<64x32xf32>
  flash.store %t, %q[%c0, %row, %head, %c0] bound %n along 1 accumulate : tensor<64x32xf32> -> memref<?x?x4x32xf32>
  flash.store %t, %sums[%c0, %head, %row, %c8] bound %n along 2 accumulate : tensor<64x32xf32> -> memref<?x4x?x40xf32>
  flash.store %t, %odd[%c0, %head, %row, %c0] bound %n along 2 accumulate : tensor<64x32xf32> -> memref<?x4x?x34xf32>
  flash.store %t, %sums[%c0, %head, %row, %c0] bound %n along 2 : tensor<64x32xf32> -> memref<?x4x?x40xf32>
  return
}

// -----

// A transpose whose only use adds it in bulk writes straight into the
// shared buffer (no conversion after it); one used in registers gets the
// default layout.

// CHECK-LABEL: func.func @transposed_sums(
// CHECK: %[[T:.*]] = flash.transpose %{{.*}} : tensor<128x64xf32, #flash.mma<warps = 4>> -> tensor<64x128xf32, #flash.shared<padding = 8>>
// CHECK-NEXT: flash.store %[[T]], %{{.*}} accumulate : tensor<64x128xf32, #flash.shared<padding = 8>> -> memref<?x4x?x136xf32>
// CHECK: %[[R:.*]] = flash.transpose %{{.*}} : tensor<128x64xf32, #flash.mma<warps = 4>> -> tensor<64x128xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: arith.addf %[[R]], %[[R]] : tensor<64x128xf32, #flash.mma<warps = 4>>
// OFF-LABEL: func.func @transposed_sums(
// OFF: flash.transpose %{{.*}} -> tensor<64x128xf32, #flash.mma<warps = 4>>
func.func @transposed_sums(%sums: memref<?x4x?x136xf32>, %n: index, %row: index,
                           %head: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : tensor<128x64xf32>
  %s = flash.transpose %t : tensor<128x64xf32> -> tensor<64x128xf32>
  flash.store %s, %sums[%c0, %head, %row, %c0] bound %n along 2 accumulate : tensor<64x128xf32> -> memref<?x4x?x136xf32>
  %r = flash.transpose %t : tensor<128x64xf32> -> tensor<64x128xf32>
  %d = arith.addf %r, %r : tensor<64x128xf32>
  flash.store %d, %sums[%c0, %head, %row, %c0] bound %n along 2 : tensor<64x128xf32> -> memref<?x4x?x136xf32>
  return
}
