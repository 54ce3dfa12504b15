// RUN: not flash-opt %s --convert-flash-tile-to-linalg 2>&1 | FileCheck %s
// RUN: not flash-opt %s --pass-pipeline='builtin.module(func.func(convert-flash-tile-to-linalg))' 2>&1 | FileCheck %s

// flash.program_id has no CPU lowering of its own: flash-launch-to-loops must
// have replaced it by the kernel's coordinate arguments. A kernel that did
// not go through that pass makes --convert-flash-tile-to-linalg fail, with
// the diagnostic at the program_id, and print no IR.

// CHECK: tile-to-linalg-invalid.mlir:[[@LINE+5]]:{{[0-9]+}}: error: failed to legalize operation 'flash.program_id' that was explicitly marked illegal
// CHECK-NOT: func.func
// CHECK-NOT: linalg.generic
func.func private @kernel(%m: memref<?x4x?xf32>, %out: memref<?x4x?xf32>, %n: index)
    attributes {flash.kernel} {
  %x = flash.program_id x
  %c0 = arith.constant 0 : index
  %t = flash.load %m[%c0, %c0, %x] bound %n along 2 : memref<?x4x?xf32> -> tensor<16xf32>
  flash.store %t, %out[%c0, %c0, %x] bound %n along 2 : tensor<16xf32> -> memref<?x4x?xf32>
  return
}
