// RUN: flash-opt %s -split-input-file --flash-tile-attention | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-tile-attention | FileCheck %s --check-prefix=RULES
// RUN: flash-opt %s -split-input-file --flash-tile-attention="block-m=32 block-n=16" | FileCheck %s --check-prefix=BLOCK
// RUN: flash-opt %s -split-input-file --flash-tile-attention="block-m=32 block-n=16 transposed-grad=1" | FileCheck %s --check-prefix=TRANSPOSED
// RUN: flash-opt %s -split-input-file --flash-tile-attention="block-m=16 block-n=32 transposed-grad=1" | FileCheck %s --check-prefix=TDQ

// --flash-tile-attention on flash.attention_grad: a workspace for
// D = rowsum(dO * O) shaped like the lse, then three launches in order
// (delta over the query blocks, dK/dV over the key blocks and K/V heads, dQ
// over the query blocks), each of a private flash.kernel function taking the
// same arguments. The dQ kernel recomputes S and dP (the first case); with
// `atomic_dq` (the second), a second workspace, f32 with q's axes head-major
// and rows padded by 8 ([heads, tokens, head_dim + 8]), is zeroed by the
// delta kernel, the dK/dV kernel adds dS K to it atomically,
// and the last kernel scales and converts it. RULES pins
// where masks and dropout appear, BLOCK the block-m/block-n options,
// TRANSPOSED the dK/dV kernel on Sᵀ = K Qᵀ (transposed-grad), TDQ its dQ
// share computed transposed where the queries (16) divide the head dim
// (32), and the per-row kernels' blocks of max(block-m, block-n) rows.

// Static multiples of the blocks (no mask), GQA 4/2, dropout 0.25.

// CHECK-LABEL: func.func @bwd_dropout_gqa(
// CHECK-SAME: %[[Q:[^:]+]]: memref<1x128x4x32xf16>, %[[K:[^:]+]]: memref<1x128x2x32xf16>, %[[V:[^:]+]]: memref<1x128x2x32xf16>, %[[O:[^:]+]]: memref<1x128x4x32xf16>, %[[DO:[^:]+]]: memref<1x128x4x32xf16>, %[[L:[^:]+]]: memref<1x4x128xf32>, %[[DQ:[^:]+]]: memref<1x128x4x32xf16>, %[[DK:[^:]+]]: memref<1x128x2x32xf16>, %[[DV:[^:]+]]: memref<1x128x2x32xf16>, %[[SEED:[^:]+]]: i64, %[[OFF:[^:]+]]: i64)
// CHECK-NEXT: %[[DELTA:.*]] = memref.alloc() : memref<1x4x128xf32>
// CHECK: %[[SQ:.*]] = memref.dim %[[Q]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[SK:.*]] = memref.dim %[[K]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK: %[[BATCH:.*]] = memref.dim %[[Q]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[HEADS:.*]] = memref.dim %[[Q]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[SUMQ:.*]] = arith.addi %[[SQ]], %{{.*}} : index
// CHECK-NEXT: %[[GXQ:.*]] = arith.divui %[[SUMQ]], %{{.*}} : index
// CHECK-NEXT: %[[GYQ:.*]] = arith.muli %[[BATCH]], %[[HEADS]] : index
// CHECK-NEXT: %[[GZQ:.*]] = arith.constant 1 : index
// CHECK-NEXT: flash.launch @bwd_dropout_gqa_attention_grad_bwd_delta grid(%[[GXQ]], %[[GYQ]], %[[GZQ]]) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[SEED]], %[[OFF]]) : memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x4x32xf16>, memref<1x128x4x32xf16>, memref<1x4x128xf32>, memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x4x128xf32>, i64, i64
// CHECK: %[[BATCHK:.*]] = memref.dim %[[Q]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[KVHEADS:.*]] = memref.dim %[[K]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK: %[[SUMK:.*]] = arith.addi %[[SK]], %{{.*}} : index
// CHECK-NEXT: %[[GXK:.*]] = arith.divui %[[SUMK]], %{{.*}} : index
// CHECK-NEXT: %[[GYK:.*]] = arith.muli %[[BATCHK]], %[[KVHEADS]] : index
// CHECK-NEXT: %[[GZK:.*]] = arith.constant 1 : index
// CHECK-NEXT: flash.launch @bwd_dropout_gqa_attention_grad_bwd_dkdv grid(%[[GXK]], %[[GYK]], %[[GZK]]) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[SEED]], %[[OFF]]) :
// CHECK-NEXT: flash.launch @bwd_dropout_gqa_attention_grad_bwd_dq grid(%[[GXQ]], %[[GYQ]], %[[GZQ]]) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[SEED]], %[[OFF]]) :
// CHECK-NEXT: return

// D = rowsum(dO * O) of every query block (no row-range guard needed: the
// loads and the store are masked by the bound).
// CHECK-LABEL: func.func private @bwd_dropout_gqa_attention_grad_bwd_delta(
// CHECK-SAME: %[[KQ:[^:]+]]: memref<1x128x4x32xf16>, %[[KK:[^:]+]]: memref<1x128x2x32xf16>, %[[KV:[^:]+]]: memref<1x128x2x32xf16>, %[[KO:[^:]+]]: memref<1x128x4x32xf16>, %[[KDO:[^:]+]]: memref<1x128x4x32xf16>, %[[KL:[^:]+]]: memref<1x4x128xf32>, %[[KDQ:[^:]+]]: memref<1x128x4x32xf16>, %[[KDK:[^:]+]]: memref<1x128x2x32xf16>, %[[KDV:[^:]+]]: memref<1x128x2x32xf16>, %[[KDELTA:[^:]+]]: memref<1x4x128xf32>, %[[KSEED:[^:]+]]: i64, %[[KOFF:[^:]+]]: i64) attributes {flash.grid = {block = {{[0-9]+}} : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.kernel} {
// CHECK: %[[Y:.*]] = flash.program_id y
// CHECK-NEXT: %[[B:.*]] = arith.divui %[[Y]], %{{.*}} : index
// CHECK-NEXT: %[[HEAD:.*]] = arith.remui %[[Y]], %{{.*}} : index
// CHECK: %[[SQ:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[X:.*]] = flash.program_id x
// CHECK-NEXT: %[[ROW:.*]] = arith.muli %[[X]], %{{.*}} : index
// CHECK: %[[ROWS_KO:.*]] = memref.dim %[[KO]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[OT:.*]] = flash.load %[[KO]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[ROWS_KO]] along 1 : memref<1x128x4x32xf16> -> tensor<64x32xf16>
// CHECK: %[[ROWS_KDO:.*]] = memref.dim %[[KDO]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[DOT:.*]] = flash.load %[[KDO]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[ROWS_KDO]] along 1 : memref<1x128x4x32xf16> -> tensor<64x32xf16>
// CHECK-NEXT: %[[D:.*]] = flash.row_dot %[[DOT]], %[[OT]] : tensor<64x32xf16> -> tensor<64xf32>
// CHECK-NEXT: flash.store %[[D]], %[[KDELTA]][%[[B]], %[[HEAD]], %[[ROW]]] bound %[[SQ]] along 2 : tensor<64xf32> -> memref<1x4x128xf32>
// CHECK-NEXT: return

