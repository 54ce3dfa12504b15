// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Malformed input: the parser and the verifiers report an error (with a
// location) and flash-opt does not crash. Each case is a separate buffer.

//===----------------------------------------------------------------------===//
// Garbage text
//===----------------------------------------------------------------------===//

// expected-error @+1 {{custom op 'this' is unknown (tried 'builtin.this' as well)}}
this is not mlir

// -----

// expected-error @+1 {{invalid SSA name}}
%%% @@@ ###

// -----

func.func @garbage_in_body() {
  // expected-error @+1 {{expected operation name in quotes}}
  %0 = ) ] } 42 "
  return
}

// -----

//===----------------------------------------------------------------------===//
// Unknown ops
//===----------------------------------------------------------------------===//

func.func @unknown_custom_op() {
  // expected-error @+1 {{custom op 'flash.frobnicate' is unknown}}
  %0 = flash.frobnicate
  return
}

// -----

func.func @unknown_generic_op() {
  // expected-error @+1 {{unregistered operation 'flash.frobnicate' found in dialect ('flash') that does not allow unknown operations}}
  "flash.frobnicate"() : () -> ()
  return
}

// -----

// A problem-level op name used where a tile op is expected.
func.func @misspelt_op(%s: tensor<8x8xf32>) {
  // expected-error @+1 {{custom op 'flash.softmax' is unknown}}
  %0 = flash.softmax %s : tensor<8x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Wrong operand types
//===----------------------------------------------------------------------===//

// expected-note @+1 {{prior use here}}
func.func @philox_i32_seed(%seed: i32, %i: index) {
  // expected-error @+1 {{use of value '%seed' expects different type than prior uses: 'i64' vs 'i32'}}
  %bits = flash.philox %seed, %seed, %i at (%i, %i) : tensor<8x8xi32>
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @mask_tensor_position(%s: tensor<8x8xf32>, %row: tensor<8xi32>, %i: index) {
  // expected-error @+1 {{use of value '%row' expects different type than prior uses: 'index' vs 'tensor<8xi32>'}}
  %m = flash.mask %s at (%row, %i) within (%i, %i) : tensor<8x8xf32>
  return
}

// -----

func.func @load_from_tensor(%m: tensor<?x64xf16>, %i: index) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.memref, but found 'tensor<?x64xf16>'}}
  %t = flash.load %m[%i, %i] bound %i along 0 : tensor<?x64xf16> -> tensor<16x64xf16>
  return
}

// -----

func.func @dot_memref_result(%a: tensor<8x8xf32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'memref<8x8xf32>'}}
  %r = flash.dot %a, %a, %a : tensor<8x8xf32>, tensor<8x8xf32> -> memref<8x8xf32>
  return
}

// -----

func.func @undefined_value(%i: index) {
  // expected-error @+1 {{use of undeclared SSA value name}}
  %m = flash.mask %undefined at (%i, %i) within (%i, %i) : tensor<8x8xf32>
  return
}

// -----

func.func @too_many_results(%a: tensor<8x8xf32>) {
  // expected-error @+1 {{operation defines 1 results but was provided 2 to bind}}
  %r:2 = flash.dot %a, %a, %a : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Out-of-range attributes
//===----------------------------------------------------------------------===//

func.func @along_overflow(%m: memref<?x?xf32>, %i: index) {
  // expected-error @+1 {{integer constant out of range for attribute}}
  %t = flash.load %m[%i, %i] bound %i along 99999999999999999999 : memref<?x?xf32> -> tensor<4xf32>
  return
}

// -----

func.func @along_out_of_range(%m: memref<?x?xf32>, %i: index) {
  // expected-error @+1 {{'along' must name a memref axis in [0, 2), got 9223372036854775807}}
  %t = flash.load %m[%i, %i] bound %i along 9223372036854775807 : memref<?x?xf32> -> tensor<4xf32>
  return
}

// -----

func.func @prob_hex_out_of_range(%p: tensor<8x8xf32>, %bits: tensor<8x8xi32>) {
  // expected-error @+1 {{hexadecimal float constant out of range for type}}
  %r = flash.dropout %p, %bits prob 0x1FFFFFFFF : tensor<8x8xf32>, tensor<8x8xi32>
  return
}

// -----

func.func @prob_out_of_range(%p: tensor<8x8xf32>, %bits: tensor<8x8xi32>) {
  // expected-error @+1 {{'prob' must be in (0, 1), got 2.000000e+00}}
  %r = flash.dropout %p, %bits prob 2.0 : tensor<8x8xf32>, tensor<8x8xi32>
  return
}

// -----

func.func @dropout_p_out_of_range(%q: memref<1x8x1x8xf16>, %lse: memref<1x1x8xf32>, %s: i64) {
  // expected-error @+1 {{'dropout_p' must be in [0, 1), got 1.500000e+00}}
  flash.attention %q, %q, %q -> %q, %lse dropout_rng(%s, %s) {dropout_p = 1.5 : f32}
      : memref<1x8x1x8xf16>, memref<1x8x1x8xf16>, memref<1x8x1x8xf16>
      -> memref<1x8x1x8xf16>, memref<1x1x8xf32>
  return
}

// -----

func.func @axis_out_of_range() {
  // expected-error @+1 {{invalid properties {axis = 3 : i32} for op flash.program_id}}
  %0 = "flash.program_id"() <{axis = 3 : i32}> : () -> index
  return
}

// -----

func.func @axis_negative() {
  // expected-error @+1 {{invalid properties {axis = -1 : i32} for op flash.program_id}}
  %0 = "flash.program_id"() <{axis = -1 : i32}> : () -> index
  return
}

// -----

//===----------------------------------------------------------------------===//
// Unknown grid axis
//===----------------------------------------------------------------------===//

func.func @unknown_axis_w() {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'axis' [x, y, z]}}
  %0 = flash.program_id w
  return
}

