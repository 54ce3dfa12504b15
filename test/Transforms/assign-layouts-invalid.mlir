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

// -----

// The statistics of a transposed tile are held one a column (#flash.columns)
// straight from their loads, not converted from rows through shared memory
// at every block: a load that also feeds a row-major use is refused, and so
// are statistics that are not loaded.
func.func @columns_and_rows(%lse: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %s = arith.constant dense<1.0> : tensor<64x64xf32>
  %l = flash.load %lse[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32>
  %p = flash.softmax_recompute %s, %l scale 1.0 : tensor<64x64xf32>, tensor<64xf32>
  // expected-error @+1 {{the per-column statistics of a transposed tile must be loaded for their transposed uses alone}}
  %pt = flash.softmax_recompute %p, %l scale 1.0 transposed : tensor<64x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @columns_not_loaded() attributes {flash.kernel} {
  %s = arith.constant dense<1.0> : tensor<64x64xf32>
  %l = arith.constant dense<0.0> : tensor<64xf32>
  // expected-error @+1 {{the per-column statistics of a transposed tile must be loaded for their transposed uses alone}}
  %p = flash.softmax_recompute %s, %l scale 1.0 transposed : tensor<64x64xf32>, tensor<64xf32>
  return
}