// dK, dV of one key block of one K/V head: loop over the query heads of its
// group, then over the query blocks; dropout on the probabilities (for dV)
// and on dP, with the same Philox stream batch * heads + head.
// CHECK-LABEL: func.func private @bwd_dropout_gqa_attention_grad_bwd_dkdv(
// CHECK-SAME: %[[KQ:[^:]+]]: memref<1x128x4x32xf16>, %[[KK:[^:]+]]: memref<1x128x2x32xf16>, %[[KV:[^:]+]]: memref<1x128x2x32xf16>, %[[KO:[^:]+]]: memref<1x128x4x32xf16>, %[[KDO:[^:]+]]: memref<1x128x4x32xf16>, %[[KL:[^:]+]]: memref<1x4x128xf32>, %[[KDQ:[^:]+]]: memref<1x128x4x32xf16>, %[[KDK:[^:]+]]: memref<1x128x2x32xf16>, %[[KDV:[^:]+]]: memref<1x128x2x32xf16>, %[[KDELTA:[^:]+]]: memref<1x4x128xf32>, %[[KSEED:[^:]+]]: i64, %[[KOFF:[^:]+]]: i64) attributes {flash.grid = {block = {{[0-9]+}} : i64, heads = "k", order = 1 : i64, rows = "k"}, flash.kernel} {
// CHECK: %[[KVH:.*]] = memref.dim %[[KK]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK: %[[Y:.*]] = flash.program_id y
// CHECK-NEXT: %[[B:.*]] = arith.divui %[[Y]], %[[KVH]] : index
// CHECK-NEXT: %[[KVHEAD:.*]] = arith.remui %[[Y]], %[[KVH]] : index
// CHECK: %[[SQ:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[SK:.*]] = memref.dim %[[KK]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK-NEXT: %[[BN:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[X:.*]] = flash.program_id x
// CHECK-NEXT: %[[COL:.*]] = arith.muli %[[X]], %[[BN]] : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi slt, %[[COL]], %[[SK]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK: %[[ROWS_KK:.*]] = memref.dim %[[KK]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK: %[[KT:.*]] = flash.load %[[KK]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] bound %[[ROWS_KK]] along 1 : memref<1x128x2x32xf16> -> tensor<64x32xf16>
// CHECK: %[[ROWS_KV:.*]] = memref.dim %[[KV]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK: %[[VT:.*]] = flash.load %[[KV]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] bound %[[ROWS_KV]] along 1 : memref<1x128x2x32xf16> -> tensor<64x32xf16>
// CHECK-NEXT: %[[ROWSTART:.*]] = arith.constant 0 : index
// CHECK: %[[HEADS:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[KVHEADS:.*]] = memref.dim %[[KK]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK-NEXT: %[[GROUP:.*]] = arith.divui %[[HEADS]], %[[KVHEADS]] : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.muli %[[KVHEAD]], %[[GROUP]] : index
// CHECK-NEXT: %[[DK0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x32xf32>
// CHECK-NEXT: %[[DV0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x32xf32>
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[HL:[^:]+]]:2 = scf.for %[[G:[^ ]+]] = %[[ZERO]] to %[[GROUP]] step %[[ONE]] iter_args(%[[DKH:[^ ]+]] = %[[DK0]], %[[DVH:[^ ]+]] = %[[DV0]]) -> (tensor<64x32xf32>, tensor<64x32xf32>) {
// CHECK-NEXT: %[[HEAD:.*]] = arith.addi %[[FIRST]], %[[G]] : index
// CHECK-NEXT: %[[BH:.*]] = arith.muli %[[B]], %[[HEADS]] : index
// CHECK-NEXT: %[[STREAM:.*]] = arith.addi %[[BH]], %[[HEAD]] : index
// CHECK-NEXT: %[[BM:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[RL:[^:]+]]:2 = scf.for %[[ROW:[^ ]+]] = %[[ROWSTART]] to %[[SQ]] step %[[BM]] iter_args(%[[DKA:[^ ]+]] = %[[DKH]], %[[DVA:[^ ]+]] = %[[DVH]]) -> (tensor<64x32xf32>, tensor<64x32xf32>) {
// CHECK: %[[ROWS_KQ:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[QT:.*]] = flash.load %[[KQ]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[ROWS_KQ]] along 1 : memref<1x128x4x32xf16> -> tensor<64x32xf16>
// CHECK: %[[ROWS_KDO:.*]] = memref.dim %[[KDO]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[DOT:.*]] = flash.load %[[KDO]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[ROWS_KDO]] along 1 : memref<1x128x4x32xf16> -> tensor<64x32xf16>
// CHECK-NEXT: %[[LSE:.*]] = flash.load %[[KL]][%[[B]], %[[HEAD]], %[[ROW]]] bound %[[SQ]] along 2 : memref<1x4x128xf32> -> tensor<64xf32>
// CHECK-NEXT: %[[D:.*]] = flash.load %[[KDELTA]][%[[B]], %[[HEAD]], %[[ROW]]] bound %[[SQ]] along 2 : memref<1x4x128xf32> -> tensor<64xf32>
// CHECK-NEXT: %[[Z0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[QT]], %[[KT]], %[[Z0]] {transpose_b} : tensor<64x32xf16>, tensor<64x32xf16> -> tensor<64x64xf32>
// CHECK-NEXT: %[[P:.*]] = flash.softmax_recompute %[[S]], %[[LSE]] scale 0.176776692 : tensor<64x64xf32>, tensor<64xf32>
// CHECK-NEXT: %[[BITS1:.*]] = flash.philox %[[KSEED]], %[[KOFF]], %[[STREAM]] at(%[[ROW]], %[[COL]]) : tensor<64x64xi32>
// CHECK-NEXT: %[[PD:.*]] = flash.dropout %[[P]], %[[BITS1]] prob 2.500000e-01 : tensor<64x64xf32>, tensor<64x64xi32>
// CHECK-NEXT: %[[Z1:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32>
// CHECK-NEXT: %[[DP:.*]] = flash.dot %[[DOT]], %[[VT]], %[[Z1]] {transpose_b} : tensor<64x32xf16>, tensor<64x32xf16> -> tensor<64x64xf32>
// CHECK-NEXT: %[[BITS2:.*]] = flash.philox %[[KSEED]], %[[KOFF]], %[[STREAM]] at(%[[ROW]], %[[COL]]) : tensor<64x64xi32>
// CHECK-NEXT: %[[DPD:.*]] = flash.dropout %[[DP]], %[[BITS2]] prob 2.500000e-01 : tensor<64x64xf32>, tensor<64x64xi32>
// CHECK-NEXT: %[[DS:.*]] = flash.softmax_grad %[[P]], %[[DPD]], %[[D]] : tensor<64x64xf32>, tensor<64xf32>
// CHECK-NEXT: %[[PDH:.*]] = arith.truncf %[[PD]] : tensor<64x64xf32> to tensor<64x64xf16>
// CHECK-NEXT: %[[DVN:.*]] = flash.dot %[[PDH]], %[[DOT]], %[[DVA]] {transpose_a} : tensor<64x64xf16>, tensor<64x32xf16> -> tensor<64x32xf32>
// CHECK-NEXT: %[[DSH:.*]] = arith.truncf %[[DS]] : tensor<64x64xf32> to tensor<64x64xf16>
// CHECK-NEXT: %[[DKN:.*]] = flash.dot %[[DSH]], %[[QT]], %[[DKA]] {transpose_a} : tensor<64x64xf16>, tensor<64x32xf16> -> tensor<64x32xf32>
// CHECK-NEXT: scf.yield %[[DKN]], %[[DVN]] : tensor<64x32xf32>, tensor<64x32xf32>
// CHECK-NEXT: }
// CHECK-NEXT: scf.yield %[[RL]]#0, %[[RL]]#1 : tensor<64x32xf32>, tensor<64x32xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %[[SCALE:.*]] = arith.constant dense<0.176776692> : tensor<64x32xf32>
// CHECK-NEXT: %[[DKS:.*]] = arith.mulf %[[HL]]#0, %[[SCALE]] : tensor<64x32xf32>
// CHECK-NEXT: %[[DKT:.*]] = arith.truncf %[[DKS]] : tensor<64x32xf32> to tensor<64x32xf16>
// CHECK-NEXT: %[[DVT:.*]] = arith.truncf %[[HL]]#1 : tensor<64x32xf32> to tensor<64x32xf16>
// CHECK: %[[DKLEN:.*]] = memref.dim %[[KDK]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK-NEXT: flash.store %[[DKT]], %[[KDK]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] bound %[[DKLEN]] along 1 : tensor<64x32xf16> -> memref<1x128x2x32xf16>
// CHECK: %[[DVLEN:.*]] = memref.dim %[[KDV]], %{{.*}} : memref<1x128x2x32xf16>
// CHECK-NEXT: flash.store %[[DVT]], %[[KDV]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] bound %[[DVLEN]] along 1 : tensor<64x32xf16> -> memref<1x128x2x32xf16>
// CHECK-NEXT: }
// CHECK-NEXT: return

// dQ of one query block: loop over the key blocks, dropout on dP only (the
// stream is grid axis y = batch * heads + head).
// CHECK-LABEL: func.func private @bwd_dropout_gqa_attention_grad_bwd_dq(
// CHECK-SAME: %[[KQ:[^:]+]]: memref<1x128x4x32xf16>, %[[KK:[^:]+]]: memref<1x128x2x32xf16>, %[[KV:[^:]+]]: memref<1x128x2x32xf16>, %[[KO:[^:]+]]: memref<1x128x4x32xf16>, %[[KDO:[^:]+]]: memref<1x128x4x32xf16>, %[[KL:[^:]+]]: memref<1x4x128xf32>, %[[KDQ:[^:]+]]: memref<1x128x4x32xf16>, %[[KDK:[^:]+]]: memref<1x128x2x32xf16>, %[[KDV:[^:]+]]: memref<1x128x2x32xf16>, %[[KDELTA:[^:]+]]: memref<1x4x128xf32>, %[[KSEED:[^:]+]]: i64, %[[KOFF:[^:]+]]: i64) attributes {flash.grid = {block = {{[0-9]+}} : i64, heads = "q", order = 2 : i64, rows = "q"}, flash.kernel} {
// CHECK: %[[Y:.*]] = flash.program_id y
// CHECK-NEXT: %[[B:.*]] = arith.divui %[[Y]], %{{.*}} : index
// CHECK-NEXT: %[[HEAD:.*]] = arith.remui %[[Y]], %{{.*}} : index
// CHECK-NEXT: %[[KVHEAD:.*]] = arith.divui %[[HEAD]], %{{.*}} : index
// CHECK: %[[ROW:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi slt, %[[ROW]], %[[SQ:[^ ]+]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK: %[[ROWS_KQ:.*]] = memref.dim %[[KQ]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[QT:.*]] = flash.load %[[KQ]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[ROWS_KQ]] along 1 : memref<1x128x4x32xf16> -> tensor<64x32xf16>
// CHECK: %[[ROWS_KDO:.*]] = memref.dim %[[KDO]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK: %[[DOT:.*]] = flash.load %[[KDO]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[ROWS_KDO]] along 1 : memref<1x128x4x32xf16> -> tensor<64x32xf16>
// CHECK-NEXT: %[[LSE:.*]] = flash.load %[[KL]][%[[B]], %[[HEAD]], %[[ROW]]] bound %[[SQ]] along 2 : memref<1x4x128xf32> -> tensor<64xf32>
// CHECK-NEXT: %[[D:.*]] = flash.load %[[KDELTA]][%[[B]], %[[HEAD]], %[[ROW]]] bound %[[SQ]] along 2 : memref<1x4x128xf32> -> tensor<64xf32>
// CHECK-NEXT: %[[DQ0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x32xf32>
// CHECK: %[[LOOP:.*]] = scf.for %[[COL:[^ ]+]] = %{{[^ ]+}} to %{{[^ ]+}} step %{{[^ ]+}} iter_args(%[[ACC:[^ ]+]] = %[[DQ0]]) -> (tensor<64x32xf32>) {
// CHECK: %[[KT:.*]] = flash.load %[[KK]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] {{.*}} -> tensor<64x32xf16>
// CHECK: %[[VT:.*]] = flash.load %[[KV]][%[[B]], %[[COL]], %[[KVHEAD]], %{{.*}}] {{.*}} -> tensor<64x32xf16>
// CHECK-NEXT: %[[Z0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[QT]], %[[KT]], %[[Z0]] {transpose_b} : tensor<64x32xf16>, tensor<64x32xf16> -> tensor<64x64xf32>
// CHECK-NEXT: %[[P:.*]] = flash.softmax_recompute %[[S]], %[[LSE]] scale 0.176776692 : tensor<64x64xf32>, tensor<64xf32>
// CHECK-NEXT: %[[Z1:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32>
// CHECK-NEXT: %[[DP:.*]] = flash.dot %[[DOT]], %[[VT]], %[[Z1]] {transpose_b} : tensor<64x32xf16>, tensor<64x32xf16> -> tensor<64x64xf32>
// CHECK-NEXT: %[[BITS:.*]] = flash.philox %[[KSEED]], %[[KOFF]], %[[Y]] at(%[[ROW]], %[[COL]]) : tensor<64x64xi32>
// CHECK-NEXT: %[[DPD:.*]] = flash.dropout %[[DP]], %[[BITS]] prob 2.500000e-01 : tensor<64x64xf32>, tensor<64x64xi32>
// CHECK-NEXT: %[[DS:.*]] = flash.softmax_grad %[[P]], %[[DPD]], %[[D]] : tensor<64x64xf32>, tensor<64xf32>
// CHECK-NEXT: %[[DSH:.*]] = arith.truncf %[[DS]] : tensor<64x64xf32> to tensor<64x64xf16>
// CHECK-NEXT: %[[DQN:.*]] = flash.dot %[[DSH]], %[[KT]], %[[ACC]] : tensor<64x64xf16>, tensor<64x32xf16> -> tensor<64x32xf32>
// CHECK-NEXT: scf.yield %[[DQN]] : tensor<64x32xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %[[SCALE:.*]] = arith.constant dense<0.176776692> : tensor<64x32xf32>
// CHECK-NEXT: %[[DQS:.*]] = arith.mulf %[[LOOP]], %[[SCALE]] : tensor<64x32xf32>
// CHECK-NEXT: %[[DQT:.*]] = arith.truncf %[[DQS]] : tensor<64x32xf32> to tensor<64x32xf16>
// CHECK: %[[DQLEN:.*]] = memref.dim %[[KDQ]], %{{.*}} : memref<1x128x4x32xf16>
// CHECK-NEXT: flash.store %[[DQT]], %[[KDQ]][%[[B]], %[[ROW]], %[[HEAD]], %{{.*}}] bound %[[DQLEN]] along 1 : tensor<64x32xf16> -> memref<1x128x4x32xf16>
// CHECK-NEXT: }
// CHECK-NEXT: return

// RULES-LABEL: func.func private @bwd_dropout_gqa_attention_grad_bwd_delta(
// RULES-NOT: flash.mask
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: {{^ *}}return
// RULES-LABEL: func.func private @bwd_dropout_gqa_attention_grad_bwd_dkdv(
// RULES-NOT: flash.mask
// RULES-COUNT-2: flash.dropout
// RULES-NOT: flash.dropout
// RULES-NOT: flash.mask
// RULES: {{^ *}}return
// RULES-LABEL: func.func private @bwd_dropout_gqa_attention_grad_bwd_dq(
// RULES-NOT: flash.mask
// RULES: flash.dropout
// RULES-NOT: flash.dropout
// RULES-NOT: flash.mask
// RULES: {{^ *}}return

// block-m=32, block-n=16: the dK/dV grid is ceil(seqlen_k / 16), the delta
// and dQ grids ceil(seqlen_q / 32); dK/dV tiles have 16 rows, query tiles 32.
// BLOCK-LABEL: func.func @bwd_dropout_gqa(
// BLOCK: %[[C32:.*]] = arith.constant 32 : index
// BLOCK-NEXT: %[[C31:.*]] = arith.constant 31 : index
// BLOCK-NEXT: %[[SQ1:.*]] = arith.addi %{{.*}}, %[[C31]] : index
// BLOCK-NEXT: %[[GXQ:.*]] = arith.divui %[[SQ1]], %[[C32]] : index
// BLOCK: flash.launch @bwd_dropout_gqa_attention_grad_bwd_delta grid(%[[GXQ]],
// BLOCK: %[[C16:.*]] = arith.constant 16 : index
// BLOCK-NEXT: %[[C15:.*]] = arith.constant 15 : index
// BLOCK-NEXT: %[[SK1:.*]] = arith.addi %{{.*}}, %[[C15]] : index
// BLOCK-NEXT: %[[GXK:.*]] = arith.divui %[[SK1]], %[[C16]] : index
// BLOCK: flash.launch @bwd_dropout_gqa_attention_grad_bwd_dkdv grid(%[[GXK]],
// BLOCK-NEXT: flash.launch @bwd_dropout_gqa_attention_grad_bwd_dq grid(%[[GXQ]],
// BLOCK-LABEL: func.func private @bwd_dropout_gqa_attention_grad_bwd_dkdv(
// BLOCK: flash.load {{.*}} -> tensor<16x32xf16>
// BLOCK: flash.load {{.*}} -> tensor<16x32xf16>
// BLOCK: scf.for {{.*}} -> (tensor<16x32xf32>, tensor<16x32xf32>) {
// BLOCK: %[[BM:.*]] = arith.constant 32 : index
// BLOCK-NEXT: scf.for %{{[^ ]+}} = %{{[^ ]+}} to %{{[^ ]+}} step %[[BM]] iter_args({{.*}}) -> (tensor<16x32xf32>, tensor<16x32xf32>) {
// BLOCK: flash.load {{.*}} -> tensor<32x32xf16>
// BLOCK: flash.dot {{.*}} {transpose_b} : tensor<32x32xf16>, tensor<16x32xf16> -> tensor<32x16xf32>
// BLOCK: flash.philox {{.*}} : tensor<32x16xi32>
// BLOCK: flash.dot {{.*}} {transpose_a} : tensor<32x16xf16>, tensor<32x32xf16> -> tensor<16x32xf32>
func.func @bwd_dropout_gqa(
    %q: memref<1x128x4x32xf16>, %k: memref<1x128x2x32xf16>, %v: memref<1x128x2x32xf16>,
    %out: memref<1x128x4x32xf16>, %dout: memref<1x128x4x32xf16>, %lse: memref<1x4x128xf32>,
    %dq: memref<1x128x4x32xf16>, %dk: memref<1x128x2x32xf16>, %dv: memref<1x128x2x32xf16>,
    %seed: i64, %offset: i64) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      dropout_rng(%seed, %offset) {dropout_p = 2.5e-01 : f32}
      : memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x4x32xf16>, memref<1x128x4x32xf16>, memref<1x4x128xf32>
        -> memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}

