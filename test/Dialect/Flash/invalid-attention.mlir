// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier errors of flash.attention (ProblemOps.cpp, VerifyUtils.cpp), one
// per case, plus the ODS constraints of its operands and attributes.

//===----------------------------------------------------------------------===//
// Optional operands that must come in pairs: only the generic syntax can
// break them up.
//===----------------------------------------------------------------------===//

func.func @varlen_without_cu_seqlens_k(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                                       %cu: memref<3xi32>, %n: index) {
  // expected-error @+1 {{variable-length problems need all of cu_seqlens_q, cu_seqlens_k, max_seqlen_q and max_seqlen_k}}
  "flash.attention"(%q, %q, %q, %q, %lse, %cu, %n, %n)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0>}>
      : (memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>,
         memref<4x64xf32>, memref<3xi32>, index, index) -> ()
  return
}

// -----

func.func @varlen_without_max_seqlen(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                                     %cu: memref<3xi32>) {
  // expected-error @+1 {{variable-length problems need all of}}
  "flash.attention"(%q, %q, %q, %q, %lse, %cu, %cu)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0>}>
      : (memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>,
         memref<4x64xf32>, memref<3xi32>, memref<3xi32>) -> ()
  return
}

// -----

// max_seqlen without cu_seqlens, on a dense problem.
func.func @max_seqlen_only(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %n: index) {
  // expected-error @+1 {{variable-length problems need all of}}
  "flash.attention"(%q, %q, %q, %q, %lse, %n, %n)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>, index, index) -> ()
  return
}

// -----

func.func @seed_without_offset(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %seed: i64) {
  // expected-error @+1 {{dropout needs both the seed and the offset}}
  "flash.attention"(%q, %q, %q, %q, %lse, %seed)
      <{dropout_p = 0.1 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>, i64) -> ()
  return
}

// -----

func.func @offset_without_seed(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %offset: i64) {
  // expected-error @+1 {{dropout needs both the seed and the offset}}
  "flash.attention"(%q, %q, %q, %q, %lse, %offset)
      <{dropout_p = 0.1 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>, i64) -> ()
  return
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

// -----

func.func @q_f32(%q: memref<2x16x4x64xf32>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'q' must have f16 or bf16 elements, got 'f32'}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x64xf32>, memref<2x16x4x64xf32>, memref<2x16x4x64xf32>
      -> memref<2x16x4x64xf32>, memref<2x4x16xf32>
  return
}

// -----

func.func @q_integer(%q: memref<2x16x4x64xi16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'q' must have f16 or bf16 elements, got 'i16'}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x64xi16>, memref<2x16x4x64xi16>, memref<2x16x4x64xi16>
      -> memref<2x16x4x64xi16>, memref<2x4x16xf32>
  return
}

// -----

func.func @k_element_type(%q: memref<2x16x4x64xf16>, %k: memref<2x16x4x64xbf16>,
                          %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'k' must have the element type of 'q' ('f16'), got 'bf16'}}
  flash.attention %q, %k, %q -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xbf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @v_element_type(%q: memref<2x16x4x64xbf16>, %v: memref<2x16x4x64xf16>,
                          %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'v' must have the element type of 'q' ('bf16'), got 'f16'}}
  flash.attention %q, %q, %v -> %q, %lse
      : memref<2x16x4x64xbf16>, memref<2x16x4x64xbf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xbf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @out_element_type(%q: memref<2x16x4x64xf16>, %out: memref<2x16x4x64xf32>,
                            %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'out' must have the element type of 'q' ('f16'), got 'f32'}}
  flash.attention %q, %q, %q -> %out, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf32>, memref<2x4x16xf32>
  return
}

// -----

func.func @lse_element_type(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf16>) {
  // expected-error @+1 {{'lse' must have f32 elements, got 'f16'}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf16>
  return
}

//===----------------------------------------------------------------------===//
// Ranks and layouts
//===----------------------------------------------------------------------===//

// -----

