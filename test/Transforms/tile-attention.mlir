// RUN: flash-opt %s -split-input-file --flash-tile-attention | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-tile-attention | FileCheck %s --check-prefix=RULES
// RUN: flash-opt %s -split-input-file --flash-tile-attention="block-m=32 block-n=16" | FileCheck %s --check-prefix=BLOCK
// RUN: flash-opt %s -split-input-file --flash-tile-attention="block-m=32 block-n=64" | FileCheck %s --check-prefix=WIDE
// RUN: not flash-opt %s -split-input-file --flash-tile-attention=block-m=20 2>&1 | FileCheck %s --check-prefix=ERR-M
// RUN: not flash-opt %s -split-input-file --flash-tile-attention="block-m=32 block-n=0" 2>&1 | FileCheck %s --check-prefix=ERR-N

// --flash-tile-attention on flash.attention: the launch and its grid in the
// host function, and the forward kernel (flash-attention 2 loop over key
// blocks with an online softmax). The CHECK prefix pins the IR, RULES the
// rules on which optional ops appear (mask only for causal, varlen or a
// sequence length not statically a multiple of its block; philox/dropout only
// for dropout_p > 0), BLOCK the effect of the block-m/block-n options, ERR-*
// the rejection of invalid options. The backward is in tile-attention-grad.mlir.

// ERR-M: error: flash-tile-attention: block-m and block-n must be positive multiples of 16, got 20 and 64
// ERR-M-NOT: flash.launch
// ERR-N: error: flash-tile-attention: block-m and block-n must be positive multiples of 16, got 32 and 0
// ERR-N-NOT: flash.launch

// Fully static, seqlens multiples of both blocks (128 % 64, 256 % 64): no mask.

// CHECK-LABEL: func.func @fwd_static(
// CHECK-SAME: %[[Q:[^:]+]]: memref<2x128x4x64xbf16>, %[[K:[^:]+]]: memref<2x256x4x64xbf16>, %[[V:[^:]+]]: memref<2x256x4x64xbf16>, %[[O:[^:]+]]: memref<2x128x4x64xbf16>, %[[L:[^:]+]]: memref<2x4x128xf32>)
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[SEQ:.*]] = memref.dim %[[Q]], %[[C1]] : memref<2x128x4x64xbf16>
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[BATCH:.*]] = memref.dim %[[Q]], %[[C0]] : memref<2x128x4x64xbf16>
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[HEADS:.*]] = memref.dim %[[Q]], %[[C2]] : memref<2x128x4x64xbf16>
// CHECK-NEXT: %[[C64:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[C63:.*]] = arith.constant 63 : index
// CHECK-NEXT: %[[SUM:.*]] = arith.addi %[[SEQ]], %[[C63]] : index
// CHECK-NEXT: %[[GX:.*]] = arith.divui %[[SUM]], %[[C64]] : index
// CHECK-NEXT: %[[GY:.*]] = arith.muli %[[BATCH]], %[[HEADS]] : index
// CHECK-NEXT: %[[GZ:.*]] = arith.constant 1 : index
// CHECK-NEXT: flash.launch @fwd_static_attention_fwd grid(%[[GX]], %[[GY]], %[[GZ]]) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[L]]) : memref<2x128x4x64xbf16>, memref<2x256x4x64xbf16>, memref<2x256x4x64xbf16>, memref<2x128x4x64xbf16>, memref<2x4x128xf32>
// CHECK-NEXT: return

