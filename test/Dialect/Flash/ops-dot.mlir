// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.dot: every transpose combination, every operand element
// type, non-square shapes.

// CHECK-LABEL: func.func @plain(
// CHECK-SAME: %[[A:[^:]+]]: tensor<64x32xbf16>, %[[B:[^:]+]]: tensor<32x16xbf16>, %[[C:[^:]+]]: tensor<64x16xf32>)
// CHECK: %[[R:.*]] = flash.dot %[[A]], %[[B]], %[[C]] : tensor<64x32xbf16>, tensor<32x16xbf16> -> tensor<64x16xf32>{{$}}
// CHECK: return %[[R]]
// GENERIC-LABEL: sym_name = "plain"
// GENERIC: "flash.dot"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<64x32xbf16>, tensor<32x16xbf16>, tensor<64x16xf32>) -> tensor<64x16xf32>
func.func @plain(%a: tensor<64x32xbf16>, %b: tensor<32x16xbf16>, %c: tensor<64x16xf32>) -> tensor<64x16xf32> {
  %r = flash.dot %a, %b, %c : tensor<64x32xbf16>, tensor<32x16xbf16> -> tensor<64x16xf32>
  return %r : tensor<64x16xf32>
}

// -----

// S = Q K^T.
// CHECK-LABEL: func.func @transpose_b(
// CHECK: flash.dot %{{.*}}, %{{.*}}, %{{.*}} {transpose_b} : tensor<64x128xf16>, tensor<32x128xf16> -> tensor<64x32xf32>{{$}}
// GENERIC-LABEL: sym_name = "transpose_b"
// GENERIC: "flash.dot"(%{{.*}}, %{{.*}}, %{{.*}}) <{transpose_b}> : (tensor<64x128xf16>, tensor<32x128xf16>, tensor<64x32xf32>) -> tensor<64x32xf32>
func.func @transpose_b(%q: tensor<64x128xf16>, %k: tensor<32x128xf16>, %z: tensor<64x32xf32>) -> tensor<64x32xf32> {
  %s = flash.dot %q, %k, %z {transpose_b} : tensor<64x128xf16>, tensor<32x128xf16> -> tensor<64x32xf32>
  return %s : tensor<64x32xf32>
}

// -----

