// RUN: flash-opt %s -split-input-file --flash-tile-attention --flash-assign-layouts | FileCheck %s
// RUN: not flash-opt %s -split-input-file --flash-tile-attention="block-m=128 block-n=128" --flash-assign-layouts="num-warps=8 shared-padding=16" | FileCheck %s --check-prefix=W8
// RUN: not flash-opt %s -split-input-file --flash-assign-layouts=num-warps=3 2>&1 | FileCheck %s --check-prefix=ERR3
// RUN: not flash-opt %s -split-input-file --flash-assign-layouts=num-warps=0 2>&1 | FileCheck %s --check-prefix=ERR0

// --flash-assign-layouts: every tile of a flash.kernel gets a GPU layout.
// Rank-2 tiles default to the mma.sync accumulator layout (#flash.mma),
// rank-1 tiles to its rows (#flash.rows); a load used only as a
// non-transposed `a` of flash.dot is loaded straight into operand fragments
// (#flash.operand<a, ...>); other dot operands (every `b`, transposed `a`s,
// loads used both ways) live in shared memory (#flash.shared). Uses that need
// another layout get a flash.convert_layout right before them. CHECK pins the
// default options (4 warps, padding 8), W8 `num-warps=8 shared-padding=16`
// with 128 x 128 blocks (the hand-written 64-row kernels below do not fit 8
// warps and fail that run: assign-layouts-misfit.mlir checks the message)
// (with block-m=128), ERR* the rejection of a number of warps that is not a
// power of two. The first cases come from problem-level ops through
// --flash-tile-attention, the others are hand-written kernels.

// ERR3: error: flash-assign-layouts: num-warps must be a power of two, got 3
// ERR3-NOT: #flash.mma
// ERR0: error: flash-assign-layouts: num-warps must be a power of two, got 0
// ERR0-NOT: #flash.mma

// Forward: Q in `a` fragments, K and V in shared memory, P (the truncated
// probabilities, an mma tile) renamed into `a` fragments for P V, the
// accumulator and row statistics carried through the loop in mma/rows.

// CHECK-LABEL: func.func @fwd(
// CHECK-NOT: #flash
// CHECK-LABEL: func.func private @fwd_attention_fwd(
// CHECK: %[[Q:.*]] = flash.load %{{.*}} : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[M0:.*]] = arith.constant dense<0xFF800000> : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[L0:.*]] = arith.constant dense<0.000000e+00> : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[ACC0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK: %[[LOOP:.*]]:3 = scf.for %{{.*}} iter_args(%[[ACC:.*]] = %[[ACC0]], %[[M:.*]] = %[[M0]], %[[L:.*]] = %[[L0]]) -> (tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>) {
// CHECK: %[[K:.*]] = flash.load %{{.*}} : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK: %[[V:.*]] = flash.load %{{.*}} : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[Q]], %[[K]], %[[Z]] {transpose_b} : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[P:.*]], %[[MN:.*]], %[[LN:.*]], %[[ALPHA:.*]] = flash.online_softmax %[[S]], %[[M]], %[[L]] scale 1.250000e-01 : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[SCALED:.*]] = flash.scale_rows %[[ACC]], %[[ALPHA]] : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[PB:.*]] = arith.truncf %[[P]] : tensor<64x64xf32, #flash.mma<warps = 4>> to tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[PA:.*]] = flash.convert_layout %[[PB]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[ACCN:.*]] = flash.dot %[[PA]], %[[V]], %[[SCALED]] : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: scf.yield %[[ACCN]], %[[MN]], %[[LN]] : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: }
// CHECK-NEXT: %[[OUT:.*]], %[[LSE:.*]] = flash.finalize %[[LOOP]]#0, %[[LOOP]]#1, %[[LOOP]]#2 : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK: flash.store %[[OUT]], %{{.*}} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> memref<2x128x4x64xbf16>
// CHECK-NEXT: flash.store %[[LSE]], %{{.*}} : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> memref<2x4x128xf32>
// CHECK-NOT: flash.convert_layout
// CHECK: return