// CHECK-LABEL: func.func private @fwd_static_attention_fwd(
// CHECK-SAME: %[[KQ:[^:]+]]: memref<2x128x4x64xbf16>, %[[KK:[^:]+]]: memref<2x256x4x64xbf16>, %[[KV:[^:]+]]: memref<2x256x4x64xbf16>, %[[KO:[^:]+]]: memref<2x128x4x64xbf16>, %[[KL:[^:]+]]: memref<2x4x128xf32>) attributes {flash.grid = {block = {{[0-9]+}} : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.kernel} {
// CHECK: %[[H:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<2x128x4x64xbf16>
// CHECK: %[[KVH:.*]] = memref.dim %[[KK]], %{{.*}} : memref<2x256x4x64xbf16>
// CHECK-NEXT: %[[GROUP:.*]] = arith.divui %[[H]], %[[KVH]] : index
// CHECK-NEXT: %[[Y:.*]] = flash.program_id y
// CHECK-NEXT: %[[B:.*]] = arith.divui %[[Y]], %[[H]] : index
// CHECK-NEXT: %[[HEAD:.*]] = arith.remui %[[Y]], %[[H]] : index
// CHECK-NEXT: %[[KVHEAD:.*]] = arith.divui %[[HEAD]], %[[GROUP]] : index
// CHECK: %[[KC1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[SQ:.*]] = memref.dim %[[KQ]], %[[KC1]] : memref<2x128x4x64xbf16>
// CHECK-NEXT: %[[KC1B:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[SK:.*]] = memref.dim %[[KK]], %[[KC1B]] : memref<2x256x4x64xbf16>
// CHECK-NEXT: %[[BM:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[X:.*]] = flash.program_id x
// CHECK-NEXT: %[[ROW:.*]] = arith.muli %[[X]], %[[BM]] : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi slt, %[[ROW]], %[[SQ]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK: %[[ROWS_KQ:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<2x128x4x64xbf16>
// CHECK: %[[QT:.*]] = flash.load %[[KQ]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[ROWS_KQ]] along 1 : memref<2x128x4x64xbf16> -> tensor<64x64xbf16>
// CHECK-NEXT: %[[M0:.*]] = arith.constant dense<0xFF800000> : tensor<64xf32>
// CHECK-NEXT: %[[L0:.*]] = arith.constant dense<0.000000e+00> : tensor<64xf32>
// CHECK-NEXT: %[[ACC0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32>
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[BN:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[LOOP:[^:]+]]:3 = scf.for %[[COL:[^ ]+]] = %[[ZERO]] to %[[SK]] step %[[BN]] iter_args(%[[ACC:[^ ]+]] = %[[ACC0]], %[[M:[^ ]+]] = %[[M0]], %[[LS:[^ ]+]] = %[[L0]]) -> (tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>) {
// CHECK: %[[ROWS_KK:.*]] = memref.dim %[[KK]], %{{.*}} : memref<2x256x4x64xbf16>
// CHECK: %[[KT:.*]] = flash.load %[[KK]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] bound %[[ROWS_KK]] along 1 : memref<2x256x4x64xbf16> -> tensor<64x64xbf16>
// CHECK: %[[ROWS_KV:.*]] = memref.dim %[[KV]], %{{.*}} : memref<2x256x4x64xbf16>
// CHECK: %[[VT:.*]] = flash.load %[[KV]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] bound %[[ROWS_KV]] along 1 : memref<2x256x4x64xbf16> -> tensor<64x64xbf16>
// CHECK-NEXT: %[[S0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[QT]], %[[KT]], %[[S0]] {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
// CHECK-NEXT: %[[P:[^,]+]], %[[MN:[^,]+]], %[[LN:[^,]+]], %[[ALPHA:[^ ]+]] = flash.online_softmax %[[S]], %[[M]], %[[LS]] scale 1.250000e-01 : tensor<64x64xf32>, tensor<64xf32>
// CHECK-NEXT: %[[ACCS:.*]] = flash.scale_rows %[[ACC]], %[[ALPHA]] : tensor<64x64xf32>, tensor<64xf32>
// CHECK-NEXT: %[[PB:.*]] = arith.truncf %[[P]] : tensor<64x64xf32> to tensor<64x64xbf16>
// CHECK-NEXT: %[[ACCN:.*]] = flash.dot %[[PB]], %[[VT]], %[[ACCS]] : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
// CHECK-NEXT: scf.yield %[[ACCN]], %[[MN]], %[[LN]] : tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %[[OUT:[^,]+]], %[[LSE:[^ ]+]] = flash.finalize %[[LOOP]]#0, %[[LOOP]]#1, %[[LOOP]]#2 : tensor<64x64xf32>, tensor<64xf32> -> tensor<64x64xbf16>
// CHECK: %[[OLEN:.*]] = memref.dim %[[KO]], %{{.*}} : memref<2x128x4x64xbf16>
// CHECK-NEXT: flash.store %[[OUT]], %[[KO]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[OLEN]] along 1 : tensor<64x64xbf16> -> memref<2x128x4x64xbf16>
// CHECK-NEXT: flash.store %[[LSE]], %[[KL]][%[[B]], %[[HEAD]], %[[ROW]]] bound %[[SQ]] along 2 : tensor<64xf32> -> memref<2x4x128xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return

// RULES-LABEL: func.func private @fwd_static_attention_fwd(
// RULES-NOT: flash.mask
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES-NOT: flash.seq_bounds
// RULES: {{^ *}}return

// block-m=32, block-n=16: 32-row query tiles, 16-row key/value tiles, grid
// x = ceil(seqlen_q / 32), key loop stepping by 16; still no mask.

// BLOCK-LABEL: func.func @fwd_static(
// BLOCK: %[[C32:.*]] = arith.constant 32 : index
// BLOCK-NEXT: %[[C31:.*]] = arith.constant 31 : index
// BLOCK-NEXT: %[[SUM:.*]] = arith.addi %{{.*}}, %[[C31]] : index
// BLOCK-NEXT: %[[GX:.*]] = arith.divui %[[SUM]], %[[C32]] : index
// BLOCK: flash.launch @fwd_static_attention_fwd grid(%[[GX]],
// BLOCK-LABEL: func.func private @fwd_static_attention_fwd(
// BLOCK: %[[BM:.*]] = arith.constant 32 : index
// BLOCK-NEXT: %[[X:.*]] = flash.program_id x
// BLOCK-NEXT: arith.muli %[[X]], %[[BM]] : index
// BLOCK: flash.load {{.*}} -> tensor<32x64xbf16>
// BLOCK: arith.constant dense<0xFF800000> : tensor<32xf32>
// BLOCK: %[[BN:.*]] = arith.constant 16 : index
// BLOCK: scf.for %{{[^ ]+}} = %{{[^ ]+}} to %{{[^ ]+}} step %[[BN]] iter_args({{.*}}) -> (tensor<32x64xf32>, tensor<32xf32>, tensor<32xf32>) {
// BLOCK: flash.load {{.*}} -> tensor<16x64xbf16>
// BLOCK: flash.load {{.*}} -> tensor<16x64xbf16>
// BLOCK: flash.dot {{.*}} {transpose_b} : tensor<32x64xbf16>, tensor<16x64xbf16> -> tensor<32x16xf32>
// BLOCK-NOT: flash.mask
// BLOCK: flash.online_softmax {{.*}} : tensor<32x16xf32>, tensor<32xf32>
// BLOCK: flash.dot {{.*}} : tensor<32x16xbf16>, tensor<16x64xbf16> -> tensor<32x64xf32>
// BLOCK: flash.finalize {{.*}} -> tensor<32x64xbf16>
func.func @fwd_static(%q: memref<2x128x4x64xbf16>, %k: memref<2x256x4x64xbf16>,
                      %v: memref<2x256x4x64xbf16>, %out: memref<2x128x4x64xbf16>,
                      %lse: memref<2x4x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<2x128x4x64xbf16>, memref<2x256x4x64xbf16>, memref<2x256x4x64xbf16>
      -> memref<2x128x4x64xbf16>, memref<2x4x128xf32>
  return
}

// -----

// Static, seqlen_q = 100 is not a multiple of block-m: masked (not causal).

// Full key blocks run without a mask, the rest (here none past the first
// loop, but the kernel cannot know) in a second, masked loop.
// CHECK-LABEL: func.func private @fwd_ragged_q_attention_fwd(
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[ROW:[^,]+]], %[[SQ:[^ ]+]] : index
// CHECK: %[[FULL:[^:]+]]:3 = scf.for %{{[^ ]+}} = %{{[^ ]+}} to %[[SPLIT:[^ ]+]] step
// CHECK-NOT: flash.mask
// CHECK: scf.for %[[COL:[^ ]+]] = %[[SPLIT]] to %[[SK:[^ ]+]] step {{.*}} iter_args({{.*}} = %[[FULL]]#0,
// CHECK: %[[S:.*]] = flash.dot %{{.*}} {transpose_b} : tensor<64x32xf16>, tensor<64x32xf16> -> tensor<64x64xf32>
// CHECK-NEXT: %[[MASKED:.*]] = flash.mask %[[S]] at(%[[ROW]], %[[COL]]) within(%[[SQ]], %[[SK]]) : tensor<64x64xf32>
// CHECK-NEXT: flash.online_softmax %[[MASKED]],

