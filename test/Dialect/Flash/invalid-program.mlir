// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier and constraint errors of flash.program_id and flash.seq_bounds.

func.func @seq_bounds_i64(%cu: memref<?xi64>, %b: index) {
  // expected-error @+1 {{'cu_seqlens' must be a 1-D memref of i32, got 'memref<?xi64>'}}
  %start, %len = flash.seq_bounds %cu[%b] : memref<?xi64>
  return
}

// -----

func.func @seq_bounds_index_elements(%cu: memref<?xindex>, %b: index) {
  // expected-error @+1 {{'cu_seqlens' must be a 1-D memref of i32, got 'memref<?xindex>'}}
  %start, %len = flash.seq_bounds %cu[%b] : memref<?xindex>
  return
}

// -----

func.func @seq_bounds_rank2(%cu: memref<2x?xi32>, %b: index) {
  // expected-error @+1 {{'cu_seqlens' must be a 1-D memref of i32, got 'memref<2x?xi32>'}}
  %start, %len = flash.seq_bounds %cu[%b] : memref<2x?xi32>
  return
}

// -----

func.func @seq_bounds_rank0(%cu: memref<i32>, %b: index) {
  // expected-error @+1 {{'cu_seqlens' must be a 1-D memref of i32, got 'memref<i32>'}}
  %start, %len = flash.seq_bounds %cu[%b] : memref<i32>
  return
}

// -----

func.func @seq_bounds_tensor(%cu: tensor<?xi32>, %b: index) {
  // expected-error @+1 {{operand #0 must be memref of any type values, but got 'tensor<?xi32>'}}
  %0:2 = "flash.seq_bounds"(%cu, %b) : (tensor<?xi32>, index) -> (index, index)
  return
}

// -----

func.func @seq_bounds_batch_i32(%cu: memref<?xi32>, %b: i32) {
  // expected-error @+1 {{operand #1 must be index, but got 'i32'}}
  %0:2 = "flash.seq_bounds"(%cu, %b) : (memref<?xi32>, i32) -> (index, index)
  return
}

// -----

func.func @seq_bounds_result_i32(%cu: memref<?xi32>, %b: index) {
  // expected-error @+1 {{result #1 must be index, but got 'i32'}}
  %0:2 = "flash.seq_bounds"(%cu, %b) : (memref<?xi32>, index) -> (index, i32)
  return
}

// -----

func.func @seq_bounds_one_result(%cu: memref<?xi32>, %b: index) {
  // expected-error @+1 {{'flash.seq_bounds' op expected 2 results}}
  %0 = "flash.seq_bounds"(%cu, %b) : (memref<?xi32>, index) -> index
  return
}

// -----

func.func @program_id_result_i32() {
  // expected-error @+1 {{result #0 must be index, but got 'i32'}}
  %0 = "flash.program_id"() <{axis = 0 : i32}> : () -> i32
  return
}

// -----

func.func @num_programs_result_i32() {
  // expected-error @+1 {{result #0 must be index, but got 'i32'}}
  %0 = "flash.num_programs"() <{axis = 1 : i32}> : () -> i32
  return
}

// -----

func.func @num_programs_axis_out_of_range() {
  // expected-error @+1 {{invalid properties {axis = 4 : i32} for op flash.num_programs}}
  %0 = "flash.num_programs"() <{axis = 4 : i32}> : () -> index
  return
}

// -----

func.func @program_id_axis_out_of_range() {
  // expected-error @+1 {{invalid properties {axis = 3 : i32} for op flash.program_id}}
  %0 = "flash.program_id"() <{axis = 3 : i32}> : () -> index
  return
}

// -----

func.func @program_id_axis_i64() {
  // expected-error @+1 {{invalid properties {axis = 0 : i64} for op flash.program_id}}
  %0 = "flash.program_id"() <{axis = 0 : i64}> : () -> index
  return
}

// -----

func.func @program_id_missing_axis() {
  // expected-error @+1 {{requires attribute 'axis'}}
  %0 = "flash.program_id"() : () -> index
  return
}

// -----

func.func @program_id_unknown_axis() {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'axis' [x, y, z]}}
  %0 = flash.program_id w
  return
}

// -----

func.func @program_id_upper_case_axis() {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'axis' [x, y, z]}}
  %0 = flash.program_id X
  return
}
