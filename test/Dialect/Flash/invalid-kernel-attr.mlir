// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Errors of the flash dialect's attribute verifier (FlashDialect.cpp): the
// `flash.kernel` marker and unknown `flash.*` discardable attributes.

// expected-error @+1 {{'flash.kernel' must be a unit attribute}}
func.func @kernel_integer() attributes {flash.kernel = 1 : i32} {
  return
}

// -----

// expected-error @+1 {{'flash.kernel' must be a unit attribute}}
func.func @kernel_bool() attributes {flash.kernel = true} {
  return
}

// -----

// expected-error @+1 {{'flash.kernel' must be a unit attribute}}
func.func @kernel_string() attributes {flash.kernel = "yes"} {
  return
}

// -----

// The unit check comes first, whatever the op.
// expected-error @+1 {{'flash.kernel' must be a unit attribute}}
module attributes {flash.kernel = 0 : i64} {
}

// -----

// expected-error @+1 {{'flash.kernel' may only mark a func.func}}
module attributes {flash.kernel} {
}

// -----

func.func @kernel_on_op(%i: index) {
  // expected-error @+1 {{'flash.kernel' may only mark a func.func}}
  %0 = flash.program_id x {flash.kernel}
  return
}

// -----

func.func @kernel_on_return() {
  // expected-error @+1 {{'flash.kernel' may only mark a func.func}}
  "func.return"() {flash.kernel} : () -> ()
}

// -----

// expected-error @+1 {{a 'flash.kernel' function must return nothing}}
func.func @kernel_with_result() -> i32 attributes {flash.kernel} {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
}

// -----

// expected-error @+1 {{a 'flash.kernel' function must return nothing}}
func.func private @kernel_declaration_with_results(memref<?xf32>) -> (index, index)
    attributes {flash.kernel}

// -----

// expected-error @+1 {{unknown flash dialect attribute 'flash.foo'}}
func.func @unknown_attr() attributes {flash.foo} {
  return
}

// -----

// A misspelt marker is not silently ignored.
// expected-error @+1 {{unknown flash dialect attribute 'flash.kernels'}}
func.func @misspelt_kernel() attributes {flash.kernels} {
  return
}

// -----

func.func @unknown_attr_on_op(%m: tensor<8x8xf32>) {
  // expected-error @+1 {{unknown flash dialect attribute 'flash.causal'}}
  %r = flash.dot %m, %m, %m {flash.causal} : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
  return
}

// -----

// expected-error @+1 {{unknown flash dialect attribute 'flash.block_m'}}
module attributes {flash.block_m = 64 : i64} {
}

// -----

// expected-error @+1 {{'flash.tensor_maps' must be an array of {arg, box_rows, along} dictionaries}}
func.func @tensor_maps_not_array() attributes {flash.tensor_maps = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{'flash.tensor_maps' entries are {arg, box_rows, along} integer dictionaries, got {arg = 1 : i64, box_rows = 64 : i64}}}
func.func @tensor_map_missing_field() attributes {flash.tensor_maps = [{arg = 1, box_rows = 64}]} {
  return
}

// -----

// expected-error @+1 {{box_rows 1 to 256}}
func.func @tensor_map_box_too_tall() attributes {flash.tensor_maps = [{arg = 1, box_rows = 512, along = 1}]} {
  return
}

// -----

// expected-error @+1 {{'flash.consumer_threads' must be a positive multiple of 128 (whole warpgroups)}}
func.func @consumer_threads_not_warpgroups() attributes {flash.consumer_threads = 96 : i64} {
  return
}