// RULES-LABEL: func.func private @fwd_ragged_q_attention_fwd(
// RULES: flash.mask {{.*}} within({{[^)]*}}) : tensor<64x64xf32>
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: {{^ *}}return
func.func @fwd_ragged_q(%q: memref<1x100x2x32xf16>, %k: memref<1x128x2x32xf16>,
                        %v: memref<1x128x2x32xf16>, %out: memref<1x100x2x32xf16>,
                        %lse: memref<1x2x100xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<1x100x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
      -> memref<1x100x2x32xf16>, memref<1x2x100xf32>
  return
}

// -----

// Static, seqlen_k = 100 is not a multiple of block-n: masked.

// CHECK-LABEL: func.func private @fwd_ragged_k_attention_fwd(
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[ROW:[^,]+]], %[[SQ:[^ ]+]] : index
// CHECK: %[[FULL:[^:]+]]:3 = scf.for %{{[^ ]+}} = %{{[^ ]+}} to %[[SPLIT:[^ ]+]] step
// CHECK-NOT: flash.mask
// CHECK: scf.for %[[COL:[^ ]+]] = %[[SPLIT]] to %[[SK:[^ ]+]] step {{.*}} iter_args({{.*}} = %[[FULL]]#0,
// CHECK: %[[S:.*]] = flash.dot
// CHECK-NEXT: %[[MASKED:.*]] = flash.mask %[[S]] at(%[[ROW]], %[[COL]]) within(%[[SQ]], %[[SK]]) : tensor<64x64xf32>
// CHECK-NEXT: flash.online_softmax %[[MASKED]],