// dV = P^T dO.
// CHECK-LABEL: func.func @transpose_a(
// CHECK: flash.dot %{{.*}}, %{{.*}}, %{{.*}} {transpose_a} : tensor<64x32xbf16>, tensor<64x128xbf16> -> tensor<32x128xf32>{{$}}
// GENERIC-LABEL: sym_name = "transpose_a"
// GENERIC: "flash.dot"(%{{.*}}, %{{.*}}, %{{.*}}) <{transpose_a}>
func.func @transpose_a(%p: tensor<64x32xbf16>, %do: tensor<64x128xbf16>, %acc: tensor<32x128xf32>) -> tensor<32x128xf32> {
  %dv = flash.dot %p, %do, %acc {transpose_a} : tensor<64x32xbf16>, tensor<64x128xbf16> -> tensor<32x128xf32>
  return %dv : tensor<32x128xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_both(
// CHECK: flash.dot %{{.*}}, %{{.*}}, %{{.*}} {transpose_a, transpose_b} : tensor<16x8xf32>, tensor<4x16xf32> -> tensor<8x4xf32>{{$}}
// GENERIC-LABEL: sym_name = "transpose_both"
// GENERIC: "flash.dot"(%{{.*}}, %{{.*}}, %{{.*}}) <{transpose_a, transpose_b}>
func.func @transpose_both(%a: tensor<16x8xf32>, %b: tensor<4x16xf32>, %c: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %r = flash.dot %a, %b, %c {transpose_b, transpose_a} : tensor<16x8xf32>, tensor<4x16xf32> -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

// Chained products as in the forward's inner loop; 1x1 tiles are fine.
// CHECK-LABEL: func.func @chain(
// CHECK: %[[S:.*]] = flash.dot %{{.*}}, %{{.*}}, %{{.*}} {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
// CHECK: %[[P:.*]] = arith.truncf %[[S]] : tensor<64x64xf32> to tensor<64x64xbf16>
// CHECK: flash.dot %[[P]], %{{.*}}, %{{.*}} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
// CHECK: flash.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1xf16>, tensor<1x1xf16> -> tensor<1x1xf32>
func.func @chain(%q: tensor<64x64xbf16>, %k: tensor<64x64xbf16>, %v: tensor<64x64xbf16>,
                 %z: tensor<64x64xf32>, %x: tensor<1x1xf16>, %y: tensor<1x1xf32>) {
  %s = flash.dot %q, %k, %z {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %p = arith.truncf %s : tensor<64x64xf32> to tensor<64x64xbf16>
  %o = flash.dot %p, %v, %z : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %t = flash.dot %x, %x, %y : tensor<1x1xf16>, tensor<1x1xf16> -> tensor<1x1xf32>
  return
}

// -----

// flash.dot_wait: the product's result once at most `pending` products are
// still running.

// CHECK-LABEL: func.func @dot_wait(
// CHECK-SAME: %[[S:[^:]+]]: tensor<64x64xf32>)
// CHECK: %[[READY:.*]] = flash.dot_wait %[[S]] pending 1 : tensor<64x64xf32>
// CHECK: flash.dot_wait %[[READY]] pending 0 : tensor<64x64xf32>
// GENERIC-LABEL: sym_name = "dot_wait"
// GENERIC: "flash.dot_wait"(%{{.*}}) <{pending = 1 : i64}> : (tensor<64x64xf32>) -> tensor<64x64xf32>
func.func @dot_wait(%s: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %ready = flash.dot_wait %s pending 1 : tensor<64x64xf32>
  %all = flash.dot_wait %ready pending 0 : tensor<64x64xf32>
  return %all : tensor<64x64xf32>
}

// -----

// With `after`, the wait is also ordered after that tile's computation.

// CHECK-LABEL: func.func @dot_wait_after(
// CHECK-SAME: %[[O:[^:]+]]: tensor<64x64xf32>, %[[L:[^:]+]]: tensor<64xf32>)
// CHECK: flash.dot_wait %[[O]] pending 0 after %[[L]] : tensor<64x64xf32>, tensor<64xf32>
// GENERIC-LABEL: sym_name = "dot_wait_after"
// GENERIC: "flash.dot_wait"(%{{.*}}, %{{.*}}) <{pending = 0 : i64}> : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
func.func @dot_wait_after(%o: tensor<64x64xf32>, %l: tensor<64xf32>) -> tensor<64x64xf32> {
  %ready = flash.dot_wait %o pending 0 after %l : tensor<64x64xf32>, tensor<64xf32>
  return %ready : tensor<64x64xf32>
}

// -----

// flash.transpose of a matrix tile, with or without layouts.

// CHECK-LABEL: func.func @transpose(
// CHECK-SAME: %[[T:[^:]+]]: tensor<128x64xf32>)
// CHECK: %[[R:.*]] = flash.transpose %[[T]] : tensor<128x64xf32> -> tensor<64x128xf32>
// CHECK: flash.transpose %{{.*}} : tensor<128x64xf32, #flash.mma<warps = 8>> -> tensor<64x128xf32, #flash.shared<padding = 8>>
// GENERIC-LABEL: sym_name = "transpose"
// GENERIC: "flash.transpose"(%{{.*}}) : (tensor<128x64xf32>) -> tensor<64x128xf32>
func.func @transpose(%t: tensor<128x64xf32>) -> tensor<64x128xf32> {
  %r = flash.transpose %t : tensor<128x64xf32> -> tensor<64x128xf32>
  %m = arith.constant dense<1.0> : tensor<128x64xf32, #flash.mma<warps = 8>>
  %s = flash.transpose %m : tensor<128x64xf32, #flash.mma<warps = 8>> -> tensor<64x128xf32, #flash.shared<padding = 8>>
  return %r : tensor<64x128xf32>
}