// -----

// Variable length, causal, no dropout, atomic_dq: the workspaces
// take the lse's and q's dynamic sizes (dq's sums head-major, padded rows); grids come from max_seqlen_q /
// max_seqlen_k; dK/dV start at the query block holding the first row that
// sees the key block; masks are causal.

// CHECK-LABEL: func.func @bwd_varlen_causal(
// CHECK-SAME: %[[Q:[^:]+]]: memref<?x4x32xbf16>, %[[K:[^:]+]]: memref<?x4x32xbf16>, %[[V:[^:]+]]: memref<?x4x32xbf16>, %[[O:[^:]+]]: memref<?x4x32xbf16>, %[[DO:[^:]+]]: memref<?x4x32xbf16>, %[[L:[^:]+]]: memref<4x?xf32>, %[[DQ:[^:]+]]: memref<?x4x32xbf16>, %[[DK:[^:]+]]: memref<?x4x32xbf16>, %[[DV:[^:]+]]: memref<?x4x32xbf16>, %[[CUQ:[^:]+]]: memref<?xi32>, %[[CUK:[^:]+]]: memref<?xi32>, %[[MQ:[^:]+]]: index, %[[MK:[^:]+]]: index)
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[TOTAL:.*]] = memref.dim %[[L]], %[[C1]] : memref<4x?xf32>
// CHECK-NEXT: %[[DELTA:.*]] = memref.alloc(%[[TOTAL]]) : memref<4x?xf32>
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[TOKENS:.*]] = memref.dim %[[Q]], %[[C0]] : memref<?x4x32xbf16>
// CHECK-NEXT: %[[DQSUM:.*]] = memref.alloc(%[[TOKENS]]) : memref<4x?x40xf32>
// CHECK: %[[SUMQ:.*]] = arith.addi %[[MQ]], %{{.*}} : index
// CHECK-NEXT: %[[GXQ:.*]] = arith.divui %[[SUMQ]], %{{.*}} : index
// CHECK: flash.launch @bwd_varlen_causal_attention_grad_bwd_delta grid(%[[GXQ]], %{{.*}}) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[DQSUM]], %[[CUQ]], %[[CUK]]) :
// CHECK: %[[SUMK:.*]] = arith.addi %[[MK]], %{{.*}} : index
// CHECK-NEXT: %[[GXK:.*]] = arith.divui %[[SUMK]], %{{.*}} : index
// CHECK: flash.launch @bwd_varlen_causal_attention_grad_bwd_dkdv grid(%[[GXK]], %{{.*}}) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[DQSUM]], %[[CUQ]], %[[CUK]]) :
// CHECK-NEXT: flash.launch @bwd_varlen_causal_attention_grad_bwd_dq_convert grid(%[[GXQ]], %{{.*}}) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[DQSUM]], %[[CUQ]], %[[CUK]]) :
// CHECK-NEXT: return

