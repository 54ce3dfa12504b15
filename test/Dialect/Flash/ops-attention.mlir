// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.attention: the custom syntax survives printing and
// re-parsing (directly and through the generic form) with every optional
// piece: varlen(...) max_seqlen(...), dropout_rng(...), causal, scale,
// dropout_p; static and dynamic shapes, strided layouts, grouped-query heads.

// CHECK-LABEL: func.func @dense_static(
// CHECK-SAME: %[[Q:[^:]+]]: memref<2x128x8x64xf16>, %[[K:[^:]+]]: memref<2x128x8x64xf16>, %[[V:[^:]+]]: memref<2x128x8x64xf16>, %[[O:[^:]+]]: memref<2x128x8x64xf16>, %[[L:[^:]+]]: memref<2x8x128xf32>)
// CHECK: flash.attention %[[Q]], %[[K]], %[[V]] -> %[[O]], %[[L]] : memref<2x128x8x64xf16>, memref<2x128x8x64xf16>, memref<2x128x8x64xf16> -> memref<2x128x8x64xf16>, memref<2x8x128xf32>{{$}}
// CHECK-NEXT: return
// GENERIC-LABEL: sym_name = "dense_static"
// GENERIC: "flash.attention"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{dropout_p = 0.000000e+00 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (memref<2x128x8x64xf16>, memref<2x128x8x64xf16>, memref<2x128x8x64xf16>, memref<2x128x8x64xf16>, memref<2x8x128xf32>) -> ()
func.func @dense_static(%q: memref<2x128x8x64xf16>, %k: memref<2x128x8x64xf16>,
                        %v: memref<2x128x8x64xf16>, %out: memref<2x128x8x64xf16>,
                        %lse: memref<2x8x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<2x128x8x64xf16>, memref<2x128x8x64xf16>, memref<2x128x8x64xf16>
      -> memref<2x128x8x64xf16>, memref<2x8x128xf32>
  return
}

// -----

// The default dropout_p (0.0) is elided when printed.
// CHECK-LABEL: func.func @explicit_default_dropout_p(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} : memref<1x16x1x8xbf16>, memref<1x16x1x8xbf16>, memref<1x16x1x8xbf16> -> memref<1x16x1x8xbf16>, memref<1x1x16xf32>{{$}}
func.func @explicit_default_dropout_p(%q: memref<1x16x1x8xbf16>, %out: memref<1x16x1x8xbf16>,
                                      %lse: memref<1x1x16xf32>) {
  flash.attention %q, %q, %q -> %out, %lse {dropout_p = 0.0 : f32}
      : memref<1x16x1x8xbf16>, memref<1x16x1x8xbf16>, memref<1x16x1x8xbf16>
      -> memref<1x16x1x8xbf16>, memref<1x1x16xf32>
  return
}

// -----

// CHECK-LABEL: func.func @causal_bf16(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} {causal} : memref<2x1024x16x128xbf16>, memref<2x1024x16x128xbf16>, memref<2x1024x16x128xbf16> -> memref<2x1024x16x128xbf16>, memref<2x16x1024xf32>{{$}}
// GENERIC-LABEL: sym_name = "causal_bf16"
// GENERIC: "flash.attention"({{.*}}) <{causal, dropout_p = 0.000000e+00 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}>
func.func @causal_bf16(%q: memref<2x1024x16x128xbf16>, %k: memref<2x1024x16x128xbf16>,
                       %v: memref<2x1024x16x128xbf16>, %out: memref<2x1024x16x128xbf16>,
                       %lse: memref<2x16x1024xf32>) {
  flash.attention %q, %k, %v -> %out, %lse {causal}
      : memref<2x1024x16x128xbf16>, memref<2x1024x16x128xbf16>,
        memref<2x1024x16x128xbf16> -> memref<2x1024x16x128xbf16>,
        memref<2x16x1024xf32>
  return
}

// -----

// CHECK-LABEL: func.func @explicit_scale(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} {scale = 1.250000e-01 : f32} : memref<4x256x4x256xf16>
func.func @explicit_scale(%q: memref<4x256x4x256xf16>, %out: memref<4x256x4x256xf16>,
                          %lse: memref<4x4x256xf32>) {
  flash.attention %q, %q, %q -> %out, %lse {scale = 0.125 : f32}
      : memref<4x256x4x256xf16>, memref<4x256x4x256xf16>, memref<4x256x4x256xf16>
      -> memref<4x256x4x256xf16>, memref<4x4x256xf32>
  return
}

// -----

