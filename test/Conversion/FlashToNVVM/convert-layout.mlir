// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s

// --convert-flash-to-nvvm, flash.convert_layout (ConvertLayoutToLLVM.cpp).
// An mma tile of 16-bit elements becomes an `a` operand by renaming its
// registers (the accumulator of blocks (i, 2kk) and (i, 2kk + 1) is the `a`
// fragment of k step kk; with the slot orders of Layouts.cpp the renaming is
// the identity): no shared memory, no barrier. Every other conversion goes
// through shared memory: into a #flash.shared tile's buffer, or a scratch
// buffer (rows of cols + 16 bytes) at the op's flash.shared_offset, each
// thread storing its slots between two barriers and then (for a register
// target) loading the slots it needs. Reading a shared tile reads its buffer,
// after waiting for the copies of the load that produced it.

// mma -> `a` (64 x 32 bf16, 16 slots): the same values in the same slots.

// CHECK-LABEL: llvm.func @mma_to_operand_a(
// CHECK-NOT: nvvm.barrier0
// CHECK-NOT: llvm.mlir.addressof
// CHECK: %[[SRC:.*]] = llvm.insertvalue %{{.*}}[15] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E0:.*]] = llvm.extractvalue %[[SRC]][0] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E1:.*]] = llvm.extractvalue %[[SRC]][1] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E2:.*]] = llvm.extractvalue %[[SRC]][2] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E3:.*]] = llvm.extractvalue %[[SRC]][3] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E4:.*]] = llvm.extractvalue %[[SRC]][4] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E5:.*]] = llvm.extractvalue %[[SRC]][5] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E6:.*]] = llvm.extractvalue %[[SRC]][6] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E7:.*]] = llvm.extractvalue %[[SRC]][7] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E8:.*]] = llvm.extractvalue %[[SRC]][8] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E9:.*]] = llvm.extractvalue %[[SRC]][9] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E10:.*]] = llvm.extractvalue %[[SRC]][10] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E11:.*]] = llvm.extractvalue %[[SRC]][11] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E12:.*]] = llvm.extractvalue %[[SRC]][12] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E13:.*]] = llvm.extractvalue %[[SRC]][13] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E14:.*]] = llvm.extractvalue %[[SRC]][14] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[E15:.*]] = llvm.extractvalue %[[SRC]][15] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R0:.*]] = llvm.insertvalue %[[E0]], %[[U]][0] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R1:.*]] = llvm.insertvalue %[[E1]], %[[R0]][1] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R2:.*]] = llvm.insertvalue %[[E2]], %[[R1]][2] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R3:.*]] = llvm.insertvalue %[[E3]], %[[R2]][3] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R4:.*]] = llvm.insertvalue %[[E4]], %[[R3]][4] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R5:.*]] = llvm.insertvalue %[[E5]], %[[R4]][5] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R6:.*]] = llvm.insertvalue %[[E6]], %[[R5]][6] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R7:.*]] = llvm.insertvalue %[[E7]], %[[R6]][7] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R8:.*]] = llvm.insertvalue %[[E8]], %[[R7]][8] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R9:.*]] = llvm.insertvalue %[[E9]], %[[R8]][9] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R10:.*]] = llvm.insertvalue %[[E10]], %[[R9]][10] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R11:.*]] = llvm.insertvalue %[[E11]], %[[R10]][11] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R12:.*]] = llvm.insertvalue %[[E12]], %[[R11]][12] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R13:.*]] = llvm.insertvalue %[[E13]], %[[R12]][13] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[R14:.*]] = llvm.insertvalue %[[E14]], %[[R13]][14] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[RES:.*]] = llvm.insertvalue %[[E15]], %[[R14]][15] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: nvvm.read.ptx.sreg.tid.x
// CHECK-NOT: nvvm.barrier0
// CHECK-NOT: ptr<3>
// CHECK: llvm.extractvalue %[[RES]][0] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NOT: nvvm.barrier0
// CHECK-NOT: ptr<3>
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @mma_to_operand_a(%a: memref<?x32xbf16>, %o: memref<?x32xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x32xbf16> -> tensor<64x32xbf16, #mma>
  %x = flash.convert_layout %m : tensor<64x32xbf16, #mma> -> tensor<64x32xbf16, #flash.operand<a, #mma>>
  flash.store %x, %o[%c0, %c0] bound %n along 0 : tensor<64x32xbf16, #flash.operand<a, #mma>> -> memref<?x32xbf16>
  return
}

// -----

// mma -> shared (64 x 16 bf16, padding 8, at byte 128): after a barrier each
// thread stores its 8 slots at byte 2 (24 row + col) of the buffer, then a
// barrier; the result is the buffer. shared -> mma then loads the slots from
// it, without waiting (no load copies it).

