// RUN: flash-opt %s -split-input-file --flash-allocate-shared-memory | FileCheck %s

// --flash-allocate-shared-memory on kernels written with layouts (see
// allocate-shared-memory.mlir for kernels coming through
// --flash-assign-layouts): the buffer of every kind of conversion.

// Offsets are rounded up to 128 bytes: the 8 x (16 + 4) bf16 tile takes
// 320 bytes, so the next buffer starts at 384. The f32 mma -> `a`
// conversion is not a renaming (only 16-bit tiles are): a scratch buffer of
// 64 x (64 + 4) x 4 = 17408 bytes; mma -> transposed `a`, mma -> `b` and
// `a` -> mma use 64 x (64 + 8) x 2 = 9216 bytes; mma -> shared uses the
// shared layout's padding (64 x 80 x 2 = 10240); reading a shared tile into
// registers uses its buffer, and bf16 mma -> `a` is free. A load in a loop
// has one buffer for all iterations.

// CHECK-LABEL: func.func @conversions(
// CHECK-SAME: attributes {flash.kernel, flash.shared_memory = 64896 : i64} {
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %{{.*}} = flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<8x16xbf16, #flash.shared<padding = 4>>
// CHECK-NEXT: %[[M:.*]] = flash.load %{{.*}} along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[MF:.*]] = flash.load %{{.*}} along 0 : memref<?x64xf32> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[A:.*]] = flash.convert_layout %[[M]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: flash.convert_layout %[[MF]] {flash.shared_offset = 384 : i64} : tensor<64x64xf32, #flash.mma<warps = 4>> -> tensor<64x64xf32, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: flash.convert_layout %[[M]] {flash.shared_offset = 17792 : i64} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<a, transposed, #flash.mma<warps = 4>>>
// CHECK-NEXT: flash.convert_layout %[[M]] {flash.shared_offset = 27008 : i64} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<b, #flash.mma<warps = 4>>>
// CHECK-NEXT: flash.convert_layout %[[A]] {flash.shared_offset = 36224 : i64} : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[S:.*]] = flash.convert_layout %[[M]] {flash.shared_offset = 45440 : i64} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.shared<padding = 16>>
// CHECK-NEXT: flash.convert_layout %[[S]] : tensor<64x64xbf16, #flash.shared<padding = 16>> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: scf.for
// CHECK-NEXT: flash.load %{{.*}} {flash.shared_offset = 55680 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: }
// CHECK-NEXT: return
#mma = #flash.mma<warps = 4>
func.func @conversions(%a: memref<?x64xbf16>, %f: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %small = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<8x16xbf16, #flash.shared<padding = 4>>
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #mma>
  %mf = flash.load %f[%c0, %c0] bound %n along 0 : memref<?x64xf32> -> tensor<64x64xf32, #mma>
  %1 = flash.convert_layout %m : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #flash.operand<a, #mma>>
  %2 = flash.convert_layout %mf : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #flash.operand<a, #mma>>
  %3 = flash.convert_layout %m : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #flash.operand<a, transposed, #mma>>
  %4 = flash.convert_layout %m : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #flash.operand<b, #mma>>
  %5 = flash.convert_layout %1 : tensor<64x64xbf16, #flash.operand<a, #mma>> -> tensor<64x64xbf16, #mma>
  %6 = flash.convert_layout %m : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #flash.shared<padding = 16>>
  %7 = flash.convert_layout %6 : tensor<64x64xbf16, #flash.shared<padding = 16>> -> tensor<64x64xbf16, #mma>
  scf.for %i = %c0 to %n step %n {
    %t = flash.load %a[%i, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  }
  return
}

// -----

// Every kernel gets a total, 0 without shared tiles; other functions get
// nothing, even for a shared tile.

// CHECK-LABEL: func.func @registers_only(
// CHECK-SAME: attributes {flash.kernel, flash.shared_memory = 0 : i64} {
// CHECK-NOT: flash.shared_offset
// CHECK-LABEL: func.func @host(
// CHECK-SAME: ) {
// CHECK-NEXT: arith.constant
// CHECK-NEXT: flash.load %{{.*}} along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: return
func.func @registers_only(%a: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
  flash.store %m, %a[%c0, %c0] bound %n along 0 : tensor<64x64xbf16, #flash.mma<warps = 4>> -> memref<?x64xbf16>
  return
}
func.func @host(%a: memref<?x64xbf16>, %n: index) {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  return
}

// -----

// Swizzled tiles start on a 1024-byte boundary (the 128-byte swizzle's
// period) and take rows x cols x 2 bytes, no padding: after the 16 x (16 + 8)
// bf16 tile (768 bytes) the first swizzled one starts at 1024, the next
// (64 x 128 x 2 = 16384 bytes on) at 17408; a padded tile after them needs
// only 128-byte alignment (25600 + 64 x 72 x 2 = 34816 in all).

// CHECK-LABEL: func.func @swizzled(
// CHECK-SAME: flash.shared_memory = 34816 : i64
// CHECK: flash.load {{.*}} {flash.shared_offset = 0 : i64} {{.*}} -> tensor<16x16xbf16, #flash.shared<padding = 8>>
// CHECK: flash.load {{.*}} {flash.shared_offset = 1024 : i64} {{.*}} -> tensor<64x128xbf16, #flash.shared<swizzle = 128>>
// CHECK: flash.load {{.*}} {flash.shared_offset = 17408 : i64} {{.*}} -> tensor<64x64xbf16, #flash.shared<swizzle = 128>>
// CHECK: flash.load {{.*}} {flash.shared_offset = 25600 : i64} {{.*}} -> tensor<64x64xbf16, #flash.shared<padding = 8>>
func.func @swizzled(%a: memref<?x128xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %p = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<16x16xbf16, #flash.shared<padding = 8>>
  %s = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<64x128xbf16, #flash.shared<swizzle = 128>>
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<64x64xbf16, #flash.shared<swizzle = 128>>
  %u = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  return
}

// -----

// Transposes: into registers through a scratch buffer (64 x (32 + 4) f32 =
// 9216 bytes), into a shared layout with its padding (64 x (32 + 8) x 4 =
// 10240).

// CHECK-LABEL: func.func @transposes(
// CHECK-SAME: flash.shared_memory = 19456 : i64
// CHECK: flash.transpose %{{.*}} {flash.shared_offset = 0 : i64} : tensor<32x64xf32, #flash.mma<warps = 4>> -> tensor<64x32xf32, #flash.mma<warps = 4>>
// CHECK: flash.transpose %{{.*}} {flash.shared_offset = 9216 : i64} : tensor<32x64xf32, #flash.mma<warps = 4>> -> tensor<64x32xf32, #flash.shared<padding = 8>>
#mma = #flash.mma<warps = 4>
func.func @transposes(%n: index) attributes {flash.kernel} {
  %t = arith.constant dense<1.0> : tensor<32x64xf32, #mma>
  %r = flash.transpose %t : tensor<32x64xf32, #mma> -> tensor<64x32xf32, #mma>
  %s = flash.transpose %t : tensor<32x64xf32, #mma> -> tensor<64x32xf32, #flash.shared<padding = 8>>
  return
}