func.func @dense_rank(%q: memref<16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'q' must have rank 4 [batch, seqlen, heads, head_dim], got 'memref<16x4x64xf16>'}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<16x4x64xf16>, memref<16x4x64xf16>, memref<16x4x64xf16>
      -> memref<16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @dense_rank_out(%q: memref<2x16x4x64xf16>, %out: memref<2x16x4x64x1xf16>,
                          %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'out' must have rank 4 [batch, seqlen, heads, head_dim], got}}
  flash.attention %q, %q, %q -> %out, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64x1xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @varlen_rank(%q: memref<64x4x64xf16>, %k: memref<2x32x4x64xf16>,
                       %lse: memref<4x64xf32>, %cu: memref<3xi32>, %n: index) {
  // expected-error @+1 {{'k' must have rank 3 [total_tokens, heads, head_dim] for a variable-length problem, got 'memref<2x32x4x64xf16>'}}
  flash.attention %q, %k, %k -> %q, %lse
      varlen(%cu, %cu : memref<3xi32>, memref<3xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<2x32x4x64xf16>, memref<2x32x4x64xf16>
      -> memref<64x4x64xf16>, memref<4x64xf32>
  return
}

// -----

func.func @not_strided(%q: memref<2x16x4x64xf16>,
                       %v: memref<2x16x4x64xf16, affine_map<(a, b, c, d) -> (d, c, b, a)>>,
                       %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'v' must have a strided layout}}
  flash.attention %q, %q, %v -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16, affine_map<(a, b, c, d) -> (d, c, b, a)>>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @head_dim_not_contiguous(%q: memref<2x16x4x64xf16, strided<[8192, 512, 128, 2]>>,
                                   %kv: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'q' must be contiguous along its last axis (stride 1), got 'memref<2x16x4x64xf16, strided<[8192, 512, 128, 2]>>'}}
  flash.attention %q, %kv, %kv -> %kv, %lse
      : memref<2x16x4x64xf16, strided<[8192, 512, 128, 2]>>, memref<2x16x4x64xf16>,
        memref<2x16x4x64xf16> -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

// A dynamic stride on head_dim is not known to be 1.
func.func @head_dim_dynamic_stride(%q: memref<2x16x4x64xf16>,
                                   %out: memref<2x16x4x64xf16, strided<[?, ?, ?, ?]>>,
                                   %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'out' must be contiguous along its last axis (stride 1)}}
  flash.attention %q, %q, %q -> %out, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16, strided<[?, ?, ?, ?]>>, memref<2x4x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// Head dim
//===----------------------------------------------------------------------===//

// -----