// The delta kernel also zeroes its rows of dq's sums.
// CHECK-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_delta(
// CHECK-SAME: %[[KDQSUM:[^:]+]]: memref<4x?x40xf32>, %{{[^:]+}}: memref<?xi32>, %{{[^:]+}}: memref<?xi32>)
// CHECK: %[[HEAD:.*]] = arith.remui
// CHECK: %[[QSTART:[^,]+]], %[[SQ:[^ ]+]] = flash.seq_bounds
// CHECK: %[[ROW:.*]] = arith.muli
// CHECK: flash.row_dot
// CHECK-NEXT: %[[END:.*]] = arith.addi %[[QSTART]], %[[SQ]] : index
// CHECK-NEXT: %[[TOK:.*]] = arith.addi %[[QSTART]], %[[ROW]] : index
// CHECK-NEXT: flash.store %{{.*}}, %{{.*}}[%{{.*}}, %[[TOK]]] bound %[[END]] along 1 : tensor<64xf32> -> memref<4x?xf32>
// CHECK-NEXT: %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : tensor<64x32xf32>
// CHECK-NEXT: arith.constant 0 : index
// CHECK-NEXT: %[[TOK2:.*]] = arith.addi %[[QSTART]], %[[ROW]] : index
// CHECK-NEXT: %[[END2:.*]] = arith.addi %[[QSTART]], %[[SQ]] : index
// CHECK-NEXT: flash.store %[[ZEROS]], %[[KDQSUM]][%[[HEAD]], %[[TOK2]], %{{.*}}] bound %[[END2]] along 1 : tensor<64x32xf32> -> memref<4x?x40xf32>
// CHECK-NEXT: return

