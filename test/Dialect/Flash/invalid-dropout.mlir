// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier and constraint errors of flash.philox and flash.dropout.

//===----------------------------------------------------------------------===//
// flash.philox
//===----------------------------------------------------------------------===//

func.func @philox_rank1(%seed: i64, %offset: i64, %i: index) {
  // expected-error @+1 {{'bits' must be a rank-2 tile, got 'tensor<64xi32>'}}
  %bits = flash.philox %seed, %offset, %i at (%i, %i) : tensor<64xi32>
  return
}

// -----

func.func @philox_rank3(%seed: i64, %offset: i64, %i: index) {
  // expected-error @+1 {{'bits' must be a rank-2 tile, got 'tensor<4x64x64xi32>'}}
  %bits = flash.philox %seed, %offset, %i at (%i, %i) : tensor<4x64x64xi32>
  return
}

// -----

func.func @philox_i64_bits(%seed: i64, %offset: i64, %i: index) {
  // expected-error @+1 {{result #0 must be tile of 32-bit signless integer values, but got 'tensor<64x64xi64>'}}
  %bits = flash.philox %seed, %offset, %i at (%i, %i) : tensor<64x64xi64>
  return
}

// -----

func.func @philox_ui32_bits(%seed: i64, %offset: i64, %i: index) {
  // expected-error @+1 {{result #0 must be tile of 32-bit signless integer values, but got 'tensor<64x64xui32>'}}
  %bits = flash.philox %seed, %offset, %i at (%i, %i) : tensor<64x64xui32>
  return
}

// -----

func.func @philox_dynamic_bits(%seed: i64, %offset: i64, %i: index) {
  // expected-error @+1 {{result #0 must be tile of 32-bit signless integer values, but got 'tensor<64x?xi32>'}}
  %bits = flash.philox %seed, %offset, %i at (%i, %i) : tensor<64x?xi32>
  return
}

// -----

func.func @philox_i32_seed(%seed: i32, %i: index) {
  // expected-error @+1 {{operand #0 must be 64-bit signless integer, but got 'i32'}}
  %bits = "flash.philox"(%seed, %seed, %i, %i, %i) : (i32, i32, index, index, index) -> tensor<64x64xi32>
  return
}

// -----

func.func @philox_index_offset(%seed: i64, %i: index) {
  // expected-error @+1 {{operand #1 must be 64-bit signless integer, but got 'index'}}
  %bits = "flash.philox"(%seed, %i, %i, %i, %i) : (i64, index, index, index, index) -> tensor<64x64xi32>
  return
}

// -----

func.func @philox_i64_stream(%seed: i64, %i: index) {
  // expected-error @+1 {{operand #2 must be index, but got 'i64'}}
  %bits = "flash.philox"(%seed, %seed, %seed, %i, %i) : (i64, i64, i64, index, index) -> tensor<64x64xi32>
  return
}

//===----------------------------------------------------------------------===//
// flash.dropout
//===----------------------------------------------------------------------===//

// -----

func.func @dropout_prob_zero(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{'prob' must be in (0, 1), got 0.000000e+00}}
  %r = flash.dropout %p, %bits prob 0.0 : tensor<64x64xf32>, tensor<64x64xi32>
  return
}

// -----

func.func @dropout_prob_one(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{'prob' must be in (0, 1), got 1.000000e+00}}
  %r = flash.dropout %p, %bits prob 1.0 : tensor<64x64xf32>, tensor<64x64xi32>
  return
}

// -----

func.func @dropout_prob_negative(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{'prob' must be in (0, 1), got -5.000000e-01}}
  %r = flash.dropout %p, %bits prob -0.5 : tensor<64x64xf32>, tensor<64x64xi32>
  return
}

// -----

func.func @dropout_prob_nan(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{'prob' must be in (0, 1), got nan}}
  %r = flash.dropout %p, %bits prob 0x7FC00000 : tensor<64x64xf32>, tensor<64x64xi32>
  return
}

// -----

// 1.0 - 1e-9 rounds to 1.0 in f32.
func.func @dropout_prob_rounds_to_one(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{'prob' must be in (0, 1), got 1.000000e+00}}
  %r = flash.dropout %p, %bits prob 0.999999999 : tensor<64x64xf32>, tensor<64x64xi32>
  return
}

// -----

// A probability too small for f32 flushes to zero.
func.func @dropout_prob_underflow(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{'prob' must be in (0, 1), got 0.000000e+00}}
  %r = flash.dropout %p, %bits prob 1.0e-50 : tensor<64x64xf32>, tensor<64x64xi32>
  return
}

// -----

func.func @dropout_bits_shape(%p: tensor<64x64xf32>, %bits: tensor<64x32xi32>) {
  // expected-error @+1 {{'bits' must have the shape of 'probs' (64x64), got 'tensor<64x32xi32>'}}
  %r = flash.dropout %p, %bits prob 0.1 : tensor<64x64xf32>, tensor<64x32xi32>
  return
}

// -----

func.func @dropout_bits_rank(%p: tensor<64x64xf32>, %bits: tensor<4096xi32>) {
  // expected-error @+1 {{'bits' must have the shape of 'probs' (64x64), got 'tensor<4096xi32>'}}
  %r = flash.dropout %p, %bits prob 0.1 : tensor<64x64xf32>, tensor<4096xi32>
  return
}

// -----

func.func @dropout_rank0_probs(%p: tensor<f32>, %bits: tensor<4xi32>) {
  // expected-error @+1 {{'probs' must be a rank-2 tile, got 'tensor<f32>'}}
  %r = flash.dropout %p, %bits prob 0.1 : tensor<f32>, tensor<4xi32>
  return
}

// -----

func.func @dropout_f16_probs(%p: tensor<64x64xf16>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{operand #0 must be tile of 32-bit float values, but got 'tensor<64x64xf16>'}}
  %r = flash.dropout %p, %bits prob 0.1 : tensor<64x64xf16>, tensor<64x64xi32>
  return
}

// -----

func.func @dropout_float_bits(%p: tensor<64x64xf32>, %bits: tensor<64x64xf32>) {
  // expected-error @+1 {{operand #1 must be tile of 32-bit signless integer values, but got 'tensor<64x64xf32>'}}
  %r = flash.dropout %p, %bits prob 0.1 : tensor<64x64xf32>, tensor<64x64xf32>
  return
}

// -----

func.func @dropout_prob_f64(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{attribute 'prob' failed to satisfy constraint: 32-bit float attribute}}
  %r = "flash.dropout"(%p, %bits) <{prob = 0.1 : f64}> : (tensor<64x64xf32>, tensor<64x64xi32>) -> tensor<64x64xf32>
  return
}

// -----

func.func @dropout_result_type(%p: tensor<64x64xf32>, %bits: tensor<64x64xi32>) {
  // expected-error @+1 {{failed to verify that all of {probs, result} have same type}}
  %r = "flash.dropout"(%p, %bits) <{prob = 0.1 : f32}> : (tensor<64x64xf32>, tensor<64x64xi32>) -> tensor<32x64xf32>
  return
}
