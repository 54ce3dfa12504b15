// RUN: not flash-opt %s 2>&1 | FileCheck %s
// RUN: not flash-opt %s -split-input-file 2>&1 | FileCheck %s

// This file ends in the middle of a type, without a final newline: the
// parser must report an error at the cut, not crash or read past the end.

// CHECK: malformed-truncated-type.mlir:[[@LINE+4]]:{{[0-9]+}}: error: expected non-function type
// CHECK-NOT: error:

func.func @cut(%a: tensor<8x8xf32>) {
  %r = flash.dot %a, %a, %a {transpose_b} : tensor<8x8xf32>, tensor<8x8xf32> -> tens