// RULES-LABEL: func.func private @fwd_ragged_k_attention_fwd(
// RULES: flash.mask {{.*}} within({{[^)]*}}) : tensor<64x64xf32>
// RULES-NOT: flash.philox
// RULES: {{^ *}}return
func.func @fwd_ragged_k(%q: memref<1x128x2x32xf16>, %k: memref<1x100x2x32xf16>,
                        %v: memref<1x100x2x32xf16>, %out: memref<1x128x2x32xf16>,
                        %lse: memref<1x2x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<1x128x2x32xf16>, memref<1x100x2x32xf16>, memref<1x100x2x32xf16>
      -> memref<1x128x2x32xf16>, memref<1x2x128xf32>
  return
}

// -----

// Dynamic seqlens are not known to be multiples of the blocks: masked.

// CHECK-LABEL: func.func @fwd_dynamic(
// CHECK: flash.launch @fwd_dynamic_attention_fwd grid(
// CHECK-LABEL: func.func private @fwd_dynamic_attention_fwd(
// CHECK: scf.for
// CHECK-NOT: flash.mask
// CHECK: scf.for
// CHECK: %[[S:.*]] = flash.dot
// CHECK-NEXT: %[[MASKED:.*]] = flash.mask %[[S]] at({{.*}}) within({{.*}}) : tensor<64x64xf32>
// CHECK-NEXT: flash.online_softmax %[[MASKED]],

// RULES-LABEL: func.func private @fwd_dynamic_attention_fwd(
// RULES: flash.mask {{.*}} within({{[^)]*}}) : tensor<64x64xf32>
// RULES: {{^ *}}return
func.func @fwd_dynamic(%q: memref<?x?x?x32xf16>, %out: memref<?x?x?x32xf16>,
                       %lse: memref<?x?x?xf32>) {
  flash.attention %q, %q, %q -> %out, %lse
      : memref<?x?x?x32xf16>, memref<?x?x?x32xf16>, memref<?x?x?x32xf16>
      -> memref<?x?x?x32xf16>, memref<?x?x?xf32>
  return
}

// -----

// Causal with static multiples: masked (causal), and the key loop stops at
// the block's last visible column, max(0, min(row + 64 + sk - sq, sk)).

