// RUN: flash-opt %s -split-input-file --flash-assign-layouts | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-assign-layouts=num-warps=2 | FileCheck %s --check-prefix=W2

// --flash-assign-layouts puts the statistics of transposed score tiles
// (Sᵀ = K Qᵀ, a query a column: softmax_recompute's lse and softmax_grad's
// D with `transposed`) in shared memory, a vector of consecutive f32 the
// program loads once, and each use reads them into the columns layout of
// the mma tile right before it; row statistics keep #flash.rows.

// CHECK-LABEL: func.func @transposed_statistics(
// CHECK: %[[L:.*]] = flash.load %{{.*}} -> tensor<64xf32, #flash.shared<padding = 0>>
// CHECK: %[[D:.*]] = flash.load %{{.*}} -> tensor<64xf32, #flash.shared<padding = 0>>
// CHECK: %[[R:.*]] = flash.load %{{.*}} -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK: %[[LC:.*]] = flash.convert_layout %[[L]] : tensor<64xf32, #flash.shared<padding = 0>> -> tensor<64xf32, #flash.columns<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[P:.*]] = flash.softmax_recompute %{{.*}}, %[[LC]] scale 1.000000e+00 transposed : tensor<128x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.columns<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[DC:.*]] = flash.convert_layout %[[D]] : tensor<64xf32, #flash.shared<padding = 0>> -> tensor<64xf32, #flash.columns<#flash.mma<warps = 4>>>
// CHECK-NEXT: flash.softmax_grad %[[P]], %{{.*}}, %[[DC]] transposed : tensor<128x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.columns<#flash.mma<warps = 4>>>
// CHECK: flash.softmax_recompute %{{.*}}, %[[R]] scale 1.000000e+00 : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NOT: flash.convert_layout
// W2-LABEL: func.func @transposed_statistics(
// W2: flash.load %{{.*}} -> tensor<64xf32, #flash.shared<padding = 0>>
// W2: flash.convert_layout %{{.*}} : tensor<64xf32, #flash.shared<padding = 0>> -> tensor<64xf32, #flash.columns<#flash.mma<warps = 2>>>
func.func @transposed_statistics(%lse: memref<?xf32>, %delta: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : tensor<128x64xf32>
  %l = flash.load %lse[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32>
  %d = flash.load %delta[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32>
  %r = flash.load %lse[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32>
  %p = flash.softmax_recompute %t, %l scale 1.0 transposed : tensor<128x64xf32>, tensor<64xf32>
  %ds = flash.softmax_grad %p, %t, %d transposed : tensor<128x64xf32>, tensor<64xf32>
  %rt = arith.constant dense<1.0> : tensor<64x64xf32>
  %q = flash.softmax_recompute %rt, %r scale 1.0 : tensor<64x64xf32>, tensor<64xf32>
  return
}
