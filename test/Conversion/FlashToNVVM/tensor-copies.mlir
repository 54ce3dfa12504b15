// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="tma=true" | FileCheck %s

// --convert-flash-to-nvvm{tma} (TensorCopies.cpp): a load of a swizzled
// shared tile bounded by its own memref's size becomes a TMA copy. The
// kernel takes a tensor map for it after its other parameters (by value, a
// grid constant) and lists it in flash.tensor_maps; an mbarrier after the
// shared buffers (offset 16384, the kernel's 16384 bytes growing to 16392)
// is initialised by thread 0. In the loop: a proxy fence and a barrier
// (earlier accesses of the buffer are done), then thread 0 arms the barrier
// with the tile's 16384 bytes and copies two 64-column boxes (the second 8192 bytes
// further), coordinates innermost first (column, head, row, batch). The
// reader waits for parity ((row - 0) / 64) & 1 of the barrier: no cp.async
// and no cp.async.wait_group remain.

// CHECK-LABEL: llvm.func @copied_in_loop(
// CHECK-SAME: %[[MAP:arg16]]: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant})
// CHECK-SAME: flash.shared_memory = 16392 : i64, flash.tensor_maps = [{along = 1 : i64, arg = 0 : i64, box_rows = 64 : i64}]
// CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK: %[[FIRST:.*]] = llvm.icmp "eq" %[[TID]]
// CHECK: scf.if %[[FIRST]] {
// CHECK: %[[INITBAR:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: nvvm.mbarrier.init %[[INITBAR]], %{{.*}} : !llvm.ptr<3>, i32
// CHECK-NEXT: nvvm.fence.mbarrier.init
// CHECK: nvvm.barrier0
// CHECK: scf.for %[[ROW:.*]] = %[[LB:.*]] to %{{.*}} step %[[STEP:[^ ]*]] {
// CHECK: %[[ROWI64:.*]] = builtin.unrealized_conversion_cast %[[ROW]] : index to i64
// CHECK: %[[TILE:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: %[[C16384:.*]] = llvm.mlir.constant(16384 : i64) : i64
// CHECK-NEXT: %[[BAR:.*]] = llvm.getelementptr %{{.*}}[%[[C16384]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: %[[COL:.*]] = llvm.trunc %{{.*}} : i64 to i32
// CHECK-NEXT: %[[HEAD:.*]] = llvm.trunc %arg15 : i64 to i32
// CHECK-NEXT: %[[ROWI32:.*]] = llvm.trunc %[[ROWI64]] : i64 to i32
// CHECK-NEXT: %[[BATCH:.*]] = llvm.trunc %arg14 : i64 to i32
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: nvvm.barrier0
// CHECK: scf.if
// CHECK-NEXT: %[[BYTES:.*]] = llvm.mlir.constant(16384 : i32) : i32
// CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx %[[BAR]], %[[BYTES]] : !llvm.ptr<3>, i32
// CHECK: %[[COL0:.*]] = llvm.add %[[COL]], %{{.*}} : i32
// CHECK: %[[DST0:.*]] = llvm.addrspacecast %{{.*}} : !llvm.ptr<3> to !llvm.ptr<7>
// CHECK-NEXT: nvvm.cp.async.bulk.tensor.shared.cluster.global %[[DST0]], %[[MAP]], %[[BAR]], box[%[[COL0]], %[[HEAD]], %[[ROWI32]], %[[BATCH]]] : !llvm.ptr<7>, !llvm.ptr
// CHECK-NEXT: %[[C64:.*]] = llvm.mlir.constant(64 : i32) : i32
// CHECK-NEXT: %[[COL1:.*]] = llvm.add %[[COL]], %[[C64]] : i32
// CHECK-NEXT: %[[C8192:.*]] = llvm.mlir.constant(8192 : i64) : i64
// CHECK-NEXT: %[[BOX1:.*]] = llvm.getelementptr %[[TILE]][%[[C8192]]]
// CHECK-NEXT: %[[DST1:.*]] = llvm.addrspacecast %[[BOX1]] : !llvm.ptr<3> to !llvm.ptr<7>
// CHECK-NEXT: nvvm.cp.async.bulk.tensor.shared.cluster.global %[[DST1]], %[[MAP]], %[[BAR]], box[%[[COL1]], %[[HEAD]], %[[ROWI32]], %[[BATCH]]] : !llvm.ptr<7>, !llvm.ptr
// CHECK-NEXT: }
// CHECK: %[[SINCE:.*]] = arith.subi %[[ROW]], %[[LB]] : index
// CHECK-NEXT: %[[ITER:.*]] = arith.divui %[[SINCE]], %[[STEP]] : index
// CHECK: %[[WAITBAR:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[ODD:.*]] = arith.andi %[[ITER]], %[[ONE]] : index
// CHECK-NEXT: %[[PARITY:.*]] = arith.index_cast %[[ODD]] : index to i32
// CHECK-NEXT: %[[HINT:.*]] = llvm.mlir.constant(10000000 : i32) : i32
// CHECK-NEXT: nvvm.mbarrier.try_wait.parity %[[WAITBAR]], %[[PARITY]], %[[HINT]] : !llvm.ptr<3>, i32, i32
// CHECK-NOT: nvvm.cp.async.shared.global
// CHECK-NOT: nvvm.cp.async.wait.group
// CHECK: llvm.return
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 4>
!kv = memref<?x?x?x128xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @copied_in_loop(%k: !kv, %o: memref<?x128xbf16>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %rows = memref.dim %k, %c1 : !kv
  scf.for %r = %c0 to %rows step %c64 {
    %t = flash.load %k[%b, %r, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<64x128xbf16, #sw>
    %x = flash.convert_layout %t : tensor<64x128xbf16, #sw> -> tensor<64x128xbf16, #mma>
    flash.store %x, %o[%r, %c0] bound %rows along 0 : tensor<64x128xbf16, #mma> -> memref<?x128xbf16>
  }
  return
}

// -----

// Outside any loop the copy runs once: its reader waits for parity 0. One
// map serves both loads of the same argument and box; each load has its own
// barrier (16384 and 16392). A 2-d memref's coordinates: (column, row).

// CHECK-LABEL: llvm.func @copied_once(
// CHECK-SAME: %[[MAP:arg11]]: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant})
// CHECK-SAME: flash.shared_memory = 16400 : i64, flash.tensor_maps = [{along = 0 : i64, arg = 0 : i64, box_rows = 128 : i64}]
// CHECK-COUNT-2: nvvm.mbarrier.init
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MAP]], %{{.*}}, box[%{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MAP]], %{{.*}}, box[%{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: %[[ODD:.*]] = arith.andi %[[ZERO]], %{{.*}} : index
// CHECK-NEXT: %[[PARITY:.*]] = arith.index_cast %[[ODD]] : index to i32
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PARITY]], %{{.*}} : !llvm.ptr<3>, i32, i32
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 4>
func.func @copied_once(%a: memref<?x64xbf16>, %o: memref<?x64xbf16>, %r: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %rows = memref.dim %a, %c0 : memref<?x64xbf16>
  %t = flash.load %a[%r, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<128x64xbf16, #sw>
  %u = flash.load %a[%c0, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<128x64xbf16, #sw>
  %x = flash.convert_layout %t : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
  flash.store %x, %o[%c0, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> memref<?x64xbf16>
  %y = flash.convert_layout %u : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
  flash.store %y, %o[%c0, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> memref<?x64xbf16>
  return
}

// -----

// Read only inside a loop that may run no iteration: the end of the load's
// block waits as well (parity 0, the load runs once), so that the kernel
// never exits with the copy in flight.

// CHECK-LABEL: llvm.func @read_in_a_loop(
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: scf.for
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: }
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: %[[ODD:.*]] = arith.andi %[[ZERO]], %{{.*}} : index
// CHECK-NEXT: %[[PARITY:.*]] = arith.index_cast %[[ODD]] : index to i32
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PARITY]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK-NEXT: llvm.return
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 4>
func.func @read_in_a_loop(%a: memref<?x64xbf16>, %o: memref<?x64xbf16>, %n: index) attributes {flash.kernel, flash.shared_memory = 8192 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %a, %c0 : memref<?x64xbf16>
  %t = flash.load %a[%c0, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sw>
  scf.for %i = %c0 to %n step %c1 {
    %x = flash.convert_layout %t : tensor<64x64xbf16, #sw> -> tensor<64x64xbf16, #mma>
    flash.store %x, %o[%i, %c0] bound %rows along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
  }
  return
}

// -----

// Nested loops: the inner loop runs ceil((64 - 0) / 16) = 4 times an outer
// iteration, so the copy's execution is outer * 4 + inner.

// CHECK-LABEL: llvm.func @copied_in_nested_loops(
// CHECK: scf.for %[[OUTER:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: scf.for %[[INNER:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: %[[O:.*]] = arith.divui %{{.*}}, %{{.*}} : index
// CHECK: %[[I:.*]] = arith.divui %{{.*}}, %{{.*}} : index
// CHECK: %[[SPAN:.*]] = arith.maxsi
// CHECK: %[[TRIPS:.*]] = arith.divui
// CHECK-NEXT: %[[SCALED:.*]] = arith.muli %[[O]], %[[TRIPS]] : index
// CHECK-NEXT: %[[INDEX:.*]] = arith.addi %[[SCALED]], %[[I]] : index
// CHECK: %[[ODD:.*]] = arith.andi %[[INDEX]], %{{.*}} : index
// CHECK: nvvm.mbarrier.try_wait.parity
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 4>
func.func @copied_in_nested_loops(%a: memref<?x64xbf16>, %o: memref<?x64xbf16>, %n: index) attributes {flash.kernel, flash.shared_memory = 8192 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %rows = memref.dim %a, %c0 : memref<?x64xbf16>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c64 step %c16 {
      %t = flash.load %a[%j, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sw>
      %x = flash.convert_layout %t : tensor<64x64xbf16, #sw> -> tensor<64x64xbf16, #mma>
      flash.store %x, %o[%j, %c0] bound %rows along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
    }
  }
  return
}

// -----

// Stays a cp.async copy: a bound that is not the source's own size (a
// sequence end of a packed batch: the TMA would read past it), an inner
// loop whose trip count changes with the outer one (its executions cannot
// be counted), a tile without the swizzle.

// CHECK-LABEL: llvm.func @not_copied(
// CHECK-NOT: flash.tensor_maps
// CHECK-NOT: nvvm.cp.async.bulk.tensor
// CHECK-NOT: nvvm.mbarrier
// CHECK-COUNT-3: nvvm.cp.async.commit.group
// CHECK-NOT: nvvm.cp.async.bulk.tensor
// CHECK: llvm.return
#sw = #flash.shared<swizzle = 128>
#pad = #flash.shared<padding = 8>
#mma = #flash.mma<warps = 4>
func.func @not_copied(%a: memref<?x64xbf16>, %o: memref<?x64xbf16>, %end: index, %n: index) attributes {flash.kernel, flash.shared_memory = 8192 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %rows = memref.dim %a, %c0 : memref<?x64xbf16>
  %t = flash.load %a[%c0, %c0] bound %end along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sw>
  %x = flash.convert_layout %t : tensor<64x64xbf16, #sw> -> tensor<64x64xbf16, #mma>
  flash.store %x, %o[%c0, %c0] bound %rows along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %i to %n step %c16 {
      %u = flash.load %a[%j, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sw>
      %y = flash.convert_layout %u : tensor<64x64xbf16, #sw> -> tensor<64x64xbf16, #mma>
      flash.store %y, %o[%j, %c0] bound %rows along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
    }
  }
  %v = flash.load %a[%c0, %c0] bound %rows along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #pad>
  %z = flash.convert_layout %v : tensor<64x64xbf16, #pad> -> tensor<64x64xbf16, #mma>
  flash.store %z, %o[%c0, %c0] bound %rows along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
  return
}

// -----

// Two loads of one argument with boxes of the same height along different
// axes get a tensor map each (the map fixes which axis the rows run along).
// CHECK-LABEL: llvm.func @rows_along_two_axes(
// CHECK-SAME: flash.tensor_maps = [{along = 0 : i64, arg = 0 : i64, box_rows = 64 : i64}, {along = 1 : i64, arg = 0 : i64, box_rows = 64 : i64}]
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 4>
!t3 = memref<?x?x64xbf16>
func.func @rows_along_two_axes(%a: !t3, %o: memref<?x64xbf16>) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = memref.dim %a, %c0 : !t3
  %d1 = memref.dim %a, %c1 : !t3
  %t = flash.load %a[%c0, %c0, %c0] bound %d0 along 0 {flash.shared_offset = 0 : i64} : !t3 -> tensor<64x64xbf16, #sw>
  %u = flash.load %a[%c0, %c0, %c0] bound %d1 along 1 {flash.shared_offset = 8192 : i64} : !t3 -> tensor<64x64xbf16, #sw>
  %x = flash.convert_layout %t : tensor<64x64xbf16, #sw> -> tensor<64x64xbf16, #mma>
  flash.store %x, %o[%c0, %c0] bound %d0 along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
  %y = flash.convert_layout %u : tensor<64x64xbf16, #sw> -> tensor<64x64xbf16, #mma>
  flash.store %y, %o[%c0, %c0] bound %d0 along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
  return
}
