// RUN: flash-opt %s -split-input-file --flash-tile-attention --flash-assign-layouts --flash-allocate-shared-memory | FileCheck %s --check-prefix=PROBLEM
// RUN: flash-opt %s -split-input-file --flash-tile-attention --flash-assign-layouts=shared-padding=16 --flash-allocate-shared-memory | FileCheck %s --check-prefix=PAD16
// RUN: flash-opt %s -split-input-file --flash-tile-attention --flash-assign-layouts=shared-padding=4 --flash-allocate-shared-memory | FileCheck %s --check-prefix=PAD4

// --flash-allocate-shared-memory: each op producing a #flash.shared tile (a
// load, a conversion into shared memory) and each register-to-register
// conversion that goes through shared memory gets its own buffer at byte
// offset flash.shared_offset, 128-byte aligned, in program order; a buffer
// holds rows * (cols + padding) elements (padding: the #flash.shared one, or
// 16 bytes' worth for a scratch buffer). The kernel's flash.shared_memory is
// the total. mma -> `a` fragment conversions of 16-bit tiles are register
// renamings and get nothing, nor do conversions that read a shared tile.
// PROBLEM (default padding 8), PAD16 and PAD4 (shared-padding=16 and 4)
// run through --flash-tile-attention and --flash-assign-layouts, on
// problem-level ops and on hand-written kernels without layouts;
// allocate-shared-memory-layouts.mlir has kernels written with layouts.

// Forward, head_dim 64: K and V are 64 x (64 + 8) bf16 = 9216 bytes each
// (64 x (64 + 16) x 2 = 10240 with shared-padding=16); Q is in registers and
// P is renamed, so they take nothing.

// PROBLEM-LABEL: func.func @fwd(
// PROBLEM-NOT: flash.shared
// PROBLEM-LABEL: func.func private @fwd_attention_fwd(
// PROBLEM-SAME: attributes {flash.grid = {{{.*}}}, flash.kernel, flash.shared_memory = 18432 : i64} {
// PROBLEM: flash.load %{{.*}} along 1 : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// PROBLEM: flash.load %{{.*}} along 1 {flash.shared_offset = 0 : i64} : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// PROBLEM: flash.load %{{.*}} along 1 {flash.shared_offset = 9216 : i64} : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// PROBLEM: flash.convert_layout %{{.*}} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// PROBLEM-NOT: flash.shared_offset
// PROBLEM: return

// PAD16-LABEL: func.func private @fwd_attention_fwd(
// PAD16-SAME: flash.shared_memory = 20480 : i64} {
// PAD16: flash.load %{{.*}} along 1 {flash.shared_offset = 0 : i64} : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 16>>
// PAD16: flash.load %{{.*}} along 1 {flash.shared_offset = 10240 : i64} : memref<2x128x4x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 16>>
// PAD16-NOT: flash.shared_offset
// PAD16: return
func.func @fwd(%q: memref<2x128x4x64xbf16>, %k: memref<2x128x4x64xbf16>,
               %v: memref<2x128x4x64xbf16>, %out: memref<2x128x4x64xbf16>,
               %lse: memref<2x4x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>
      -> memref<2x128x4x64xbf16>, memref<2x4x128xf32>
  return
}

// -----

// Backward, fp16, head_dim 32: the delta kernel needs no shared memory; dK/dV
// holds K, V, Q, dO (64 x 40 x 2 = 5120 bytes each) and the P and dS
// conversions to shared memory (64 x 72 x 2 = 9216 each); dQ holds K and V,
// its dS -> `a` conversion is a renaming.

