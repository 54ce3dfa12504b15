// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier and constraint errors of flash.mask, flash.online_softmax,
// flash.scale_rows and flash.finalize.

//===----------------------------------------------------------------------===//
// flash.mask
//===----------------------------------------------------------------------===//

func.func @mask_rank1(%s: tensor<64xf32>, %i: index) {
  // expected-error @+1 {{'scores' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %m = flash.mask %s at (%i, %i) within (%i, %i) : tensor<64xf32>
  return
}

// -----

func.func @mask_rank3(%s: tensor<2x64x64xf32>, %i: index) {
  // expected-error @+1 {{'scores' must be a rank-2 tile, got 'tensor<2x64x64xf32>'}}
  %m = flash.mask %s at (%i, %i) within (%i, %i) causal : tensor<2x64x64xf32>
  return
}

// -----

func.func @mask_bf16(%s: tensor<64x64xbf16>, %i: index) {
  // expected-error @+1 {{operand #0 must be tile of 32-bit float values, but got 'tensor<64x64xbf16>'}}
  %m = flash.mask %s at (%i, %i) within (%i, %i) : tensor<64x64xbf16>
  return
}

// -----

func.func @mask_result_type(%s: tensor<64x64xf32>, %i: index) {
  // expected-error @+1 {{failed to verify that all of {scores, result} have same type}}
  %m = "flash.mask"(%s, %i, %i, %i, %i) : (tensor<64x64xf32>, index, index, index, index) -> tensor<64x32xf32>
  return
}

// -----

func.func @mask_i32_position(%s: tensor<64x64xf32>, %i: index, %j: i32) {
  // expected-error @+1 {{operand #2 must be index, but got 'i32'}}
  %m = "flash.mask"(%s, %i, %j, %i, %i) : (tensor<64x64xf32>, index, i32, index, index) -> tensor<64x64xf32>
  return
}

//===----------------------------------------------------------------------===//
// flash.online_softmax
//===----------------------------------------------------------------------===//

// -----

func.func @online_softmax_scores_rank1(%s: tensor<64xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{'scores' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %p:4 = flash.online_softmax %s, %m, %m scale 1.0 : tensor<64xf32>, tensor<64xf32>
  return
}

// -----

func.func @online_softmax_row_count(%s: tensor<64x32xf32>, %m: tensor<32xf32>) {
  // expected-error @+1 {{'row_max' must have one element per row (64), got 'tensor<32xf32>'}}
  %p:4 = flash.online_softmax %s, %m, %m scale 1.0 : tensor<64x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @online_softmax_row_rank2(%s: tensor<64x32xf32>, %m: tensor<64x1xf32>) {
  // expected-error @+1 {{'row_max' must have one element per row (64), got 'tensor<64x1xf32>'}}
  %p:4 = flash.online_softmax %s, %m, %m scale 1.0 : tensor<64x32xf32>, tensor<64x1xf32>
  return
}

// -----

func.func @online_softmax_scale_zero(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got 0.000000e+00}}
  %p:4 = flash.online_softmax %s, %m, %m scale 0.0 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @online_softmax_scale_negative(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got -1.250000e-01}}
  %p:4 = flash.online_softmax %s, %m, %m scale -0.125 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @online_softmax_scale_inf(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got INF}}
  %p:4 = flash.online_softmax %s, %m, %m scale 0x7F800000 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

// A literal too large for f32 rounds to infinity, which the verifier rejects.
func.func @online_softmax_scale_overflow(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got INF}}
  %p:4 = flash.online_softmax %s, %m, %m scale 1.0e39 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @online_softmax_scale_nan(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got nan}}
  %p:4 = flash.online_softmax %s, %m, %m scale 0x7FC00000 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @online_softmax_f64_scores(%s: tensor<64x32xf64>, %m: tensor<64xf32>) {
  // expected-error @+1 {{operand #0 must be tile of 32-bit float values, but got 'tensor<64x32xf64>'}}
  %p:4 = flash.online_softmax %s, %m, %m scale 1.0 : tensor<64x32xf64>, tensor<64xf32>
  return
}

// -----

func.func @online_softmax_f16_row_max(%s: tensor<64x32xf32>, %m: tensor<64xf16>) {
  // expected-error @+1 {{operand #1 must be tile of 32-bit float values, but got 'tensor<64xf16>'}}
  %p:4 = flash.online_softmax %s, %m, %m scale 1.0 : tensor<64x32xf32>, tensor<64xf16>
  return
}

// -----

