// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.load and flash.store: rank-1 and rank-2 tiles, static
// and dynamic shapes, strided layouts, accumulate.

!qkv = memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>

// CHECK-LABEL: func.func @rank2_dense(
// CHECK-SAME: %[[M:[^:]+]]: memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>, %[[B:[^:]+]]: index, %[[R:[^:]+]]: index, %[[H:[^:]+]]: index, %[[C:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK: %[[T:.*]] = flash.load %[[M]][%[[B]], %[[R]], %[[H]], %[[C]]] bound %[[N]] along 1 : memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>> -> tensor<64x128xbf16>{{$}}
// CHECK: flash.store %[[T]], %[[M]][%[[B]], %[[R]], %[[H]], %[[C]]] bound %[[N]] along 1 : tensor<64x128xbf16> -> memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>{{$}}
// GENERIC-LABEL: sym_name = "rank2_dense"
// GENERIC: "flash.load"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{along = 1 : i64}> : (memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>, index, index, index, index, index) -> tensor<64x128xbf16>
// GENERIC: "flash.store"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{along = 1 : i64}> : (tensor<64x128xbf16>, memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>, index, index, index, index, index) -> ()
func.func @rank2_dense(%m: !qkv, %b: index, %r: index, %h: index, %c: index, %n: index) {
  %t = flash.load %m[%b, %r, %h, %c] bound %n along 1 : !qkv -> tensor<64x128xbf16>
  flash.store %t, %m[%b, %r, %h, %c] bound %n along 1 : tensor<64x128xbf16> -> !qkv
  return
}

// -----

// A rank-2 tile narrower than the memref's last axis, along axis 0 of a
// static [tokens, heads, head_dim] memref.
// CHECK-LABEL: func.func @rank2_varlen_static(
// CHECK: %[[T:.*]] = flash.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 0 : memref<1024x8x64xf16> -> tensor<32x16xf16>{{$}}
// CHECK: flash.store %[[T]], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 0 : tensor<32x16xf16> -> memref<1024x8x64xf16>{{$}}
func.func @rank2_varlen_static(%m: memref<1024x8x64xf16>, %i: index) {
  %t = flash.load %m[%i, %i, %i] bound %i along 0 : memref<1024x8x64xf16> -> tensor<32x16xf16>
  flash.store %t, %m[%i, %i, %i] bound %i along 0 : tensor<32x16xf16> -> memref<1024x8x64xf16>
  return
}

// -----

// Rank-1 tiles: the log-sum-exp row of a [batch, heads, seqlen] memref, and a
// 1-D memref (along its only axis, any layout).
// CHECK-LABEL: func.func @rank1(
// CHECK: %[[L:.*]] = flash.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 2 : memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>> -> tensor<64xf32>{{$}}
// CHECK: flash.store %[[L]], %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 2 : tensor<64xf32> -> memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>{{$}}
// CHECK: %[[V:.*]] = flash.load %{{.*}}[%{{.*}}] bound %{{.*}} along 0 : memref<?xi32, strided<[4]>> -> tensor<16xi32>{{$}}
// CHECK: flash.store %[[V]], %{{.*}}[%{{.*}}] bound %{{.*}} along 0 : tensor<16xi32> -> memref<?xi32, strided<[4]>>{{$}}
// CHECK: %[[D:.*]] = flash.load %{{.*}}[%{{.*}}, %{{.*}}] bound %{{.*}} along 1 : memref<4x?xf16, strided<[1, 4]>> -> tensor<8xf16>{{$}}
func.func @rank1(%lse: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>,
                 %cu: memref<?xi32, strided<[4]>>, %t: memref<4x?xf16, strided<[1, 4]>>,
                 %i: index) {
  %l = flash.load %lse[%i, %i, %i] bound %i along 2
      : memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>> -> tensor<64xf32>
  flash.store %l, %lse[%i, %i, %i] bound %i along 2
      : tensor<64xf32> -> memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
  %v = flash.load %cu[%i] bound %i along 0 : memref<?xi32, strided<[4]>> -> tensor<16xi32>
  flash.store %v, %cu[%i] bound %i along 0 : tensor<16xi32> -> memref<?xi32, strided<[4]>>
  // A rank-1 tile does not need the last axis to be contiguous.
  %d = flash.load %t[%i, %i] bound %i along 1 : memref<4x?xf16, strided<[1, 4]>> -> tensor<8xf16>
  return
}

// -----

// accumulate: atomic addition into an f32 destination (the backward's dq).
// CHECK-LABEL: func.func @accumulate(
// CHECK: flash.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] bound %{{.*}} along 1 accumulate : tensor<64x128xf32> -> memref<?x?x?x128xf32>{{$}}
// CHECK: flash.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] bound %{{.*}} along 1 accumulate : tensor<64xf32> -> memref<?x?xf32>{{$}}
// GENERIC-LABEL: sym_name = "accumulate"
// GENERIC: "flash.store"({{.*}}) <{accumulate, along = 1 : i64}> : (tensor<64x128xf32>, memref<?x?x?x128xf32>, index, index, index, index, index) -> ()
func.func @accumulate(%dq: memref<?x?x?x128xf32>, %t: tensor<64x128xf32>,
                      %r: memref<?x?xf32>, %v: tensor<64xf32>, %i: index) {
  flash.store %t, %dq[%i, %i, %i, %i] bound %i along 1 accumulate
      : tensor<64x128xf32> -> memref<?x?x?x128xf32>
  flash.store %v, %r[%i, %i] bound %i along 1 accumulate : tensor<64xf32> -> memref<?x?xf32>
  return
}

// -----

// The tile may be exactly as wide as the static last axis; a memory space and
// a static, fully strided layout are fine.
// CHECK-LABEL: func.func @full_width(
// CHECK: flash.load %{{.*}}[%{{.*}}, %{{.*}}] bound %{{.*}} along 0 : memref<128x256xf32, strided<[512, 1], offset: 7>, 3> -> tensor<16x256xf32>{{$}}
func.func @full_width(%m: memref<128x256xf32, strided<[512, 1], offset: 7>, 3>, %i: index) {
  %t = flash.load %m[%i, %i] bound %i along 0
      : memref<128x256xf32, strided<[512, 1], offset: 7>, 3> -> tensor<16x256xf32>
  return
}

// -----

// The generic form, with the accumulate flag, parses back to the custom
// syntax.
// CHECK-LABEL: func.func @generic_store(
// CHECK: flash.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] bound %{{.*}} along 0 accumulate : tensor<8x8xf32> -> memref<?x8xf32>{{$}}
func.func @generic_store(%m: memref<?x8xf32>, %t: tensor<8x8xf32>, %i: index) {
  "flash.store"(%t, %m, %i, %i, %i) <{accumulate, along = 0 : i64}>
      : (tensor<8x8xf32>, memref<?x8xf32>, index, index, index) -> ()
  return
}