// CHECK-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dkdv(
// CHECK: %[[QSTART:[^,]+]], %[[SQ:[^ ]+]] = flash.seq_bounds
// CHECK-NEXT: %[[KSTART:[^,]+]], %[[SK:[^ ]+]] = flash.seq_bounds
// CHECK: %[[COL:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT: arith.cmpi slt, %[[COL]], %[[SK]] : index
// CHECK: %[[KT:.*]] = flash.load %{{.*}} -> tensor<64x32xbf16>
// CHECK: %[[DIAG:.*]] = arith.subi %[[SK]], %[[SQ]] : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.subi %[[COL]], %[[DIAG]] : index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRSTC:.*]] = arith.maxsi %[[Z]], %[[FIRST]] : index
// CHECK-NEXT: %[[BM1:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[BM2:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[QB:.*]] = arith.divui %[[FIRSTC]], %[[BM2]] : index
// CHECK-NEXT: %[[START:.*]] = arith.muli %[[QB]], %[[BM1]] : index
// CHECK: scf.for %{{[^ ]+}} = %{{[^ ]+}} to %{{[^ ]+}} step %{{[^ ]+}} iter_args
// CHECK-NEXT: %[[HEADQ:.*]] = arith.addi
// CHECK: scf.for %[[ROW:[^ ]+]] = %[[START]] to %[[SQ]] step %{{[^ ]+}} iter_args
// CHECK: %[[QEND:.*]] = arith.addi %[[QSTART]], %[[SQ]] : index
// CHECK-NEXT: %[[QTOK:.*]] = arith.addi %[[QSTART]], %[[ROW]] : index
// CHECK-NEXT: flash.load %{{.*}}[%[[QTOK]], %[[HEADQ]], %{{.*}}] bound %[[QEND]] along 0 : memref<?x4x32xbf16> -> tensor<64x32xbf16>
// CHECK: flash.mask %{{.*}} at(%[[ROW]], %[[COL]]) within(%[[SQ]], %[[SK]]) causal : tensor<64x64xf32>
// dK from dS^T Q, then dQ's share dS K (from zero), added to the sums.
// CHECK: flash.dot %{{.*}} {transpose_a} : tensor<64x64xbf16>, tensor<64x32xbf16> -> tensor<64x32xf32>
// CHECK-NEXT: %[[DSH:.*]] = arith.truncf %{{.*}} : tensor<64x64xf32> to tensor<64x64xbf16>
// CHECK-NEXT: flash.dot %[[DSH]], %{{.*}}, %{{.*}} {transpose_a} : tensor<64x64xbf16>, tensor<64x32xbf16> -> tensor<64x32xf32>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x32xf32>
// CHECK-NEXT: %[[DQPART:.*]] = flash.dot %[[DSH]], %[[KT]], %[[Z]] : tensor<64x64xbf16>, tensor<64x32xbf16> -> tensor<64x32xf32>
// CHECK-NEXT: arith.constant 0 : index
// CHECK-NEXT: %[[QTOK2:.*]] = arith.addi %[[QSTART]], %[[ROW]] : index
// CHECK-NEXT: %[[QEND2:.*]] = arith.addi %[[QSTART]], %[[SQ]] : index
// CHECK-NEXT: flash.store %[[DQPART]], %{{.*}}[%[[HEADQ]], %[[QTOK2]], %{{.*}}] bound %[[QEND2]] along 1 accumulate : tensor<64x32xf32> -> memref<4x?x40xf32>
// CHECK-NEXT: scf.yield
// CHECK: %[[KEND:.*]] = arith.addi %[[KSTART]], %[[SK]] : index
// CHECK-NEXT: %[[KTOK:.*]] = arith.addi %[[KSTART]], %[[COL]] : index
// CHECK-NEXT: flash.store %{{.*}}, %{{.*}}[%[[KTOK]], %{{.*}}, %{{.*}}] bound %[[KEND]] along 0 : tensor<64x32xbf16> -> memref<?x4x32xbf16>

