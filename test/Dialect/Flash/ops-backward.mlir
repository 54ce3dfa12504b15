// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.row_dot, flash.softmax_recompute and flash.softmax_grad.

// CHECK-LABEL: func.func @row_dot(
// CHECK-SAME: %[[DO:[^:]+]]: tensor<64x128xbf16>, %[[O:[^:]+]]: tensor<64x128xbf16>, %[[A:[^:]+]]: tensor<16x8xf16>, %[[B:[^:]+]]: tensor<16x8xf32>)
// CHECK: %[[D:.*]] = flash.row_dot %[[DO]], %[[O]] : tensor<64x128xbf16> -> tensor<64xf32>{{$}}
// CHECK: flash.row_dot %[[A]], %[[A]] : tensor<16x8xf16> -> tensor<16xf32>{{$}}
// CHECK: flash.row_dot %[[B]], %[[B]] : tensor<16x8xf32> -> tensor<16xf32>{{$}}
// CHECK: return %[[D]]
// GENERIC-LABEL: sym_name = "row_dot"
// GENERIC: "flash.row_dot"(%{{.*}}, %{{.*}}) : (tensor<64x128xbf16>, tensor<64x128xbf16>) -> tensor<64xf32>
func.func @row_dot(%do: tensor<64x128xbf16>, %o: tensor<64x128xbf16>,
                   %a: tensor<16x8xf16>, %b: tensor<16x8xf32>) -> tensor<64xf32> {
  %delta = flash.row_dot %do, %o : tensor<64x128xbf16> -> tensor<64xf32>
  %x = flash.row_dot %a, %a : tensor<16x8xf16> -> tensor<16xf32>
  %y = flash.row_dot %b, %b : tensor<16x8xf32> -> tensor<16xf32>
  return %delta : tensor<64xf32>
}

// -----

// CHECK-LABEL: func.func @softmax_recompute(
// CHECK-SAME: %[[S:[^:]+]]: tensor<64x32xf32>, %[[LSE:[^:]+]]: tensor<64xf32>)
// CHECK: %[[P:.*]] = flash.softmax_recompute %[[S]], %[[LSE]] scale 1.250000e-01 : tensor<64x32xf32>, tensor<64xf32>{{$}}
// CHECK: return %[[P]]
// GENERIC-LABEL: sym_name = "softmax_recompute"
// GENERIC: "flash.softmax_recompute"(%{{.*}}, %{{.*}}) <{scale = 1.250000e-01 : f32}> : (tensor<64x32xf32>, tensor<64xf32>) -> tensor<64x32xf32>
func.func @softmax_recompute(%s: tensor<64x32xf32>, %lse: tensor<64xf32>) -> tensor<64x32xf32> {
  %p = flash.softmax_recompute %s, %lse scale 0.125 : tensor<64x32xf32>, tensor<64xf32>
  return %p : tensor<64x32xf32>
}

// -----

// CHECK-LABEL: func.func @softmax_grad(
// CHECK-SAME: %[[P:[^:]+]]: tensor<64x32xf32>, %[[DP:[^:]+]]: tensor<64x32xf32>, %[[D:[^:]+]]: tensor<64xf32>)
// CHECK: %[[DS:.*]] = flash.softmax_grad %[[P]], %[[DP]], %[[D]] : tensor<64x32xf32>, tensor<64xf32>{{$}}
// CHECK: return %[[DS]]
// GENERIC-LABEL: sym_name = "softmax_grad"
// GENERIC: "flash.softmax_grad"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<64x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<64x32xf32>
func.func @softmax_grad(%p: tensor<64x32xf32>, %dp: tensor<64x32xf32>, %delta: tensor<64xf32>) -> tensor<64x32xf32> {
  %ds = flash.softmax_grad %p, %dp, %delta : tensor<64x32xf32>, tensor<64xf32>
  return %ds : tensor<64x32xf32>
}

// -----

// Transposed tiles (Sᵀ = K Qᵀ, a query a column): statistics per column.
// CHECK-LABEL: func.func @transposed_softmax(
// CHECK-SAME: %[[S:[^:]+]]: tensor<32x64xf32>, %[[LSE:[^:]+]]: tensor<64xf32>, %[[D:[^:]+]]: tensor<64xf32>)
// CHECK: %[[P:.*]] = flash.softmax_recompute %[[S]], %[[LSE]] scale 1.250000e-01 transposed : tensor<32x64xf32>, tensor<64xf32>{{$}}
// CHECK: %[[DS:.*]] = flash.softmax_grad %[[P]], %[[S]], %[[D]] transposed : tensor<32x64xf32>, tensor<64xf32>{{$}}
// CHECK: return %[[DS]]
// GENERIC-LABEL: sym_name = "transposed_softmax"
// GENERIC: "flash.softmax_recompute"(%{{.*}}, %{{.*}}) <{scale = 1.250000e-01 : f32, transposed}> : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
// GENERIC: "flash.softmax_grad"(%{{.*}}, %{{.*}}, %{{.*}}) <{transposed}> : (tensor<32x64xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
func.func @transposed_softmax(%s: tensor<32x64xf32>, %lse: tensor<64xf32>, %delta: tensor<64xf32>) -> tensor<32x64xf32> {
  %p = flash.softmax_recompute %s, %lse scale 0.125 transposed : tensor<32x64xf32>, tensor<64xf32>
  %ds = flash.softmax_grad %p, %s, %delta transposed : tensor<32x64xf32>, tensor<64xf32>
  return %ds : tensor<32x64xf32>
}

// -----

// The backward's inner step: recompute P, dP = dO V^T, dS = P * (dP - D),
// dQ += dS K into an f32 accumulator.
// CHECK-LABEL: func.func @backward_step(
// CHECK: %[[P:.*]] = flash.softmax_recompute %{{.*}}, %{{.*}} scale 0.0883788987 : tensor<64x64xf32>, tensor<64xf32>
// CHECK: %[[DP:.*]] = flash.dot %{{.*}}, %{{.*}}, %{{.*}} {transpose_b} : tensor<64x128xbf16>, tensor<64x128xbf16> -> tensor<64x64xf32>
// CHECK: %[[DS:.*]] = flash.softmax_grad %[[P]], %[[DP]], %{{.*}} : tensor<64x64xf32>, tensor<64xf32>
// CHECK: flash.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 1 accumulate : tensor<64x128xf32> -> memref<?x?x?x128xf32>
func.func @backward_step(%s: tensor<64x64xf32>, %lse: tensor<64xf32>, %do: tensor<64x128xbf16>,
                         %v: tensor<64x128xbf16>, %k: tensor<64x128xbf16>,
                         %delta: tensor<64xf32>, %dq: memref<?x?x?x128xf32>, %i: index) {
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %zq = arith.constant dense<0.0> : tensor<64x128xf32>
  %p = flash.softmax_recompute %s, %lse scale 0.0883789 : tensor<64x64xf32>, tensor<64xf32>
  %dp = flash.dot %do, %v, %z {transpose_b} : tensor<64x128xbf16>, tensor<64x128xbf16> -> tensor<64x64xf32>
  %ds = flash.softmax_grad %p, %dp, %delta : tensor<64x64xf32>, tensor<64xf32>
  %ds16 = arith.truncf %ds : tensor<64x64xf32> to tensor<64x64xbf16>
  %dq_tile = flash.dot %ds16, %k, %zq : tensor<64x64xbf16>, tensor<64x128xbf16> -> tensor<64x128xf32>
  flash.store %dq_tile, %dq[%i, %i, %i, %i] bound %i along 1 accumulate
      : tensor<64x128xf32> -> memref<?x?x?x128xf32>
  return
}
