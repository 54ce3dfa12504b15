// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm -verify-diagnostics
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm=vector-bytes=3 2>&1 | FileCheck %s --check-prefix=VEC3
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm=vector-bytes=32 2>&1 | FileCheck %s --check-prefix=VEC32
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm=num-warps=0 2>&1 | FileCheck %s --check-prefix=WARPS0
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm=num-warps=6 2>&1 | FileCheck %s --check-prefix=WARPS6

// --convert-flash-to-nvvm failures: tiles that have no layout (the lowering
// needs flash-assign-layouts), shapes that do not fit their layout, shared
// tiles without flash.shared_offset (flash-allocate-shared-memory), what
// the GPU path does not lower (non-16-bit shared tiles, stores of shared
// tiles but bulk reductions of whole rows on sm_90, kernel arguments other than memrefs, index and i64, kernels
// without a body), and invalid options (each kernel is left as it was).

// VEC3: error: convert-flash-to-nvvm: vector-bytes must be 2, 4, 8 or 16, got 3
// VEC3-NOT: llvm.func
// VEC32: error: convert-flash-to-nvvm: vector-bytes must be 2, 4, 8 or 16, got 32
// WARPS0: error: convert-flash-to-nvvm: num-warps must be a power of two, got 0
// WARPS0-NOT: llvm.func
// WARPS6: error: convert-flash-to-nvvm: num-warps must be a power of two, got 6

func.func @no_layout(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{failed to legalize operation 'flash.load' that was explicitly marked illegal}}
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16>
  flash.store %t, %a[%c0, %c0] bound %n along 0 : tensor<64x16xbf16> -> memref<?x16xbf16>
  return
}

// -----

func.func @splat_without_layout(%a: memref<?x16xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{failed to legalize operation 'arith.constant' that was explicitly marked illegal}}
  %z = arith.constant dense<0.0> : tensor<64x16xf32>
  flash.store %z, %a[%c0, %c0] bound %n along 0 : tensor<64x16xf32> -> memref<?x16xf32>
  return
}

// -----

// 32 rows cannot be split over 4 warps of 16-row blocks.
#mma = #flash.mma<warps = 4>
func.func @shape_does_not_fit(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{failed to legalize operation 'flash.load' that was explicitly marked illegal}}
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<32x16xbf16, #mma>
  flash.store %t, %a[%c0, %c0] bound %n along 0 : tensor<32x16xbf16, #mma> -> memref<?x16xbf16>
  return
}

// -----

// A layout with no warps holds nothing (it used to divide by zero).
func.func @zero_warps(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{failed to legalize operation 'flash.load' that was explicitly marked illegal}}
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16, #flash.mma<warps = 0>>
  flash.store %t, %a[%c0, %c0] bound %n along 0 : tensor<64x16xbf16, #flash.mma<warps = 0>> -> memref<?x16xbf16>
  return
}

// -----

func.func @load_without_offset(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+2 {{has no shared-memory offset; run flash-allocate-shared-memory first}}
  // expected-error @+1 {{failed to legalize operation 'flash.load' that was explicitly marked illegal}}
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16, #flash.shared<padding = 8>>
  return
}

// -----

#mma = #flash.mma<warps = 4>
func.func @convert_without_offset(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16, #mma>
  // expected-error @+2 {{has no shared-memory offset; run flash-allocate-shared-memory first}}
  // expected-error @+1 {{failed to legalize operation 'flash.convert_layout' that was explicitly marked illegal}}
  %s = flash.convert_layout %t : tensor<64x16xbf16, #mma> -> tensor<64x16xbf16, #flash.operand<b, #mma>>
  flash.store %s, %a[%c0, %c0] bound %n along 0 : tensor<64x16xbf16, #flash.operand<b, #mma>> -> memref<?x16xbf16>
  return
}

// -----

// Shared tiles hold 16-bit elements (ldmatrix, mma.sync operands).
func.func @f32_shared(%a: memref<?x16xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{failed to legalize operation 'flash.load' that was explicitly marked illegal}}
  %t = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x16xf32> -> tensor<8x16xf32, #flash.shared<padding = 4>>
  return
}

// -----

// Stores write registers (flash-assign-layouts converts shared tiles first).
func.func @store_shared(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x16xbf16> -> tensor<64x16xbf16, #flash.shared<padding = 8>>
  // expected-error @+1 {{failed to legalize operation 'flash.store' that was explicitly marked illegal}}
  flash.store %t, %a[%c0, %c0] bound %n along 0 : tensor<64x16xbf16, #flash.shared<padding = 8>> -> memref<?x16xbf16>
  return
}

// -----

// An accumulating store of a shared tile is one bulk reduction of whole
// rows: its padded rows must be its destination's (here 16 + 8 against 16),
// and the target sm_90 (wgmma).
func.func @bulk_sums_misfit(%d: memref<?x16xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<1.0> : tensor<64x16xf32, #flash.mma<warps = 4>>
  %s = flash.convert_layout %z {flash.shared_offset = 0 : i64} : tensor<64x16xf32, #flash.mma<warps = 4>> -> tensor<64x16xf32, #flash.shared<padding = 8>>
  // expected-error @+2 {{failed to legalize operation 'flash.store' that was explicitly marked illegal}}
  // expected-error @+1 {{'flash.store' op a bulk reduction adds f32 rows padded to whole rows of 16-byte multiples of its row-major destination, from column 0, on sm_90}}
  flash.store %s, %d[%c0, %c0] bound %n along 0 accumulate : tensor<64x16xf32, #flash.shared<padding = 8>> -> memref<?x16xf32>
  return
}

// -----

// expected-error @+1 {{kernel argument of unsupported type 'f32'}}
func.func @float_argument(%x: f32) attributes {flash.kernel} {
  return
}

// -----

// expected-error @+1 {{kernel argument of unsupported type 'i1'}}
func.func @bool_argument(%a: memref<?xf32>, %flag: i1) attributes {flash.kernel} {
  return
}

// -----

// expected-error @+1 {{kernel declaration: a kernel needs a body to be compiled for the GPU}}
func.func private @declared(memref<?xf32>) attributes {flash.kernel}

// -----

func.func @dim_out_of_range(%a: memref<?x16xbf16>) attributes {flash.kernel} {
  %c2 = arith.constant 2 : index
  // expected-error @+2 {{axis 2 is out of range for a rank-2 memref}}
  // expected-error @+1 {{failed to legalize operation 'memref.dim'}}
  %n = memref.dim %a, %c2 : memref<?x16xbf16>
  return
}