// The last kernel scales dq's sums and converts them.
// CHECK-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dq_convert(
// CHECK-SAME: %[[KDQ:[^:]+]]: memref<?x4x32xbf16>, %{{[^:]+}}: memref<?x4x32xbf16>, %{{[^:]+}}: memref<?x4x32xbf16>, %{{[^:]+}}: memref<4x?xf32>, %[[KDQSUM:[^:]+]]: memref<4x?x40xf32>,
// CHECK: %[[QSTART:[^,]+]], %[[SQ:[^ ]+]] = flash.seq_bounds
// CHECK: %[[ROW:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi slt, %[[ROW]], %[[SQ]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK: %[[SUM:.*]] = flash.load %[[KDQSUM]][%{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 1 : memref<4x?x40xf32> -> tensor<64x32xf32>
// CHECK-NEXT: %[[SCALE:.*]] = arith.constant dense<0.176776692> : tensor<64x32xf32>
// CHECK-NEXT: %[[SCALED:.*]] = arith.mulf %[[SUM]], %[[SCALE]] : tensor<64x32xf32>
// CHECK-NEXT: %[[NARROW:.*]] = arith.truncf %[[SCALED]] : tensor<64x32xf32> to tensor<64x32xbf16>
// CHECK: flash.store %[[NARROW]], %[[KDQ]][%{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 0 : tensor<64x32xbf16> -> memref<?x4x32xbf16>
// CHECK-NEXT: }
// CHECK-NEXT: return

// RULES-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_delta(
// RULES-NOT: flash.mask
// RULES-NOT: flash.philox
// RULES: {{^ *}}return
// RULES-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dkdv(
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: flash.mask {{.*}} causal : tensor<64x64xf32>
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: {{^ *}}return
// RULES-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dq_convert(
// RULES-NOT: flash.mask
// RULES-NOT: flash.dot
// RULES: {{^ *}}return
// transposed-grad: block-n x block-m (16x32) tiles with the keys along the
// rows: Sᵀ = K Qᵀ and dPᵀ = V dOᵀ, the causal mask, softmax and its gradient
// transposed (lse and D one a column), dV += Pᵀ dO and dK += dSᵀ Q without
// transposes; dQ += (dSᵀ)ᵀ K.
// TRANSPOSED-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dkdv(
// TRANSPOSED: %[[KT:.*]] = flash.load %arg1[{{.*}}] bound %{{.*}} along 0 : memref<?x4x32xbf16> -> tensor<16x32xbf16>
// TRANSPOSED: %[[VT:.*]] = flash.load %arg2[{{.*}}] bound %{{.*}} along 0 : memref<?x4x32xbf16> -> tensor<16x32xbf16>
// TRANSPOSED: scf.for
// TRANSPOSED: scf.for %[[ROW:[^ ]+]] =
// TRANSPOSED: %[[QT:.*]] = flash.load %arg0[{{.*}}] {{.*}} -> tensor<32x32xbf16>
// TRANSPOSED: %[[DOT:.*]] = flash.load %arg4[{{.*}}] {{.*}} -> tensor<32x32xbf16>
// TRANSPOSED: %[[LSE:.*]] = flash.load %arg5[{{.*}}] {{.*}} -> tensor<32xf32>
// TRANSPOSED: %[[D:.*]] = flash.load %arg9[{{.*}}] {{.*}} -> tensor<32xf32>
// TRANSPOSED: %[[ST:.*]] = flash.dot %[[KT]], %[[QT]], %{{.*}} {transpose_b} : tensor<16x32xbf16>, tensor<32x32xbf16> -> tensor<16x32xf32>
// TRANSPOSED-NEXT: %[[MT:.*]] = flash.mask %[[ST]] at(%[[ROW]], %{{.*}}) within(%{{.*}}, %{{.*}}) causal transposed : tensor<16x32xf32>
// TRANSPOSED-NEXT: %[[PT:.*]] = flash.softmax_recompute %[[MT]], %[[LSE]] scale {{.*}} transposed : tensor<16x32xf32>, tensor<32xf32>
// TRANSPOSED: %[[DPT:.*]] = flash.dot %[[VT]], %[[DOT]], %{{.*}} {transpose_b} : tensor<16x32xbf16>, tensor<32x32xbf16> -> tensor<16x32xf32>
// TRANSPOSED-NEXT: %[[DST:.*]] = flash.softmax_grad %[[PT]], %[[DPT]], %[[D]] transposed : tensor<16x32xf32>, tensor<32xf32>
// TRANSPOSED-NEXT: %[[PN:.*]] = arith.truncf %[[PT]] : tensor<16x32xf32> to tensor<16x32xbf16>
// TRANSPOSED-NEXT: flash.dot %[[PN]], %[[DOT]], %{{.*}} : tensor<16x32xbf16>, tensor<32x32xbf16> -> tensor<16x32xf32>
// TRANSPOSED-NEXT: %[[DSN:.*]] = arith.truncf %[[DST]] : tensor<16x32xf32> to tensor<16x32xbf16>
// TRANSPOSED-NEXT: flash.dot %[[DSN]], %[[QT]], %{{.*}} : tensor<16x32xbf16>, tensor<32x32xbf16> -> tensor<16x32xf32>
// TRANSPOSED: flash.dot %[[DSN]], %[[KT]], %{{.*}} {transpose_a} : tensor<16x32xbf16>, tensor<16x32xbf16> -> tensor<32x32xf32>
// The other kernels keep their row-major form.
// TRANSPOSED-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dq_convert(
// TRANSPOSED-NOT: transposed
// TRANSPOSED: {{^ *}}return
func.func @bwd_varlen_causal(
    %q: memref<?x4x32xbf16>, %k: memref<?x4x32xbf16>, %v: memref<?x4x32xbf16>,
    %out: memref<?x4x32xbf16>, %dout: memref<?x4x32xbf16>, %lse: memref<4x?xf32>,
    %dq: memref<?x4x32xbf16>, %dk: memref<?x4x32xbf16>, %dv: memref<?x4x32xbf16>,
    %cu_q: memref<?xi32>, %cu_k: memref<?xi32>, %max_q: index, %max_k: index) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      {atomic_dq, causal}
      : memref<?x4x32xbf16>, memref<?x4x32xbf16>, memref<?x4x32xbf16>,
        memref<?x4x32xbf16>, memref<?x4x32xbf16>, memref<4x?xf32>
        -> memref<?x4x32xbf16>, memref<?x4x32xbf16>, memref<?x4x32xbf16>
  return
}

