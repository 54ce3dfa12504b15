// RUN: flash-opt %s -split-input-file --flash-to-cpu | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-to-cpu | FileCheck %s --check-prefix=LLVM
// RUN: flash-opt %s -split-input-file --flash-to-cpu="block-m=32 block-n=16" | FileCheck %s --check-prefix=BLOCK
// RUN: flash-opt %s -split-input-file --flash-to-cpu="block-m=32 block-n=16" | FileCheck %s --check-prefix=LLVM
// RUN: not flash-opt %s -split-input-file --flash-to-cpu=block-m=20 2>&1 | FileCheck %s --check-prefix=ERR

// The flash-to-cpu pipeline takes problem-level ops all the way to the LLVM
// dialect: LLVM checks that no op of another dialect is left (with the
// default and with explicit block sizes), CHECK the functions and calls that
// the runtime relies on (the host function, its _mlir_ciface_ wrapper when
// it has llvm.emit_c_interface, the kernels called in launch order, the
// backward's workspace allocated and freed), BLOCK that the block-m/block-n
// options reach the tiling, ERR that invalid ones are rejected.

// LLVM-NOT: {{(^|[^a-zA-Z0-9_.])(flash|linalg|memref|scf|arith|cf|tensor|bufferization|math|affine|func|index|vector|ub)\.[a-z_]+}}
// LLVM-NOT: unrealized_conversion_cast
// LLVM-NOT: @_mlir_ciface_{{[a-z_]*}}attention

// ERR: error: flash-tile-attention: block-m and block-n must be positive multiples of 16, got 20 and 64
// ERR-NOT: llvm.func

// Dense causal forward, with the C interface.