// CHECK-LABEL: func.func @dropout(
// CHECK-SAME: %[[SEED:[^:]+]]: i64, %[[OFFSET:[^:]+]]: i64)
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} dropout_rng(%[[SEED]], %[[OFFSET]]) {dropout_p = 1.000000e-01 : f32} : memref<2x128x8x64xf16>, memref<2x128x8x64xf16>, memref<2x128x8x64xf16> -> memref<2x128x8x64xf16>, memref<2x8x128xf32>{{$}}
// GENERIC-LABEL: sym_name = "dropout"
// GENERIC: "flash.attention"({{.*}}) <{dropout_p = 1.000000e-01 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1>}> : ({{.*}}, i64, i64) -> ()
func.func @dropout(%q: memref<2x128x8x64xf16>, %out: memref<2x128x8x64xf16>,
                   %lse: memref<2x8x128xf32>, %seed: i64, %offset: i64) {
  flash.attention %q, %q, %q -> %out, %lse dropout_rng(%seed, %offset)
      {dropout_p = 0.1 : f32}
      : memref<2x128x8x64xf16>, memref<2x128x8x64xf16>, memref<2x128x8x64xf16>
      -> memref<2x128x8x64xf16>, memref<2x8x128xf32>
  return
}

// -----

// Everything at once on a dense problem: causal, scale, dropout.
// CHECK-LABEL: func.func @causal_scale_dropout(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} dropout_rng(%{{.*}}, %{{.*}}) {causal, dropout_p = 5.000000e-01 : f32, scale = 2.500000e-01 : f32} : memref<1x64x2x32xbf16>
func.func @causal_scale_dropout(%q: memref<1x64x2x32xbf16>, %out: memref<1x64x2x32xbf16>,
                                %lse: memref<1x2x64xf32>, %seed: i64, %offset: i64) {
  flash.attention %q, %q, %q -> %out, %lse dropout_rng(%seed, %offset)
      {scale = 0.25 : f32, causal, dropout_p = 0.5 : f32}
      : memref<1x64x2x32xbf16>, memref<1x64x2x32xbf16>, memref<1x64x2x32xbf16>
      -> memref<1x64x2x32xbf16>, memref<1x2x64xf32>
  return
}

// -----

// Dynamic shapes and arbitrary strides on every axis but head_dim.
// CHECK-LABEL: func.func @dynamic_strided(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} {causal} : memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>> -> memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>{{$}}
!qkv = memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>
!lse = memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
func.func @dynamic_strided(%q: !qkv, %k: !qkv, %v: !qkv, %out: !qkv, %lse: !lse) {
  flash.attention %q, %k, %v -> %out, %lse {causal}
      : !qkv, !qkv, !qkv -> !qkv, !lse
  return
}

// -----

// Static strides (a [batch, heads, seqlen, head_dim] buffer viewed as
// [batch, seqlen, heads, head_dim]) mixed with dynamic extents.
// CHECK-LABEL: func.func @static_strides(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} : memref<2x128x8x64xf16, strided<[65536, 64, 8192, 1]>>, memref<?x?x8x64xf16>, memref<?x?x8x64xf16> -> memref<2x?x8x64xf16>, memref<2x8x?xf32>{{$}}
func.func @static_strides(%q: memref<2x128x8x64xf16, strided<[65536, 64, 8192, 1]>>,
                          %kv: memref<?x?x8x64xf16>, %out: memref<2x?x8x64xf16>,
                          %lse: memref<2x8x?xf32>) {
  flash.attention %q, %kv, %kv -> %out, %lse
      : memref<2x128x8x64xf16, strided<[65536, 64, 8192, 1]>>, memref<?x?x8x64xf16>,
        memref<?x?x8x64xf16> -> memref<2x?x8x64xf16>, memref<2x8x?xf32>
  return
}

// -----

// Grouped-query attention (8 query heads share 2 K/V heads) and a
// cross-attention shape (seqlen_q != seqlen_k).
// CHECK-LABEL: func.func @grouped_query(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} {causal} : memref<2x100x8x64xf16>, memref<2x300x2x64xf16>, memref<2x300x2x64xf16> -> memref<2x100x8x64xf16>, memref<2x8x100xf32>{{$}}
func.func @grouped_query(%q: memref<2x100x8x64xf16>, %k: memref<2x300x2x64xf16>,
                         %v: memref<2x300x2x64xf16>, %out: memref<2x100x8x64xf16>,
                         %lse: memref<2x8x100xf32>) {
  flash.attention %q, %k, %v -> %out, %lse {causal}
      : memref<2x100x8x64xf16>, memref<2x300x2x64xf16>, memref<2x300x2x64xf16>
      -> memref<2x100x8x64xf16>, memref<2x8x100xf32>
  return
}

// -----