// W8-LABEL: func.func private @fwd_attention_fwd(
// W8: %[[Q:.*]] = flash.load %{{.*}} : memref<2x128x4x64xbf16> -> tensor<128x64xbf16, #flash.operand<a, #flash.mma<warps = 8>>>
// W8-NEXT: arith.constant dense<0xFF800000> : tensor<128xf32, #flash.rows<#flash.mma<warps = 8>>>
// W8-NEXT: arith.constant dense<0.000000e+00> : tensor<128xf32, #flash.rows<#flash.mma<warps = 8>>>
// W8-NEXT: arith.constant dense<0.000000e+00> : tensor<128x64xf32, #flash.mma<warps = 8>>
// W8: scf.for {{.*}} -> (tensor<128x64xf32, #flash.mma<warps = 8>>, tensor<128xf32, #flash.rows<#flash.mma<warps = 8>>>, tensor<128xf32, #flash.rows<#flash.mma<warps = 8>>>) {
// W8: %[[K:.*]] = flash.load %{{.*}} -> tensor<128x64xbf16, #flash.shared<padding = 16>>
// W8: %[[V:.*]] = flash.load %{{.*}} -> tensor<128x64xbf16, #flash.shared<padding = 16>>
// W8: flash.dot %[[Q]], %[[K]], %{{.*}} {transpose_b} : tensor<128x64xbf16, #flash.operand<a, #flash.mma<warps = 8>>>, tensor<128x64xbf16, #flash.shared<padding = 16>> -> tensor<128x128xf32, #flash.mma<warps = 8>>
// W8: %[[PA:.*]] = flash.convert_layout %{{.*}} : tensor<128x128xbf16, #flash.mma<warps = 8>> -> tensor<128x128xbf16, #flash.operand<a, #flash.mma<warps = 8>>>
// W8-NEXT: flash.dot %[[PA]], %[[V]], %{{.*}} : tensor<128x128xbf16, #flash.operand<a, #flash.mma<warps = 8>>>, tensor<128x64xbf16, #flash.shared<padding = 16>> -> tensor<128x64xf32, #flash.mma<warps = 8>>
// W8: flash.finalize {{.*}} : tensor<128x64xf32, #flash.mma<warps = 8>>, tensor<128xf32, #flash.rows<#flash.mma<warps = 8>>> -> tensor<128x64xbf16, #flash.mma<warps = 8>>
func.func @fwd(%q: memref<2x128x4x64xbf16>, %k: memref<2x128x4x64xbf16>,
               %v: memref<2x128x4x64xbf16>, %out: memref<2x128x4x64xbf16>,
               %lse: memref<2x4x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>
      -> memref<2x128x4x64xbf16>, memref<2x4x128xf32>
  return
}

// -----

// Backward (fp16): the delta kernel works in mma/rows only; in dK/dV, Q and
// dO are both a non-transposed `a` and a `b` (or transposed `a`), so they go
// to shared memory, and P and dS, used transposed as `a` (P^T dO, dS^T Q),
// are converted mma -> shared; in dQ, Q and dO are `a` fragments, K (used as
// b twice) is shared and dS is renamed into `a` fragments.

// CHECK-LABEL: func.func private @bwd_attention_grad_bwd_delta(
// CHECK: %[[O:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.mma<warps = 4>>
// CHECK: %[[DO:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[D:.*]] = flash.row_dot %[[DO]], %[[O]] : tensor<64x32xf16, #flash.mma<warps = 4>> -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: flash.store %[[D]], %{{.*}} : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> memref<1x2x128xf32>
// CHECK-NEXT: return