// PROBLEM-LABEL: func.func private @bwd_attention_grad_bwd_delta(
// PROBLEM-SAME: flash.kernel, flash.shared_memory = 0 : i64} {
// PROBLEM-NOT: flash.shared_offset
// PROBLEM: return
// PROBLEM-LABEL: func.func private @bwd_attention_grad_bwd_dkdv(
// PROBLEM-SAME: flash.kernel, flash.shared_memory = 38912 : i64} {
// PROBLEM: flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<1x128x2x32xf16> -> tensor<64x32xf16, #flash.shared<padding = 8>>
// PROBLEM: flash.load %{{.*}} {flash.shared_offset = 5120 : i64} : memref<1x128x2x32xf16> -> tensor<64x32xf16, #flash.shared<padding = 8>>
// PROBLEM: flash.load %{{.*}} {flash.shared_offset = 10240 : i64} : memref<1x128x2x32xf16> -> tensor<64x32xf16, #flash.shared<padding = 8>>
// PROBLEM: flash.load %{{.*}} {flash.shared_offset = 15360 : i64} : memref<1x128x2x32xf16> -> tensor<64x32xf16, #flash.shared<padding = 8>>
// PROBLEM: flash.convert_layout %{{.*}} {flash.shared_offset = 20480 : i64} : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.shared<padding = 8>>
// PROBLEM: flash.convert_layout %{{.*}} {flash.shared_offset = 29696 : i64} : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.shared<padding = 8>>
// PROBLEM-NOT: flash.shared_offset
// PROBLEM: return
// PROBLEM-LABEL: func.func private @bwd_attention_grad_bwd_dq(
// PROBLEM-SAME: flash.kernel, flash.shared_memory = 10240 : i64} {
// PROBLEM: flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<1x128x2x32xf16> -> tensor<64x32xf16, #flash.shared<padding = 8>>
// PROBLEM: flash.load %{{.*}} {flash.shared_offset = 5120 : i64} : memref<1x128x2x32xf16> -> tensor<64x32xf16, #flash.shared<padding = 8>>
// PROBLEM: flash.convert_layout %{{.*}} : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>
// PROBLEM-NOT: flash.shared_offset
// PROBLEM: return

// PAD16-LABEL: func.func private @bwd_attention_grad_bwd_dkdv(
// PAD16-SAME: flash.shared_memory = 45056 : i64} {
// PAD16: {flash.shared_offset = 0 : i64}
// PAD16: {flash.shared_offset = 6144 : i64}
// PAD16: {flash.shared_offset = 12288 : i64}
// PAD16: {flash.shared_offset = 18432 : i64}
// PAD16: {flash.shared_offset = 24576 : i64} : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.shared<padding = 16>>
// PAD16: {flash.shared_offset = 34816 : i64} : tensor<64x64xf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.shared<padding = 16>>
func.func @bwd(%q: memref<1x128x2x32xf16>, %k: memref<1x128x2x32xf16>,
               %v: memref<1x128x2x32xf16>, %out: memref<1x128x2x32xf16>,
               %dout: memref<1x128x2x32xf16>, %lse: memref<1x2x128xf32>,
               %dq: memref<1x128x2x32xf16>, %dk: memref<1x128x2x32xf16>,
               %dv: memref<1x128x2x32xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
      : memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x2x128xf32>
      -> memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}

// -----

// Offsets are rounded up to 128 bytes: an 8-row `b` tile of 64 bf16 columns
// takes 8 x (64 + p) x 2 bytes: 1152 with padding 8, 1088 -> 1152 with 4,
// 1280 with 16. The `a` tile is in registers.

