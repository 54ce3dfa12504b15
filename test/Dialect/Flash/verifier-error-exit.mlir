// RUN: not flash-opt %s 2>&1 | FileCheck %s
// RUN: not flash-opt %s -o /dev/null 2>&1 | FileCheck %s

// Without -verify-diagnostics a verifier error fails flash-opt with a located
// diagnostic (file:line:column), and the module is not printed. Only the first
// failing op is reported.

// CHECK-NOT: module {
// CHECK: verifier-error-exit.mlir:[[@LINE+9]]:{{[0-9]+}}: error: 'flash.dot' op contraction sizes differ: op(a) is 64x128 but op(b) is 64x64
// CHECK-NEXT: %r = flash.dot
// CHECK: note: see current operation: %{{.*}} = "flash.dot"
// CHECK-NOT: error:

func.func @bad_dot(%a: tensor<64x128xbf16>, %b: tensor<64x64xbf16>, %c: tensor<64x64xf32>,
                   %i: index) attributes {flash.kernel} {
  %0 = flash.program_id x
  %1 = flash.mask %c at (%i, %i) within (%i, %i) : tensor<64x64xf32>
  %r = flash.dot %a, %b, %c : tensor<64x128xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %d = flash.dropout %c, %c prob 0.5 : tensor<64x64xf32>, tensor<64x64xf32>
  return
}
