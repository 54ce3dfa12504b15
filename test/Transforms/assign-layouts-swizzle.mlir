// RUN: flash-opt %s -split-input-file --flash-assign-layouts="swizzle-shared=true" | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-assign-layouts | FileCheck %s --check-prefix=PADDED
// RUN: flash-opt %s -split-input-file --flash-assign-layouts="swizzle-shared=true shared-operand-a=true" | FileCheck %s --check-prefix=SHARED-A

// --flash-assign-layouts="swizzle-shared=true" (the sm_90a pipeline): shared
// tiles of 16-bit elements whose rows hold a multiple of 64 elements (and
// whose row count is a multiple of 8) take the 128-byte swizzle
// (#flash.shared<swizzle = 128>, what wgmma reads); the others keep padded
// rows. Register layouts do not change. Without the option every shared
// tile is padded.

// CHECK-LABEL: func.func @q_k_v(
// CHECK: flash.load {{.*}} -> tensor<64x128xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK: %[[K:.*]] = flash.load {{.*}} -> tensor<64x128xbf16, #flash.shared<swizzle = 128>>
// CHECK: %[[V:.*]] = flash.load {{.*}} -> tensor<64x96xbf16, #flash.shared<padding = 8>>
// CHECK: %[[S:.*]] = flash.dot {{.*}}, %[[K]], {{.*}} -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK: %[[P:.*]] = flash.convert_layout {{.*}} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.shared<swizzle = 128>>
// CHECK: flash.dot %[[P]], %[[V]], {{.*}} {transpose_a}
// With shared-operand-a (the sm_90a pipeline) Q, loaded once and used as
// `a` only, stays in shared memory too: wgmma reads it there without a
// conversion, and the registers its fragments took are free. P, computed
// in registers, is converted as before.
// SHARED-A-LABEL: func.func @q_k_v(
// SHARED-A: %[[Q:.*]] = flash.load {{.*}} -> tensor<64x128xbf16, #flash.shared<swizzle = 128>>
// SHARED-A: %[[K:.*]] = flash.load {{.*}} -> tensor<64x128xbf16, #flash.shared<swizzle = 128>>
// SHARED-A-NOT: flash.convert_layout %[[Q]]
// SHARED-A: flash.dot %[[Q]], %[[K]], {{.*}} {transpose_b} : tensor<64x128xbf16, #flash.shared<swizzle = 128>>, tensor<64x128xbf16, #flash.shared<swizzle = 128>>
// SHARED-A: flash.convert_layout {{.*}} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.shared<swizzle = 128>>
// PADDED-LABEL: func.func @q_k_v(
// PADDED-NOT: swizzle
// PADDED: #flash.shared<padding = 8>
// PADDED-NOT: swizzle
func.func @q_k_v(%q: memref<?x128xbf16>, %k: memref<?x128xbf16>, %v: memref<?x96xbf16>,
                 %o: memref<?x96xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<64x128xbf16>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<64x128xbf16>
  %vt = flash.load %v[%c0, %c0] bound %n along 0 : memref<?x96xbf16> -> tensor<64x96xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<64x128xbf16>, tensor<64x128xbf16> -> tensor<64x64xf32>
  %p = arith.truncf %s : tensor<64x64xf32> to tensor<64x64xbf16>
  %zo = arith.constant dense<0.0> : tensor<64x96xf32>
  %d = flash.dot %p, %vt, %zo {transpose_a} : tensor<64x64xbf16>, tensor<64x96xbf16> -> tensor<64x96xf32>
  flash.store %d, %o[%c0, %c0] bound %n along 0 : tensor<64x96xf32> -> memref<?x96xf32>
  return
}

// -----

// Where wgmma will not take the product, Q keeps its operand fragments
// even with shared-operand-a (mma.sync would read a shared `a` with
// ldmatrix at every use): a 96-column Q cannot be swizzled, and 128 rows
// over 4 warps are not one warpgroup's 64.
// SHARED-A-LABEL: func.func @q_not_for_wgmma(
// SHARED-A: flash.load {{.*}} -> tensor<64x96xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// SHARED-A: flash.load {{.*}} -> tensor<128x128xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// SHARED-A-NOT: flash.load {{.*}} -> tensor<{{64x96|128x128}}xbf16, #flash.shared
// SHARED-A: return
func.func @q_not_for_wgmma(%q: memref<?x96xbf16>, %k: memref<?x96xbf16>,
                           %q2: memref<?x128xbf16>, %k2: memref<?x128xbf16>,
                           %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x96xbf16> -> tensor<64x96xbf16>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 : memref<?x96xbf16> -> tensor<64x96xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<64x96xbf16>, tensor<64x96xbf16> -> tensor<64x64xf32>
  flash.store %s, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  %qt2 = flash.load %q2[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<128x128xbf16>
  %kt2 = flash.load %k2[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<64x128xbf16>
  %z2 = arith.constant dense<0.0> : tensor<128x64xf32>
  %s2 = flash.dot %qt2, %kt2, %z2 {transpose_b} : tensor<128x128xbf16>, tensor<64x128xbf16> -> tensor<128x64xf32>
  flash.store %s2, %o[%c0, %c0] bound %n along 0 : tensor<128x64xf32> -> memref<?x64xf32>
  return
}
