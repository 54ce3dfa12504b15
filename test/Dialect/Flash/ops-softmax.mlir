// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of flash.mask, flash.online_softmax, flash.scale_rows and
// flash.finalize.

// CHECK-LABEL: func.func @mask(
// CHECK-SAME: %[[S:[^:]+]]: tensor<64x32xf32>, %[[R:[^:]+]]: index, %[[C:[^:]+]]: index, %[[NQ:[^:]+]]: index, %[[NK:[^:]+]]: index)
// CHECK: %[[M0:.*]] = flash.mask %[[S]] at(%[[R]], %[[C]]) within(%[[NQ]], %[[NK]]) : tensor<64x32xf32>{{$}}
// CHECK: %[[M1:.*]] = flash.mask %[[M0]] at(%[[R]], %[[C]]) within(%[[NQ]], %[[NK]]) causal : tensor<64x32xf32>{{$}}
// CHECK: %[[M2:.*]] = flash.mask %[[M1]] at(%[[R]], %[[C]]) within(%[[NQ]], %[[NK]]) causal transposed : tensor<64x32xf32>{{$}}
// CHECK: return %[[M2]]
// GENERIC-LABEL: sym_name = "mask"
// GENERIC: "flash.mask"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<64x32xf32>, index, index, index, index) -> tensor<64x32xf32>
// GENERIC: "flash.mask"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{causal}> : (tensor<64x32xf32>, index, index, index, index) -> tensor<64x32xf32>
// GENERIC: "flash.mask"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{causal, transposed}> : (tensor<64x32xf32>, index, index, index, index) -> tensor<64x32xf32>
func.func @mask(%s: tensor<64x32xf32>, %row: index, %col: index, %nq: index, %nk: index) -> tensor<64x32xf32> {
  %m0 = flash.mask %s at (%row, %col) within (%nq, %nk) : tensor<64x32xf32>
  %m1 = flash.mask %m0 at (%row, %col) within (%nq, %nk) causal : tensor<64x32xf32>
  %m2 = flash.mask %m1 at (%row, %col) within (%nq, %nk) causal transposed : tensor<64x32xf32>
  return %m2 : tensor<64x32xf32>
}

// -----

// CHECK-LABEL: func.func @online_softmax(
// CHECK-SAME: %[[S:[^:]+]]: tensor<64x32xf32>, %[[M:[^:]+]]: tensor<64xf32>, %[[L:[^:]+]]: tensor<64xf32>)
// CHECK: %[[P:[^,]+]], %[[MN:[^,]+]], %[[LN:[^,]+]], %[[ALPHA:[^ ]+]] = flash.online_softmax %[[S]], %[[M]], %[[L]] scale 0.0883883461 : tensor<64x32xf32>, tensor<64xf32>{{$}}
// CHECK: return %[[P]], %[[MN]], %[[LN]], %[[ALPHA]]
// GENERIC-LABEL: sym_name = "online_softmax"
// GENERIC: "flash.online_softmax"(%{{.*}}, %{{.*}}, %{{.*}}) <{scale = 0.0883883461 : f32}> : (tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
func.func @online_softmax(%s: tensor<64x32xf32>, %m: tensor<64xf32>, %l: tensor<64xf32>)
    -> (tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %p, %m_new, %l_new, %alpha = flash.online_softmax %s, %m, %l
      scale 0.0883883461 : tensor<64x32xf32>, tensor<64xf32>
  return %p, %m_new, %l_new, %alpha : tensor<64x32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
}

// -----

// Scales that print in different float forms.
// CHECK-LABEL: func.func @online_softmax_scales(
// CHECK: flash.online_softmax %{{.*}}, %{{.*}}, %{{.*}} scale 1.000000e+00 : tensor<1x8xf32>, tensor<1xf32>{{$}}
// CHECK: flash.online_softmax %{{.*}}, %{{.*}}, %{{.*}} scale 1.000000e+03 : tensor<1x8xf32>, tensor<1xf32>{{$}}
// CHECK: flash.online_softmax %{{.*}}, %{{.*}}, %{{.*}} scale 1.000000e-30 : tensor<1x8xf32>, tensor<1xf32>{{$}}
func.func @online_softmax_scales(%s: tensor<1x8xf32>, %v: tensor<1xf32>) {
  %a:4 = flash.online_softmax %s, %v, %v scale 1.0 : tensor<1x8xf32>, tensor<1xf32>
  %b:4 = flash.online_softmax %s, %v, %v scale 1.0e3 : tensor<1x8xf32>, tensor<1xf32>
  %c:4 = flash.online_softmax %s, %v, %v scale 1.0e-30 : tensor<1x8xf32>, tensor<1xf32>
  return
}

