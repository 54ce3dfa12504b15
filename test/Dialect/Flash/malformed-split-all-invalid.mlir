// RUN: not flash-opt %s -split-input-file 2>&1 | FileCheck %s

// With -split-input-file every chunk is parsed and verified on its own: each
// broken chunk reports its own located error (lines are those of this file),
// the valid chunk is still printed, and the exit status is a failure.

// CHECK-DAG: malformed-split-all-invalid.mlir:[[@LINE+3]]:{{[0-9]+}}: error: custom op 'flash.program' is unknown
// CHECK-DAG: malformed-split-all-invalid.mlir:[[@LINE+7]]:{{[0-9]+}}: error: 'flash.dropout' op 'prob' must be in (0, 1), got 0.000000e+00
func.func @a() {
  %0 = flash.program x
  return
}
// -----
func.func @b(%p: tensor<8x8xf32>, %bits: tensor<8x8xi32>) {
  %r = flash.dropout %p, %bits prob 0.0 : tensor<8x8xf32>, tensor<8x8xi32>
  return
}
// -----
// CHECK-DAG: func.func @c() attributes {flash.kernel}
func.func @c() attributes {flash.kernel} {
  return
}
// -----
// CHECK-DAG: malformed-split-all-invalid.mlir:[[@LINE+1]]:{{[0-9]+}}: error: 'flash.kernel' must be a unit attribute
func.func @d() attributes {flash.kernel = 0 : i32} {
  return
}
// -----
// CHECK-DAG: malformed-split-all-invalid.mlir:[[@LINE+2]]:{{[0-9]+}}: error: expected operation name in quotes
func.func @e() {
  %0 = flash.program_id z
