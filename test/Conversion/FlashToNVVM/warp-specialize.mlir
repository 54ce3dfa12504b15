// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 tma=true warp-specialize=true" | FileCheck %s
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=4 tma=true warp-specialize=true" | FileCheck %s --check-prefix=ONE-WARPGROUP
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm="warp-specialize=true" 2>&1 | FileCheck %s --check-prefix=NO-TMA
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 tma=true warp-specialize=true producer-registers=56" | FileCheck %s --check-prefix=PRODUCER56
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 tma=true warp-specialize=true producer-registers=20" 2>&1 | FileCheck %s --check-prefix=PRODUCER20
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 tma=true warp-specialize=true producer-registers=60" 2>&1 | FileCheck %s --check-prefix=PRODUCER60

// producer-registers=N: the producer keeps N registers a thread and the
// two consumer warpgroups share the rest of the SM's 64K, rounded down to
// a multiple of 8: (65536 - 128 * 56) / 256 = 228 -> 224.
// PRODUCER56: nvvm.setmaxregister increase 224
// PRODUCER56: nvvm.setmaxregister decrease 56
// PRODUCER20: error: convert-flash-to-nvvm: producer-registers must be a multiple of 8 from 24 to 128, got 20
// PRODUCER60: error: convert-flash-to-nvvm: producer-registers must be a multiple of 8 from 24 to 128, got 60

// --convert-flash-to-nvvm{warp-specialize} (WarpSpecialization.cpp): the
// TMA copy of a loop body is issued by a producer warpgroup after the 256
// consumer threads (8 warps), into two stage buffers of 16384 bytes (0 and
// 16384: the load's own buffer, the only one, is dead once the producer
// copies, so the stages start there), each with a full barrier (one
// arrival: the producer's expect_tx; 32768, 32776) and an empty one (256
// arrivals: every consumer thread; 32784, 32792). Execution j = row / 128
// uses stage j % 2 in round j / 2.
//
// Consumers (tid < 256, 240 registers): wait for the stage's full barrier
// at parity round & 1, read the stage's buffer, arrive on its empty
// barrier after the last reader. Producer (the others, 24 registers; its
// thread 256 only): the same loop, waiting for the stage's empty barrier at
// parity (round ^ 1) & 1 (a fresh barrier counts as released), then
// arming the full barrier and copying into that stage's buffer.

