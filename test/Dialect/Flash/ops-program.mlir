// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.program_id, flash.num_programs and flash.seq_bounds.

// CHECK-LABEL: func.func @num_programs(
// CHECK: %[[X:.*]] = flash.num_programs x{{$}}
// CHECK: %[[Z:.*]] = flash.num_programs z{{$}}
// CHECK: return %[[X]], %[[Z]] : index, index
// GENERIC-LABEL: sym_name = "num_programs"
// GENERIC: "flash.num_programs"() <{axis = 0 : i32}> : () -> index
// GENERIC: "flash.num_programs"() <{axis = 2 : i32}> : () -> index
func.func @num_programs() -> (index, index) {
  %x = flash.num_programs x
  %z = flash.num_programs z
  return %x, %z : index, index
}

// -----

// CHECK-LABEL: func.func @program_ids(
// CHECK: %[[X:.*]] = flash.program_id x{{$}}
// CHECK: %[[Y:.*]] = flash.program_id y{{$}}
// CHECK: %[[Z:.*]] = flash.program_id z{{$}}
// CHECK: return %[[X]], %[[Y]], %[[Z]] : index, index, index
// GENERIC-LABEL: sym_name = "program_ids"
// GENERIC: "flash.program_id"() <{axis = 0 : i32}> : () -> index
// GENERIC: "flash.program_id"() <{axis = 1 : i32}> : () -> index
// GENERIC: "flash.program_id"() <{axis = 2 : i32}> : () -> index
func.func @program_ids() -> (index, index, index) {
  %x = flash.program_id x
  %y = flash.program_id y
  %z = flash.program_id z
  return %x, %y, %z : index, index, index
}

// -----

// The generic form with the enum's integer value parses back to the custom
// syntax.
// CHECK-LABEL: func.func @program_id_generic(
// CHECK: flash.program_id z{{$}}
func.func @program_id_generic() -> index {
  %z = "flash.program_id"() <{axis = 2 : i32}> : () -> index
  return %z : index
}

// -----

// CHECK-LABEL: func.func @seq_bounds_dynamic(
// CHECK-SAME: %[[CU:[^:]+]]: memref<?xi32>, %[[B:[^:]+]]: index)
// CHECK: %[[START:[^,]+]], %[[LEN:[^ ]+]] = flash.seq_bounds %[[CU]][%[[B]]] : memref<?xi32>{{$}}
// CHECK: return %[[START]], %[[LEN]] : index, index
// GENERIC-LABEL: sym_name = "seq_bounds_dynamic"
// GENERIC: "flash.seq_bounds"(%{{.*}}, %{{.*}}) : (memref<?xi32>, index) -> (index, index)
func.func @seq_bounds_dynamic(%cu: memref<?xi32>, %b: index) -> (index, index) {
  %start, %len = flash.seq_bounds %cu[%b] : memref<?xi32>
  return %start, %len : index, index
}

// -----

// Static length, strided layout and a memory space are all accepted.
// CHECK-LABEL: func.func @seq_bounds_static_strided(
// CHECK: flash.seq_bounds %{{.*}}[%{{.*}}] : memref<9xi32>{{$}}
// CHECK: flash.seq_bounds %{{.*}}[%{{.*}}] : memref<?xi32, strided<[2], offset: ?>>{{$}}
// CHECK: flash.seq_bounds %{{.*}}[%{{.*}}] : memref<?xi32, 1>{{$}}
func.func @seq_bounds_static_strided(%a: memref<9xi32>, %b: memref<?xi32, strided<[2], offset: ?>>,
                                     %c: memref<?xi32, 1>, %i: index) {
  %0:2 = flash.seq_bounds %a[%i] : memref<9xi32>
  %1:2 = flash.seq_bounds %b[%i] : memref<?xi32, strided<[2], offset: ?>>
  %2:2 = flash.seq_bounds %c[%i] : memref<?xi32, 1>
  return
}

// -----

// A program's prologue, as in a varlen kernel.
// CHECK-LABEL: func.func @prologue(
// CHECK: %[[BH:.*]] = flash.program_id y
// CHECK: %[[BATCH:.*]] = arith.divui %[[BH]], %{{.*}} : index
// CHECK: flash.seq_bounds %{{.*}}[%[[BATCH]]] : memref<?xi32>
// CHECK: flash.seq_bounds %{{.*}}[%[[BATCH]]] : memref<?xi32>
func.func @prologue(%cu_q: memref<?xi32>, %cu_k: memref<?xi32>, %heads: index)
    attributes {flash.kernel} {
  %bh = flash.program_id y
  %batch = arith.divui %bh, %heads : index
  %q_start, %q_len = flash.seq_bounds %cu_q[%batch] : memref<?xi32>
  %k_start, %k_len = flash.seq_bounds %cu_k[%batch] : memref<?xi32>
  return
}