func.func @head_dim_dynamic(%q: memref<2x16x4x?xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{the head_dim axis of 'q' must be static}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x?xf16>, memref<2x16x4x?xf16>, memref<2x16x4x?xf16>
      -> memref<2x16x4x?xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @head_dim_not_multiple_of_8(%q: memref<2x16x4x60xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{head_dim must be a multiple of 8 in [8, 256], got 60}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x60xf16>, memref<2x16x4x60xf16>, memref<2x16x4x60xf16>
      -> memref<2x16x4x60xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @head_dim_too_large(%q: memref<2x16x4x264xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{head_dim must be a multiple of 8 in [8, 256], got 264}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x264xf16>, memref<2x16x4x264xf16>, memref<2x16x4x264xf16>
      -> memref<2x16x4x264xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @head_dim_zero(%q: memref<2x16x4x0xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{head_dim must be a multiple of 8 in [8, 256], got 0}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x0xf16>, memref<2x16x4x0xf16>, memref<2x16x4x0xf16>
      -> memref<2x16x4x0xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @head_dim_mismatch(%q: memref<2x16x4x64xf16>, %kv: memref<2x16x4x128xf16>,
                             %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'k' must have head_dim 64 like 'q', got 'memref<2x16x4x128xf16>'}}
  flash.attention %q, %kv, %kv -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x128xf16>, memref<2x16x4x128xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

// Only q's head_dim may define the problem's: a dynamic head_dim elsewhere
// is rejected as well.
func.func @head_dim_dynamic_v(%q: memref<2x16x4x64xf16>, %v: memref<2x16x4x?xf16>,
                              %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'v' must have head_dim 64 like 'q', got 'memref<2x16x4x?xf16>'}}
  flash.attention %q, %q, %v -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x?xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// Shapes, batch, heads
//===----------------------------------------------------------------------===//

// -----

func.func @out_shape(%q: memref<2x16x4x64xf16>, %out: memref<2x32x4x64xf16>,
                     %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'out' must have the shape of 'q' (2x16x4x64), got 2x32x4x64}}
  flash.attention %q, %q, %q -> %out, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x32x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @v_shape(%q: memref<2x16x4x64xf16>, %k: memref<2x?x4x64xf16>,
                   %v: memref<2x8x2x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'v' must have the shape of 'k' (2x?x4x64), got 2x8x2x64}}
  flash.attention %q, %k, %v -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x?x4x64xf16>, memref<2x8x2x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @batch_mismatch(%q: memref<2x16x4x64xf16>, %kv: memref<3x16x4x64xf16>,
                          %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'q' and 'k' must have the same batch size, got 2 and 3}}
  flash.attention %q, %kv, %kv -> %q, %lse
      : memref<2x16x4x64xf16>, memref<3x16x4x64xf16>, memref<3x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @no_kv_heads(%q: memref<2x16x4x64xf16>, %kv: memref<2x16x0x64xf16>,
                       %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'k' must have at least one head}}
  flash.attention %q, %kv, %kv -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x0x64xf16>, memref<2x16x0x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @heads_not_divisible(%q: memref<2x16x8x64xf16>, %kv: memref<2x16x3x64xf16>,
                               %lse: memref<2x8x16xf32>) {
  // expected-error @+1 {{the number of query heads (8) must be a multiple of the number of key/value heads (3)}}
  flash.attention %q, %kv, %kv -> %q, %lse
      : memref<2x16x8x64xf16>, memref<2x16x3x64xf16>, memref<2x16x3x64xf16>
      -> memref<2x16x8x64xf16>, memref<2x8x16xf32>
  return
}

// -----

