// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// The `flash.kernel` unit attribute marks a func.func that returns nothing.

// CHECK-LABEL: func.func @kernel(
// CHECK-SAME: ) attributes {flash.kernel} {
// CHECK: flash.program_id x
// GENERIC: "func.func"() <{function_type = (memref<?xf32>) -> (), sym_name = "kernel"}> ({
// GENERIC: }) {flash.kernel} : () -> ()
func.func @kernel(%buf: memref<?xf32>) attributes {flash.kernel} {
  %x = flash.program_id x
  return
}

// -----

// Declarations and non-public functions may be kernels too, and the
// explicit `= unit` spelling is the same attribute.
// CHECK-LABEL: func.func private @declared(memref<?xf32>) attributes {flash.kernel}
// CHECK-LABEL: func.func private @spelled_out() attributes {flash.kernel} {
func.func private @declared(memref<?xf32>) attributes {flash.kernel}
func.func private @spelled_out() attributes {flash.kernel = unit} {
  return
}

// -----

// A kernel may sit in a nested module and carry other discardable
// attributes.
// CHECK-LABEL: module @kernels
// CHECK-LABEL: func.func @nested() attributes {flash.kernel, some.other = 3 : i32} {
module @kernels {
  func.func @nested() attributes {flash.kernel, some.other = 3 : i32} {
    return
  }
}