// CHECK-LABEL: func.func private @bwd_attention_grad_bwd_dkdv(
// CHECK: %[[K:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.shared<padding = 8>>
// CHECK: %[[V:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.shared<padding = 8>>
// CHECK: scf.for {{.*}} -> (tensor<64x32xf32, #flash.mma<warps = 4>>, tensor<64x32xf32, #flash.mma<warps = 4>>) {
// CHECK: scf.for {{.*}} -> (tensor<64x32xf32, #flash.mma<warps = 4>>, tensor<64x32xf32, #flash.mma<warps = 4>>) {
// CHECK: %[[Q:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.shared<padding = 8>>
// CHECK: %[[DO:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[LSE:.*]] = flash.load %{{.*}} -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[DELTA:.*]] = flash.load %{{.*}} -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[Q]], %[[K]], %[[Z]] {transpose_b} : tensor<64x32xf16, #flash.shared<padding = 8>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[P:.*]] = flash.softmax_recompute %[[S]], %[[LSE]] scale {{.*}} : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[Z2:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[DP:.*]] = flash.dot %[[DO]], %[[V]], %[[Z2]] {transpose_b} : tensor<64x32xf16, #flash.shared<padding = 8>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[DS:.*]] = flash.softmax_grad %[[P]], %[[DP]], %[[DELTA]] : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[PH:.*]] = arith.truncf %[[P]] : tensor<64x64xf32, #flash.mma<warps = 4>> to tensor<64x64xf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[PS:.*]] = flash.convert_layout %[[PH]] : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[DV:.*]] = flash.dot %[[PS]], %[[DO]], %{{.*}} {transpose_a} : tensor<64x64xf16, #flash.shared<padding = 8>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[DSH:.*]] = arith.truncf %[[DS]] : tensor<64x64xf32, #flash.mma<warps = 4>> to tensor<64x64xf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[DSS:.*]] = flash.convert_layout %[[DSH]] : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[DK:.*]] = flash.dot %[[DSS]], %[[Q]], %{{.*}} {transpose_a} : tensor<64x64xf16, #flash.shared<padding = 8>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: scf.yield %[[DK]], %[[DV]] : tensor<64x32xf32, #flash.mma<warps = 4>>, tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK: flash.store %{{.*}} : tensor<64x32xf16, #flash.mma<warps = 4>> -> memref<1x128x2x32xf16>
// CHECK: flash.store %{{.*}} : tensor<64x32xf16, #flash.mma<warps = 4>> -> memref<1x128x2x32xf16>

// CHECK-LABEL: func.func private @bwd_attention_grad_bwd_dq(
// CHECK: %[[Q:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK: %[[DO:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: flash.load %{{.*}} -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: flash.load %{{.*}} -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK: scf.for {{.*}} -> (tensor<64x32xf32, #flash.mma<warps = 4>>) {
// CHECK: %[[K:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.shared<padding = 8>>
// CHECK: %[[V:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.shared<padding = 8>>
// CHECK: flash.dot %[[Q]], %[[K]], %{{.*}} {transpose_b} : tensor<64x32xf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK: flash.dot %[[DO]], %[[V]], %{{.*}} {transpose_b} : tensor<64x32xf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK: %[[DSH:.*]] = arith.truncf %{{.*}} : tensor<64x64xf32, #flash.mma<warps = 4>> to tensor<64x64xf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[DSA:.*]] = flash.convert_layout %[[DSH]] : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[DQ:.*]] = flash.dot %[[DSA]], %[[K]], %{{.*}} : tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: scf.yield %[[DQ]] : tensor<64x32xf32, #flash.mma<warps = 4>>

// W8-LABEL: func.func private @bwd_attention_grad_bwd_dkdv(
// W8: flash.load %{{.*}} -> tensor<128x32xf16, #flash.shared<padding = 16>>
// W8: flash.load %{{.*}} -> tensor<128x32xf16, #flash.shared<padding = 16>>
// W8: flash.convert_layout %{{.*}} : tensor<128x128xf16, #flash.mma<warps = 8>> -> tensor<128x128xf16, #flash.shared<padding = 16>>
// W8-LABEL: func.func private @bwd_attention_grad_bwd_dq(
// W8: flash.load %{{.*}} -> tensor<128x32xf16, #flash.operand<a, #flash.mma<warps = 8>>>
// W8: flash.convert_layout %{{.*}} : tensor<128x128xf16, #flash.mma<warps = 8>> -> tensor<128x128xf16, #flash.operand<a, #flash.mma<warps = 8>>>
func.func @bwd(%q: memref<1x128x2x32xf16>, %k: memref<1x128x2x32xf16>,
               %v: memref<1x128x2x32xf16>, %out: memref<1x128x2x32xf16>,
               %dout: memref<1x128x2x32xf16>, %lse: memref<1x2x128xf32>,
               %dq: memref<1x128x2x32xf16>, %dk: memref<1x128x2x32xf16>,
               %dv: memref<1x128x2x32xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      : memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x2x128xf32>
      -> memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}


// -----

// Backward with atomic_dq: the delta kernel zeroes the sums in
// the mma layout; in dK/dV, dS goes both to shared memory (dS^T Q) and to
// `a` fragments (dS K, with K's shared tile as `b`), and the product is
// added to the sums from the mma layout; the last kernel reads them back in
// it.