// -----

func.func @numeric_axis() {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'axis' [x, y, z]}}
  %0 = flash.program_id 0
  return
}

// -----

// Without an axis the next line's `return` is taken for one.
func.func @missing_axis() {
  %0 = flash.program_id
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'axis' [x, y, z]}}
  return
}

// -----

//===----------------------------------------------------------------------===//
// Broken syntax
//===----------------------------------------------------------------------===//

func.func @missing_bound(%m: memref<?x64xf16>, %i: index) {
  // expected-error @+1 {{expected 'bound'}}
  %t = flash.load %m[%i, %i] along 0 : memref<?x64xf16> -> tensor<16x64xf16>
  return
}

// -----

func.func @misspelt_causal(%s: tensor<8x8xf32>, %i: index) {
  // expected-error @+1 {{expected ':'}}
  %m = flash.mask %s at (%i, %i) within (%i, %i) casual : tensor<8x8xf32>
  return
}

// -----

func.func @unbalanced_paren(%s: tensor<8x8xf32>, %i: index) {
  // expected-error @+1 {{expected ')'}}
  %m = flash.mask %s at (%i, %i within (%i, %i) : tensor<8x8xf32>
  return
}

// -----

func.func @unterminated_attr_dict(%s: tensor<8x8xf32>, %i: index) {
  // expected-error @+1 {{expected '}' in attribute dictionary}}
  %m = flash.mask %s at (%i, %i) within (%i, %i) {causal : tensor<8x8xf32>
  return
}

// -----

func.func @half_dropout_rng(%q: memref<1x8x1x8xf16>, %lse: memref<1x1x8xf32>, %s: i64) {
  // expected-error @+1 {{expected ','}}
  flash.attention %q, %q, %q -> %q, %lse dropout_rng(%s) {dropout_p = 0.1 : f32}
      : memref<1x8x1x8xf16>, memref<1x8x1x8xf16>, memref<1x8x1x8xf16>
      -> memref<1x8x1x8xf16>, memref<1x1x8xf32>
  return
}

// -----

func.func @varlen_without_max_seqlen(%q: memref<8x1x8xf16>, %lse: memref<1x8xf32>,
                                     %cu: memref<?xi32>) {
  // The error points at the token found instead, on the next line.
  // expected-error @+2 {{expected 'max_seqlen'}}
  flash.attention %q, %q, %q -> %q, %lse varlen(%cu, %cu : memref<?xi32>, memref<?xi32>)
      : memref<8x1x8xf16>, memref<8x1x8xf16>, memref<8x1x8xf16> -> memref<8x1x8xf16>, memref<1x8xf32>
  return
}

// -----

func.func @missing_lse_type(%q: memref<1x8x1x8xf16>, %lse: memref<1x1x8xf32>) {
  flash.attention %q, %q, %q -> %q, %lse
      : memref<1x8x1x8xf16>, memref<1x8x1x8xf16>, memref<1x8x1x8xf16>
      // expected-error @+1 {{expected ','}}
      -> memref<1x8x1x8xf16>
  return
}

// -----

func.func @unterminated_type(%a: tensor<8x8xf32>) {
  // expected-error @+1 {{expected '>' in tensor type}}
  %r = flash.dot %a, %a, %a : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32
  return
}

// -----

func.func @no_terminator(%a: tensor<8x8xf32>) {
  // expected-error @+1 {{block with no terminator}}
  %r = flash.dot %a, %a, %a : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<8x8xf32>
}

// -----

func.func @extra_brace() {
  return
// expected-error @+1 {{expected operation name in quotes}}
} }

// -----

//===----------------------------------------------------------------------===//
// Truncated function (the last buffer of this file ends mid-body)
//===----------------------------------------------------------------------===//

func.func @truncated(%a: tensor<8x8xf32>, %i: index) {
  %0 = flash.program_id x
  // expected-error @+1 {{expected operation name in quotes}}
  %1 = flash.mask %a at (%i, %i) within (%i, %i) causal : tensor<8x8xf32>