// CHECK-LABEL: llvm.func @fwd(
// CHECK: llvm.cond_br
// CHECK: llvm.call @fwd_attention_fwd(
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_fwd(
// CHECK: llvm.call @fwd(
// CHECK-LABEL: llvm.func @fwd_attention_fwd(
// CHECK: llvm.intr.exp
// CHECK: llvm.intr.log
// CHECK-NOT: -845247145

// 32-row query tiles and 16-column score tiles: the initial row maximum
// (-inf), the accumulator and the zero scores become globals of those shapes.
// BLOCK: llvm.mlir.global private constant @__constant_32xf32{{[_0-9]*}}(dense<0xFF800000> : tensor<32xf32>)
// BLOCK: llvm.mlir.global private constant @__constant_32x64xf32{{[_0-9]*}}(dense<0.000000e+00> : tensor<32x64xf32>)
// BLOCK: llvm.mlir.global private constant @__constant_32x16xf32{{[_0-9]*}}(dense<0.000000e+00> : tensor<32x16xf32>)
// BLOCK-LABEL: llvm.func @fwd(
// BLOCK: llvm.call @fwd_attention_fwd(
func.func @fwd(%q: memref<2x128x4x64xbf16>, %k: memref<2x128x4x64xbf16>,
               %v: memref<2x128x4x64xbf16>, %out: memref<2x128x4x64xbf16>,
               %lse: memref<2x4x128xf32>) attributes {llvm.emit_c_interface} {
  flash.attention %q, %k, %v -> %out, %lse {causal}
      : memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>
      -> memref<2x128x4x64xbf16>, memref<2x4x128xf32>
  return
}

// -----

// Dense backward (GQA 4/2), no C interface: the delta workspace is
// malloc'ed, passed to the three kernels in order, then freed.

// CHECK-LABEL: llvm.func @bwd(
// CHECK: %[[WS:.*]] = llvm.call @malloc(
// CHECK: llvm.call @bwd_attention_grad_bwd_delta({{.*}}, %[[WS]], %[[WS]],
// CHECK: llvm.call @bwd_attention_grad_bwd_dkdv({{.*}}, %[[WS]], %[[WS]],
// CHECK: llvm.call @bwd_attention_grad_bwd_dq({{.*}}, %[[WS]], %[[WS]],
// CHECK: llvm.call @free(%[[WS]])
// CHECK: llvm.return
// CHECK-NOT: @_mlir_ciface_bwd
// CHECK-LABEL: llvm.func @bwd_attention_grad_bwd_delta(
// CHECK-NOT: -845247145
// CHECK-LABEL: llvm.func @bwd_attention_grad_bwd_dkdv(
// CHECK-NOT: -845247145
// CHECK-LABEL: llvm.func @bwd_attention_grad_bwd_dq(
// CHECK-NOT: -845247145

// BLOCK-LABEL: llvm.func @bwd(
// BLOCK: llvm.call @bwd_attention_grad_bwd_delta(
// BLOCK: llvm.call @bwd_attention_grad_bwd_dkdv(
// BLOCK: llvm.call @bwd_attention_grad_bwd_dq(
func.func @bwd(%q: memref<1x128x4x32xf16>, %k: memref<1x128x2x32xf16>, %v: memref<1x128x2x32xf16>,
               %out: memref<1x128x4x32xf16>, %dout: memref<1x128x4x32xf16>, %lse: memref<1x4x128xf32>,
               %dq: memref<1x128x4x32xf16>, %dk: memref<1x128x2x32xf16>, %dv: memref<1x128x2x32xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      : memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x4x32xf16>, memref<1x128x4x32xf16>, memref<1x4x128xf32>
        -> memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}

// -----

// Dense backward (GQA 4/2) with atomic_dq, no C interface: the workspaces
// (delta, dq's f32 sums) are malloc'ed, passed to the three kernels in
// order, then freed; the dK/dV kernel adds to dq's sums atomically.

// CHECK-LABEL: llvm.func @bwd_atomic(
// CHECK: %[[WS:.*]] = llvm.call @malloc(
// CHECK: %[[DQS:.*]] = llvm.call @malloc(
// CHECK: llvm.call @bwd_atomic_attention_grad_bwd_delta({{.*}}, %[[WS]], %[[WS]], {{.*}}, %[[DQS]], %[[DQS]],
// CHECK: llvm.call @bwd_atomic_attention_grad_bwd_dkdv({{.*}}, %[[WS]], %[[WS]], {{.*}}, %[[DQS]], %[[DQS]],
// CHECK: llvm.call @bwd_atomic_attention_grad_bwd_dq_convert({{.*}}, %[[WS]], %[[WS]], {{.*}}, %[[DQS]], %[[DQS]],
// CHECK-DAG: llvm.call @free(%[[WS]])
// CHECK-DAG: llvm.call @free(%[[DQS]])
// CHECK: llvm.return
// CHECK-NOT: @_mlir_ciface_bwd_atomic
// CHECK-LABEL: llvm.func @bwd_atomic_attention_grad_bwd_delta(
// CHECK-NOT: -845247145
// CHECK-LABEL: llvm.func @bwd_atomic_attention_grad_bwd_dkdv(
// CHECK-NOT: -845247145
// CHECK: llvm.atomicrmw fadd
// CHECK-NOT: -845247145
// CHECK-LABEL: llvm.func @bwd_atomic_attention_grad_bwd_dq_convert(
// CHECK-NOT: -845247145
// CHECK-NOT: llvm.atomicrmw

// BLOCK-LABEL: llvm.func @bwd_atomic(
// BLOCK: llvm.call @bwd_atomic_attention_grad_bwd_delta(
// BLOCK: llvm.call @bwd_atomic_attention_grad_bwd_dkdv(
// BLOCK: llvm.call @bwd_atomic_attention_grad_bwd_dq_convert(
func.func @bwd_atomic(%q: memref<1x128x4x32xf16>, %k: memref<1x128x2x32xf16>, %v: memref<1x128x2x32xf16>,
               %out: memref<1x128x4x32xf16>, %dout: memref<1x128x4x32xf16>, %lse: memref<1x4x128xf32>,
               %dq: memref<1x128x4x32xf16>, %dk: memref<1x128x2x32xf16>, %dv: memref<1x128x2x32xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv {atomic_dq}
      : memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x4x32xf16>, memref<1x128x4x32xf16>, memref<1x4x128xf32>
        -> memref<1x128x4x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}

// -----

// Variable length, causal, dropout 0.1, strided layouts: forward and
// backward in one module, both with the C interface. The
// kernels that drop carry the Philox multiplier 0xCD9E8D57 (-845247145) and
// the threshold floor(f32(0.1) * 2^32) = 429496736; the delta kernel does
// neither. No atomic additions: dq is summed by its own kernel.

// CHECK-LABEL: llvm.func @varlen_dropout(
// CHECK: llvm.call @varlen_dropout_attention_fwd(
// CHECK-LABEL: llvm.func @_mlir_ciface_varlen_dropout(
// CHECK: llvm.call @varlen_dropout(
// CHECK-LABEL: llvm.func @varlen_dropout_grad(
// CHECK: %[[WS:.*]] = llvm.call @malloc(
// CHECK: llvm.call @varlen_dropout_grad_attention_grad_bwd_delta({{.*}}, %[[WS]], %[[WS]],
// CHECK: llvm.call @varlen_dropout_grad_attention_grad_bwd_dkdv({{.*}}, %[[WS]], %[[WS]],
// CHECK: llvm.call @varlen_dropout_grad_attention_grad_bwd_dq({{.*}}, %[[WS]], %[[WS]],
// CHECK: llvm.call @free(%[[WS]])
// CHECK-LABEL: llvm.func @_mlir_ciface_varlen_dropout_grad(
// CHECK: llvm.call @varlen_dropout_grad(
// CHECK-LABEL: llvm.func @varlen_dropout_attention_fwd(
// CHECK-DAG: llvm.mlir.constant(-845247145 : i32) : i32
// CHECK-DAG: llvm.mlir.constant(429496736 : i32) : i32
// CHECK-LABEL: llvm.func @varlen_dropout_grad_attention_grad_bwd_delta(
// CHECK-NOT: -845247145
// CHECK-LABEL: llvm.func @varlen_dropout_grad_attention_grad_bwd_dkdv(
// CHECK-DAG: llvm.mlir.constant(-845247145 : i32) : i32
// CHECK-DAG: llvm.mlir.constant(429496736 : i32) : i32
// CHECK-LABEL: llvm.func @varlen_dropout_grad_attention_grad_bwd_dq(
// CHECK-DAG: llvm.mlir.constant(-845247145 : i32) : i32
// CHECK-DAG: llvm.mlir.constant(429496736 : i32) : i32
// CHECK-NOT: llvm.atomicrmw

// BLOCK-LABEL: llvm.func @varlen_dropout(
// BLOCK-LABEL: llvm.func @varlen_dropout_grad(
// BLOCK: llvm.call @varlen_dropout_grad_attention_grad_bwd_dq(
!qkv = memref<?x4x32xbf16, strided<[?, ?, 1], offset: ?>>
!lse = memref<4x?xf32, strided<[?, 1], offset: ?>>
func.func @varlen_dropout(%q: !qkv, %k: !qkv, %v: !qkv, %out: !qkv, %lse: !lse,
    %cu_q: memref<?xi32>, %cu_k: memref<?xi32>, %max_q: index, %max_k: index,
    %seed: i64, %offset: i64) attributes {llvm.emit_c_interface} {
  flash.attention %q, %k, %v -> %out, %lse
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      dropout_rng(%seed, %offset) {causal, dropout_p = 0.1 : f32}
      : !qkv, !qkv, !qkv -> !qkv, !lse
  return
}
func.func @varlen_dropout_grad(%q: !qkv, %k: !qkv, %v: !qkv, %out: !qkv, %dout: !qkv,
    %lse: !lse, %dq: !qkv, %dk: !qkv, %dv: !qkv,
    %cu_q: memref<?xi32>, %cu_k: memref<?xi32>, %max_q: index, %max_k: index,
    %seed: i64, %offset: i64) attributes {llvm.emit_c_interface} {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      dropout_rng(%seed, %offset) {causal, dropout_p = 0.1 : f32}
      : !qkv, !qkv, !qkv, !qkv, !qkv, !lse -> !qkv, !qkv, !qkv
  return
}
