// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier and constraint errors of flash.row_dot, flash.softmax_recompute
// and flash.softmax_grad.

//===----------------------------------------------------------------------===//
// flash.row_dot
//===----------------------------------------------------------------------===//

func.func @row_dot_rank1(%a: tensor<64xbf16>) {
  // expected-error @+1 {{'a' must be a rank-2 tile, got 'tensor<64xbf16>'}}
  %d = flash.row_dot %a, %a : tensor<64xbf16> -> tensor<64xf32>
  return
}

// -----

func.func @row_dot_result_count(%a: tensor<64x128xbf16>) {
  // expected-error @+1 {{'result' must have one element per row (64), got 'tensor<128xf32>'}}
  %d = flash.row_dot %a, %a : tensor<64x128xbf16> -> tensor<128xf32>
  return
}

// -----

func.func @row_dot_result_rank2(%a: tensor<64x128xbf16>) {
  // expected-error @+1 {{'result' must have one element per row (64), got 'tensor<64x1xf32>'}}
  %d = flash.row_dot %a, %a : tensor<64x128xbf16> -> tensor<64x1xf32>
  return
}

// -----

func.func @row_dot_result_bf16(%a: tensor<64x128xbf16>) {
  // expected-error @+1 {{result #0 must be tile of 32-bit float values, but got 'tensor<64xbf16>'}}
  %d = flash.row_dot %a, %a : tensor<64x128xbf16> -> tensor<64xbf16>
  return
}

// -----

func.func @row_dot_integer(%a: tensor<64x128xi16>) {
  // expected-error @+1 {{operand #0 must be tile of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64x128xi16>'}}
  %d = flash.row_dot %a, %a : tensor<64x128xi16> -> tensor<64xf32>
  return
}

// -----

func.func @row_dot_mixed(%a: tensor<64x128xbf16>, %b: tensor<64x128xf16>) {
  // expected-error @+1 {{failed to verify that all of {a, b} have same type}}
  %d = "flash.row_dot"(%a, %b) : (tensor<64x128xbf16>, tensor<64x128xf16>) -> tensor<64xf32>
  return
}

//===----------------------------------------------------------------------===//
// flash.softmax_recompute
//===----------------------------------------------------------------------===//

// -----

func.func @recompute_scores_rank1(%s: tensor<64xf32>, %lse: tensor<64xf32>) {
  // expected-error @+1 {{'scores' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %p = flash.softmax_recompute %s, %lse scale 1.0 : tensor<64xf32>, tensor<64xf32>
  return
}

// -----

func.func @recompute_lse_count(%s: tensor<64x32xf32>, %lse: tensor<32xf32>) {
  // expected-error @+1 {{'lse' must have one element per row (64), got 'tensor<32xf32>'}}
  %p = flash.softmax_recompute %s, %lse scale 1.0 : tensor<64x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @recompute_transposed_lse_count(%s: tensor<32x64xf32>, %lse: tensor<32xf32>) {
  // expected-error @+1 {{'lse' must have one element per column (64), got 'tensor<32xf32>'}}
  %p = flash.softmax_recompute %s, %lse scale 1.0 transposed : tensor<32x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @recompute_scale_negative(%s: tensor<64x32xf32>, %lse: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got -2.000000e+00}}
  %p = flash.softmax_recompute %s, %lse scale -2.0 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @recompute_scale_inf(%s: tensor<64x32xf32>, %lse: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got -INF}}
  %p = flash.softmax_recompute %s, %lse scale 0xFF800000 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @recompute_scale_underflow(%s: tensor<64x32xf32>, %lse: tensor<64xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got 0.000000e+00}}
  %p = flash.softmax_recompute %s, %lse scale 1.0e-50 : tensor<64x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @recompute_f16_lse(%s: tensor<64x32xf32>, %lse: tensor<64xf16>) {
  // expected-error @+1 {{operand #1 must be tile of 32-bit float values, but got 'tensor<64xf16>'}}
  %p = flash.softmax_recompute %s, %lse scale 1.0 : tensor<64x32xf32>, tensor<64xf16>
  return
}

// -----