// CHECK-LABEL: func.func private @fwd_causal_attention_fwd(
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[ROW:[^,]+]], %[[SQ:[^ ]+]] : index
// CHECK: %[[LAST:.*]] = arith.addi %[[ROW]], %c64{{[_0-9]*}} : index
// CHECK-NEXT: %[[DIAG:.*]] = arith.subi %[[SK:[^,]+]], %[[SQ]] : index
// CHECK-NEXT: %[[VIS:.*]] = arith.addi %[[LAST]], %[[DIAG]] : index
// CHECK-NEXT: %[[MIN:.*]] = arith.minsi %[[VIS]], %[[SK]] : index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[END:.*]] = arith.maxsi %[[Z]], %[[MIN]] : index
// CHECK: scf.for %[[COL:[^ ]+]] = %{{[^ ]+}} to %[[END]] step
// CHECK: %[[S:.*]] = flash.dot
// CHECK-NEXT: %[[MASKED:.*]] = flash.mask %[[S]] at(%[[ROW]], %[[COL]]) within(%[[SQ]], %[[SK]]) causal : tensor<64x64xf32>
// CHECK-NEXT: flash.online_softmax %[[MASKED]],

// Causal with key blocks wider than the query rows (32x64): the diagonal
// loop takes 32 keys a block, so that no block lies wholly past the tile's
// last row; the loop before it keeps 64.
// WIDE-LABEL: func.func private @fwd_causal_attention_fwd(
// WIDE: scf.for %{{[^ ]+}} = %{{[^ ]+}} to %[[FULL_END:[^ ]+]] step %c64
// WIDE: flash.load %arg1{{.*}} -> tensor<64x32xf16>
// WIDE: flash.load %arg2{{.*}} -> tensor<64x32xf16>
// WIDE-NOT: flash.mask
// WIDE: scf.for %[[COL:[^ ]+]] = %[[FULL_END]] to %{{[^ ]+}} step %c32
// WIDE: flash.load %arg1{{.*}} -> tensor<32x32xf16>
// WIDE: flash.load %arg2{{.*}} -> tensor<32x32xf16>
// WIDE: %[[S:.*]] = flash.dot %{{.*}} -> tensor<32x32xf32>
// WIDE-NEXT: flash.mask %[[S]] at(%{{[^,]+}}, %[[COL]]) {{.*}} causal : tensor<32x32xf32>
// WIDE: flash.dot %{{.*}} : tensor<32x32xf16>, tensor<32x32xf16> -> tensor<32x32xf32>

// RULES-LABEL: func.func private @fwd_causal_attention_fwd(
// RULES: flash.mask {{.*}} causal : tensor<64x64xf32>
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: {{^ *}}return
func.func @fwd_causal(%q: memref<1x128x2x32xf16>, %k: memref<1x192x2x32xf16>,
                      %v: memref<1x192x2x32xf16>, %out: memref<1x128x2x32xf16>,
                      %lse: memref<1x2x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse {causal}
      : memref<1x128x2x32xf16>, memref<1x192x2x32xf16>, memref<1x192x2x32xf16>
      -> memref<1x128x2x32xf16>, memref<1x2x128xf32>
  return
}

// -----

// Dropout: the seed and offset are passed to the kernel; the probabilities
// are dropped after the online softmax (whose row sum stays undropped) with
// Philox bits of stream y = batch * heads + head at (row, col). Static
// multiples: no mask. The explicit scale reaches the softmax.

// CHECK-LABEL: func.func @fwd_dropout(
// CHECK-SAME: %[[Q:[^:]+]]: memref<1x128x2x32xbf16>, %[[O:[^:]+]]: memref<1x128x2x32xbf16>, %[[L:[^:]+]]: memref<1x2x128xf32>, %[[SEED:[^:]+]]: i64, %[[OFF:[^:]+]]: i64)
// CHECK: flash.launch @fwd_dropout_attention_fwd grid({{.*}}) (%[[Q]], %[[Q]], %[[Q]], %[[O]], %[[L]], %[[SEED]], %[[OFF]]) : memref<1x128x2x32xbf16>, memref<1x128x2x32xbf16>, memref<1x128x2x32xbf16>, memref<1x128x2x32xbf16>, memref<1x2x128xf32>, i64, i64