// CHECK-LABEL: func.func private @bwd_atomic_attention_grad_bwd_delta(
// CHECK: flash.store %{{.*}} : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> memref<1x2x128xf32>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK: flash.store %[[Z]], %{{.*}} : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<1x2x128x40xf32>
// CHECK-LABEL: func.func private @bwd_atomic_attention_grad_bwd_dkdv(
// CHECK: %[[K:.*]] = flash.load %{{.*}} -> tensor<64x32xf16, #flash.shared<padding = 8>>
// CHECK: flash.dot %{{.*}} {transpose_a}
// CHECK-NEXT: %[[DSH:.*]] = arith.truncf %{{.*}} : tensor<64x64xf32, #flash.mma<warps = 4>> to tensor<64x64xf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[DSS:.*]] = flash.convert_layout %[[DSH]] : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.shared<padding = 8>>
// CHECK-NEXT: flash.dot %[[DSS]], %{{.*}} {transpose_a}
// CHECK-NEXT: arith.constant dense<0.000000e+00> : tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[DSA:.*]] = flash.convert_layout %[[DSH]] : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[DQ:.*]] = flash.dot %[[DSA]], %[[K]], %{{.*}} : tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x32xf16, #flash.shared<padding = 8>> -> tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK: flash.store %[[DQ]], %{{.*}} accumulate : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<1x2x128x40xf32>
// CHECK-LABEL: func.func private @bwd_atomic_attention_grad_bwd_dq_convert(
// CHECK: flash.load %{{.*}} : memref<1x2x128x40xf32> -> tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK: flash.store %{{.*}} : tensor<64x32xf16, #flash.mma<warps = 4>> -> memref<1x128x2x32xf16>
func.func @bwd_atomic(%q: memref<1x128x2x32xf16>, %k: memref<1x128x2x32xf16>,
               %v: memref<1x128x2x32xf16>, %out: memref<1x128x2x32xf16>,
               %dout: memref<1x128x2x32xf16>, %lse: memref<1x2x128xf32>,
               %dq: memref<1x128x2x32xf16>, %dk: memref<1x128x2x32xf16>,
               %dv: memref<1x128x2x32xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv {atomic_dq}
      : memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x2x128xf32>
      -> memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}
// -----

// A load used only as a non-transposed `a` goes to operand fragments, a `b`
// to shared memory; the product, its constant accumulator and a rank-1 load
// get the default layouts; nothing is converted.