// More K/V heads than query heads.
func.func @more_kv_heads(%q: memref<2x16x2x64xf16>, %kv: memref<2x16x4x64xf16>,
                         %lse: memref<2x2x16xf32>) {
  // expected-error @+1 {{the number of query heads (2) must be a multiple of the number of key/value heads (4)}}
  flash.attention %q, %kv, %kv -> %q, %lse
      : memref<2x16x2x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x2x64xf16>, memref<2x2x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// Log-sum-exp
//===----------------------------------------------------------------------===//

// -----

func.func @lse_shape_dense(%q: memref<2x16x4x64xf16>, %lse: memref<2x16x4xf32>) {
  // expected-error @+1 {{'lse' must have shape [batch, heads, seqlen_q] = 2x4x16, got 2x16x4}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x16x4xf32>
  return
}

// -----

func.func @lse_rank_dense(%q: memref<2x16x4x64xf16>, %lse: memref<4x16xf32>) {
  // expected-error @+1 {{'lse' must have shape [batch, heads, seqlen_q] = 2x4x16, got 4x16}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<4x16xf32>
  return
}

// -----

// A rank-0 lse is named as such in the diagnostic.
func.func @lse_rank0(%q: memref<2x16x4x64xf16>, %lse: memref<f32>) {
  // expected-error @+1 {{'lse' must have shape [batch, heads, seqlen_q] = 2x4x16, got scalar}}
  flash.attention %q, %q, %q -> %q, %lse
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<f32>
  return
}

// -----

func.func @lse_shape_varlen(%q: memref<64x4x64xf16>, %lse: memref<64x4xf32>,
                            %cu: memref<?xi32>, %n: index) {
  // expected-error @+1 {{'lse' must have shape [heads, total_q] = 4x64, got 64x4}}
  flash.attention %q, %q, %q -> %q, %lse
      varlen(%cu, %cu : memref<?xi32>, memref<?xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
      -> memref<64x4x64xf16>, memref<64x4xf32>
  return
}

// -----

// The varlen lse has no batch axis.
func.func @lse_rank_varlen(%q: memref<64x4x64xf16>, %lse: memref<1x4x64xf32>,
                           %cu: memref<?xi32>, %n: index) {
  // expected-error @+1 {{'lse' must have shape [heads, total_q] = 4x64, got 1x4x64}}
  flash.attention %q, %q, %q -> %q, %lse
      varlen(%cu, %cu : memref<?xi32>, memref<?xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
      -> memref<64x4x64xf16>, memref<1x4x64xf32>
  return
}

//===----------------------------------------------------------------------===//
// cu_seqlens
//===----------------------------------------------------------------------===//

// -----

func.func @cu_seqlens_i64(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                          %cq: memref<?xi64>, %ck: memref<?xi32>, %n: index) {
  // expected-error @+1 {{'cu_seqlens_q' must be a 1-D memref of i32, got 'memref<?xi64>'}}
  flash.attention %q, %q, %q -> %q, %lse
      varlen(%cq, %ck : memref<?xi64>, memref<?xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
      -> memref<64x4x64xf16>, memref<4x64xf32>
  return
}

// -----

func.func @cu_seqlens_rank2(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                            %cq: memref<?xi32>, %ck: memref<2x3xi32>, %n: index) {
  // expected-error @+1 {{'cu_seqlens_k' must be a 1-D memref of i32, got 'memref<2x3xi32>'}}
  flash.attention %q, %q, %q -> %q, %lse
      varlen(%cq, %ck : memref<?xi32>, memref<2x3xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
      -> memref<64x4x64xf16>, memref<4x64xf32>
  return
}

// -----

func.func @cu_seqlens_empty(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                            %cq: memref<0xi32>, %n: index) {
  // expected-error @+1 {{'cu_seqlens_q' must hold batch + 1 prefix sums, so at least one element, got 'memref<0xi32>'}}
  flash.attention %q, %q, %q -> %q, %lse
      varlen(%cq, %cq : memref<0xi32>, memref<0xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
      -> memref<64x4x64xf16>, memref<4x64xf32>
  return
}

// -----

func.func @cu_seqlens_lengths(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                              %cq: memref<5xi32>, %ck: memref<4xi32>, %n: index) {
  // expected-error @+1 {{'cu_seqlens_q' and 'cu_seqlens_k' must have the same length (batch + 1), got 5 and 4}}
  flash.attention %q, %q, %q -> %q, %lse
      varlen(%cq, %ck : memref<5xi32>, memref<4xi32>) max_seqlen(%n, %n)
      : memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>
      -> memref<64x4x64xf16>, memref<4x64xf32>
  return
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

// -----

func.func @scale_negative(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got -1.000000e+00}}
  flash.attention %q, %q, %q -> %q, %lse {scale = -1.0 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @scale_zero(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got 0.000000e+00}}
  flash.attention %q, %q, %q -> %q, %lse {scale = 0.0 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @scale_infinite(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got INF}}
  flash.attention %q, %q, %q -> %q, %lse {scale = 0x7F800000 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @scale_nan(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got nan}}
  flash.attention %q, %q, %q -> %q, %lse {scale = 0x7FC00000 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @dropout_p_one(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %s: i64) {
  // expected-error @+1 {{'dropout_p' must be in [0, 1), got 1.000000e+00}}
  flash.attention %q, %q, %q -> %q, %lse dropout_rng(%s, %s) {dropout_p = 1.0 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @dropout_p_negative(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dropout_p' must be in [0, 1), got -2.500000e-01}}
  flash.attention %q, %q, %q -> %q, %lse {dropout_p = -0.25 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @dropout_p_nan(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{'dropout_p' must be in [0, 1), got nan}}
  flash.attention %q, %q, %q -> %q, %lse {dropout_p = 0x7FC00000 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @dropout_without_rng(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{dropout_p > 0 needs the dropout_rng(seed, offset) operands}}
  flash.attention %q, %q, %q -> %q, %lse {dropout_p = 0.1 : f32}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @rng_without_dropout(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>,
                               %seed: i64, %offset: i64) {
  // expected-error @+1 {{dropout_rng(seed, offset) given but dropout_p is 0}}
  flash.attention %q, %q, %q -> %q, %lse dropout_rng(%seed, %offset)
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// ODS constraints
//===----------------------------------------------------------------------===//

// -----

func.func @unranked_memref(%q: memref<*xf16>, %out: memref<2x16x4x64xf16>,
                           %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{operand #0 must be memref of any type values, but got 'memref<*xf16>'}}
  "flash.attention"(%q, %q, %q, %out, %lse)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}>
      : (memref<*xf16>, memref<*xf16>, memref<*xf16>, memref<2x16x4x64xf16>,
         memref<2x4x16xf32>) -> ()
  return
}

// -----

func.func @tensor_operand(%q: tensor<2x16x4x64xf16>, %out: memref<2x16x4x64xf16>,
                          %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{operand #0 must be memref of any type values, but got 'tensor<2x16x4x64xf16>'}}
  "flash.attention"(%q, %out, %out, %out, %lse)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}>
      : (tensor<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>) -> ()
  return
}

// -----

func.func @seed_i32(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>, %seed: i32) {
  // expected-error @+1 {{operand #5 must be 64-bit signless integer, but got 'i32'}}
  "flash.attention"(%q, %q, %q, %q, %lse, %seed, %seed)
      <{dropout_p = 0.1 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>, i32, i32) -> ()
  return
}

// -----

func.func @max_seqlen_i64(%q: memref<64x4x64xf16>, %lse: memref<4x64xf32>,
                          %cu: memref<3xi32>, %n: i64) {
  // expected-error @+1 {{operand #7 must be index, but got 'i64'}}
  "flash.attention"(%q, %q, %q, %q, %lse, %cu, %cu, %n, %n)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0>}>
      : (memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>, memref<64x4x64xf16>,
         memref<4x64xf32>, memref<3xi32>, memref<3xi32>, i64, i64) -> ()
  return
}

// -----

func.func @segment_sizes_total(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{operand count (5) does not match with the total size (6) specified in attribute 'operandSegmentSizes'}}
  "flash.attention"(%q, %q, %q, %q, %lse)
      <{dropout_p = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>) -> ()
  return
}

// -----

func.func @segment_sizes_optional_twice(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>,
                                        %seed: i64) {
  // expected-error @+1 {{operand group starting at #5 requires 0 or 1 element, but found 2}}
  "flash.attention"(%q, %q, %q, %q, %lse, %seed, %seed)
      <{dropout_p = 0.1 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 0>}>
      : (memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>,
         memref<2x16x4x64xf16>, memref<2x4x16xf32>, i64, i64) -> ()
  return
}

// -----

func.func @dropout_p_f64(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{attribute 'dropout_p' failed to satisfy constraint: 32-bit float attribute}}
  flash.attention %q, %q, %q -> %q, %lse {dropout_p = 0.1 : f64}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

// Without a type, a float attribute is f64.
func.func @scale_untyped(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  flash.attention %q, %q, %q -> %q, %lse {scale = 0.125}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @causal_not_unit(%q: memref<2x16x4x64xf16>, %lse: memref<2x4x16xf32>) {
  // expected-error @+1 {{attribute 'causal' failed to satisfy constraint: unit attribute}}
  flash.attention %q, %q, %q -> %q, %lse {causal = true}
      : memref<2x16x4x64xf16>, memref<2x16x4x64xf16>, memref<2x16x4x64xf16>
      -> memref<2x16x4x64xf16>, memref<2x4x16xf32>
  return
}

// -----

func.func @lse_not_contiguous(%q: memref<2x16x4x64xbf16>, %o: memref<2x16x4x64xbf16>,
                              %lse: memref<2x4x16xf32, strided<[128, 32, 2]>>) {
  // expected-error @+1 {{'lse' must be contiguous along its last axis (stride 1)}}
  flash.attention %q, %q, %q -> %o, %lse : memref<2x16x4x64xbf16>, memref<2x16x4x64xbf16>, memref<2x16x4x64xbf16> -> memref<2x16x4x64xbf16>, memref<2x4x16xf32, strided<[128, 32, 2]>>
  return
}
