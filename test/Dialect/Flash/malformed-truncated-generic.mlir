// RUN: not flash-opt %s 2>&1 | FileCheck %s

// This file ends inside the properties of a generic flash.load.

// CHECK: malformed-truncated-generic.mlir:[[@LINE+5]]:{{[0-9]+}}: error: expected attribute value
// CHECK-NOT: error:

func.func @cut(%m: memref<?x64xf16>, %i: index) {
  %t = "flash.load"(%m, %i, %i, %i)
      <{along = 
