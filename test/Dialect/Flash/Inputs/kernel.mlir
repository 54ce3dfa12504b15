func.func @kernel(%q: memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>, %k: memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>, %v: memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>, %out: memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>, %lse: memref<?x?xf32, strided<[?, 1], offset: ?>>, %cu_q: memref<?xi32>, %cu_k: memref<?xi32>, %seed: i64, %offset: i64) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %block = flash.program_id x
  %bh = flash.program_id y
  %heads = memref.dim %q, %c1 : memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>
  %batch = arith.divui %bh, %heads : index
  %head = arith.remui %bh, %heads : index
  %q_start, %seqlen_q = flash.seq_bounds %cu_q[%batch] : memref<?xi32>
  %k_start, %seqlen_k = flash.seq_bounds %cu_k[%batch] : memref<?xi32>
  %row0 = arith.muli %block, %c64 : index
  %q_token0 = arith.addi %q_start, %row0 : index
  %q_end = arith.addi %q_start, %seqlen_q : index
  %k_end = arith.addi %k_start, %seqlen_k : index
  %q_tile = flash.load %q[%q_token0, %head, %c0] bound %q_end along 0 : memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>> -> tensor<64x64xf16>
  %m0 = arith.constant dense<0xFF800000> : tensor<64xf32>
  %l0 = arith.constant dense<0.0> : tensor<64xf32>
  %acc0 = arith.constant dense<0.0> : tensor<64x64xf32>
  %acc, %m, %l = scf.for %col0 = %c0 to %seqlen_k step %c64 iter_args(%acc_i = %acc0, %m_i = %m0, %l_i = %l0) -> (tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>) {
    %k_token0 = arith.addi %k_start, %col0 : index
    %k_tile = flash.load %k[%k_token0, %head, %c0] bound %k_end along 0 : memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>> -> tensor<64x64xf16>
    %v_tile = flash.load %v[%k_token0, %head, %c0] bound %k_end along 0 : memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>> -> tensor<64x64xf16>
    %s = flash.dot %q_tile, %k_tile, %acc0 {transpose_b} : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf32>
    %s_masked = flash.mask %s at (%row0, %col0) within (%seqlen_q, %seqlen_k) causal : tensor<64x64xf32>
    %p, %m_next, %l_next, %alpha = flash.online_softmax %s_masked, %m_i, %l_i scale 0.125 : tensor<64x64xf32>, tensor<64xf32>
    %bits = flash.philox %seed, %offset, %bh at (%row0, %col0) : tensor<64x64xi32>
    %p_dropped = flash.dropout %p, %bits prob 0.1 : tensor<64x64xf32>, tensor<64x64xi32>
    %acc_scaled = flash.scale_rows %acc_i, %alpha : tensor<64x64xf32>, tensor<64xf32>
    %p_f16 = arith.truncf %p_dropped : tensor<64x64xf32> to tensor<64x64xf16>
    %acc_next = flash.dot %p_f16, %v_tile, %acc_scaled : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf32>
    scf.yield %acc_next, %m_next, %l_next : tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>
  }
  %o_tile, %lse_tile = flash.finalize %acc, %m, %l : tensor<64x64xf32>, tensor<64xf32> -> tensor<64x64xf16>
  flash.store %o_tile, %out[%q_token0, %head, %c0] bound %q_end along 0 : tensor<64x64xf16> -> memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>
  flash.store %lse_tile, %lse[%head, %q_token0] bound %q_end along 1 : tensor<64xf32> -> memref<?x?xf32, strided<[?, 1], offset: ?>>
  return
}
