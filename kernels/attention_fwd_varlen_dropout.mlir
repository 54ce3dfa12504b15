// Attention forward at the tile level for a variable-length batch, with
// dropout, hand-written.
//
// Sequences are packed along one token axis, [total_tokens, heads, head_dim],
// and delimited by the int32 prefix sums cu_seqlens_q / cu_seqlens_k. One
// program computes BLOCK_M = 64 rows of one (sequence, head) pair:
//   grid x = ceil(max_seqlen_q / 64), grid y = batch * heads.
// Programs whose rows lie past their sequence's end store nothing. fp16,
// head_dim 64, no causal mask. Dropout keeps each probability with
// probability 1 - p (here p = 0.1) using Philox bits indexed by the row and
// column within the sequence, so the mask does not depend on the packing.

!qkv = memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>
!lse = memref<?x?xf32, strided<[?, 1], offset: ?>>
!cu = memref<?xi32>

func.func @attention_fwd_varlen_dropout(
    %q: !qkv, %k: !qkv, %v: !qkv, %out: !qkv, %lse: !lse,
    %cu_seqlens_q: !cu, %cu_seqlens_k: !cu, %seed: i64, %offset: i64)
    attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index

  %block = flash.program_id x
  %bh = flash.program_id y
  %heads = memref.dim %q, %c1 : !qkv
  %kv_heads = memref.dim %k, %c1 : !qkv
  %batch = arith.divui %bh, %heads : index
  %head = arith.remui %bh, %heads : index
  %group = arith.divui %heads, %kv_heads : index
  %kv_head = arith.divui %head, %group : index

  // This sequence's token ranges; row/column indices below are relative to
  // the sequence start.
  %q_start, %seqlen_q = flash.seq_bounds %cu_seqlens_q[%batch] : !cu
  %k_start, %seqlen_k = flash.seq_bounds %cu_seqlens_k[%batch] : !cu
  %row0 = arith.muli %block, %c64 : index
  %q_token0 = arith.addi %q_start, %row0 : index
  %q_end = arith.addi %q_start, %seqlen_q : index
  %k_end = arith.addi %k_start, %seqlen_k : index

  %q_tile = flash.load %q[%q_token0, %head, %c0] bound %q_end along 0
      : !qkv -> tensor<64x64xf16>

  %m0 = arith.constant dense<0xFF800000> : tensor<64xf32>
  %l0 = arith.constant dense<0.0> : tensor<64xf32>
  %acc0 = arith.constant dense<0.0> : tensor<64x64xf32>
  %zero_s = arith.constant dense<0.0> : tensor<64x64xf32>

  %acc, %m, %l = scf.for %col0 = %c0 to %seqlen_k step %c64
      iter_args(%acc_i = %acc0, %m_i = %m0, %l_i = %l0)
      -> (tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>) {
    %k_token0 = arith.addi %k_start, %col0 : index
    %k_tile = flash.load %k[%k_token0, %kv_head, %c0] bound %k_end along 0
        : !qkv -> tensor<64x64xf16>
    %v_tile = flash.load %v[%k_token0, %kv_head, %c0] bound %k_end along 0
        : !qkv -> tensor<64x64xf16>
    %s = flash.dot %q_tile, %k_tile, %zero_s {transpose_b}
        : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf32>
    %s_masked = flash.mask %s at (%row0, %col0) within (%seqlen_q, %seqlen_k)
        : tensor<64x64xf32>
    %p, %m_next, %l_next, %alpha = flash.online_softmax %s_masked, %m_i, %l_i
        scale 0.125 : tensor<64x64xf32>, tensor<64xf32>
    // The row sum uses the probabilities before dropout; P.V uses them after.
    %bits = flash.philox %seed, %offset, %bh at (%row0, %col0)
        : tensor<64x64xi32>
    %p_dropped = flash.dropout %p, %bits prob 0.1
        : tensor<64x64xf32>, tensor<64x64xi32>
    %acc_scaled = flash.scale_rows %acc_i, %alpha
        : tensor<64x64xf32>, tensor<64xf32>
    %p_f16 = arith.truncf %p_dropped : tensor<64x64xf32> to tensor<64x64xf16>
    %acc_next = flash.dot %p_f16, %v_tile, %acc_scaled
        : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf32>
    scf.yield %acc_next, %m_next, %l_next
        : tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>
  }

  %o_tile, %lse_tile = flash.finalize %acc, %m, %l
      : tensor<64x64xf32>, tensor<64xf32> -> tensor<64x64xf16>
  flash.store %o_tile, %out[%q_token0, %head, %c0] bound %q_end along 0
      : tensor<64x64xf16> -> !qkv
  flash.store %lse_tile, %lse[%head, %q_token0] bound %q_end along 1
      : tensor<64xf32> -> !lse
  return
}
