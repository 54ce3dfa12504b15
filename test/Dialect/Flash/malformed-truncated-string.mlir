// RUN: not flash-opt %s 2>&1 | FileCheck %s

// This file ends inside the quoted name of a generic op, without a final
// newline.

// CHECK: malformed-truncated-string.mlir:[[@LINE+5]]:{{[0-9]+}}: error: expected '"' in string literal
// CHECK-NOT: error:

func.func @cut(%i: index) {
  %0 = flash.program_id x
  %1 = "flash.seq_bou