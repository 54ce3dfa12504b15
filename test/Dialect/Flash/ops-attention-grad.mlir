// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.attention_grad with every optional piece.

// CHECK-LABEL: func.func @dense(
// CHECK-SAME: %[[Q:[^:]+]]: memref<2x512x8x64xf16>, %[[K:[^:]+]]: memref<2x512x8x64xf16>, %[[V:[^:]+]]: memref<2x512x8x64xf16>, %[[O:[^:]+]]: memref<2x512x8x64xf16>, %[[DO:[^:]+]]: memref<2x512x8x64xf16>, %[[L:[^:]+]]: memref<2x8x512xf32>, %[[DQ:[^:]+]]: memref<2x512x8x64xf16>, %[[DK:[^:]+]]: memref<2x512x8x64xf16>, %[[DV:[^:]+]]: memref<2x512x8x64xf16>)
// CHECK: flash.attention_grad %[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]], %[[L]] -> %[[DQ]], %[[DK]], %[[DV]] : memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x8x512xf32> -> memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x512x8x64xf16>{{$}}
// CHECK-NEXT: return
// GENERIC-LABEL: sym_name = "dense"
// GENERIC: "flash.attention_grad"({{.*}}) <{dropout_p = 0.000000e+00 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}>
func.func @dense(%q: memref<2x512x8x64xf16>, %k: memref<2x512x8x64xf16>,
                 %v: memref<2x512x8x64xf16>, %out: memref<2x512x8x64xf16>,
                 %dout: memref<2x512x8x64xf16>, %lse: memref<2x8x512xf32>,
                 %dq: memref<2x512x8x64xf16>, %dk: memref<2x512x8x64xf16>,
                 %dv: memref<2x512x8x64xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      : memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x512x8x64xf16>,
        memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x8x512xf32>
        -> memref<2x512x8x64xf16>, memref<2x512x8x64xf16>, memref<2x512x8x64xf16>
  return
}

// -----

// Causal, explicit scale, dropout, grouped-query heads: dk and dv have K/V's
// shape. `atomic_dq` (dq summed by atomic additions) is a unit attribute.
// CHECK-LABEL: func.func @causal_gqa_dropout(
// CHECK-SAME: %[[SEED:[^:]+]]: i64, %[[OFFSET:[^:]+]]: i64)
// CHECK: flash.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}}, %{{.*}} dropout_rng(%[[SEED]], %[[OFFSET]]) {atomic_dq, causal, dropout_p = 1.000000e-01 : f32, scale = 1.250000e-01 : f32} : memref<1x256x4x64xbf16>, memref<1x384x1x64xbf16>, memref<1x384x1x64xbf16>, memref<1x256x4x64xbf16>, memref<1x256x4x64xbf16>, memref<1x4x256xf32> -> memref<1x256x4x64xbf16>, memref<1x384x1x64xbf16>, memref<1x384x1x64xbf16>{{$}}
// GENERIC-LABEL: sym_name = "causal_gqa_dropout"
// GENERIC: "flash.attention_grad"({{.*}}) <{atomic_dq, causal, dropout_p = 1.000000e-01 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1>, scale = 1.250000e-01 : f32}>
func.func @causal_gqa_dropout(%q: memref<1x256x4x64xbf16>, %kv: memref<1x384x1x64xbf16>,
                              %lse: memref<1x4x256xf32>, %seed: i64, %offset: i64) {
  flash.attention_grad %q, %kv, %kv, %q, %q, %lse -> %q, %kv, %kv
      dropout_rng(%seed, %offset) {atomic_dq, causal, scale = 0.125 : f32, dropout_p = 0.1 : f32}
      : memref<1x256x4x64xbf16>, memref<1x384x1x64xbf16>, memref<1x384x1x64xbf16>,
        memref<1x256x4x64xbf16>, memref<1x256x4x64xbf16>, memref<1x4x256xf32>
        -> memref<1x256x4x64xbf16>, memref<1x384x1x64xbf16>, memref<1x384x1x64xbf16>
  return
}

// -----

// Dynamic shapes and strided layouts.
// CHECK-LABEL: func.func @dynamic_strided(
// CHECK: flash.attention_grad {{.*}} {causal} : memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>> -> memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>{{$}}
!t = memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>
!lse = memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
func.func @dynamic_strided(%q: !t, %k: !t, %v: !t, %out: !t, %dout: !t, %lse: !lse,
                           %dq: !t, %dk: !t, %dv: !t) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv {causal}
      : !t, !t, !t, !t, !t, !lse -> !t, !t, !t
  return
}

// -----

// Variable-length with dropout.
// CHECK-LABEL: func.func @varlen(
// CHECK-SAME: %[[CQ:[^:]+]]: memref<?xi32>, %[[CK:[^:]+]]: memref<?xi32>, %[[MQ:[^:]+]]: index, %[[MK:[^:]+]]: index, %[[SEED:[^:]+]]: i64, %[[OFFSET:[^:]+]]: i64)
// CHECK: flash.attention_grad {{.*}} -> %{{.*}}, %{{.*}}, %{{.*}} varlen(%[[CQ]], %[[CK]] : memref<?xi32>, memref<?xi32>) max_seqlen(%[[MQ]], %[[MK]]) dropout_rng(%[[SEED]], %[[OFFSET]]) {dropout_p = 3.000000e-01 : f32} : memref<?x8x64xf16>, memref<?x4x64xf16>, memref<?x4x64xf16>, memref<?x8x64xf16>, memref<?x8x64xf16>, memref<8x?xf32> -> memref<?x8x64xf16>, memref<?x4x64xf16>, memref<?x4x64xf16>{{$}}
// GENERIC-LABEL: sym_name = "varlen"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>
func.func @varlen(%q: memref<?x8x64xf16>, %kv: memref<?x4x64xf16>, %lse: memref<8x?xf32>,
                  %cu_q: memref<?xi32>, %cu_k: memref<?xi32>, %max_q: index,
                  %max_k: index, %seed: i64, %offset: i64) {
  flash.attention_grad %q, %kv, %kv, %q, %q, %lse -> %q, %kv, %kv
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      dropout_rng(%seed, %offset) {dropout_p = 0.3 : f32}
      : memref<?x8x64xf16>, memref<?x4x64xf16>, memref<?x4x64xf16>,
        memref<?x8x64xf16>, memref<?x8x64xf16>, memref<8x?xf32>
        -> memref<?x8x64xf16>, memref<?x4x64xf16>, memref<?x4x64xf16>
  return
}