// CHECK-LABEL: func.func private @fwd_dropout_attention_fwd(
// CHECK-SAME: %[[KSEED:[^:]+]]: i64, %[[KOFF:[^:]+]]: i64) attributes {flash.grid = {block = {{[0-9]+}} : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.kernel} {
// CHECK: %[[Y:.*]] = flash.program_id y
// CHECK: %[[ROW:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK: scf.for %[[COL:[^ ]+]] =
// CHECK: %[[P:[^,]+]], %[[MN:[^,]+]], %[[LN:[^,]+]], %[[ALPHA:[^ ]+]] = flash.online_softmax %{{.*}} scale 5.000000e-01 : tensor<64x64xf32>, tensor<64xf32>
// CHECK-NEXT: %[[BITS:.*]] = flash.philox %[[KSEED]], %[[KOFF]], %[[Y]] at(%[[ROW]], %[[COL]]) : tensor<64x64xi32>
// CHECK-NEXT: %[[PD:.*]] = flash.dropout %[[P]], %[[BITS]] prob 1.000000e-01 : tensor<64x64xf32>, tensor<64x64xi32>
// CHECK-NEXT: %[[ACCS:.*]] = flash.scale_rows %{{.*}}, %[[ALPHA]]
// CHECK-NEXT: %[[PB:.*]] = arith.truncf %[[PD]] : tensor<64x64xf32> to tensor<64x64xbf16>
// CHECK-NEXT: %[[ACCN:.*]] = flash.dot %[[PB]], %{{.*}}, %[[ACCS]]
// CHECK-NEXT: scf.yield %[[ACCN]], %[[MN]], %[[LN]]

// RULES-LABEL: func.func private @fwd_dropout_attention_fwd(
// RULES-NOT: flash.mask
// RULES: flash.philox
// RULES-NEXT: flash.dropout
// RULES-NOT: flash.mask
// RULES-NOT: flash.philox
// RULES: {{^ *}}return
func.func @fwd_dropout(%q: memref<1x128x2x32xbf16>, %out: memref<1x128x2x32xbf16>,
                       %lse: memref<1x2x128xf32>, %seed: i64, %offset: i64) {
  flash.attention %q, %q, %q -> %out, %lse dropout_rng(%seed, %offset)
      {dropout_p = 1.0e-01 : f32, scale = 0.5 : f32}
      : memref<1x128x2x32xbf16>, memref<1x128x2x32xbf16>, memref<1x128x2x32xbf16>
      -> memref<1x128x2x32xbf16>, memref<1x2x128xf32>
  return
}

// -----

// Grouped-query attention (8 query heads, 2 K/V heads): the grid enumerates
// the query heads; the kernel reads K/V at head / (heads / kv_heads).

// CHECK-LABEL: func.func @fwd_gqa(
// CHECK-SAME: %[[Q:[^:]+]]: memref<1x128x8x32xf16>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[BATCH:.*]] = memref.dim %[[Q]], %[[C0]] : memref<1x128x8x32xf16>
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[HEADS:.*]] = memref.dim %[[Q]], %[[C2]] : memref<1x128x8x32xf16>
// CHECK: %[[GY:.*]] = arith.muli %[[BATCH]], %[[HEADS]] : index
// CHECK: flash.launch @fwd_gqa_attention_fwd grid(%{{.*}}, %[[GY]], %{{.*}})

// CHECK-LABEL: func.func private @fwd_gqa_attention_fwd(
// CHECK-SAME: %[[KQ:[^:]+]]: memref<1x128x8x32xf16>, %[[KK:[^:]+]]: memref<1x128x2x32xf16>, %[[KV:[^:]+]]: memref<1x128x2x32xf16>, %[[KO:[^:]+]]: memref<1x128x8x32xf16>, %[[KL:[^:]+]]: memref<1x8x128xf32>)
// CHECK: %[[H:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<1x128x8x32xf16>
// CHECK: %[[KVH:.*]] = memref.dim %[[KK]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK-NEXT: %[[GROUP:.*]] = arith.divui %[[H]], %[[KVH]] : index
// CHECK-NEXT: %[[Y:.*]] = flash.program_id y
// CHECK-NEXT: %[[B:.*]] = arith.divui %[[Y]], %[[H]] : index
// CHECK-NEXT: %[[HEAD:.*]] = arith.remui %[[Y]], %[[H]] : index
// CHECK-NEXT: %[[KVHEAD:.*]] = arith.divui %[[HEAD]], %[[GROUP]] : index
// CHECK: flash.load %[[KQ]][%[[B]], %{{[^,]+}}, %[[HEAD]], %{{.*}}] {{.*}} -> tensor<64x32xf16>
// CHECK: scf.for %[[COL:[^ ]+]] =
// CHECK: flash.load %[[KK]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] {{.*}} -> tensor<64x32xf16>
// CHECK: flash.load %[[KV]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] {{.*}} -> tensor<64x32xf16>
// CHECK: flash.store %{{.*}}, %[[KO]][%[[B]], %{{[^,]+}}, %[[HEAD]], %{{.*}}]
// CHECK-NEXT: flash.store %{{.*}}, %[[KL]][%[[B]], %[[HEAD]], %{{.*}}]

