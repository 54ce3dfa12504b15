// Attention forward at the tile level, hand-written.
//
// One program computes BLOCK_M = 64 query rows of one (batch, head) pair:
//   grid x = ceil(seqlen_q / 64) row blocks, grid y = batch * heads.
// Layout [batch, seqlen, heads, head_dim] with arbitrary strides on the first
// three axes, bf16, head_dim 128, causal (bottom-right aligned), grouped K/V
// heads allowed. K/V are streamed in BLOCK_N = 64 blocks with an online
// softmax; the program writes its rows of `out` and of the log-sum-exp.

!qkv = memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>
!lse = memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>

func.func @attention_fwd_causal(%q: !qkv, %k: !qkv, %v: !qkv, %out: !qkv,
                                %lse: !lse) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index

  // Which rows, batch and heads this program owns.
  %block = flash.program_id x
  %bh = flash.program_id y
  %heads = memref.dim %q, %c2 : !qkv
  %kv_heads = memref.dim %k, %c2 : !qkv
  %batch = arith.divui %bh, %heads : index
  %head = arith.remui %bh, %heads : index
  %group = arith.divui %heads, %kv_heads : index
  %kv_head = arith.divui %head, %group : index
  %seqlen_q = memref.dim %q, %c1 : !qkv
  %seqlen_k = memref.dim %k, %c1 : !qkv
  // V's own length (the same as K's): a tile bounded by its source's size
  // may be copied by the TMA on sm_90a.
  %v_rows = memref.dim %v, %c1 : !qkv
  %row0 = arith.muli %block, %c64 : index

  // Causal: keys past this block's last visible column are never loaded.
  %last_row = arith.addi %row0, %c64 : index
  %diag = arith.subi %seqlen_k, %seqlen_q : index
  %visible = arith.addi %last_row, %diag : index
  %k_end = arith.minsi %visible, %seqlen_k : index

  %q_tile = flash.load %q[%batch, %row0, %head, %c0] bound %seqlen_q along 1
      : !qkv -> tensor<64x128xbf16>

  %m0 = arith.constant dense<0xFF800000> : tensor<64xf32>
  %l0 = arith.constant dense<0.0> : tensor<64xf32>
  %acc0 = arith.constant dense<0.0> : tensor<64x128xf32>
  %zero_s = arith.constant dense<0.0> : tensor<64x64xf32>

  %acc, %m, %l = scf.for %col0 = %c0 to %k_end step %c64
      iter_args(%acc_i = %acc0, %m_i = %m0, %l_i = %l0)
      -> (tensor<64x128xf32>, tensor<64xf32>, tensor<64xf32>) {
    %k_tile = flash.load %k[%batch, %col0, %kv_head, %c0] bound %seqlen_k along 1
        : !qkv -> tensor<64x128xbf16>
    %v_tile = flash.load %v[%batch, %col0, %kv_head, %c0] bound %v_rows along 1
        : !qkv -> tensor<64x128xbf16>
    %s = flash.dot %q_tile, %k_tile, %zero_s {transpose_b}
        : tensor<64x128xbf16>, tensor<64x128xbf16> -> tensor<64x64xf32>
    %s_masked = flash.mask %s at (%row0, %col0) within (%seqlen_q, %seqlen_k)
        causal : tensor<64x64xf32>
    %p, %m_next, %l_next, %alpha = flash.online_softmax %s_masked, %m_i, %l_i
        scale 0.0883883461 : tensor<64x64xf32>, tensor<64xf32>
    %acc_scaled = flash.scale_rows %acc_i, %alpha
        : tensor<64x128xf32>, tensor<64xf32>
    %p_bf16 = arith.truncf %p : tensor<64x64xf32> to tensor<64x64xbf16>
    %acc_next = flash.dot %p_bf16, %v_tile, %acc_scaled
        : tensor<64x64xbf16>, tensor<64x128xbf16> -> tensor<64x128xf32>
    scf.yield %acc_next, %m_next, %l_next
        : tensor<64x128xf32>, tensor<64xf32>, tensor<64xf32>
  }

  %o_tile, %lse_tile = flash.finalize %acc, %m, %l
      : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xbf16>
  flash.store %o_tile, %out[%batch, %row0, %head, %c0] bound %seqlen_q along 1
      : tensor<64x128xbf16> -> !qkv
  flash.store %lse_tile, %lse[%batch, %head, %row0] bound %seqlen_q along 2
      : tensor<64xf32> -> !lse
  return
}
