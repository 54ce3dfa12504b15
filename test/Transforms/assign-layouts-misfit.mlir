// RUN: flash-opt %s -split-input-file --flash-assign-layouts="num-warps=8" -verify-diagnostics

// A tile whose rows cannot be split over the warps in 16-row blocks is
// reported at the op that makes it, with the reason.

func.func @rows_per_warp(%a: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tile 'tensor<64x64xf32, #flash.mma<warps = 8>>' does not fit its GPU layout: an mma layout needs rows a multiple of 16 x warps}}
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  return
}

// -----

// A head dim that is not a multiple of 16 cannot feed mma.sync's k steps.
func.func @k_steps(%a: memref<?x40xbf16>, %b: memref<?x40xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tile 'tensor<128x40xbf16, #flash.operand<a, #flash.mma<warps = 8>>>' does not fit its GPU layout: an a operand needs M a multiple of 16 x warps and K a multiple of 16}}
  %q = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x40xbf16> -> tensor<128x40xbf16>
  %k = flash.load %b[%c0, %c0] bound %n along 0 : memref<?x40xbf16> -> tensor<128x40xbf16>
  %z = arith.constant dense<0.0> : tensor<128x128xf32>
  %s = flash.dot %q, %k, %z {transpose_b} : tensor<128x40xbf16>, tensor<128x40xbf16> -> tensor<128x128xf32>
  return
}
