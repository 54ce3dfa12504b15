// RUN: not flash-opt %s 2>&1 | FileCheck %s

// Prose where IR should be, after a valid function: the error points at the
// first word of it, and nothing is printed on stdout.

// CHECK-NOT: module
// CHECK: malformed-garbage-text.mlir:[[@LINE+8]]:1: error: custom op 'The' is unknown
// CHECK-NOT: error:

func.func @valid() {
  %0 = flash.program_id x
  return
}

The quick brown fox jumps over the lazy dog; flash.attention is not a verb.