// CHECK-LABEL: llvm.func @pipelined(
// CHECK-SAME: flash.consumer_threads = 256 : i64
// CHECK-SAME: flash.shared_memory = 32800 : i64
// CHECK-SAME: nvvm.maxntid = array<i32: 384, 1, 1>
// CHECK: %[[C32768:.*]] = llvm.mlir.constant(32768 : i64) : i64
// CHECK-NEXT: %[[FULL0:.*]] = llvm.getelementptr %{{.*}}[%[[C32768]]]
// CHECK-NEXT: nvvm.mbarrier.init %[[FULL0]], %{{.*}} : !llvm.ptr<3>, i32
// CHECK: %[[C256:.*]] = llvm.mlir.constant(256 : i32) : i32
// CHECK: %[[C32784:.*]] = llvm.mlir.constant(32784 : i64) : i64
// CHECK-NEXT: %[[EMPTY0:.*]] = llvm.getelementptr %{{.*}}[%[[C32784]]]
// CHECK-NEXT: nvvm.mbarrier.init %[[EMPTY0]], %[[C256]] : !llvm.ptr<3>, i32
// CHECK: nvvm.fence.mbarrier.init
// CHECK: nvvm.barrier0
// CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK-NEXT: %[[CONSUMERS:.*]] = arith.constant 256 : i32
// CHECK-NEXT: %[[IS_CONSUMER:.*]] = arith.cmpi ult, %[[TID]], %[[CONSUMERS]] : i32
// CHECK-NEXT: scf.if %[[IS_CONSUMER]] {
// CHECK-NEXT: nvvm.setmaxregister increase 240
// CHECK: scf.for %[[ROW:.*]] = %[[LB:.*]] to %{{.*}} step %[[STEP:[^ ]*]] {
// CHECK: %[[SINCE:.*]] = arith.subi %[[ROW]], %[[LB]] : index
// CHECK-NEXT: %[[J:.*]] = arith.divui %[[SINCE]], %[[STEP]] : index
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[STAGE:.*]] = arith.remui %[[J]], %[[TWO]] : index
// CHECK-NEXT: %[[ROUND:.*]] = arith.divui %[[J]], %[[TWO]] : index
// CHECK: %[[FULL_OFFSET:.*]] = arith.muli %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: %[[FULL:.*]] = llvm.getelementptr %{{.*}}[%[[FULL_OFFSET]]]
// CHECK: %[[ODD:.*]] = arith.andi %[[ROUND]], %{{.*}} : index
// CHECK-NEXT: %[[PARITY:.*]] = arith.index_cast %[[ODD]] : index to i32
// CHECK: nvvm.mbarrier.try_wait.parity %[[FULL]], %[[PARITY]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK: %[[C0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[BUFFERS:.*]] = llvm.getelementptr %{{.*}}[%[[C0]]]
// CHECK: %[[STRIDE:.*]] = arith.constant 16384 : i64
// CHECK-NEXT: %[[STAGE_I64:.*]] = arith.index_cast %[[STAGE]] : index to i64
// CHECK-NEXT: %[[BUFFER_OFFSET:.*]] = arith.muli %[[STAGE_I64]], %[[STRIDE]] : i64
// CHECK-NEXT: %[[BUFFER:.*]] = llvm.getelementptr %[[BUFFERS]][%[[BUFFER_OFFSET]]]
// CHECK-NEXT: builtin.unrealized_conversion_cast %[[BUFFER]] : !llvm.ptr<3> to tensor<128x64xbf16, #flash.shared<swizzle = 128>>
// CHECK-NOT: nvvm.cp.async
// CHECK: %[[EMPTY_OFFSET:.*]] = llvm.mlir.constant(32784 : i64) : i64
// CHECK-NEXT: %[[EMPTIES:.*]] = llvm.getelementptr %{{.*}}[%[[EMPTY_OFFSET]]]
// CHECK: %[[EMPTY:.*]] = llvm.getelementptr %[[EMPTIES]][%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: nvvm.mbarrier.arrive %[[EMPTY]] : !llvm.ptr<3>
// CHECK: } else {
// CHECK-NEXT: nvvm.setmaxregister decrease 24
// CHECK: %[[ISSUER:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: scf.if %[[ISSUER]] {
// CHECK: scf.for
// CHECK: %[[PSTAGE:.*]] = arith.remui
// CHECK-NEXT: %[[PROUND:.*]] = arith.divui
// CHECK: %[[PREVIOUS:.*]] = arith.xori %[[PROUND]], %{{.*}} : index
// CHECK: %[[RELEASED:.*]] = arith.andi %[[PREVIOUS]], %{{.*}} : index
// CHECK-NEXT: %[[PPARITY:.*]] = arith.index_cast %[[RELEASED]] : index to i32
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PPARITY]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK: %[[FIRST_STAGE:.*]] = arith.cmpi eq, %[[PSTAGE]], %{{.*}} : index
// CHECK-NEXT: scf.if %[[FIRST_STAGE]] {
// CHECK: llvm.mlir.constant(0 : i64) : i64
// CHECK: llvm.mlir.constant(32768 : i64) : i64
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: } else {
// CHECK: llvm.mlir.constant(16384 : i64) : i64
// CHECK: llvm.mlir.constant(32776 : i64) : i64
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global

// With one warpgroup (4 warps) the consumers copy themselves (a producer
// would halve the programs an SM holds): no split.
// ONE-WARPGROUP-LABEL: llvm.func @pipelined(
// ONE-WARPGROUP-NOT: flash.consumer_threads
// ONE-WARPGROUP-SAME: nvvm.maxntid = array<i32: 128, 1, 1>
// ONE-WARPGROUP-NOT: nvvm.setmaxregister
// ONE-WARPGROUP: nvvm.cp.async.bulk.tensor.shared.cluster.global
// ONE-WARPGROUP-NOT: nvvm.setmaxregister

// NO-TMA: error: convert-flash-to-nvvm: warp-specialize needs tma
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @pipelined(%k: !kv, %o: memref<?x64xbf16>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  scf.for %r = %c0 to %rows step %c128 {
    %t = flash.load %k[%b, %r, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
    flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> memref<?x64xbf16>
  }
  return
}

// -----

// Two stages of 64 KiB would not fit the 227 KiB of shared memory with the
// kernel's 160 KiB (more than its buffers account for: the stages cannot
// start at the load's): the consumers copy themselves.
// CHECK-LABEL: llvm.func @pipeline_too_large(
// CHECK-NOT: flash.consumer_threads
// CHECK-SAME: nvvm.maxntid = array<i32: 256, 1, 1>
// CHECK-NOT: nvvm.setmaxregister
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x?x?x256xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @pipeline_too_large(%k: !kv, %o: memref<?x256xbf16>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 163840 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  scf.for %r = %c0 to %rows step %c128 {
    %t = flash.load %k[%b, %r, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x256xbf16, #sw>
    %x = flash.convert_layout %t : tensor<128x256xbf16, #sw> -> tensor<128x256xbf16, #mma>
    flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x256xbf16, #mma> -> memref<?x256xbf16>
  }
  return
}

// -----

// A buffer above the load's (a conversion in the loop body) stays live: the
// stages go after the kernel's buffers (at 32768 and 49152).
// CHECK-LABEL: llvm.func @stages_after_live_buffer(
// CHECK-SAME: flash.shared_memory = 65568 : i64
// CHECK-SAME: nvvm.maxntid = array<i32: 384, 1, 1>
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: %[[C32768:.*]] = llvm.mlir.constant(32768 : i64) : i64
// CHECK-NEXT: %[[BUFFERS:.*]] = llvm.getelementptr %{{.*}}[%[[C32768]]]
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @stages_after_live_buffer(%k: !kv, %o: memref<?x64xbf16>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 32768 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  scf.for %r = %c0 to %rows step %c128 {
    %t = flash.load %k[%b, %r, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
    %y = flash.convert_layout %x {flash.shared_offset = 16384 : i64} : tensor<128x64xbf16, #mma> -> tensor<128x64xbf16, #sw>
    %z = flash.convert_layout %y : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
    flash.store %z, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> memref<?x64xbf16>
  }
  return
}

// -----

// Copies in two loops inside one outer loop that carries nothing (a
// persistent kernel's loop over tiles, whose inner loops' trip counts may
// change from tile to tile): the copies of the same tensor share their
// stages, and the tile loop carries their executions in earlier tiles
// (iter_arg, from 0, plus both loops' trip counts a tile); an execution is
// that count, plus the first loop's trip count in the second loop, plus
// the loop's own iterations. The producer replays the tile loop once
// around both loops, counting alike.
// CHECK-LABEL: llvm.func @loops_in_a_tile_loop(
// CHECK-SAME: flash.consumer_threads = 256 : i64
// CHECK: nvvm.setmaxregister increase 240
// CHECK: llvm.extractvalue
// CHECK-NEXT: builtin.unrealized_conversion_cast %{{.*}} : i64 to index
// CHECK-NEXT: %[[ZERO_INDEX:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[ZERO:.*]] = builtin.unrealized_conversion_cast %[[ZERO_INDEX]] : index to i64
// CHECK-NEXT: %[[DONE:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[BEFORE:.*]] = %[[ZERO]]) -> (i64)
// CHECK: %[[BEFORE_INDEX:.*]] = builtin.unrealized_conversion_cast %[[BEFORE]] : i64 to index
// CHECK: scf.for %[[R1:.*]] = %[[C0:.*]] to %{{.*}} step %[[C128:[^ ]*]] {
// CHECK: %[[SINCE1:.*]] = arith.subi %[[R1]], %[[C0]] : index
// CHECK-NEXT: %[[J1:.*]] = arith.divui %[[SINCE1]], %[[C128]] : index
// CHECK-NEXT: %[[E1:.*]] = arith.addi %[[BEFORE_INDEX]], %[[J1]] : index
// CHECK-NEXT: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: arith.remui %[[E1]], %[[TWO]] : index
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.mbarrier.arrive
// CHECK: scf.for %[[R2:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[J2:.*]] = arith.divui
// CHECK-NEXT: %[[E2:.*]] = arith.addi %[[BEFORE_INDEX]], %[[J2]] : index
// CHECK: %[[TRIPS1:.*]] = arith.divui
// CHECK-NEXT: %[[E2_AFTER_LOOP1:.*]] = arith.addi %[[E2]], %[[TRIPS1]] : index
// CHECK: arith.remui %[[E2_AFTER_LOOP1]], %{{.*}} : index
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.mbarrier.arrive
// CHECK: %[[AFTER1:.*]] = arith.addi %[[BEFORE_INDEX]], %{{.*}} : index
// CHECK: %[[AFTER2:.*]] = arith.addi %[[AFTER1]], %{{.*}} : index
// CHECK-NEXT: %[[AFTER:.*]] = builtin.unrealized_conversion_cast %[[AFTER2]] : index to i64
// CHECK-NEXT: scf.yield %[[AFTER]] : i64
// CHECK: } else {
// CHECK: nvvm.setmaxregister decrease 24
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (i64)
// CHECK: scf.for
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: scf.for
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: scf.yield %{{.*}} : i64
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @loops_in_a_tile_loop(%k: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 32768 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  scf.for %i = %c0 to %n step %c1 {
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
  }
  return
}

// -----

// A sibling loop's copy of fewer rows of the same tensor (the forward's
// causal diagonal loop of narrower key blocks) shares the first loop's
// stage buffers (65536, 98304) and barriers (full at 131072 and 131080,
// empty from 131088), arming them with its own bytes and copying through a
// tensor map of its own box rows; its executions follow the first loop's.
// CHECK-LABEL: llvm.func @narrower_sibling(
// CHECK-SAME: flash.tensor_maps = [{along = 0 : i64, arg = 0 : i64, box_rows = 256 : i64}, {along = 0 : i64, arg = 0 : i64, box_rows = 128 : i64}]
// CHECK: nvvm.setmaxregister  decrease
// CHECK: scf.for %{{.*}} step %c256
// CHECK: llvm.mlir.constant(131088 : i64)
// CHECK: llvm.mlir.constant(65536 : i64)
// CHECK: llvm.mlir.constant(131072 : i64)
// CHECK: llvm.mlir.constant(32768 : i32)
// CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg11,
// CHECK: scf.for %{{.*}} step %c128
// CHECK: arith.addi
// CHECK: llvm.mlir.constant(131088 : i64)
// CHECK: llvm.mlir.constant(65536 : i64)
// CHECK: llvm.mlir.constant(131072 : i64)
// CHECK: llvm.mlir.constant(16384 : i32)
// CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg12,
// CHECK: llvm.mlir.constant(98304 : i64)
// CHECK: llvm.mlir.constant(131080 : i64)
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @narrower_sibling(%k: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 65536 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %rows = memref.dim %k, %c0 : !kv
  scf.for %i = %c0 to %n step %c1 {
    scf.for %r = %c0 to %rows step %c256 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<256x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<256x64xbf16, #sw> -> tensor<256x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<256x64xbf16, #mma> -> !kv
    }
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
  }
  return
}

// -----

// Three sibling loops of 256-, 128- and 256-row tiles: all share the first
// loop's buffers and barriers, and the third loop's executions follow both
// earlier loops' (its own iterations plus their trip counts).
// CHECK-LABEL: llvm.func @three_siblings(
// CHECK: nvvm.setmaxregister  decrease
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (i64)
// CHECK: scf.for %{{.*}} step %c256
// CHECK: llvm.mlir.constant(131072 : i64)
// CHECK: scf.for %{{.*}} step %c128
// CHECK: llvm.mlir.constant(131072 : i64)
// CHECK: scf.for %{{.*}} step %[[STEP:[^ ]*]] {
// CHECK: %[[OWN:.*]] = arith.divui %{{.*}}, %[[STEP]] : index
// CHECK-NEXT: %[[E:.*]] = arith.addi %{{.*}}, %[[OWN]] : index
// CHECK: %[[TRIPS1:.*]] = arith.divui %{{.*}}, %c256{{[_0-9]*}} : index
// CHECK-NEXT: %[[E1:.*]] = arith.addi %[[E]], %[[TRIPS1]] : index
// CHECK: %[[TRIPS2:.*]] = arith.divui %{{.*}}, %c128{{[_0-9]*}} : index
// CHECK-NEXT: %[[E2:.*]] = arith.addi %[[E1]], %[[TRIPS2]] : index
// CHECK: arith.remui %[[E2]]
// CHECK: llvm.mlir.constant(131072 : i64)
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @three_siblings(%k: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 65536 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %rows = memref.dim %k, %c0 : !kv
  scf.for %i = %c0 to %n step %c1 {
    scf.for %r = %c0 to %rows step %c256 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<256x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<256x64xbf16, #sw> -> tensor<256x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<256x64xbf16, #mma> -> !kv
    }
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
    scf.for %r = %c0 to %rows step %c256 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<256x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<256x64xbf16, #sw> -> tensor<256x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<256x64xbf16, #mma> -> !kv
    }
  }
  return
}

// -----

// A sibling loop's copy of more rows does not fit the first loop's stage
// buffers: it gets buffers and barriers of its own (full at 98336 and
// 98344), counted apart by a second iter_arg of the tile loop.
// CHECK-LABEL: llvm.func @wider_sibling(
// CHECK: nvvm.setmaxregister  decrease
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (i64, i64)
// CHECK: scf.for %{{.*}} step %c128
// CHECK: llvm.mlir.constant(98304 : i64)
// CHECK: llvm.mlir.constant(16384 : i32)
// CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx
// CHECK: scf.for %{{.*}} step %c256
// CHECK: llvm.mlir.constant(98336 : i64)
// CHECK: llvm.mlir.constant(32768 : i32)
// CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @wider_sibling(%k: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 65536 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %rows = memref.dim %k, %c0 : !kv
  scf.for %i = %c0 to %n step %c1 {
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
    scf.for %r = %c0 to %rows step %c256 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<256x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<256x64xbf16, #sw> -> tensor<256x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<256x64xbf16, #mma> -> !kv
    }
  }
  return
}

