// RUN: flash-opt %s -split-input-file --flash-assign-layouts -verify-diagnostics

// --flash-assign-layouts refuses kernels whose tiles already have a layout
// (the pass runs once, on kernels straight from the tiling).

func.func @already_assigned(%a: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{tile already has a layout: 'tensor<64x64xbf16, #flash.mma<warps = 4>>'}}
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
  return
}

// -----

// Also with another number of warps, and for constants.
func.func @constant_with_layout() attributes {flash.kernel} {
  // expected-error @+1 {{tile already has a layout: 'tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>'}}
  %z = arith.constant dense<0.0> : tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>
  return
}

// -----

// A function that is not a kernel is left alone, layouts or not.
func.func @host(%a: memref<?x64xbf16>, %n: index) {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  return
}
