// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier errors of flash.attention_grad. The rules are those of
// flash.attention (see invalid-attention.mlir); these cases cover the
// gradient's own operands (out, dout, dq like q; dk, dv like k) and that the
// shared checks run for the gradient as well.

func.func @varlen_incomplete(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                             %cu: memref<3xi32>, %n: index) {
  // expected-error @+1 {{variable-length problems need all of cu_seqlens_q, cu_seqlens_k, max_seqlen_q and max_seqlen_k}}
  "flash.attention_grad"(%q, %q, %q, %q, %q, %lse, %q, %q, %q, %cu, %cu, %n)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0>}>
      : (memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>,
         memref<64x4x64xf16>, memref<4x64xf32>, memref<64x4x64xf16>, memref<64x4x64xf16>,
         memref<64x4x64xf16>, memref<3xi32>, memref<3xi32>, index) -> ()
  return
}

// -----

func.func @offset_without_seed(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %offset: i64) {
  // expected-error @+1 {{dropout needs both the seed and the offset}}
  "flash.attention_grad"(%q, %q, %q, %q, %q, %lse, %q, %q, %q, %offset)
      <{dropout_p = 0.1 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, i64) -> ()
  return
}

// -----

func.func @q_f32(%q: memref<2x16x4x64xf32>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'q' must have f16 or bf16 elements, got 'f32'}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q
      : memref<2x16x4x64xf32>, memref<2x16x4x64xf32>, memref<2x16x4x64xf32>,
        memref<2x16x4x64xf32>, memref<2x16x4x64xf32>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf32>, memref<2x16x4x64xf32>, memref<2x16x4x64xf32>
  return
}

// -----

func.func @dout_element_type(%q: memref<2x16x4x64xbf16>, %dout: memref<2x16x4x64xf16>,
                             %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dout' must have the element type of 'q' ('bf16'), got 'f16'}}
  flash.attention_grad %q, %q, %q, %q, %dout, %lse -> %q, %q, %q
      : memref<2x16x4x64xbf16>, memref<2x16x4x64xbf16>, memref<2x16x4x64xbf16>,
        memref<2x16x4x64xbf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xbf16>, memref<2x16x4x64xbf16>, memref<2x16x4x64xbf16>
  return
}

// -----

// dq has q's element type: an f32 accumulator is the kernel's business.
func.func @dq_element_type(%q: memref<2x16x4x64xf16>, %dq: memref<2x16x4x64xf32>,
                           %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dq' must have the element type of 'q' ('f16'), got 'f32'}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %dq, %q, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf32>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @dk_element_type(%q: memref<2x16x4x64xf16>, %dk: memref<2x16x4x64xbf16>,
                           %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dk' must have the element type of 'q' ('f16'), got 'bf16'}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %dk, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xbf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @lse_element_type(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xbf16>) {
  // expected-error @+1 {{'lse' must have f32 elements, got 'bf16'}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xbf16>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @dv_rank(%q: memref<2x16x4x64xf16>, %dv: memref<16x4x64xf16>,
                   %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dv' must have rank 4 [batch, seqlen, heads, head_dim], got 'memref<16x4x64xf16>'}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %dv
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<16x4x64xf16>
  return
}

// -----

func.func @dq_not_contiguous(%q: memref<2x16x4x64xf16>,
                             %dq: memref<2x16x4x64xf16, strided<[?, ?, ?, 2]>>,
                             %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dq' must be contiguous along its last axis (stride 1)}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %dq, %q, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16, strided<[?, ?, ?, 2]>>, memref<2x16x4x64xf16>,
           memref<2x16x4x64xf16>
  return
}

// -----