func.func @online_softmax_row_sum_type(%s: tensor<64x32xf32>, %m: tensor<64xf32>, %l: tensor<32xf32>) {
  // expected-error @+1 {{failed to verify that all of {row_max, row_sum, new_row_max, new_row_sum, correction} have same type}}
  %p:4 = "flash.online_softmax"(%s, %m, %l) <{scale = 1.0 : f32}>
      : (tensor<64x32xf32>, tensor<64xf32>, tensor<32xf32>)
      -> (tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @online_softmax_probs_type(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{failed to verify that all of {scores, probs} have same type}}
  %p:4 = "flash.online_softmax"(%s, %m, %m) <{scale = 1.0 : f32}>
      : (tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>)
      -> (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @online_softmax_missing_scale(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{requires attribute 'scale'}}
  %p:4 = "flash.online_softmax"(%s, %m, %m)
      : (tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>)
      -> (tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @online_softmax_integer_scale(%s: tensor<64x32xf32>, %m: tensor<64xf32>) {
  // expected-error @+2 {{unexpected decimal integer literal for a floating point value}}
  // expected-note @+1 {{add a trailing dot to make the literal a float}}
  %p:4 = flash.online_softmax %s, %m, %m scale 1 : tensor<64x32xf32>, tensor<64xf32>
  return
}

//===----------------------------------------------------------------------===//
// flash.scale_rows
//===----------------------------------------------------------------------===//

// -----

func.func @scale_rows_rank1(%t: tensor<64xf32>, %f: tensor<64xf32>) {
  // expected-error @+1 {{'tile' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %r = flash.scale_rows %t, %f : tensor<64xf32>, tensor<64xf32>
  return
}

// -----

func.func @scale_rows_factor_count(%t: tensor<64x128xf32>, %f: tensor<128xf32>) {
  // expected-error @+1 {{'factors' must have one element per row (64), got 'tensor<128xf32>'}}
  %r = flash.scale_rows %t, %f : tensor<64x128xf32>, tensor<128xf32>
  return
}

// -----

func.func @scale_rows_factor_rank0(%t: tensor<64x128xf32>, %f: tensor<f32>) {
  // expected-error @+1 {{'factors' must have one element per row (64), got 'tensor<f32>'}}
  %r = flash.scale_rows %t, %f : tensor<64x128xf32>, tensor<f32>
  return
}

// -----

func.func @scale_rows_bf16(%t: tensor<64x128xbf16>, %f: tensor<64xf32>) {
  // expected-error @+1 {{operand #0 must be tile of 32-bit float values, but got 'tensor<64x128xbf16>'}}
  %r = flash.scale_rows %t, %f : tensor<64x128xbf16>, tensor<64xf32>
  return
}

//===----------------------------------------------------------------------===//
// flash.finalize
//===----------------------------------------------------------------------===//

// -----

func.func @finalize_acc_rank1(%acc: tensor<64xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{'acc' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %o, %lse = flash.finalize %acc, %m, %m : tensor<64xf32>, tensor<64xf32> -> tensor<64xbf16>
  return
}

// -----

func.func @finalize_row_count(%acc: tensor<64x128xf32>, %m: tensor<128xf32>) {
  // expected-error @+1 {{'row_max' must have one element per row (64), got 'tensor<128xf32>'}}
  %o, %lse = flash.finalize %acc, %m, %m : tensor<64x128xf32>, tensor<128xf32> -> tensor<64x128xbf16>
  return
}

// -----

func.func @finalize_out_shape(%acc: tensor<64x128xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{the output tile must have the shape of 'acc' (64x128), got 'tensor<64x64xbf16>'}}
  %o, %lse = flash.finalize %acc, %m, %m : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x64xbf16>
  return
}

// -----

func.func @finalize_out_rank(%acc: tensor<64x128xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{the output tile must have the shape of 'acc' (64x128), got 'tensor<8192xf16>'}}
  %o, %lse = flash.finalize %acc, %m, %m : tensor<64x128xf32>, tensor<64xf32> -> tensor<8192xf16>
  return
}

// -----

func.func @finalize_out_f64(%acc: tensor<64x128xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{result #0 must be tile of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64x128xf64>'}}
  %o, %lse = flash.finalize %acc, %m, %m : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xf64>
  return
}

// -----

func.func @finalize_out_integer(%acc: tensor<64x128xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{result #0 must be tile of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64x128xi16>'}}
  %o, %lse = flash.finalize %acc, %m, %m : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xi16>
  return
}

// -----

func.func @finalize_lse_type(%acc: tensor<64x128xf32>, %m: tensor<64xf32>) {
  // expected-error @+1 {{failed to verify that all of {row_max, row_sum, lse} have same type}}
  %o:2 = "flash.finalize"(%acc, %m, %m)
      : (tensor<64x128xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64x128xbf16>, tensor<32xf32>)
  return
}

// -----

// The running statistics of an mma tile are in its rows layout.
#mma = #flash.mma<warps = 4>
#columns = #flash.columns<#mma>
func.func @online_softmax_columns_layout(%s: tensor<64x64xf32, #mma>, %m: tensor<64xf32, #columns>) {
  // expected-error @+1 {{'row_max' must have the layout #flash.rows<#flash.mma<warps = 4>>, got 'tensor<64xf32, #flash.columns<#flash.mma<warps = 4>>>'}}
  %p, %mn, %ln, %a = flash.online_softmax %s, %m, %m scale 1.0 : tensor<64x64xf32, #mma>, tensor<64xf32, #columns>
  return
}
