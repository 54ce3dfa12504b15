// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.philox and flash.dropout.

// CHECK-LABEL: func.func @philox(
// CHECK-SAME: %[[SEED:[^:]+]]: i64, %[[OFFSET:[^:]+]]: i64, %[[STREAM:[^:]+]]: index, %[[R:[^:]+]]: index, %[[C:[^:]+]]: index)
// CHECK: %[[BITS:.*]] = flash.philox %[[SEED]], %[[OFFSET]], %[[STREAM]] at(%[[R]], %[[C]]) : tensor<64x32xi32>{{$}}
// CHECK: flash.philox %[[SEED]], %[[OFFSET]], %[[STREAM]] at(%[[R]], %[[C]]) transposed : tensor<32x64xi32>{{$}}
// CHECK: return %[[BITS]]
// GENERIC-LABEL: sym_name = "philox"
// GENERIC: "flash.philox"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, index, index, index) -> tensor<64x32xi32>
// GENERIC: "flash.philox"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{transposed}> : (i64, i64, index, index, index) -> tensor<32x64xi32>
func.func @philox(%seed: i64, %offset: i64, %stream: index, %row: index, %col: index) -> tensor<64x32xi32> {
  %bits = flash.philox %seed, %offset, %stream at (%row, %col) : tensor<64x32xi32>
  %transposed = flash.philox %seed, %offset, %stream at (%row, %col) transposed : tensor<32x64xi32>
  return %bits : tensor<64x32xi32>
}

// -----

// CHECK-LABEL: func.func @dropout(
// CHECK-SAME: %[[P:[^:]+]]: tensor<64x64xf32>, %[[BITS:[^:]+]]: tensor<64x64xi32>)
// CHECK: %[[R:.*]] = flash.dropout %[[P]], %[[BITS]] prob 1.000000e-01 : tensor<64x64xf32>, tensor<64x64xi32>{{$}}
// CHECK: return %[[R]]
// GENERIC-LABEL: sym_name = "dropout"
// GENERIC: "flash.dropout"(%{{.*}}, %{{.*}}) <{prob = 1.000000e-01 : f32}> : (tensor<64x64xf32>, tensor<64x64xi32>) -> tensor<64x64xf32>
func.func @dropout(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) -> tensor<64x64xf32> {
  %r = flash.dropout %p, %bits prob 0.1 : tensor<64x64xf32>, tensor<64x64xi32>
  return %r : tensor<64x64xf32>
}

// -----

// Probabilities close to both ends of (0, 1).
// CHECK-LABEL: func.func @dropout_extremes(
// CHECK: flash.dropout %{{.*}}, %{{.*}} prob 9.99999997E-7 : tensor<16x8xf32>, tensor<16x8xi32>{{$}}
// CHECK: flash.dropout %{{.*}}, %{{.*}} prob 0.999989986 : tensor<16x8xf32>, tensor<16x8xi32>{{$}}
func.func @dropout_extremes(%p: tensor<16x8xf32>, %bits: tensor<16x8xi32>) {
  %a = flash.dropout %p, %bits prob 1.0e-6 : tensor<16x8xf32>, tensor<16x8xi32>
  %b = flash.dropout %p, %bits prob 0.99999 : tensor<16x8xf32>, tensor<16x8xi32>
  return
}

// -----

// Bits feeding dropout, as in the forward with dropout.
// CHECK-LABEL: func.func @philox_then_dropout(
// CHECK: %[[BITS:.*]] = flash.philox %{{.*}}, %{{.*}}, %{{.*}} at(%{{.*}}, %{{.*}}) : tensor<64x64xi32>
// CHECK: flash.dropout %{{.*}}, %[[BITS]] prob 5.000000e-01 : tensor<64x64xf32>, tensor<64x64xi32>
func.func @philox_then_dropout(%p: tensor<64x64xf32>, %seed: i64, %offset: i64, %i: index) -> tensor<64x64xf32> {
  %bits = flash.philox %seed, %offset, %i at(%i, %i) : tensor<64x64xi32>
  %r = flash.dropout %p, %bits prob 0.5 : tensor<64x64xf32>, tensor<64x64xi32>
  return %r : tensor<64x64xf32>
}
