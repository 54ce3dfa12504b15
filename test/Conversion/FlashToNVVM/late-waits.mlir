// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 wgmma=true tma=true warp-specialize=true" | FileCheck %s

// The consumers of a warp-specialized kernel await each wgmma product
// where its result is first used (LateWaits.cpp), not as it is issued.
// Here S = Q·Kᵀ is used at once (its conversion to bf16): issued, then
// awaited with nothing pending. The two products accumulating P·V into
// the loop's carried tiles run back to back: both issued, then the first
// is awaited with one (the second) still pending and the second with
// none, before the yield; K's stage is released after the last wait.

// CHECK-LABEL: llvm.func @late(
// CHECK: scf.for
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma.wait.group
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.mbarrier.arrive
// CHECK: scf.yield
#mma = #flash.mma<warps = 8>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @late(%q: memref<?x64xbf16>, %k: !kv, %o: memref<?x64xf32>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  %qt = flash.load %q[%c0, %c0] bound %rows along 0 : memref<?x64xbf16> -> tensor<128x64xbf16, #opa>
  %z = arith.constant dense<0.0> : tensor<128x128xf32, #mma>
  %zo = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
  %r:2 = scf.for %i = %c0 to %rows step %c128 iter_args(%x = %zo, %y = %zo) -> (tensor<128x64xf32, #mma>, tensor<128x64xf32, #mma>) {
    %t = flash.load %k[%b, %i, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %s = flash.dot %qt, %t, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x128xf32, #mma>
    %p = arith.truncf %s : tensor<128x128xf32, #mma> to tensor<128x128xbf16, #mma>
    %pa = flash.convert_layout %p : tensor<128x128xbf16, #mma> -> tensor<128x128xbf16, #opa>
    %x2 = flash.dot %pa, %t, %x : tensor<128x128xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    %y2 = flash.dot %pa, %t, %y : tensor<128x128xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    scf.yield %x2, %y2 : tensor<128x64xf32, #mma>, tensor<128x64xf32, #mma>
  }
  %sum = arith.addf %r#0, %r#1 : tensor<128x64xf32, #mma>
  flash.store %sum, %o[%c0, %c0] bound %rows along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// A wait never allows more products pending than can be: x's product is
// issued first, then z's (stored in the loop) and y's. z is awaited before
// its store with one (y) pending, which completes x too; x's wait before
// the yield then counts one pending, not the two issued after it (ptxas
// serializes every product of a kernel whose wait counts exceed what can
// be pending, C7514), and y's none.

// CHECK-LABEL: llvm.func @clamped(
// CHECK: scf.for
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-COUNT-3: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma.wait.group
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: llvm.store
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned 2
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NOT: nvvm.wgmma.wait.group
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: scf.yield
#mma = #flash.mma<warps = 8>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @clamped(%q: memref<?x64xbf16>, %k: !kv, %o: memref<?x64xf32>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  %qt = flash.load %q[%c0, %c0] bound %rows along 0 : memref<?x64xbf16> -> tensor<128x64xbf16, #opa>
  %z = arith.constant dense<0.0> : tensor<128x128xf32, #mma>
  %zo = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
  %r:2 = scf.for %i = %c0 to %rows step %c128 iter_args(%x = %zo, %y = %zo) -> (tensor<128x64xf32, #mma>, tensor<128x64xf32, #mma>) {
    %t = flash.load %k[%b, %i, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %s = flash.dot %qt, %t, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x128xf32, #mma>
    %p = arith.truncf %s : tensor<128x128xf32, #mma> to tensor<128x128xbf16, #mma>
    %pa = flash.convert_layout %p : tensor<128x128xbf16, #mma> -> tensor<128x128xbf16, #opa>
    %x2 = flash.dot %pa, %t, %x : tensor<128x128xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    %z2 = flash.dot %pa, %t, %zo : tensor<128x128xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    %y2 = flash.dot %pa, %t, %y : tensor<128x128xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    flash.store %z2, %o[%i, %c0] bound %rows along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
    scf.yield %x2, %y2 : tensor<128x64xf32, #mma>, tensor<128x64xf32, #mma>
  }
  %sum = arith.addf %r#0, %r#1 : tensor<128x64xf32, #mma>
  flash.store %sum, %o[%c0, %c0] bound %rows along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// A product that stays on mma.sync (its `b` in a padded, unswizzled
// buffer) completes as it is issued, but still commits an empty wgmma
// group: the next product's wait counts it among those issued since.

// CHECK-LABEL: llvm.func @mixed(
// CHECK: scf.for
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.mma.sync
// CHECK-NOT: nvvm.wgmma.fence.aligned
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: scf.yield
#mma = #flash.mma<warps = 8>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
#pad = #flash.shared<padding = 8>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @mixed(%q: memref<?x64xbf16>, %k: !kv, %v: memref<?x64xbf16>, %o: memref<?x64xf32>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 32768 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  %qt = flash.load %q[%c0, %c0] bound %rows along 0 : memref<?x64xbf16> -> tensor<128x64xbf16, #opa>
  %vt = flash.load %v[%c0, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : memref<?x64xbf16> -> tensor<128x64xbf16, #pad>
  %z = arith.constant dense<0.0> : tensor<128x128xf32, #mma>
  %zo = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
  %r:2 = scf.for %i = %c0 to %rows step %c128 iter_args(%x = %zo, %y = %zo) -> (tensor<128x64xf32, #mma>, tensor<128x64xf32, #mma>) {
    %t = flash.load %k[%b, %i, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %s = flash.dot %qt, %t, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x128xf32, #mma>
    %p = arith.truncf %s : tensor<128x128xf32, #mma> to tensor<128x128xbf16, #mma>
    %pa = flash.convert_layout %p : tensor<128x128xbf16, #mma> -> tensor<128x128xbf16, #opa>
    %x2 = flash.dot %pa, %vt, %x : tensor<128x128xbf16, #opa>, tensor<128x64xbf16, #pad> -> tensor<128x64xf32, #mma>
    %y2 = flash.dot %pa, %t, %y : tensor<128x128xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    scf.yield %x2, %y2 : tensor<128x64xf32, #mma>, tensor<128x64xf32, #mma>
  }
  %sum = arith.addf %r#0, %r#1 : tensor<128x64xf32, #mma>
  flash.store %sum, %o[%c0, %c0] bound %rows along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  return
}
