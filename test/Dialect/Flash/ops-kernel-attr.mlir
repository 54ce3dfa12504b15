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

// -----

// The TMA tensor maps convert-flash-to-nvvm{tma} lists on a kernel.
// CHECK-LABEL: func.func @with_tensor_maps(
// CHECK-SAME: flash.tensor_maps = [{along = 1 : i64, arg = 1 : i64, box_rows = 64 : i64}, {along = 1 : i64, arg = 2 : i64, box_rows = 128 : i64}]
func.func @with_tensor_maps(%k: memref<?x?x?x64xbf16>, %v: memref<?x?x?x64xbf16>)
    attributes {flash.kernel, flash.tensor_maps = [{arg = 1, box_rows = 64, along = 1}, {arg = 2, box_rows = 128, along = 1}]} {
  return
}