// CHECK-LABEL: func.func @varlen(
// CHECK-SAME: %[[CQ:[^:]+]]: memref<?xi32>, %[[CK:[^:]+]]: memref<?xi32>, %[[MQ:[^:]+]]: index, %[[MK:[^:]+]]: index)
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} varlen(%[[CQ]], %[[CK]] : memref<?xi32>, memref<?xi32>) max_seqlen(%[[MQ]], %[[MK]]) : memref<?x8x64xf16>, memref<?x8x64xf16>, memref<?x8x64xf16> -> memref<?x8x64xf16>, memref<8x?xf32>{{$}}
// GENERIC-LABEL: sym_name = "varlen"
// GENERIC: "flash.attention"({{.*}}) <{dropout_p = 0.000000e+00 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0>}> : ({{.*}}, memref<?xi32>, memref<?xi32>, index, index) -> ()
func.func @varlen(%q: memref<?x8x64xf16>, %kv: memref<?x8x64xf16>, %out: memref<?x8x64xf16>,
                  %lse: memref<8x?xf32>, %cu_q: memref<?xi32>, %cu_k: memref<?xi32>,
                  %max_q: index, %max_k: index) {
  flash.attention %q, %kv, %kv -> %out, %lse
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      : memref<?x8x64xf16>, memref<?x8x64xf16>, memref<?x8x64xf16>
      -> memref<?x8x64xf16>, memref<8x?xf32>
  return
}

// -----

// Variable-length, strided, grouped heads, static cu_seqlens, with every
// option.
// CHECK-LABEL: func.func @varlen_everything(
// CHECK: flash.attention %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}}, %{{.*}} varlen(%{{.*}}, %{{.*}} : memref<5xi32>, memref<5xi32>) max_seqlen(%{{.*}}, %{{.*}}) dropout_rng(%{{.*}}, %{{.*}}) {causal, dropout_p = 2.000000e-01 : f32, scale = 1.000000e+00 : f32} : memref<1000x6x96xbf16, strided<[?, 96, 1], offset: ?>>, memref<?x2x96xbf16>, memref<?x2x96xbf16> -> memref<1000x6x96xbf16>, memref<6x1000xf32, strided<[?, 1]>>{{$}}
// GENERIC-LABEL: sym_name = "varlen_everything"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>
func.func @varlen_everything(%q: memref<1000x6x96xbf16, strided<[?, 96, 1], offset: ?>>,
                             %kv: memref<?x2x96xbf16>, %out: memref<1000x6x96xbf16>,
                             %lse: memref<6x1000xf32, strided<[?, 1]>>,
                             %cu_q: memref<5xi32>, %cu_k: memref<5xi32>,
                             %max_q: index, %max_k: index, %seed: i64, %offset: i64) {
  flash.attention %q, %kv, %kv -> %out, %lse
      varlen(%cu_q, %cu_k : memref<5xi32>, memref<5xi32>) max_seqlen(%max_q, %max_k)
      dropout_rng(%seed, %offset) {causal, scale = 1.0 : f32, dropout_p = 0.2 : f32}
      : memref<1000x6x96xbf16, strided<[?, 96, 1], offset: ?>>, memref<?x2x96xbf16>,
        memref<?x2x96xbf16> -> memref<1000x6x96xbf16>, memref<6x1000xf32, strided<[?, 1]>>
  return
}

// -----

// The smallest and the largest head_dim, and an empty batch.
// CHECK-LABEL: func.func @head_dim_extremes(
// CHECK: flash.attention {{.*}} : memref<3x5x1x8xf16>, memref<3x7x1x8xf16>, memref<3x7x1x8xf16> -> memref<3x5x1x8xf16>, memref<3x1x5xf32>{{$}}
// CHECK: flash.attention {{.*}} : memref<0x1x1x256xbf16>, memref<0x1x1x256xbf16>, memref<0x1x1x256xbf16> -> memref<0x1x1x256xbf16>, memref<0x1x1xf32>{{$}}
func.func @head_dim_extremes(%q8: memref<3x5x1x8xf16>, %kv8: memref<3x7x1x8xf16>,
                             %o8: memref<3x5x1x8xf16>, %l8: memref<3x1x5xf32>,
                             %q256: memref<0x1x1x256xbf16>, %l256: memref<0x1x1xf32>) {
  flash.attention %q8, %kv8, %kv8 -> %o8, %l8
      : memref<3x5x1x8xf16>, memref<3x7x1x8xf16>, memref<3x7x1x8xf16>
      -> memref<3x5x1x8xf16>, memref<3x1x5xf32>
  flash.attention %q256, %q256, %q256 -> %q256, %l256
      : memref<0x1x1x256xbf16>, memref<0x1x1x256xbf16>, memref<0x1x1x256xbf16>
      -> memref<0x1x1x256xbf16>, memref<0x1x1xf32>
  return
}
