// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier and constraint errors of flash.dot.

func.func @a_rank1(%a: tensor<64xbf16>, %b: tensor<64x64xbf16>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{'a' must be a rank-2 tile, got 'tensor<64xbf16>'}}
  %r = flash.dot %a, %b, %c : tensor<64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  return
}

// -----

func.func @b_rank3(%a: tensor<64x64xbf16>, %b: tensor<1x64x64xbf16>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{'b' must be a rank-2 tile, got 'tensor<1x64x64xbf16>'}}
  %r = flash.dot %a, %b, %c : tensor<64x64xbf16>, tensor<1x64x64xbf16> -> tensor<64x64xf32>
  return
}

// -----

func.func @acc_rank1(%a: tensor<64x64xbf16>, %c: tensor<64xf32>) {
  // expected-error @+1 {{'acc' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %r = flash.dot %a, %a, %c : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64xf32>
  return
}

// -----

func.func @mixed_element_types(%a: tensor<64x64xf16>, %b: tensor<64x64xbf16>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{'a' and 'b' must share an element type, got 'f16' and 'bf16'}}
  %r = flash.dot %a, %b, %c : tensor<64x64xf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  return
}

// -----

func.func @contraction(%a: tensor<64x128xbf16>, %b: tensor<64x64xbf16>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{contraction sizes differ: op(a) is 64x128 but op(b) is 64x64}}
  %r = flash.dot %a, %b, %c : tensor<64x128xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  return
}

// -----

// Q K without transpose_b: the head_dim of k is not its first axis.
func.func @contraction_missing_transpose_b(%q: tensor<64x128xbf16>, %k: tensor<32x128xbf16>,
                                           %c: tensor<64x32xf32>) {
  // expected-error @+1 {{contraction sizes differ: op(a) is 64x128 but op(b) is 32x128}}
  %r = flash.dot %q, %k, %c : tensor<64x128xbf16>, tensor<32x128xbf16> -> tensor<64x32xf32>
  return
}

// -----

func.func @contraction_transpose_a(%a: tensor<16x8xf32>, %b: tensor<8x4xf32>, %c: tensor<8x4xf32>) {
  // expected-error @+1 {{contraction sizes differ: op(a) is 8x16 but op(b) is 8x4}}
  %r = flash.dot %a, %b, %c {transpose_a} : tensor<16x8xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @contraction_transpose_both(%a: tensor<16x8xf16>, %b: tensor<16x4xf16>, %c: tensor<8x16xf32>) {
  // expected-error @+1 {{contraction sizes differ: op(a) is 8x16 but op(b) is 4x16}}
  %r = flash.dot %a, %b, %c {transpose_a, transpose_b} : tensor<16x8xf16>, tensor<16x4xf16> -> tensor<8x16xf32>
  return
}

// -----

func.func @acc_rows(%a: tensor<64x32xbf16>, %b: tensor<32x16xbf16>, %c: tensor<32x16xf32>) {
  // expected-error @+1 {{'acc' must be 64x16, got 'tensor<32x16xf32>'}}
  %r = flash.dot %a, %b, %c : tensor<64x32xbf16>, tensor<32x16xbf16> -> tensor<32x16xf32>
  return
}

// -----

// The transposed product is 32x64, not 64x32.
func.func @acc_transposed(%a: tensor<64x32xbf16>, %b: tensor<64x64xbf16>, %c: tensor<64x32xf32>) {
  // expected-error @+1 {{'acc' must be 32x64, got 'tensor<64x32xf32>'}}
  %r = flash.dot %a, %b, %c {transpose_a} : tensor<64x32xbf16>, tensor<64x64xbf16> -> tensor<64x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// ODS constraints
//===----------------------------------------------------------------------===//

// -----

func.func @integer_operands(%a: tensor<64x64xi32>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{operand #0 must be tile of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64x64xi32>'}}
  %r = flash.dot %a, %a, %c : tensor<64x64xi32>, tensor<64x64xi32> -> tensor<64x64xf32>
  return
}

// -----

func.func @f64_operand(%a: tensor<64x64xf32>, %b: tensor<64x64xf64>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{operand #1 must be tile of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64x64xf64>'}}
  %r = flash.dot %a, %b, %c : tensor<64x64xf32>, tensor<64x64xf64> -> tensor<64x64xf32>
  return
}

// -----

func.func @f8_operand(%a: tensor<64x64xf8E4M3FN>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{operand #0 must be tile of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64x64xf8E4M3FN>'}}
  %r = flash.dot %a, %a, %c : tensor<64x64xf8E4M3FN>, tensor<64x64xf8E4M3FN> -> tensor<64x64xf32>
  return
}

// -----

func.func @f16_accumulator(%a: tensor<64x64xf16>, %c: tensor<64x64xf16>) {
  // expected-error @+1 {{operand #2 must be tile of 32-bit float values, but got 'tensor<64x64xf16>'}}
  %r = flash.dot %a, %a, %c : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf16>
  return
}

// -----

func.func @dynamic_operand(%a: tensor<?x64xf16>, %c: tensor<64x64xf32>) {
  // expected-error @+1 {{operand #0 must be tile of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<?x64xf16>'}}
  %r = flash.dot %a, %a, %c : tensor<?x64xf16>, tensor<?x64xf16> -> tensor<64x64xf32>
  return
}

// -----

func.func @acc_result_mismatch(%a: tensor<64x64xf32>) {
  // expected-error @+1 {{failed to verify that all of {acc, result} have same type}}
  %r = "flash.dot"(%a, %a, %a) : (tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x32xf32>
  return
}

// -----

func.func @transpose_not_unit(%a: tensor<64x64xf32>) {
  // expected-error @+1 {{attribute 'transpose_a' failed to satisfy constraint: unit attribute}}
  %r = flash.dot %a, %a, %a {transpose_a = 1 : i64} : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  return
}

// -----

func.func @dot_wait_negative(%s: tensor<64x64xf32>) {
  // expected-error @+1 {{attribute 'pending' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %r = flash.dot_wait %s pending -1 : tensor<64x64xf32>
  return
}

// -----

func.func @dot_wait_not_f32(%s: tensor<64x64xbf16>) {
  // expected-error @+1 {{operand #0 must be tile of 32-bit float values, but got 'tensor<64x64xbf16>'}}
  %r = flash.dot_wait %s pending 0 : tensor<64x64xbf16>
  return
}

// -----

func.func @dot_wait_after_not_f32(%s: tensor<64x64xf32>, %l: tensor<64xbf16>) {
  // expected-error @+1 {{operand #1 must be tile of 32-bit float values, but got 'tensor<64xbf16>'}}
  %r = flash.dot_wait %s pending 0 after %l : tensor<64x64xf32>, tensor<64xbf16>
  return
}

// -----

func.func @transpose_rank1(%t: tensor<64xf32>) {
  // expected-error @+1 {{'source' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %r = flash.transpose %t : tensor<64xf32> -> tensor<64xf32>
  return
}

// -----

func.func @transpose_same_shape(%t: tensor<128x64xf32>) {
  // expected-error @+1 {{result must be the source's transpose, 64x128, got 'tensor<128x64xf32>'}}
  %r = flash.transpose %t : tensor<128x64xf32> -> tensor<128x64xf32>
  return
}

// -----

func.func @transpose_element_type(%t: tensor<128x64xf32>) {
  // expected-error @+1 {{requires the same element type for all operands and results}}
  %r = flash.transpose %t : tensor<128x64xf32> -> tensor<64x128xbf16>
  return
}