// -----

// The same problem without atomic_dq: one workspace; the dQ kernel loops
// over the key blocks up to the causal end, masked.

// CHECK-LABEL: func.func @bwd_varlen_causal_dq(
// CHECK-SAME: %[[Q:[^:]+]]: memref<?x4x32xbf16>, %[[K:[^:]+]]: memref<?x4x32xbf16>, %[[V:[^:]+]]: memref<?x4x32xbf16>, %[[O:[^:]+]]: memref<?x4x32xbf16>, %[[DO:[^:]+]]: memref<?x4x32xbf16>, %[[L:[^:]+]]: memref<4x?xf32>, %[[DQ:[^:]+]]: memref<?x4x32xbf16>, %[[DK:[^:]+]]: memref<?x4x32xbf16>, %[[DV:[^:]+]]: memref<?x4x32xbf16>, %[[CUQ:[^:]+]]: memref<?xi32>, %[[CUK:[^:]+]]: memref<?xi32>, %[[MQ:[^:]+]]: index, %[[MK:[^:]+]]: index)
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[TOTAL:.*]] = memref.dim %[[L]], %[[C1]] : memref<4x?xf32>
// CHECK-NEXT: %[[DELTA:.*]] = memref.alloc(%[[TOTAL]]) : memref<4x?xf32>
// CHECK: %[[SUMQ:.*]] = arith.addi %[[MQ]], %{{.*}} : index
// CHECK-NEXT: %[[GXQ:.*]] = arith.divui %[[SUMQ]], %{{.*}} : index
// CHECK: flash.launch @bwd_varlen_causal_dq_attention_grad_bwd_delta grid(%[[GXQ]], %{{.*}}) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[CUQ]], %[[CUK]]) :
// CHECK: %[[SUMK:.*]] = arith.addi %[[MK]], %{{.*}} : index
// CHECK-NEXT: %[[GXK:.*]] = arith.divui %[[SUMK]], %{{.*}} : index
// CHECK: flash.launch @bwd_varlen_causal_dq_attention_grad_bwd_dkdv grid(%[[GXK]], %{{.*}}) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[CUQ]], %[[CUK]]) :
// CHECK-NEXT: flash.launch @bwd_varlen_causal_dq_attention_grad_bwd_dq grid(%[[GXQ]], %{{.*}}) (%[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]], %[[DQ]], %[[DK]], %[[DV]], %[[DELTA]], %[[CUQ]], %[[CUK]]) :
// CHECK-NEXT: return

// CHECK-LABEL: func.func private @bwd_varlen_causal_dq_attention_grad_bwd_delta(
// CHECK: %[[QSTART:[^,]+]], %[[SQ:[^ ]+]] = flash.seq_bounds
// CHECK: flash.row_dot
// CHECK-NEXT: %[[END:.*]] = arith.addi %[[QSTART]], %[[SQ]] : index
// CHECK-NEXT: %[[TOK:.*]] = arith.addi %[[QSTART]], %{{.*}} : index
// CHECK-NEXT: flash.store %{{.*}}, %{{.*}}[%{{.*}}, %[[TOK]]] bound %[[END]] along 1 : tensor<64xf32> -> memref<4x?xf32>

// CHECK-LABEL: func.func private @bwd_varlen_causal_dq_attention_grad_bwd_dkdv(
// CHECK: %[[QSTART:[^,]+]], %[[SQ:[^ ]+]] = flash.seq_bounds
// CHECK-NEXT: %[[KSTART:[^,]+]], %[[SK:[^ ]+]] = flash.seq_bounds
// CHECK: %[[COL:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK-NEXT: arith.cmpi slt, %[[COL]], %[[SK]] : index
// CHECK: %[[DIAG:.*]] = arith.subi %[[SK]], %[[SQ]] : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.subi %[[COL]], %[[DIAG]] : index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRSTC:.*]] = arith.maxsi %[[Z]], %[[FIRST]] : index
// CHECK-NEXT: %[[BM1:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[BM2:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[QB:.*]] = arith.divui %[[FIRSTC]], %[[BM2]] : index
// CHECK-NEXT: %[[START:.*]] = arith.muli %[[QB]], %[[BM1]] : index
// CHECK: scf.for %{{[^ ]+}} = %{{[^ ]+}} to %{{[^ ]+}} step %{{[^ ]+}} iter_args
// CHECK: scf.for %[[ROW:[^ ]+]] = %[[START]] to %[[SQ]] step %{{[^ ]+}} iter_args
// CHECK: %[[QEND:.*]] = arith.addi %[[QSTART]], %[[SQ]] : index
// CHECK-NEXT: %[[QTOK:.*]] = arith.addi %[[QSTART]], %[[ROW]] : index
// CHECK-NEXT: flash.load %{{.*}}[%[[QTOK]], %{{.*}}, %{{.*}}] bound %[[QEND]] along 0 : memref<?x4x32xbf16> -> tensor<64x32xbf16>
// CHECK: flash.mask %{{.*}} at(%[[ROW]], %[[COL]]) within(%[[SQ]], %[[SK]]) causal : tensor<64x64xf32>
// CHECK: %[[KEND:.*]] = arith.addi %[[KSTART]], %[[SK]] : index
// CHECK-NEXT: %[[KTOK:.*]] = arith.addi %[[KSTART]], %[[COL]] : index
// CHECK-NEXT: flash.store %{{.*}}, %{{.*}}[%[[KTOK]], %{{.*}}, %{{.*}}] bound %[[KEND]] along 0 : tensor<64x32xbf16> -> memref<?x4x32xbf16>