// RULES-LABEL: func.func private @fwd_gqa_attention_fwd(
// RULES-NOT: flash.mask
// RULES: {{^ *}}return
func.func @fwd_gqa(%q: memref<1x128x8x32xf16>, %k: memref<1x128x2x32xf16>,
                   %v: memref<1x128x2x32xf16>, %out: memref<1x128x8x32xf16>,
                   %lse: memref<1x8x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<1x128x8x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
      -> memref<1x128x8x32xf16>, memref<1x8x128xf32>
  return
}

// -----

// Variable length (packed tokens, GQA 8/2): grid x from max_seqlen_q, batch
// from cu_seqlens_q; each program reads its sequence's bounds with
// flash.seq_bounds, addresses tokens from the sequence start and is masked
// within the sequence's lengths.

// CHECK-LABEL: func.func @fwd_varlen(
// CHECK-SAME: %[[Q:[^:]+]]: memref<?x8x64xbf16>, %[[K:[^:]+]]: memref<?x2x64xbf16>, %[[V:[^:]+]]: memref<?x2x64xbf16>, %[[O:[^:]+]]: memref<?x8x64xbf16>, %[[L:[^:]+]]: memref<8x?xf32>, %[[CUQ:[^:]+]]: memref<?xi32>, %[[CUK:[^:]+]]: memref<?xi32>, %[[MQ:[^:]+]]: index, %[[MK:[^:]+]]: index)
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[N:.*]] = memref.dim %[[CUQ]], %{{.*}} : memref<?xi32>
// CHECK-NEXT: %[[BATCH:.*]] = arith.subi %[[N]], %[[ONE]] : index
// CHECK: %[[HEADS:.*]] = memref.dim %[[Q]], %{{.*}} : memref<?x8x64xbf16>
// CHECK: %[[SUM:.*]] = arith.addi %[[MQ]], %{{.*}} : index
// CHECK-NEXT: %[[GX:.*]] = arith.divui %[[SUM]], %{{.*}} : index
// CHECK-NEXT: %[[GY:.*]] = arith.muli %[[BATCH]], %[[HEADS]] : index
// CHECK: flash.launch @fwd_varlen_attention_fwd grid(%[[GX]], %[[GY]], %{{.*}}) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[L]], %[[CUQ]], %[[CUK]]) :

