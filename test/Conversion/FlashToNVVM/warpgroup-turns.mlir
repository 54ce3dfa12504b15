// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 wgmma=true tma=true warp-specialize=true ping-pong=true" | FileCheck %s
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 wgmma=true tma=true warp-specialize=true" | FileCheck %s --check-prefix=AT-WILL
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=4 wgmma=true tma=true warp-specialize=true ping-pong=true" | FileCheck %s --check-prefix=ONE-WARPGROUP
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm="wgmma=true tma=true ping-pong=true" 2>&1 | FileCheck %s --check-prefix=NO-PRODUCER

// --convert-flash-to-nvvm{ping-pong} (WarpgroupTurns.cpp): the two consumer
// warpgroups of a warp-specialized kernel (w = tid / 128) take turns at
// their wgmma products. Warpgroup w waits for its turn on named barrier
// 2 + w (256 threads: its own and the arrival of the warpgroup before it),
// issues, commits, hands the turn on to barrier 2 + (w + 1) % 2 and only
// then (at the products' first use) waits for its products. Before waiting for its turn it stores the
// XOR of the product's operand registers to a word of shared memory (after
// the stage buffers and barriers, 32800): a barrier may not pass a store, so the code
// computing the operands stays before it. Warpgroup 1 hands warpgroup 0
// its first turn before the body; warpgroup 0 takes the last turn left at
// the end.

// CHECK-LABEL: llvm.func @turns(
// CHECK-SAME: flash.consumer_threads = 256 : i64
// CHECK-SAME: flash.shared_memory = 32804 : i64
// CHECK: nvvm.barrier0
// CHECK: scf.if %{{.*}} {
// CHECK-NEXT: nvvm.setmaxregister increase 240
// CHECK-NEXT: %[[LAST:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK-NEXT: %[[C128:.*]] = llvm.mlir.constant(128 : i32) : i32
// CHECK-NEXT: %[[WG:.*]] = llvm.udiv %[[TID]], %[[C128]] : i32
// CHECK-NEXT: %[[IS_LAST:.*]] = llvm.icmp "eq" %[[WG]], %[[LAST]] : i32
// CHECK-NEXT: scf.if %[[IS_LAST]] {
// CHECK: %[[NEXT:.*]] = llvm.urem
// CHECK: %[[FIRST_TURN:.*]] = llvm.add %[[NEXT]], %{{.*}} : i32
// CHECK-NEXT: nvvm.barrier.arrive id = %[[FIRST_TURN]] number_of_threads = %{{.*}}
// CHECK-NEXT: }
// CHECK: scf.for
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: %[[WORD_OFFSET:.*]] = llvm.mlir.constant(32800 : i64) : i64
// CHECK-NEXT: %[[WORD:.*]] = llvm.getelementptr %{{.*}}[%[[WORD_OFFSET]]]
// 64 accumulators, and per k step four `a` registers, a descriptor and
// the scale-d flag:
// CHECK-COUNT-88: llvm.xor
// CHECK-NEXT: llvm.store volatile %{{.*}}, %[[WORD]] {alignment = 4 : i64} : i32, !llvm.ptr<3>
// CHECK-NEXT: %[[THREADS:.*]] = llvm.mlir.constant(256 : i32) : i32
// CHECK-NEXT: %[[TID2:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK-NEXT: %[[C128_2:.*]] = llvm.mlir.constant(128 : i32) : i32
// CHECK-NEXT: %[[WG2:.*]] = llvm.udiv %[[TID2]], %[[C128_2]] : i32
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[MINE:.*]] = llvm.add %[[WG2]], %[[C2]] : i32
// CHECK-NEXT: nvvm.barrier id = %[[MINE]] number_of_threads = %[[THREADS]]
// CHECK-NEXT: nvvm.wgmma.fence.aligned
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: %[[WGS:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[TID3:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK-NEXT: %[[C128_3:.*]] = llvm.mlir.constant(128 : i32) : i32
// CHECK-NEXT: %[[WG3:.*]] = llvm.udiv %[[TID3]], %[[C128_3]] : i32
// CHECK-NEXT: %[[PLUS1:.*]] = llvm.add %[[WG3]], %[[ONE]] : i32
// CHECK-NEXT: %[[FOLLOWER:.*]] = llvm.urem %[[PLUS1]], %[[WGS]] : i32
// CHECK-NEXT: %[[THREADS2:.*]] = llvm.mlir.constant(256 : i32) : i32
// CHECK-NEXT: %[[C2_2:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[NEXT_TURN:.*]] = llvm.add %[[FOLLOWER]], %[[C2_2]] : i32
// CHECK-NEXT: nvvm.barrier.arrive id = %[[NEXT_TURN]] number_of_threads = %[[THREADS2]]
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: %[[IS_FIRST:.*]] = llvm.icmp "eq" %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: scf.if %[[IS_FIRST]] {
// CHECK: nvvm.barrier id = %{{.*}} number_of_threads = %{{.*}}
// CHECK-NEXT: }
// CHECK-NEXT: } else {
// CHECK-NEXT: nvvm.setmaxregister decrease 24
// CHECK-NOT: nvvm.barrier id
// CHECK-NOT: nvvm.barrier.arrive
// CHECK: llvm.return

// Without ping-pong the consumers issue their products at will.
// AT-WILL-LABEL: llvm.func @turns(
// AT-WILL-NOT: nvvm.barrier.arrive
// AT-WILL-NOT: nvvm.barrier id
// AT-WILL: llvm.return

// One warpgroup has no producer to stagger around: no turns.
// ONE-WARPGROUP-LABEL: llvm.func @turns(
// ONE-WARPGROUP-NOT: nvvm.barrier.arrive
// ONE-WARPGROUP-NOT: nvvm.barrier id
// ONE-WARPGROUP: llvm.return

// NO-PRODUCER: error: convert-flash-to-nvvm: ping-pong needs warp-specialize
#mma = #flash.mma<warps = 8>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @turns(%q: memref<?x64xbf16>, %k: !kv, %o: memref<?x128xf32>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  %qt = flash.load %q[%c0, %c0] bound %rows along 0 : memref<?x64xbf16> -> tensor<128x64xbf16, #opa>
  %z = arith.constant dense<0.0> : tensor<128x128xf32, #mma>
  %s = scf.for %r = %c0 to %rows step %c128 iter_args(%acc = %z) -> tensor<128x128xf32, #mma> {
    %t = flash.load %k[%b, %r, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %p = flash.dot %qt, %t, %acc {transpose_b} : tensor<128x64xbf16, #opa>, tensor<128x64xbf16, #sw> -> tensor<128x128xf32, #mma>
    scf.yield %p : tensor<128x128xf32, #mma>
  }
  flash.store %s, %o[%c0, %c0] bound %rows along 0 : tensor<128x128xf32, #mma> -> memref<?x128xf32>
  return
}