func.func @dout_head_dim(%q: memref<2x16x4x64xf16>, %dout: memref<2x16x4x32xf16>,
                         %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dout' must have head_dim 64 like 'q', got 'memref<2x16x4x32xf16>'}}
  flash.attention_grad %q, %q, %q, %q, %dout, %lse -> %q, %q, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x32xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @out_shape(%q: memref<2x16x4x64xf16>, %out: memref<2x17x4x64xf16>,
                     %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'out' must have the shape of 'q' (2x16x4x64), got 2x17x4x64}}
  flash.attention_grad %q, %q, %q, %out, %q, %lse -> %q, %q, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x17x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @dout_shape(%q: memref<2x16x4x64xf16>, %dout: memref<1x16x4x64xf16>,
                      %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dout' must have the shape of 'q' (2x16x4x64), got 1x16x4x64}}
  flash.attention_grad %q, %q, %q, %q, %dout, %lse -> %q, %q, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<1x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

// dq must be shaped like q, not like k, under grouped-query attention.
func.func @dq_shape(%q: memref<2x16x4x64xf16>, %kv: memref<2x16x2x64xf16>,
                    %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dq' must have the shape of 'q' (2x16x4x64), got 2x16x2x64}}
  flash.attention_grad %q, %kv, %kv, %q, %q, %lse -> %kv, %kv, %kv
      : memref<2x16x4x64xf16>, memref<2x16x2x64xf16>, memref<2x16x2x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x2x64xf16>, memref<2x16x2x64xf16>, memref<2x16x2x64xf16>
  return
}

// -----

// dk and dv are shaped like K/V, not like q, under grouped-query attention.
func.func @dk_shape(%q: memref<2x16x4x64xf16>, %kv: memref<2x16x2x64xf16>,
                    %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dk' must have the shape of 'k' (2x16x2x64), got 2x16x4x64}}
  flash.attention_grad %q, %kv, %kv, %q, %q, %lse -> %q, %q, %kv
      : memref<2x16x4x64xf16>, memref<2x16x2x64xf16>, memref<2x16x2x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x2x64xf16>
  return
}

// -----

func.func @dv_shape(%q: memref<2x16x4x64xf16>, %kv: memref<2x32x4x64xf16>,
                    %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dv' must have the shape of 'k' (2x32x4x64), got 2x16x4x64}}
  flash.attention_grad %q, %kv, %kv, %q, %q, %lse -> %q, %kv, %q
      : memref<2x16x4x64xf16>, memref<2x32x4x64xf16>, memref<2x32x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x32x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @heads_not_divisible(%q: memref<2x16x6x64xf16>, %kv: memref<2x16x4x64xf16>,
                               %lse: memref<2x6x16xf32>) {
  // expected-error @+1 {{the number of query heads (6) must be a multiple of the number of key/value heads (4)}}
  flash.attention_grad %q, %kv, %kv, %q, %q, %lse -> %q, %kv, %kv
      : memref<2x16x6x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x6x64xf16>, memref<2x16x6x64xf16>, memref<2x6x16xf32>
        -> memref<2x16x6x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @lse_shape(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x32xf32>) {
  // expected-error @+1 {{'lse' must have shape [batch, heads, seqlen_q] = 2x4x16, got 2x4x32}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x32xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @varlen_lengths(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                          %cq: memref<3xi32>, %ck: memref<2xi32>, %n: index) {
  // expected-error @+1 {{'cu_seqlens_q' and 'cu_seqlens_k' must have the same length (batch + 1), got 3 and 2}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q
      varlen(%cq, %ck : memref<3xi32>, memref<2xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>,
        memref<64x4x64xf16>, memref<64x4x64xf16>, memref<4x64xf32>
        -> memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
  return
}

// -----

func.func @varlen_cu_seqlens_f32(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                                 %cq: memref<3xi32>, %ck: memref<3xf32>, %n: index) {
  // expected-error @+1 {{'cu_seqlens_k' must be a 1-D memref of i32, got 'memref<3xf32>'}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q
      varlen(%cq, %ck : memref<3xi32>, memref<3xf32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>,
        memref<64x4x64xf16>, memref<64x4x64xf16>, memref<4x64xf32>
        -> memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
  return
}

// -----

func.func @scale_negative(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got -1.250000e-01}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q {scale = -0.125 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @dropout_p_too_large(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %s: i64) {
  // expected-error @+1 {{'dropout_p' must be in [0, 1), got 1.500000e+00}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q dropout_rng(%s, %s)
      {dropout_p = 1.5 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

// The backward must regenerate the forward's mask: dropout_p alone is not
// enough.
func.func @dropout_without_rng(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{dropout_p > 0 needs the dropout_rng(seed, offset) operands}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q {dropout_p = 0.2 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @rng_without_dropout(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %s: i64) {
  // expected-error @+1 {{dropout_rng(seed, offset) given but dropout_p is 0}}
  flash.attention_grad %q, %q, %q, %q, %q, %lse -> %q, %q, %q dropout_rng(%s, %s)
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x4x16xf32>
        -> memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
  return
}

// -----

func.func @segment_sizes_count(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{size mismatch in attribute conversion: 11 vs 15}}
  "flash.attention_grad"(%q, %q, %q, %q, %q, %lse, %q, %q, %q)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>) -> ()
  return
}