// PROBLEM-LABEL: func.func @small_tiles(
// PROBLEM-SAME: attributes {flash.kernel, flash.shared_memory = 2304 : i64} {
// PROBLEM: flash.load %{{.*}} : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// PROBLEM-NEXT: flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<8x64xbf16, #flash.shared<padding = 8>>
// PROBLEM-NEXT: flash.load %{{.*}} {flash.shared_offset = 1152 : i64} : memref<?x64xbf16> -> tensor<8x64xbf16, #flash.shared<padding = 8>>
// PAD4-LABEL: func.func @small_tiles(
// PAD4-SAME: attributes {flash.kernel, flash.shared_memory = 2304 : i64} {
// PAD4: flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<8x64xbf16, #flash.shared<padding = 4>>
// PAD4-NEXT: flash.load %{{.*}} {flash.shared_offset = 1152 : i64} : memref<?x64xbf16> -> tensor<8x64xbf16, #flash.shared<padding = 4>>
// PAD16-LABEL: func.func @small_tiles(
// PAD16-SAME: attributes {flash.kernel, flash.shared_memory = 2560 : i64} {
// PAD16: flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<8x64xbf16, #flash.shared<padding = 16>>
// PAD16-NEXT: flash.load %{{.*}} {flash.shared_offset = 1280 : i64} : memref<?x64xbf16> -> tensor<8x64xbf16, #flash.shared<padding = 16>>
func.func @small_tiles(%a: memref<?x64xbf16>, %o: memref<?x8xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %at = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %b1 = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<8x64xbf16>
  %b2 = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<8x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x8xf32>
  %s1 = flash.dot %at, %b1, %z {transpose_b} : tensor<64x64xbf16>, tensor<8x64xbf16> -> tensor<64x8xf32>
  %s2 = flash.dot %at, %b2, %s1 {transpose_b} : tensor<64x64xbf16>, tensor<8x64xbf16> -> tensor<64x8xf32>
  flash.store %s2, %o[%c0, %c0] bound %n along 0 : tensor<64x8xf32> -> memref<?x8xf32>
  return
}

// -----

// An f32 mma tile used as `a` is not a register renaming (only 16-bit tiles
// are): it goes through a scratch buffer padded by 16 bytes,
// 64 x (64 + 4) x 4 = 17408 bytes whatever the shared padding, after the
// f32 `b` tile's 64 x (64 + p) x 4. Reading the shared tile into registers
// (for the arith op) takes no buffer.

// PROBLEM-LABEL: func.func @f32_scratch(
// PROBLEM-SAME: attributes {flash.kernel, flash.shared_memory = 35840 : i64} {
// PROBLEM: %[[B:.*]] = flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<?x64xf32> -> tensor<64x64xf32, #flash.shared<padding = 8>>
// PROBLEM-NEXT: flash.convert_layout %[[B]] : tensor<64x64xf32, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// PROBLEM: flash.convert_layout %{{.*}} {flash.shared_offset = 18432 : i64} : tensor<64x64xf32, #flash.mma<warps = 4>> -> tensor<64x64xf32, #flash.operand<a, #flash.mma<warps = 4>>>
// PROBLEM-NEXT: flash.dot
// PAD4-LABEL: func.func @f32_scratch(
// PAD4-SAME: attributes {flash.kernel, flash.shared_memory = 34816 : i64} {
// PAD4: flash.convert_layout %{{.*}} {flash.shared_offset = 17408 : i64} : tensor<64x64xf32, #flash.mma<warps = 4>> -> tensor<64x64xf32, #flash.operand<a, #flash.mma<warps = 4>>>
// PAD16-LABEL: func.func @f32_scratch(
// PAD16-SAME: attributes {flash.kernel, flash.shared_memory = 37888 : i64} {
// PAD16: flash.convert_layout %{{.*}} {flash.shared_offset = 20480 : i64} : tensor<64x64xf32, #flash.mma<warps = 4>> -> tensor<64x64xf32, #flash.operand<a, #flash.mma<warps = 4>>>
func.func @f32_scratch(%a: memref<?x64xf32>, %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %b = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xf32> -> tensor<64x64xf32>
  %s = arith.negf %b : tensor<64x64xf32>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %d = flash.dot %s, %b, %z : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  flash.store %d, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  return
}

// -----

// Kernels without shared tiles get a total of 0; other functions get nothing.

// PROBLEM-LABEL: func.func @registers_only(
// PROBLEM-SAME: attributes {flash.kernel, flash.shared_memory = 0 : i64} {
// PROBLEM-NOT: flash.shared_offset
// PROBLEM-LABEL: func.func @host(
// PROBLEM-NOT: flash.shared
// PROBLEM: return
func.func @registers_only(%a: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  flash.store %m, %a[%c0, %c0] bound %n along 0 : tensor<64x64xbf16> -> memref<?x64xbf16>
  return
}
func.func @host(%a: memref<?x64xbf16>, %n: index) {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  return
}
