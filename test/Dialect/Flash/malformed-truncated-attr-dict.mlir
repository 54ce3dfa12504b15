// RUN: not flash-opt %s 2>&1 | FileCheck %s

// This file ends inside the attribute dictionary of a flash.attention.

// CHECK: malformed-truncated-attr-dict.mlir:[[@LINE+5]]:{{[0-9]+}}: error: expected '}' in attribute dictionary
// CHECK-NOT: error:

func.func @cut(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %seed: i64) {
  flash.attention %q, %q, %q -> %q, %lse dropout_rng(%seed, %seed)
      {causal, dropout_p = 0.1 : f32, scale = 0.125