// CHECK-LABEL: func.func private @bwd_varlen_causal_dq_attention_grad_bwd_dq(
// CHECK: %[[QSTART:[^,]+]], %[[SQ:[^ ]+]] = flash.seq_bounds
// CHECK-NEXT: %[[KSTART:[^,]+]], %[[SK:[^ ]+]] = flash.seq_bounds
// CHECK: %[[ROW:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK: %[[LAST:.*]] = arith.addi %[[ROW]], %c64{{[_0-9]*}} : index
// CHECK-NEXT: %[[DIAG:.*]] = arith.subi %[[SK]], %[[SQ]] : index
// CHECK-NEXT: %[[VIS:.*]] = arith.addi %[[LAST]], %[[DIAG]] : index
// CHECK-NEXT: %[[MIN:.*]] = arith.minsi %[[VIS]], %[[SK]] : index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[KEND:.*]] = arith.maxsi %[[Z]], %[[MIN]] : index
// CHECK: scf.for %[[COL:[^ ]+]] = %{{[^ ]+}} to %[[KEND]] step
// CHECK: flash.mask %{{.*}} at(%[[ROW]], %[[COL]]) within(%[[SQ]], %[[SK]]) causal : tensor<64x64xf32>

// RULES-LABEL: func.func private @bwd_varlen_causal_dq_attention_grad_bwd_delta(
// RULES-NOT: flash.mask
// RULES-NOT: flash.philox
// RULES: {{^ *}}return
// RULES-LABEL: func.func private @bwd_varlen_causal_dq_attention_grad_bwd_dkdv(
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: flash.mask {{.*}} causal : tensor<64x64xf32>
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: {{^ *}}return
// RULES-LABEL: func.func private @bwd_varlen_causal_dq_attention_grad_bwd_dq(
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: flash.mask {{.*}} causal : tensor<64x64xf32>
// RULES-NOT: flash.philox
// RULES-NOT: flash.dropout
// RULES: {{^ *}}return
func.func @bwd_varlen_causal_dq(
    %q: memref<?x4x32xbf16>, %k: memref<?x4x32xbf16>, %v: memref<?x4x32xbf16>,
    %out: memref<?x4x32xbf16>, %dout: memref<?x4x32xbf16>, %lse: memref<4x?xf32>,
    %dq: memref<?x4x32xbf16>, %dk: memref<?x4x32xbf16>, %dv: memref<?x4x32xbf16>,
    %cu_q: memref<?xi32>, %cu_k: memref<?xi32>, %max_q: index, %max_k: index) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      {causal}
      : memref<?x4x32xbf16>, memref<?x4x32xbf16>, memref<?x4x32xbf16>,
        memref<?x4x32xbf16>, memref<?x4x32xbf16>, memref<4x?xf32>
        -> memref<?x4x32xbf16>, memref<?x4x32xbf16>, memref<?x4x32xbf16>
  return
}

// TDQ-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_delta(
// TDQ-SAME: flash.grid = {block = 32 : i64, heads = "q", order = 0 : i64, rows = "q"}
// TDQ: flash.store %{{.*}} : tensor<32x32xf32> -> memref<4x?x40xf32>
// TDQ-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dkdv(
// TDQ: %[[K:.*]] = flash.load %{{.*}} -> tensor<32x32xbf16>
// TDQ: arith.truncf %{{.*}} : tensor<32x16xf32> to tensor<32x16xbf16>
// TDQ-NEXT: flash.dot
// TDQ-NEXT: %[[DS:.*]] = arith.truncf %{{.*}} : tensor<32x16xf32> to tensor<32x16xbf16>
// TDQ-NEXT: flash.dot %[[DS]], %{{.*}} : tensor<32x16xbf16>, tensor<16x32xbf16> -> tensor<32x32xf32>
// TDQ-NEXT: arith.constant dense<0.000000e+00> : tensor<32x16xf32>
// TDQ-NEXT: %[[DQT:.*]] = flash.dot %[[K]], %[[DS]], %{{.*}} {transpose_a} : tensor<32x32xbf16>, tensor<32x16xbf16> -> tensor<32x16xf32>
// TDQ-NEXT: %[[DQ:.*]] = flash.transpose %[[DQT]] : tensor<32x16xf32> -> tensor<16x32xf32>
// TDQ: flash.store %[[DQ]], %{{.*}} along 1 accumulate : tensor<16x32xf32> -> memref<4x?x40xf32>
// TDQ-LABEL: func.func private @bwd_varlen_causal_attention_grad_bwd_dq_convert(
// TDQ-SAME: flash.grid = {block = 32 : i64, heads = "q", order = 2 : i64, rows = "q"}
// TDQ: flash.load %{{.*}} : memref<4x?x40xf32> -> tensor<32x32xf32>
// TDQ-LABEL: func.func private @bwd_varlen_causal_dq_attention_grad_bwd_dq(
// TDQ-SAME: flash.grid = {block = 16 : i64, heads = "q", order = 2 : i64, rows = "q"}
// TDQ-NOT: flash.transpose

// -----

// Above d=64 the dK/dV kernel issues dQ's share before dK's product and
// adds it to the sums after (on the GPU its way out then runs beside dK's
// product): the products dV, dQ, dK in this order, then the store.
// CHECK-LABEL: func.func private @bwd_d128_atomic_attention_grad_bwd_dkdv(
// CHECK: scf.for
// CHECK: %[[DV:.*]] = flash.dot %{{.*}}, %{{.*}}, %{{.*}} {transpose_a} : tensor<64x64xbf16>, tensor<64x128xbf16> -> tensor<64x128xf32>
// CHECK-NEXT: %[[DSH:.*]] = arith.truncf %{{.*}} : tensor<64x64xf32> to tensor<64x64xbf16>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x128xf32>
// CHECK-NEXT: %[[DQPART:.*]] = flash.dot %[[DSH]], %{{.*}}, %[[Z]] : tensor<64x64xbf16>, tensor<64x128xbf16> -> tensor<64x128xf32>
// CHECK-NEXT: %[[DK:.*]] = flash.dot %[[DSH]], %{{.*}}, %{{.*}} {transpose_a} : tensor<64x64xbf16>, tensor<64x128xbf16> -> tensor<64x128xf32>
// CHECK: flash.store %[[DQPART]], %{{.*}} accumulate : tensor<64x128xf32> -> memref<1x2x64x136xf32>
// CHECK-NEXT: scf.yield %[[DK]], %[[DV]]
// TDQ-LABEL: func.func @bwd_d128_atomic(
func.func @bwd_d128_atomic(
    %q: memref<1x64x2x128xbf16>, %k: memref<1x64x2x128xbf16>, %v: memref<1x64x2x128xbf16>,
    %out: memref<1x64x2x128xbf16>, %dout: memref<1x64x2x128xbf16>, %lse: memref<1x2x64xf32>,
    %dq: memref<1x64x2x128xbf16>, %dk: memref<1x64x2x128xbf16>, %dv: memref<1x64x2x128xbf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv {atomic_dq}
      : memref<1x64x2x128xbf16>, memref<1x64x2x128xbf16>, memref<1x64x2x128xbf16>,
        memref<1x64x2x128xbf16>, memref<1x64x2x128xbf16>, memref<1x2x64xf32>
        -> memref<1x64x2x128xbf16>, memref<1x64x2x128xbf16>, memref<1x64x2x128xbf16>
  return
}