// CHECK-LABEL: func.func @operand_a_only(
// CHECK-SAME: attributes {flash.kernel} {
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A:.*]] = flash.load %{{.*}}[%[[C0]], %[[C0]]] bound %{{.*}} along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[B:.*]] = flash.load %{{.*}}[%[[C0]], %[[C0]]] bound %{{.*}} along 0 : memref<?x64xbf16> -> tensor<32x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[R:.*]] = flash.load %{{.*}}[%[[C0]]] bound %{{.*}} along 0 : memref<?xf32> -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[A]], %[[B]], %[[Z]] {transpose_b} : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<32x64xbf16, #flash.shared<padding = 8>> -> tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[T:.*]] = flash.scale_rows %[[S]], %[[R]] : tensor<64x32xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: flash.store %[[T]], %{{.*}} : tensor<64x32xf32, #flash.mma<warps = 4>> -> memref<?x32xf32>
// CHECK-NEXT: return
func.func @operand_a_only(%a: memref<?x64xbf16>, %b: memref<?x64xbf16>,
                          %r: memref<?xf32>, %o: memref<?x32xf32>,
                          %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %at = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %bt = flash.load %b[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<32x64xbf16>
  %rt = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32>
  %z = arith.constant dense<0.0> : tensor<64x32xf32>
  %s = flash.dot %at, %bt, %z {transpose_b} : tensor<64x64xbf16>, tensor<32x64xbf16> -> tensor<64x32xf32>
  %t = flash.scale_rows %s, %rt : tensor<64x32xf32>, tensor<64xf32>
  flash.store %t, %o[%c0, %c0] bound %n along 0 : tensor<64x32xf32> -> memref<?x32xf32>
  return
}

// -----

// Computed operands: an mma tile used as a non-transposed `a` is converted
// to `a` fragments, one used as a transposed `a` or as a `b` to shared
// memory, each conversion right before its use.

// CHECK-LABEL: func.func @computed_operands(
// CHECK: %[[S:.*]] = flash.dot %{{.*}}, %{{.*}}, %{{.*}} {transpose_b} : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[P:.*]] = arith.truncf %[[S]] : tensor<64x64xf32, #flash.mma<warps = 4>> to tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[PA:.*]] = flash.convert_layout %[[P]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[X:.*]] = flash.dot %[[PA]], %{{.*}}, %[[S]] : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[PT:.*]] = flash.convert_layout %[[P]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[Y:.*]] = flash.dot %[[PT]], %{{.*}}, %[[X]] {transpose_a} : tensor<64x64xbf16, #flash.shared<padding = 8>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[PB:.*]] = flash.convert_layout %[[P]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[W:.*]] = flash.dot %{{.*}}, %[[PB]], %[[Y]] : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: flash.store %[[W]]
func.func @computed_operands(%a: memref<?x64xbf16>, %b: memref<?x64xbf16>,
                             %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %at = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %bt = flash.load %b[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = flash.dot %at, %bt, %z {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %p = arith.truncf %s : tensor<64x64xf32> to tensor<64x64xbf16>
  %x = flash.dot %p, %bt, %s : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %y = flash.dot %p, %bt, %x {transpose_a} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %w = flash.dot %at, %p, %y : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  flash.store %w, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  return
}

// -----

// Loads used in several ways: as `a` and as `b` -> shared, and the `a` use
// reads it there (ldmatrix) without a conversion; as a transposed `a` only ->
// shared; as `a` and by another op (row_dot) -> mma, converted to `a`
// fragments for the product; unused -> mma.

// CHECK-LABEL: func.func @load_uses(
// CHECK: %[[AB:.*]] = flash.load %{{.*}} -> tensor<64x64xf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[AT:.*]] = flash.load %{{.*}} -> tensor<64x64xf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[AR:.*]] = flash.load %{{.*}} -> tensor<64x64xf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[UNUSED:.*]] = flash.load %{{.*}} -> tensor<64x64xf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[S1:.*]] = flash.dot %[[AB]], %[[AB]], %[[Z]] {transpose_b} : tensor<64x64xf16, #flash.shared<padding = 8>>, tensor<64x64xf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[S2:.*]] = flash.dot %[[AT]], %[[AB]], %[[S1]] {transpose_a} : tensor<64x64xf16, #flash.shared<padding = 8>>, tensor<64x64xf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[ARA:.*]] = flash.convert_layout %[[AR]] : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[S3:.*]] = flash.dot %[[ARA]], %[[AB]], %[[S2]] : tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[D:.*]] = flash.row_dot %[[AR]], %[[AR]] : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[T:.*]] = flash.scale_rows %[[S3]], %[[D]] : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: flash.store %[[T]]
func.func @load_uses(%a: memref<?x64xf16>, %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %ab = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xf16> -> tensor<64x64xf16>
  %at = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xf16> -> tensor<64x64xf16>
  %ar = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xf16> -> tensor<64x64xf16>
  %unused = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xf16> -> tensor<64x64xf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s1 = flash.dot %ab, %ab, %z {transpose_b} : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf32>
  %s2 = flash.dot %at, %ab, %s1 {transpose_a} : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf32>
  %s3 = flash.dot %ar, %ab, %s2 : tensor<64x64xf16>, tensor<64x64xf16> -> tensor<64x64xf32>
  %d = flash.row_dot %ar, %ar : tensor<64x64xf16> -> tensor<64xf32>
  %t = flash.scale_rows %s3, %d : tensor<64x64xf32>, tensor<64xf32>
  flash.store %t, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  return
}

// -----

// Loop-carried tiles keep mma/rows (block arguments, results and yields); a
// carried bf16 tile used as `a` is converted inside the loop, and a shared
// tile yielded as a carried value is converted back to mma before the yield.
// scf.if results get the default layouts too.

// CHECK-LABEL: func.func @loop_carried(
// CHECK: %[[K0:.*]] = flash.load %{{.*}} -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[ACC0:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[M0:.*]] = arith.constant dense<1.000000e+00> : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[R:.*]]:3 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ACC0]], %[[PREV:.*]] = %[[K0]], %[[M:.*]] = %[[M0]]) -> (tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64x64xbf16, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>) {
// CHECK-NEXT: %[[K:.*]] = flash.load %{{.*}}[%[[I]], %{{.*}}] {{.*}} -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[PA:.*]] = flash.convert_layout %[[PREV]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[PA]], %[[K]], %[[ACC]] {transpose_b} : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[SC:.*]] = flash.scale_rows %[[S]], %[[M]] : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: %[[KM:.*]] = flash.convert_layout %[[K]] : tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: scf.yield %[[SC]], %[[KM]], %[[M]] : tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64x64xbf16, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: }
// CHECK-NEXT: %[[IF:.*]] = scf.if %{{.*}} -> (tensor<64x64xf32, #flash.mma<warps = 4>>) {
// CHECK-NEXT: scf.yield %[[R]]#0 : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[E:.*]] = arith.constant dense<2.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: scf.yield %[[E]] : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: }
// CHECK-NEXT: flash.store %[[IF]], %{{.*}} : tensor<64x64xf32, #flash.mma<warps = 4>> -> memref<?x64xf32>
// CHECK-NEXT: flash.store %[[R]]#1, %{{.*}} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> memref<?x64xbf16>
// CHECK-NEXT: flash.store %[[R]]#2, %{{.*}} : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> memref<?xf32>
// CHECK-NEXT: return
func.func @loop_carried(%k: memref<?x64xbf16>, %o: memref<?x64xf32>,
                        %r: memref<?xf32>, %n: index, %flag: i1) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %k0 = flash.load %k[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %acc0 = arith.constant dense<0.0> : tensor<64x64xf32>
  %m0 = arith.constant dense<1.0> : tensor<64xf32>
  %res:3 = scf.for %i = %c0 to %n step %c64
      iter_args(%acc = %acc0, %prev = %k0, %m = %m0)
      -> (tensor<64x64xf32>, tensor<64x64xbf16>, tensor<64xf32>) {
    %kt = flash.load %k[%i, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
    %s = flash.dot %prev, %kt, %acc {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
    %sc = flash.scale_rows %s, %m : tensor<64x64xf32>, tensor<64xf32>
    scf.yield %sc, %kt, %m : tensor<64x64xf32>, tensor<64x64xbf16>, tensor<64xf32>
  }
  %sel = scf.if %flag -> (tensor<64x64xf32>) {
    scf.yield %res#0 : tensor<64x64xf32>
  } else {
    %two = arith.constant dense<2.0> : tensor<64x64xf32>
    scf.yield %two : tensor<64x64xf32>
  }
  flash.store %sel, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  flash.store %res#1, %k[%c0, %c0] bound %n along 0 : tensor<64x64xbf16> -> memref<?x64xbf16>
  flash.store %res#2, %r[%c0] bound %n along 0 : tensor<64xf32> -> memref<?xf32>
  return
}

// -----

// A shared tile read by anything but a matrix product (a store, an
// elementwise op) is converted to its register layout for that use.

// CHECK-LABEL: func.func @shared_other_uses(
// CHECK: %[[B:.*]] = flash.load %{{.*}} -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK: flash.dot %{{.*}}, %[[B]], %{{.*}} {transpose_b}
// CHECK-NEXT: %[[BS:.*]] = flash.convert_layout %[[B]] : tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: flash.store %[[BS]], %{{.*}} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> memref<?x64xbf16>
// CHECK-NEXT: %[[BE:.*]] = flash.convert_layout %[[B]] : tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[E:.*]] = arith.extf %[[BE]] : tensor<64x64xbf16, #flash.mma<warps = 4>> to tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: flash.store %[[E]], %{{.*}} : tensor<64x64xf32, #flash.mma<warps = 4>> -> memref<?x64xf32>
func.func @shared_other_uses(%a: memref<?x64xbf16>, %b: memref<?x64xbf16>,
                             %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %at = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %bt = flash.load %b[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = flash.dot %at, %bt, %z {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  flash.store %bt, %a[%c0, %c0] bound %n along 0 : tensor<64x64xbf16> -> memref<?x64xbf16>
  %e = arith.extf %bt : tensor<64x64xbf16> to tensor<64x64xf32>
  flash.store %e, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  flash.store %s, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  return
}

// -----

// Functions that are not kernels keep tiles without layouts.

// CHECK-LABEL: func.func @not_a_kernel(
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: flash.load %{{.*}} : memref<?x64xbf16> -> tensor<64x64xbf16>{{$}}
// CHECK-NEXT: return
func.func @not_a_kernel(%a: memref<?x64xbf16>, %n: index) {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  return
}