// -----

// A persistent kernel's tiles: Q copied once a tile and read across the
// key-block loop, K and V in it. Q has two stages (at 0 and 16384; full
// barriers at 98304 and 98312, empty ones at 98320 and 98328), each
// released after the loop that reads it: the producer copies the next
// tile's Q while the consumers compute this one. K and V (two stages each,
// from 32768) are two groups, each counted by its own iter_arg of the tile
// loop.
// CHECK-LABEL: llvm.func @copies_of_a_tile(
// CHECK-SAME: flash.consumer_threads = 256 : i64
// CHECK-SAME: flash.shared_memory = 98400 : i64
// CHECK: nvvm.setmaxregister increase 240
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (i64, i64)
// CHECK: llvm.mlir.constant(98304 : i64) : i64
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: scf.for
// CHECK-COUNT-2: nvvm.mbarrier.try_wait.parity
// CHECK-COUNT-2: nvvm.mbarrier.arrive %
// CHECK: llvm.mlir.constant(98320 : i64) : i64
// CHECK: nvvm.mbarrier.arrive %
// (no block closes between Q's release and the tile loop's yield: the
// release follows the key loop)
// CHECK-NOT: {{^ *}$}}
// CHECK: scf.yield %{{.*}}, %{{.*}} : i64, i64
// CHECK: } else {
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (i64, i64)
// CHECK: llvm.mlir.constant(98320 : i64) : i64
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: scf.if
// CHECK: llvm.mlir.constant(98304 : i64) : i64
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: } else {
// CHECK: llvm.mlir.constant(98312 : i64) : i64
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: scf.for
// CHECK-COUNT-4: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: scf.yield %{{.*}}, %{{.*}} : i64, i64
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @copies_of_a_tile(%q: !kv, %k: !kv, %v: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 49152 : i64} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  %qrows = memref.dim %q, %c0 : !kv
  %vrows = memref.dim %v, %c0 : !kv
  %first = flash.program_id x
  %programs = flash.num_programs x
  scf.for %t = %first to %n step %programs {
    %row = arith.muli %t, %c128 : index
    %qt = flash.load %q[%row, %c0] bound %qrows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %end = arith.minsi %row, %rows : index
    scf.for %r = %c0 to %end step %c128 {
      %kt = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %vt = flash.load %v[%r, %c0] bound %vrows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %qt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %y = flash.convert_layout %kt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %z = flash.convert_layout %vt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %s = arith.addf %x, %y : tensor<128x64xbf16, #mma>
      %u = arith.addf %s, %z : tensor<128x64xbf16, #mma>
      flash.store %u, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
  }
  return
}

// -----

// The same kernel beside 140000 bytes of its own shared memory: Q's two
// stages would not fit 227 KiB, so it has one (at 140288, its full and
// empty barriers at 222208 and 222216), refilled once the consumers
// released it; K and V keep two.
// CHECK-LABEL: llvm.func @one_stage_of_a_tile(
// CHECK-SAME: flash.shared_memory = 222288 : i64
// CHECK: } else {
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (i64, i64)
// CHECK: llvm.mlir.constant(222216 : i64) : i64
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: scf.if
// CHECK: llvm.mlir.constant(222208 : i64) : i64
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: scf.for
// CHECK: scf.if
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @one_stage_of_a_tile(%q: !kv, %k: !kv, %v: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 140000 : i64} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  %qrows = memref.dim %q, %c0 : !kv
  %vrows = memref.dim %v, %c0 : !kv
  %first = flash.program_id x
  %programs = flash.num_programs x
  scf.for %t = %first to %n step %programs {
    %row = arith.muli %t, %c128 : index
    %qt = flash.load %q[%row, %c0] bound %qrows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %end = arith.minsi %row, %rows : index
    scf.for %r = %c0 to %end step %c128 {
      %kt = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %vt = flash.load %v[%r, %c0] bound %vrows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %qt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %y = flash.convert_layout %kt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %z = flash.convert_layout %vt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %s = arith.addf %x, %y : tensor<128x64xbf16, #mma>
      %u = arith.addf %s, %z : tensor<128x64xbf16, #mma>
      flash.store %u, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
  }
  return
}

// -----

// The same loops inside an outer loop that carries a value: the consumers
// alternate between them, a producer replaying each nest in turn would run
// ahead by a whole loop (and wait forever). Not specialized.
// CHECK-LABEL: llvm.func @loops_sharing_a_carrying_loop(
// CHECK-NOT: flash.consumer_threads
// CHECK-SAME: nvvm.maxntid = array<i32: 256, 1, 1>
// CHECK-NOT: nvvm.setmaxregister
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @loops_sharing_a_carrying_loop(%k: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 32768 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%s = %c0) -> (index) {
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
    %next = arith.addi %s, %c1 : index
    scf.yield %next : index
  }
  return
}

// -----

// A loop in an else-branch (the producer replays then-branches only): not
// specialized.
// CHECK-LABEL: llvm.func @loop_in_an_else_branch(
// CHECK-NOT: flash.consumer_threads
// CHECK-SAME: nvvm.maxntid = array<i32: 256, 1, 1>
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @loop_in_an_else_branch(%k: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  %skip = arith.cmpi eq, %n, %c0 : index
  scf.if %skip {
  } else {
    scf.for %r = %c0 to %rows step %c128 {
      %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
    }
  }
  return
}

// -----

// A loop of loops under an op other than a branch (here an
// scf.execute_region) is no tile loop: its copies' executions cannot be
// counted, and they are no TMA copies (no crash, no producer).
// CHECK-LABEL: llvm.func @loops_in_a_region(
// CHECK-NOT: flash.consumer_threads
// CHECK-NOT: nvvm.cp.async.bulk.tensor
// CHECK: llvm.return
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @loops_in_a_region(%k: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  scf.execute_region {
    scf.for %i = %c0 to %n step %c1 {
      %end = arith.minsi %i, %rows : index
      scf.for %r = %c0 to %end step %c128 {
        %t = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
        %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
        flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
      }
    }
    scf.yield
  }
  return
}