// -----

// CHECK-LABEL: func.func @scale_rows(
// CHECK-SAME: %[[ACC:[^:]+]]: tensor<64x128xf32>, %[[ALPHA:[^:]+]]: tensor<64xf32>)
// CHECK: %[[R:.*]] = flash.scale_rows %[[ACC]], %[[ALPHA]] : tensor<64x128xf32>, tensor<64xf32>{{$}}
// CHECK: return %[[R]]
// GENERIC-LABEL: sym_name = "scale_rows"
// GENERIC: "flash.scale_rows"(%{{.*}}, %{{.*}}) : (tensor<64x128xf32>, tensor<64xf32>) -> tensor<64x128xf32>
func.func @scale_rows(%acc: tensor<64x128xf32>, %alpha: tensor<64xf32>) -> tensor<64x128xf32> {
  %r = flash.scale_rows %acc, %alpha : tensor<64x128xf32>, tensor<64xf32>
  return %r : tensor<64x128xf32>
}

// -----

// The output may be bf16, f16 or f32; lse has the row statistics' type.
// CHECK-LABEL: func.func @finalize(
// CHECK-SAME: %[[ACC:[^:]+]]: tensor<64x128xf32>, %[[M:[^:]+]]: tensor<64xf32>, %[[L:[^:]+]]: tensor<64xf32>)
// CHECK: %[[O:[^,]+]], %[[LSE:[^ ]+]] = flash.finalize %[[ACC]], %[[M]], %[[L]] : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xbf16>{{$}}
// CHECK: flash.finalize %[[ACC]], %[[M]], %[[L]] : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xf16>{{$}}
// CHECK: flash.finalize %[[ACC]], %[[M]], %[[L]] : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xf32>{{$}}
// CHECK: return %[[O]], %[[LSE]] : tensor<64x128xbf16>, tensor<64xf32>
// GENERIC-LABEL: sym_name = "finalize"
// GENERIC: "flash.finalize"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<64x128xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64x128xbf16>, tensor<64xf32>)
func.func @finalize(%acc: tensor<64x128xf32>, %m: tensor<64xf32>, %l: tensor<64xf32>)
    -> (tensor<64x128xbf16>, tensor<64xf32>) {
  %o, %lse = flash.finalize %acc, %m, %l : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xbf16>
  %o16:2 = flash.finalize %acc, %m, %l : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xf16>
  %o32:2 = flash.finalize %acc, %m, %l : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xf32>
  return %o, %lse : tensor<64x128xbf16>, tensor<64xf32>
}

// -----

// One step of the streaming softmax, as the forward's loop body does it.
// CHECK-LABEL: func.func @step(
// CHECK: %[[MASKED:.*]] = flash.mask %{{.*}} at(%{{.*}}, %{{.*}}) within(%{{.*}}, %{{.*}}) causal : tensor<64x64xf32>
// CHECK: %[[P:[^,]+]], %{{[^,]+}}, %{{[^,]+}}, %[[ALPHA:[^ ]+]] = flash.online_softmax %[[MASKED]], %{{.*}}, %{{.*}} scale 1.250000e-01 : tensor<64x64xf32>, tensor<64xf32>
// CHECK: flash.scale_rows %{{.*}}, %[[ALPHA]] : tensor<64x64xf32>, tensor<64xf32>
func.func @step(%s: tensor<64x64xf32>, %m: tensor<64xf32>, %l: tensor<64xf32>,
                %acc: tensor<64x64xf32>, %i: index) -> tensor<64x64xf32> {
  %masked = flash.mask %s at(%i, %i) within(%i, %i) causal : tensor<64x64xf32>
  %p, %m1, %l1, %alpha = flash.online_softmax %masked, %m, %l scale 0.125
      : tensor<64x64xf32>, tensor<64xf32>
  %acc1 = flash.scale_rows %acc, %alpha : tensor<64x64xf32>, tensor<64xf32>
  return %acc1 : tensor<64x64xf32>
}