func.func @recompute_missing_scale(%s: tensor<64x32xf32>, %lse: tensor<64xf32>) {
  // expected-error @+1 {{requires attribute 'scale'}}
  %p = "flash.softmax_recompute"(%s, %lse) : (tensor<64x32xf32>, tensor<64xf32>) -> tensor<64x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// flash.softmax_grad
//===----------------------------------------------------------------------===//

// -----

func.func @grad_probs_rank1(%p: tensor<64xf32>, %d: tensor<64xf32>) {
  // expected-error @+1 {{'probs' must be a rank-2 tile, got 'tensor<64xf32>'}}
  %ds = flash.softmax_grad %p, %p, %d : tensor<64xf32>, tensor<64xf32>
  return
}

// -----

func.func @grad_delta_count(%p: tensor<64x32xf32>, %d: tensor<32xf32>) {
  // expected-error @+1 {{'delta' must have one element per row (64), got 'tensor<32xf32>'}}
  %ds = flash.softmax_grad %p, %p, %d : tensor<64x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @grad_transposed_delta_count(%p: tensor<32x64xf32>, %d: tensor<32xf32>) {
  // expected-error @+1 {{'delta' must have one element per column (64), got 'tensor<32xf32>'}}
  %ds = flash.softmax_grad %p, %p, %d transposed : tensor<32x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @grad_delta_rank2(%p: tensor<64x32xf32>, %d: tensor<64x32xf32>) {
  // expected-error @+1 {{'delta' must have one element per row (64), got 'tensor<64x32xf32>'}}
  %ds = flash.softmax_grad %p, %p, %d : tensor<64x32xf32>, tensor<64x32xf32>
  return
}

// -----

func.func @grad_bf16_probs(%p: tensor<64x32xbf16>, %d: tensor<64xf32>) {
  // expected-error @+1 {{operand #0 must be tile of 32-bit float values, but got 'tensor<64x32xbf16>'}}
  %ds = flash.softmax_grad %p, %p, %d : tensor<64x32xbf16>, tensor<64xf32>
  return
}

// -----

func.func @grad_mismatched_tiles(%p: tensor<64x32xf32>, %dp: tensor<64x64xf32>, %d: tensor<64xf32>) {
  // expected-error @+1 {{failed to verify that all of {probs, grad_probs, result} have same type}}
  %ds = "flash.softmax_grad"(%p, %dp, %d) : (tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x32xf32>
  return
}

// -----

// In registers, the statistics of an mma tile are in its rows layout, or
// its columns layout for a transposed tile, of the same mma layout.

#mma = #flash.mma<warps = 4>
func.func @recompute_transposed_rows_layout(%s: tensor<64x64xf32, #mma>, %lse: tensor<64xf32, #flash.rows<#mma>>) {
  // expected-error @+1 {{'lse' must have the layout #flash.columns<#flash.mma<warps = 4>>, got 'tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>'}}
  %p = flash.softmax_recompute %s, %lse scale 1.0 transposed : tensor<64x64xf32, #mma>, tensor<64xf32, #flash.rows<#mma>>
  return
}

// -----

#mma = #flash.mma<warps = 4>
func.func @grad_columns_layout(%p: tensor<64x64xf32, #mma>, %d: tensor<64xf32, #flash.columns<#mma>>) {
  // expected-error @+1 {{'delta' must have the layout #flash.rows<#flash.mma<warps = 4>>, got 'tensor<64xf32, #flash.columns<#flash.mma<warps = 4>>>'}}
  %ds = flash.softmax_grad %p, %p, %d : tensor<64x64xf32, #mma>, tensor<64xf32, #flash.columns<#mma>>
  return
}

// -----

#mma = #flash.mma<warps = 4>
func.func @grad_columns_of_another_mma(%p: tensor<64x64xf32, #mma>, %d: tensor<64xf32, #flash.columns<#flash.mma<warps = 2>>>) {
  // expected-error @+1 {{'delta' must have the layout #flash.columns<#flash.mma<warps = 4>>, got 'tensor<64xf32, #flash.columns<#flash.mma<warps = 2>>>'}}
  %ds = flash.softmax_grad %p, %p, %d transposed : tensor<64x64xf32, #mma>, tensor<64xf32, #flash.columns<#flash.mma<warps = 2>>>
  return
}