// CHECK-LABEL: llvm.func @through_shared(
// CHECK: %[[TILE:.*]] = llvm.insertvalue %{{.*}}[7] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: nvvm.read.ptx.sreg.tid.x
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @flash_shared_memory : !llvm.ptr<3>
// CHECK-NEXT: %[[OFF:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK-NEXT: %[[BUF:.*]] = llvm.getelementptr %[[SMEM]][%[[OFF]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: llvm.mul
// CHECK-NEXT: llvm.add
// CHECK-NEXT: %[[ROW:.*]] = llvm.add %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: llvm.mul
// CHECK-NEXT: %[[COL:.*]] = llvm.add %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: %[[E0:.*]] = llvm.extractvalue %[[TILE]][0]
// CHECK-COUNT-7: llvm.extractvalue %[[TILE]]
// CHECK-NEXT: nvvm.barrier0
// CHECK-NEXT: %[[SR0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[R0:.*]] = llvm.add %[[ROW]], %[[SR0]] : i64
// CHECK-NEXT: %[[SC0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[C0:.*]] = llvm.add %[[COL]], %[[SC0]] : i64
// CHECK-NEXT: %[[C24:.*]] = llvm.mlir.constant(24 : i64) : i64
// CHECK-NEXT: %[[RB:.*]] = llvm.mul %[[R0]], %[[C24]] : i64
// CHECK-NEXT: %[[IDX:.*]] = llvm.add %[[RB]], %[[C0]] : i64
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[BYTES:.*]] = llvm.mul %[[IDX]], %[[C2]] : i64
// CHECK-NEXT: %[[ADDR:.*]] = llvm.getelementptr %[[BUF]][%[[BYTES]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: llvm.store %[[E0]], %[[ADDR]] : bf16, !llvm.ptr<3>
// CHECK-COUNT-7: llvm.store %{{.*}}, %{{.*}} : bf16, !llvm.ptr<3>
// CHECK-NEXT: nvvm.barrier0
// CHECK-NOT: nvvm.cp.async.wait.group
// CHECK-NOT: nvvm.barrier0
// CHECK: %[[L0:.*]] = llvm.load %{{.*}} : !llvm.ptr<3> -> bf16
// CHECK-COUNT-7: llvm.load %{{.*}} : !llvm.ptr<3> -> bf16
// CHECK-NEXT: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: llvm.insertvalue %[[L0]], %[[U]][0]
// CHECK-NOT: nvvm.barrier0
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @through_shared(%a: memref<?x16xbf16>, %o: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16, #mma>
  %s = flash.convert_layout %m {flash.shared_offset = 128 : i64} : tensor<64x16xbf16, #mma> -> tensor<64x16xbf16, #flash.shared<padding = 8>>
  %r = flash.convert_layout %s : tensor<64x16xbf16, #flash.shared<padding = 8>> -> tensor<64x16xbf16, #mma>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x16xbf16, #mma> -> memref<?x16xbf16>
  return
}

// -----

// Reading a loaded shared tile into registers waits for its copies first.

// CHECK-LABEL: llvm.func @loaded_shared_to_mma(
// CHECK: nvvm.cp.async.commit.group
// CHECK-NOT: llvm.load
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK: llvm.mlir.constant(24 : i64) : i64
// CHECK: llvm.load %{{.*}} : !llvm.ptr<3> -> bf16
// CHECK-COUNT-7: llvm.load %{{.*}} : !llvm.ptr<3> -> bf16
// CHECK-NOT: nvvm.barrier0
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @loaded_shared_to_mma(%a: memref<?x16xbf16>, %o: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %s = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x16xbf16> -> tensor<64x16xbf16, #flash.shared<padding = 8>>
  %r = flash.convert_layout %s : tensor<64x16xbf16, #flash.shared<padding = 8>> -> tensor<64x16xbf16, #mma>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x16xbf16, #mma> -> memref<?x16xbf16>
  return
}

// -----

// f32 mma -> `a` is not a renaming: through a scratch buffer with rows of
// 16 + 4 f32 (16 bytes of padding), stores between barriers, then each
// thread loads its `a` slots (row 16 warp + group + {0, 8}, column
// 2 tig + {0, 1, 8, 9}).

// CHECK-LABEL: llvm.func @scratch_f32(
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @flash_shared_memory : !llvm.ptr<3>
// CHECK-NEXT: %[[OFF:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[BUF:.*]] = llvm.getelementptr %[[SMEM]][%[[OFF]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: nvvm.barrier0
// CHECK: llvm.mlir.constant(20 : i64) : i64
// CHECK: llvm.mlir.constant(4 : i64) : i64
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK-COUNT-7: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK-NEXT: nvvm.barrier0
// CHECK: %[[C20:.*]] = llvm.mlir.constant(20 : i64) : i64
// CHECK-NEXT: %[[RB:.*]] = llvm.mul %{{.*}}, %[[C20]] : i64
// CHECK-NEXT: %[[IDX:.*]] = llvm.add %[[RB]], %{{.*}} : i64
// CHECK-NEXT: %[[C4:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-NEXT: %[[BYTES:.*]] = llvm.mul %[[IDX]], %[[C4]] : i64
// CHECK-NEXT: %[[ADDR:.*]] = llvm.getelementptr %[[BUF]][%[[BYTES]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: llvm.load %[[ADDR]] : !llvm.ptr<3> -> f32
// CHECK-COUNT-7: llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK-NOT: nvvm.barrier0
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @scratch_f32(%a: memref<?x16xf32>, %o: memref<?x16xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xf32> -> tensor<64x16xf32, #mma>
  %x = flash.convert_layout %m {flash.shared_offset = 0 : i64} : tensor<64x16xf32, #mma> -> tensor<64x16xf32, #flash.operand<a, #mma>>
  flash.store %x, %o[%c0, %c0] bound %n along 0 : tensor<64x16xf32, #flash.operand<a, #mma>> -> memref<?x16xf32>
  return
}

// -----

// A conversion to the same layout is nothing: the stored struct is the
// loaded one.

// CHECK-LABEL: llvm.func @same_layout(
// CHECK: %[[TILE:.*]] = llvm.insertvalue %{{.*}}[7] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NOT: nvvm.barrier0
// CHECK: llvm.extractvalue %[[TILE]][0] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NOT: ptr<3>
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @same_layout(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16, #mma>
  %x = flash.convert_layout %m : tensor<64x16xbf16, #mma> -> tensor<64x16xbf16, #mma>
  flash.store %x, %a[%c0, %c0] bound %n along 0 : tensor<64x16xbf16, #mma> -> memref<?x16xbf16>
  return
}