// CHECK-LABEL: func.func private @fwd_varlen_attention_fwd(
// CHECK-SAME: %[[KQ:[^:]+]]: memref<?x8x64xbf16>, %[[KK:[^:]+]]: memref<?x2x64xbf16>, %[[KV:[^:]+]]: memref<?x2x64xbf16>, %[[KO:[^:]+]]: memref<?x8x64xbf16>, %[[KL:[^:]+]]: memref<8x?xf32>, %[[KCUQ:[^:]+]]: memref<?xi32>, %[[KCUK:[^:]+]]: memref<?xi32>) attributes {flash.grid = {block = {{[0-9]+}} : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.kernel} {
// CHECK: %[[Y:.*]] = flash.program_id y
// CHECK-NEXT: %[[B:.*]] = arith.divui %[[Y]], %{{.*}} : index
// CHECK-NEXT: %[[HEAD:.*]] = arith.remui %[[Y]], %{{.*}} : index
// CHECK-NEXT: %[[KVHEAD:.*]] = arith.divui %[[HEAD]], %{{.*}} : index
// CHECK-NEXT: %[[QSTART:[^,]+]], %[[SQ:[^ ]+]] = flash.seq_bounds %[[KCUQ]][%[[B]]] : memref<?xi32>
// CHECK-NEXT: %[[KSTART:[^,]+]], %[[SK:[^ ]+]] = flash.seq_bounds %[[KCUK]][%[[B]]] : memref<?xi32>
// CHECK: %[[ROW:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi slt, %[[ROW]], %[[SQ]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK: %[[QEND:.*]] = arith.addi %[[QSTART]], %[[SQ]] : index
// CHECK-NEXT: %[[QTOK:.*]] = arith.addi %[[QSTART]], %[[ROW]] : index
// CHECK-NEXT: flash.load %[[KQ]][%[[QTOK]], %[[HEAD]], %{{.*}}] bound %[[QEND]] along 0 : memref<?x8x64xbf16> -> tensor<64x64xbf16>
// CHECK: scf.for %[[COL:[^ ]+]] = %{{[^ ]+}} to %[[SK]] step
// CHECK: %[[KEND:.*]] = arith.addi %[[KSTART]], %[[SK]] : index
// CHECK-NEXT: %[[KTOK:.*]] = arith.addi %[[KSTART]], %[[COL]] : index
// CHECK-NEXT: flash.load %[[KK]][%[[KTOK]], %[[KVHEAD]], %{{.*}}] bound %[[KEND]] along 0 : memref<?x2x64xbf16> -> tensor<64x64xbf16>
// CHECK: flash.mask %{{.*}} at(%[[ROW]], %[[COL]]) within(%[[SQ]], %[[SK]]) : tensor<64x64xf32>
// CHECK: flash.store %{{.*}}, %[[KO]][%{{[^,]+}}, %[[HEAD]], %{{.*}}] bound %{{.*}} along 0 : tensor<64x64xbf16> -> memref<?x8x64xbf16>
// CHECK: flash.store %{{.*}}, %[[KL]][%[[HEAD]], %{{.*}}] bound %{{.*}} along 1 : tensor<64xf32> -> memref<8x?xf32>

// RULES-LABEL: func.func private @fwd_varlen_attention_fwd(
// RULES: flash.seq_bounds
// RULES: flash.mask {{.*}} within({{[^)]*}}) : tensor<64x64xf32>
// RULES-NOT: flash.philox
// RULES: {{^ *}}return
func.func @fwd_varlen(%q: memref<?x8x64xbf16>, %k: memref<?x2x64xbf16>,
                      %v: memref<?x2x64xbf16>, %out: memref<?x8x64xbf16>,
                      %lse: memref<8x?xf32>, %cu_q: memref<?xi32>, %cu_k: memref<?xi32>,
                      %max_q: index, %max_k: index) {
  flash.attention %q, %k, %v -> %out, %lse
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      : memref<?x8x64xbf16>, memref<?x2x64xbf16>, memref<?x2x64xbf16>
      -> memref<?x8x64xbf16>, memref<8x?xf32>
  return
}

// -----

// seqlens 96 and 48: ragged for the default 64x64 blocks (masked), exact
// multiples of block-m=32 / block-n=16 (no mask).

// RULES-LABEL: func.func private @fwd_96x48_attention_fwd(
// RULES: flash.mask {{.*}} : tensor<64x64xf32>
// RULES: {{^ *}}return

// BLOCK-LABEL: func.func private @fwd_96x48_attention_fwd(
// BLOCK-NOT: flash.mask
// BLOCK: flash.dot {{.*}} {transpose_b} : tensor<32x32xf16>, tensor<16x32xf16> -> tensor<32x16xf32>
// BLOCK-NOT: flash.mask
// BLOCK: {{^ *}}return
func.func @fwd_96x48(%q: memref<1x96x2x32xf16>, %k: memref<1x48x2x32xf16>,
                     %v: memref<1x48x2x32xf16>, %out: memref<1x96x2x32xf16>,
                     %lse: memref<1x2x96xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<1x96x2x32xf16>, memref<1x48x2x32xf16>, memref<1x48x2x32xf16>
      -> memref<1x96x2x32xf16>, memref<1x2x96xf32>
  return
}
