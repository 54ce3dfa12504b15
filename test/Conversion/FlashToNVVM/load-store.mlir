// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm=vector-bytes=4 | FileCheck %s --check-prefix=VEC4
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm=vector-bytes=8 | FileCheck %s --check-prefix=VEC8
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm=vector-bytes=2 | FileCheck %s --check-prefix=VEC2
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm=wgmma=1 | FileCheck %s --check-prefix=PAIRS
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="wgmma=1 vector-bytes=4" | FileCheck %s --check-prefix=NOPAIRS

// --convert-flash-to-nvvm, flash.load and flash.store (LoadStoreToLLVM.cpp).
// Register layouts: each thread reads or writes its own slots, element by
// element, masked by the row bound (loads through scf.if yielding zero past
// it); copies held by several threads (rows layouts: the 4 lanes of a group;
// `b` operands: every warp) are written by one. Shared layouts: the program's
// threads copy the tile into its buffer in chunks of vector-bytes (16 by
// default; 8, 4: asynchronous copies, cp.async, of that many bytes; 2: i16
// loads and stores through registers, followed by a barrier).

// An mma tile, 64 x 16 bf16, 4 warps: 8 slots per thread, at rows
// 16 warp + group + {0, 8} and columns 2 tig + {0, 1, 8, 9}.

// CHECK-LABEL: llvm.func @mma_load_store(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %[[N:[^:]+]]: i64)
// CHECK: %[[DESC:.*]] = llvm.insertvalue %{{.*}}[4] : !llvm.struct<(ptr<1>, i64, i64, i64, i64)>
// CHECK: %[[C0:.*]] = builtin.unrealized_conversion_cast %{{.*}} : index to i64
// CHECK-NEXT: %[[TID32:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK-NEXT: %[[TID:.*]] = llvm.zext %[[TID32]] : i32 to i64
// CHECK-NEXT: %[[C5:.*]] = llvm.mlir.constant(5 : i64) : i64
// CHECK-NEXT: %[[WARP:.*]] = llvm.lshr %[[TID]], %[[C5]] : i64
// CHECK-NEXT: %[[C31:.*]] = llvm.mlir.constant(31 : i64) : i64
// CHECK-NEXT: %[[LANE:.*]] = llvm.and %[[TID]], %[[C31]] : i64
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[GROUP:.*]] = llvm.lshr %[[LANE]], %[[C2]] : i64
// CHECK-NEXT: %[[C3:.*]] = llvm.mlir.constant(3 : i64) : i64
// CHECK-NEXT: %[[TIG:.*]] = llvm.and %[[LANE]], %[[C3]] : i64
// CHECK-NEXT: %[[Z0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[C16:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[W16:.*]] = llvm.mul %[[WARP]], %[[C16]] : i64
// CHECK-NEXT: %[[R0:.*]] = llvm.add %[[Z0]], %[[W16]] : i64
// CHECK-NEXT: %[[ROW:.*]] = llvm.add %[[R0]], %[[GROUP]] : i64
// CHECK-NEXT: %[[Z1:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[C2B:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[T2:.*]] = llvm.mul %[[TIG]], %[[C2B]] : i64
// CHECK-NEXT: %[[COL:.*]] = llvm.add %[[Z1]], %[[T2]] : i64
// Slot 0: (row + 0, col + 0).
// CHECK-NEXT: %[[SC0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[COL0:.*]] = llvm.add %[[COL]], %[[SC0]] : i64
// CHECK-NEXT: %[[SR0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[ROW0:.*]] = llvm.add %[[ROW]], %[[SR0]] : i64
// CHECK-NEXT: %[[I0:.*]] = llvm.add %[[C0]], %[[ROW0]] : i64
// CHECK-NEXT: %[[J0:.*]] = llvm.add %[[C0]], %[[COL0]] : i64
// CHECK-NEXT: %[[IN0:.*]] = llvm.icmp "slt" %[[I0]], %[[N]] : i64
// CHECK-NEXT: %[[Z2:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[ST0:.*]] = llvm.extractvalue %[[DESC]][3] : !llvm.struct<(ptr<1>, i64, i64, i64, i64)>
// CHECK-NEXT: %[[O0:.*]] = llvm.mul %[[I0]], %[[ST0]] : i64
// CHECK-NEXT: %[[O1:.*]] = llvm.add %[[Z2]], %[[O0]] : i64
// CHECK-NEXT: %[[ST1:.*]] = llvm.extractvalue %[[DESC]][4] : !llvm.struct<(ptr<1>, i64, i64, i64, i64)>
// CHECK-NEXT: %[[O2:.*]] = llvm.mul %[[J0]], %[[ST1]] : i64
// CHECK-NEXT: %[[OFF:.*]] = llvm.add %[[O1]], %[[O2]] : i64
// CHECK-NEXT: %[[BASE:.*]] = llvm.extractvalue %[[DESC]][0] : !llvm.struct<(ptr<1>, i64, i64, i64, i64)>
// CHECK-NEXT: llvm.extractvalue %[[DESC]][0]
// CHECK-NEXT: %[[ADDR:.*]] = llvm.getelementptr %[[BASE]][%[[OFF]]] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, bf16
// CHECK-NEXT: %[[V0:.*]] = scf.if %[[IN0]] -> (bf16) {
// CHECK-NEXT: %[[L:.*]] = llvm.load %[[ADDR]] : !llvm.ptr<1> -> bf16
// CHECK-NEXT: scf.yield %[[L]] : bf16
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[ZE:.*]] = llvm.mlir.zero : bf16
// CHECK-NEXT: scf.yield %[[ZE]] : bf16
// CHECK-NEXT: }
// Slots 1-7: (0, 1), (8, 0), (8, 1), (0, 8), (0, 9), (8, 8), (8, 9).
// CHECK-NEXT: %[[SC1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: llvm.add %[[COL]], %[[SC1]] : i64
// CHECK-NEXT: %[[SR1:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: llvm.add %[[ROW]], %[[SR1]] : i64
// CHECK: %[[V1:.*]] = scf.if
// CHECK: %[[SC2:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: llvm.add %[[COL]], %[[SC2]] : i64
// CHECK-NEXT: %[[SR2:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: llvm.add %[[ROW]], %[[SR2]] : i64
// CHECK: %[[V2:.*]] = scf.if
// CHECK: %[[SC3:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: llvm.add %[[COL]], %[[SC3]] : i64
// CHECK-NEXT: %[[SR3:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: llvm.add %[[ROW]], %[[SR3]] : i64
// CHECK: %[[V3:.*]] = scf.if
// CHECK: %[[SC4:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: llvm.add %[[COL]], %[[SC4]] : i64
// CHECK-NEXT: %[[SR4:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: llvm.add %[[ROW]], %[[SR4]] : i64
// CHECK: %[[V4:.*]] = scf.if
// CHECK: %[[SC5:.*]] = llvm.mlir.constant(9 : i64) : i64
// CHECK-NEXT: llvm.add %[[COL]], %[[SC5]] : i64
// CHECK-NEXT: %[[SR5:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: llvm.add %[[ROW]], %[[SR5]] : i64
// CHECK: %[[V5:.*]] = scf.if
// CHECK: %[[SC6:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: llvm.add %[[COL]], %[[SC6]] : i64
// CHECK-NEXT: %[[SR6:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: llvm.add %[[ROW]], %[[SR6]] : i64
// CHECK: %[[V6:.*]] = scf.if
// CHECK: %[[SC7:.*]] = llvm.mlir.constant(9 : i64) : i64
// CHECK-NEXT: llvm.add %[[COL]], %[[SC7]] : i64
// CHECK-NEXT: %[[SR7:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: llvm.add %[[ROW]], %[[SR7]] : i64
// CHECK: %[[V7:.*]] = scf.if
// CHECK: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[P0:.*]] = llvm.insertvalue %[[V0]], %[[U]][0]
// CHECK-NEXT: %[[P1:.*]] = llvm.insertvalue %[[V1]], %[[P0]][1]
// CHECK-NEXT: %[[P2:.*]] = llvm.insertvalue %[[V2]], %[[P1]][2]
// CHECK-NEXT: %[[P3:.*]] = llvm.insertvalue %[[V3]], %[[P2]][3]
// CHECK-NEXT: %[[P4:.*]] = llvm.insertvalue %[[V4]], %[[P3]][4]
// CHECK-NEXT: %[[P5:.*]] = llvm.insertvalue %[[V5]], %[[P4]][5]
// CHECK-NEXT: %[[P6:.*]] = llvm.insertvalue %[[V6]], %[[P5]][6]
// CHECK-NEXT: %[[TILE:.*]] = llvm.insertvalue %[[V7]], %[[P6]][7]
// The store: every thread writes each of its slots below the bound, a row
// at a time (rows +0 and +8): one bound check and one address a row, the
// slots of the row (columns +0, +1, +8, +9) at constant offsets from it;
// adjacent even and odd columns in one 4-byte access (the memref is
// aligned to 16 bytes by default).
// CHECK: %[[TRUE:.*]] = llvm.mlir.constant(true) : i1
// CHECK-NEXT: %[[E0:.*]] = llvm.extractvalue %[[TILE]][0]
// CHECK-NEXT: %[[E1:.*]] = llvm.extractvalue %[[TILE]][1]
// CHECK-NEXT: %[[E2:.*]] = llvm.extractvalue %[[TILE]][2]
// CHECK-NEXT: %[[E3:.*]] = llvm.extractvalue %[[TILE]][3]
// CHECK-NEXT: %[[E4:.*]] = llvm.extractvalue %[[TILE]][4]
// CHECK-NEXT: %[[E5:.*]] = llvm.extractvalue %[[TILE]][5]
// CHECK-NEXT: %[[E6:.*]] = llvm.extractvalue %[[TILE]][6]
// CHECK-NEXT: %[[E7:.*]] = llvm.extractvalue %[[TILE]][7]
// CHECK: %[[SIN0:.*]] = llvm.icmp "slt" %{{.*}}, %[[N]] : i64
// CHECK-NEXT: %[[W0:.*]] = llvm.and %[[TRUE]], %[[SIN0]] : i1
// CHECK: %[[ROW0:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, bf16
// CHECK-NEXT: scf.if %[[W0]] {
// CHECK-NEXT: %[[A0:.*]] = llvm.getelementptr %[[ROW0]][0] : (!llvm.ptr<1>) -> !llvm.ptr<1>, bf16
// CHECK-NEXT: %[[U0:.*]] = llvm.mlir.undef : vector<2xbf16>
// CHECK-NEXT: %[[I0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[H0:.*]] = llvm.insertelement %[[E0]], %[[U0]][%[[I0]] : i32] : vector<2xbf16>
// CHECK-NEXT: %[[I1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[PAIR0:.*]] = llvm.insertelement %[[E1]], %[[H0]][%[[I1]] : i32] : vector<2xbf16>
// CHECK-NEXT: llvm.store %[[PAIR0]], %[[A0]] {alignment = 4 : i64} : vector<2xbf16>, !llvm.ptr<1>
// CHECK-NEXT: %[[A4:.*]] = llvm.getelementptr %[[ROW0]][8]
// CHECK: llvm.insertelement %[[E4]]
// CHECK: llvm.insertelement %[[E5]]
// CHECK-NEXT: llvm.store %{{.*}}, %[[A4]] {alignment = 4 : i64} : vector<2xbf16>, !llvm.ptr<1>
// CHECK-NEXT: }
// CHECK: %[[SIN1:.*]] = llvm.icmp "slt" %{{.*}}, %[[N]] : i64
// CHECK-NEXT: %[[W1:.*]] = llvm.and %[[TRUE]], %[[SIN1]] : i1
// CHECK: %[[ROW1:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, bf16
// CHECK-NEXT: scf.if %[[W1]] {
// CHECK-NEXT: llvm.getelementptr %[[ROW1]][0]
// CHECK: llvm.insertelement %[[E2]]
// CHECK: llvm.insertelement %[[E3]]
// CHECK-NEXT: llvm.store %{{.*}} {alignment = 4 : i64} : vector<2xbf16>, !llvm.ptr<1>
// CHECK-NEXT: llvm.getelementptr %[[ROW1]][8]
// CHECK: llvm.insertelement %[[E6]]
// CHECK: llvm.insertelement %[[E7]]
// CHECK-NEXT: llvm.store %{{.*}} {alignment = 4 : i64} : vector<2xbf16>, !llvm.ptr<1>
// CHECK-NEXT: }
// CHECK-NOT: llvm.store
// CHECK: llvm.return
// With only 2-byte alignment every slot is written alone.
// VEC2-LABEL: llvm.func @mma_load_store(
// VEC2: llvm.insertvalue %{{.*}}[7] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// VEC2: llvm.mlir.constant(true) : i1
// VEC2: %[[ROW0:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, bf16
// VEC2-NEXT: scf.if %{{.*}} {
// VEC2-NEXT: %[[A0:.*]] = llvm.getelementptr %[[ROW0]][0] : (!llvm.ptr<1>) -> !llvm.ptr<1>, bf16
// VEC2-NEXT: llvm.store %{{.*}}, %[[A0]] : bf16, !llvm.ptr<1>
// VEC2-NEXT: %[[A1:.*]] = llvm.getelementptr %[[ROW0]][1]
// VEC2-NEXT: llvm.store %{{.*}}, %[[A1]] : bf16, !llvm.ptr<1>
// VEC2-NEXT: %[[A4:.*]] = llvm.getelementptr %[[ROW0]][8]
// VEC2-NEXT: llvm.store %{{.*}}, %[[A4]] : bf16, !llvm.ptr<1>
// VEC2-NEXT: %[[A5:.*]] = llvm.getelementptr %[[ROW0]][9]
// VEC2-NEXT: llvm.store %{{.*}}, %[[A5]] : bf16, !llvm.ptr<1>
// VEC2-NEXT: }
// VEC2-COUNT-4: llvm.store %{{.*}}, %{{.*}} : bf16, !llvm.ptr<1>
// VEC2-NOT: llvm.store
// VEC2: llvm.return
#mma = #flash.mma<warps = 4>
func.func @mma_load_store(%a: memref<?x16xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16, #mma>
  flash.store %t, %a[%c0, %c0] bound %n along 0 : tensor<64x16xbf16, #mma> -> memref<?x16xbf16>
  return
}

// -----

// A rows tile (64 f32, 4 warps): 2 slots per thread, rows 16 warp + group +
// {0, 8}; the load reads them in every lane, the store writes them from the
// lane with tig == 0 only.

// CHECK-LABEL: llvm.func @rows_load_store(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %[[N:[^:]+]]: i64)
// CHECK-COUNT-2: scf.if %{{.*}} -> (f32) {
// CHECK: %[[LOADED:.*]] = llvm.insertvalue %{{.*}}[1] : !llvm.struct<(f32, f32)>
// CHECK: %[[LANE:.*]] = llvm.and %{{.*}} : i64
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: llvm.lshr %[[LANE]], %[[C2]] : i64
// CHECK-NEXT: %[[C3:.*]] = llvm.mlir.constant(3 : i64) : i64
// CHECK-NEXT: %[[TIG:.*]] = llvm.and %[[LANE]], %[[C3]] : i64
// CHECK: %[[TRUE:.*]] = llvm.mlir.constant(true) : i1
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[FIRST:.*]] = llvm.icmp "eq" %[[TIG]], %[[ZERO]] : i64
// CHECK-NEXT: %[[E0:.*]] = llvm.extractvalue %[[LOADED]][0] : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[E1:.*]] = llvm.extractvalue %[[LOADED]][1] : !llvm.struct<(f32, f32)>
// CHECK: %[[IN0:.*]] = llvm.icmp "slt" %{{.*}}, %[[N]] : i64
// CHECK-NEXT: %[[W0:.*]] = llvm.and %[[FIRST]], %[[IN0]] : i1
// CHECK: scf.if %[[W0]] {
// CHECK-NEXT: %[[A0:.*]] = llvm.getelementptr %{{.*}}[0] : (!llvm.ptr<1>) -> !llvm.ptr<1>, f32
// CHECK-NEXT: llvm.store %[[E0]], %[[A0]] : f32, !llvm.ptr<1>
// CHECK: %[[IN1:.*]] = llvm.icmp "slt" %{{.*}}, %[[N]] : i64
// CHECK-NEXT: %[[W1:.*]] = llvm.and %[[FIRST]], %[[IN1]] : i1
// CHECK: scf.if %[[W1]] {
// CHECK-NEXT: %[[A1:.*]] = llvm.getelementptr %{{.*}}[0] : (!llvm.ptr<1>) -> !llvm.ptr<1>, f32
// CHECK-NEXT: llvm.store %[[E1]], %[[A1]] : f32, !llvm.ptr<1>
// CHECK-NOT: llvm.store
// CHECK: llvm.return
func.func @rows_load_store(%l: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %r = flash.load %l[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
  flash.store %r, %l[%c0] bound %n along 0 : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> memref<?xf32>
  return
}

// -----

// A `b` operand tile is replicated in every warp: warp 0 writes it. An
// accumulating store adds atomically (llvm.atomicrmw fadd).

// CHECK-LABEL: llvm.func @replicated_and_atomic(
// CHECK: %[[WARP:.*]] = llvm.lshr %{{.*}} : i64
// CHECK-COUNT-4: scf.if %{{.*}} -> (bf16) {
// CHECK: %[[WARP2:.*]] = llvm.lshr %{{.*}} : i64
// CHECK: llvm.mlir.constant(true) : i1
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[WRITER:.*]] = llvm.icmp "eq" %[[WARP2]], %[[ZERO]] : i64
// CHECK-COUNT-4: llvm.and %[[WRITER]], %{{.*}} : i1
// CHECK: %[[TRUE2:.*]] = llvm.mlir.constant(true) : i1
// CHECK: %[[IN:.*]] = llvm.icmp "slt" %{{.*}} : i64
// CHECK-NEXT: %[[ACC0:.*]] = llvm.and %[[TRUE2]], %[[IN]] : i1
// CHECK: %[[ROWADDR:.*]] = llvm.getelementptr %{{.*}} -> !llvm.ptr<1>, f32
// CHECK-NEXT: scf.if %[[ACC0]] {
// CHECK-NEXT: %[[ADDR:.*]] = llvm.getelementptr %[[ROWADDR]][0] : (!llvm.ptr<1>) -> !llvm.ptr<1>, f32
// CHECK-NEXT: llvm.atomicrmw fadd %[[ADDR]], %{{.*}} monotonic : !llvm.ptr<1>, f32
// CHECK-COUNT-7: llvm.atomicrmw fadd %{{.*}}, %{{.*}} monotonic : !llvm.ptr<1>, f32
// CHECK-NOT: llvm.atomicrmw
// CHECK-NOT: llvm.store
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @replicated_and_atomic(%a: memref<?x16xbf16>, %d: memref<?x16xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<16x8xbf16, #flash.operand<b, #mma>>
  flash.store %t, %a[%c0, %c0] bound %n along 0 : tensor<16x8xbf16, #flash.operand<b, #mma>> -> memref<?x16xbf16>
  %z = arith.constant dense<1.0> : tensor<64x16xf32, #mma>
  flash.store %z, %d[%c0, %c0] bound %n along 0 accumulate : tensor<64x16xf32, #mma> -> memref<?x16xf32>
  return
}

// -----

// A shared tile, 64 x 64 bf16 with padding 8 at byte 256 of the buffer: 512
// chunks of 8 elements (16 bytes), 4 rounds of the 128 threads; chunk c is
// row c / 8, column 8 (c % 8), at byte 144 row + 2 col of the buffer (rows
// are (64 + 8) x 2 = 144 bytes). After a barrier (earlier readers are done)
// each chunk is an asynchronous copy (cp.async, 16 bytes, .cg); a row past
// the bound copies 0 bytes from the memref's base, which zero-fills it. The
// copies form one commit group, which readers wait for (dot.mlir).

// CHECK: llvm.mlir.global external @flash_shared_memory() {addr_space = 3 : i32, alignment = 1024 : i64} : !llvm.array<0 x i8>
// CHECK-LABEL: llvm.func @shared_load(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %[[N:[^:]+]]: i64)
// CHECK: %[[DESC:.*]] = llvm.insertvalue %{{.*}}[4] : !llvm.struct<(ptr<1>, i64, i64, i64, i64)>
// CHECK: %[[C0:.*]] = builtin.unrealized_conversion_cast %{{.*}} : index to i64
// CHECK-NEXT: %[[TID32:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK-NEXT: %[[TID:.*]] = llvm.zext %[[TID32]] : i32 to i64
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @flash_shared_memory : !llvm.ptr<3>
// CHECK-NEXT: %[[OFFSET:.*]] = llvm.mlir.constant(256 : i64) : i64
// CHECK-NEXT: %[[BUF:.*]] = llvm.getelementptr %[[SMEM]][%[[OFFSET]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: nvvm.barrier0
// CHECK-NEXT: %[[FIRST:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[CHUNK:.*]] = llvm.add %[[TID]], %[[FIRST]] : i64
// CHECK-NEXT: %[[PERROW:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[ROW:.*]] = llvm.udiv %[[CHUNK]], %[[PERROW]] : i64
// CHECK-NEXT: %[[ELTS:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[PERROW2:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[REM:.*]] = llvm.urem %[[CHUNK]], %[[PERROW2]] : i64
// CHECK-NEXT: %[[COL:.*]] = llvm.mul %[[REM]], %[[ELTS]] : i64
// CHECK-NEXT: %[[I:.*]] = llvm.add %[[C0]], %[[ROW]] : i64
// CHECK-NEXT: %[[J:.*]] = llvm.add %[[C0]], %[[COL]] : i64
// CHECK-NEXT: %[[VALID:.*]] = llvm.icmp "slt" %[[I]], %[[N]] : i64
// CHECK-NEXT: %[[CHUNKS:.*]] = llvm.mlir.constant(512 : i64) : i64
// CHECK-NEXT: llvm.icmp "slt" %[[CHUNK]], %[[CHUNKS]] : i64
// CHECK-NEXT: %[[Z:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[ST0:.*]] = llvm.extractvalue %[[DESC]][3]
// CHECK-NEXT: %[[O0:.*]] = llvm.mul %[[I]], %[[ST0]] : i64
// CHECK-NEXT: %[[O1:.*]] = llvm.add %[[Z]], %[[O0]] : i64
// CHECK-NEXT: %[[ST1:.*]] = llvm.extractvalue %[[DESC]][4]
// CHECK-NEXT: %[[O2:.*]] = llvm.mul %[[J]], %[[ST1]] : i64
// CHECK-NEXT: %[[OFF:.*]] = llvm.add %[[O1]], %[[O2]] : i64
// CHECK-NEXT: %[[GBASE:.*]] = llvm.extractvalue %[[DESC]][0]
// CHECK-NEXT: llvm.extractvalue %[[DESC]][0]
// CHECK-NEXT: %[[GADDR:.*]] = llvm.getelementptr %[[GBASE]][%[[OFF]]] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, bf16
// CHECK-NEXT: %[[ROWELEMS:.*]] = llvm.mlir.constant(72 : i64) : i64
// CHECK-NEXT: %[[RE:.*]] = llvm.mul %[[ROW]], %[[ROWELEMS]] : i64
// CHECK-NEXT: %[[IDX:.*]] = llvm.add %[[RE]], %[[COL]] : i64
// CHECK-NEXT: %[[TWO:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[BYTE:.*]] = llvm.mul %[[IDX]], %[[TWO]] : i64
// CHECK-NEXT: %[[BASE:.*]] = llvm.extractvalue %[[DESC]][0]
// CHECK-NEXT: %[[SRC:.*]] = llvm.select %[[VALID]], %[[GADDR]], %[[BASE]] : i1, !llvm.ptr<1>
// CHECK-NEXT: %[[NONE:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[ALL:.*]] = llvm.mlir.constant(16 : i32) : i32
// CHECK-NEXT: %[[SRCBYTES:.*]] = llvm.select %[[VALID]], %[[ALL]], %[[NONE]] : i1, i32
// CHECK-NEXT: %[[SADDR:.*]] = llvm.getelementptr %[[BUF]][%[[BYTE]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: nvvm.cp.async.shared.global %[[SADDR]], %[[SRC]], 16, cache =  cg, %[[SRCBYTES]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK-NEXT: %[[SECOND:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK-NEXT: llvm.add %[[TID]], %[[SECOND]] : i64
// CHECK: llvm.mlir.constant(256 : i64) : i64
// CHECK: llvm.mlir.constant(384 : i64) : i64
// CHECK: nvvm.cp.async.shared.global
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-NEXT: llvm.return
// VEC8-LABEL: llvm.func @shared_load(
// VEC8: nvvm.barrier0
// VEC8: %[[PERROW:.*]] = llvm.mlir.constant(16 : i64) : i64
// VEC8-NEXT: llvm.udiv %{{.*}}, %[[PERROW]] : i64
// VEC8-NEXT: llvm.mlir.constant(4 : i64) : i64
// VEC8: llvm.mlir.constant(8 : i32) : i32
// VEC8: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 8, cache =  ca, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// VEC8-COUNT-7: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 8, cache =  ca
// VEC8-NEXT: nvvm.cp.async.commit.group
// VEC8-NEXT: llvm.return
// VEC4-LABEL: llvm.func @shared_load(
// VEC4: nvvm.barrier0
// VEC4: %[[PERROW:.*]] = llvm.mlir.constant(32 : i64) : i64
// VEC4-NEXT: llvm.udiv %{{.*}}, %[[PERROW]] : i64
// VEC4-NEXT: llvm.mlir.constant(2 : i64) : i64
// VEC4: llvm.mlir.constant(4 : i32) : i32
// VEC4: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache =  ca, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// VEC4-COUNT-15: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache =  ca
// VEC4-NEXT: nvvm.cp.async.commit.group
// VEC4-NEXT: llvm.return
// With 2-byte accesses (below cp.async's 4) the tile is copied through
// registers: 32 masked i16 loads, then the 32 stores, then a barrier.
// VEC2-LABEL: llvm.func @shared_load(
// VEC2: nvvm.barrier0
// VEC2: %[[PERROW:.*]] = llvm.mlir.constant(64 : i64) : i64
// VEC2-NEXT: llvm.udiv %{{.*}}, %[[PERROW]] : i64
// VEC2-NEXT: llvm.mlir.constant(1 : i64) : i64
// VEC2: %[[D0:.*]] = scf.if %{{.*}} -> (i16) {
// VEC2-NEXT: llvm.load %{{.*}} : !llvm.ptr<1> -> i16
// VEC2-COUNT-31: scf.if %{{.*}} -> (i16) {
// VEC2-NOT: llvm.store
// VEC2: scf.if %{{.*}} {
// VEC2-NEXT: %[[A0:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// VEC2-NEXT: llvm.store %[[D0]], %[[A0]] : i16, !llvm.ptr<3>
// VEC2-COUNT-31: llvm.store %{{.*}}, %{{.*}} : i16, !llvm.ptr<3>
// VEC2-NEXT: }
// VEC2-NEXT: nvvm.barrier0
// VEC2-NEXT: llvm.return
// VEC2-NOT: nvvm.cp.async
func.func @shared_load(%a: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 256 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  return
}

// -----

// A small shared tile (8 x 16 f16, padding 4: rows of 40 bytes) has fewer
// chunks (16) than threads: one round, and only the threads of a chunk copy.

// CHECK-LABEL: llvm.func @small_shared_load(
// CHECK: %[[TID:.*]] = llvm.zext %{{.*}} : i32 to i64
// CHECK: nvvm.barrier0
// CHECK-NEXT: %[[FIRST:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[CHUNK:.*]] = llvm.add %[[TID]], %[[FIRST]] : i64
// CHECK-NEXT: %[[PERROW:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK: %[[CHUNKS:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[INTILE:.*]] = llvm.icmp "slt" %[[CHUNK]], %[[CHUNKS]] : i64
// CHECK: llvm.mlir.constant(20 : i64) : i64
// CHECK: scf.if %[[INTILE]] {
// CHECK-NEXT: llvm.getelementptr
// CHECK-NEXT: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-NEXT: llvm.return
func.func @small_shared_load(%a: memref<?x16xf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x16xf16> -> tensor<8x16xf16, #flash.shared<padding = 4>>
  return
}

// -----

// Accumulating stores on sm_90a (wgmma=1): the two adjacent f32 columns of
// each pair of slots (columns +0/+1 and +8/+9 of each row) are added by one
// red.global.add.v2.f32 at the even column's address, when the memref's
// accesses are 8-byte aligned (vector-bytes >= 8) and the tile starts at
// an even column; else (NOPAIRS, and a first column not known to be even)
// each element by an atomic addition.

// PAIRS-LABEL: llvm.func @paired_reductions(
// PAIRS: scf.if %{{.*}} {
// PAIRS-NEXT: %[[A0:.*]] = llvm.getelementptr %[[ROW0:.*]][0] : (!llvm.ptr<1>) -> !llvm.ptr<1>, f32
// PAIRS-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f" %[[A0]], %{{.*}}, %{{.*}} : (!llvm.ptr<1>, f32, f32) -> ()
// PAIRS-NEXT: %[[A8:.*]] = llvm.getelementptr %[[ROW0]][8] : (!llvm.ptr<1>) -> !llvm.ptr<1>, f32
// PAIRS-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f" %[[A8]]
// PAIRS-NEXT: }
// PAIRS: scf.if %{{.*}} {
// PAIRS-COUNT-2: red.global.add.v2.f32
// PAIRS-NOT: red.global
// PAIRS-NOT: llvm.atomicrmw
// PAIRS: llvm.return
// PAIRS-LABEL: llvm.func @odd_first_column(
// PAIRS-NOT: red.global
// PAIRS-COUNT-8: llvm.atomicrmw fadd
// PAIRS: llvm.return
// NOPAIRS-LABEL: llvm.func @paired_reductions(
// NOPAIRS-NOT: red.global
// NOPAIRS-COUNT-8: llvm.atomicrmw fadd
// NOPAIRS: llvm.return
#mma = #flash.mma<warps = 4>
func.func @paired_reductions(%d: memref<?x16xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<1.0> : tensor<64x16xf32, #mma>
  flash.store %z, %d[%c0, %c0] bound %n along 0 accumulate : tensor<64x16xf32, #mma> -> memref<?x16xf32>
  return
}
func.func @odd_first_column(%d: memref<?x32xf32>, %n: index, %col: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<1.0> : tensor<64x16xf32, #mma>
  flash.store %z, %d[%c0, %col] bound %n along 0 accumulate : tensor<64x16xf32, #mma> -> memref<?x32xf32>
  return
}

// -----

// Plain stores pair adjacent columns only where the pair is known aligned:
// an f16 tile at constant column 2 is written two elements an access; at
// column 1, or at a column known only at run time, element by element.

// CHECK-LABEL: llvm.func @plain_store_pairs(
// CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : vector<2xf16>, !llvm.ptr<1>
// CHECK-NOT: vector<2xf16>, !llvm.ptr<1>
// CHECK-COUNT-16: llvm.store %{{.*}}, %{{.*}} : f16, !llvm.ptr<1>
// CHECK-NOT: llvm.store
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @plain_store_pairs(%d: memref<?x32xf16>, %n: index, %col: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %z = arith.constant dense<1.0> : tensor<64x16xf16, #mma>
  flash.store %z, %d[%c0, %c2] bound %n along 0 : tensor<64x16xf16, #mma> -> memref<?x32xf16>
  flash.store %z, %d[%c0, %c1] bound %n along 0 : tensor<64x16xf16, #mma> -> memref<?x32xf16>
  flash.store %z, %d[%c0, %col] bound %n along 0 : tensor<64x16xf16, #mma> -> memref<?x32xf16>
  return
}

// -----

// A vector in shared memory (the per-column statistics of a transposed
// tile): each of the first 16 threads copies one f32 with a 4-byte cp.async,
// 0 bytes (zero fill) past the bound; reading it into the columns layout
// waits for the copy and a barrier, then each thread loads its columns
// 2 tig + {0, 1, 8, 9} (bytes 4 x column).

// CHECK-LABEL: llvm.func @statistics_through_shared(
// CHECK: nvvm.barrier0
// CHECK: %[[IN:.*]] = llvm.icmp "slt" %{{.*}}, %{{.*}} : i64
// CHECK: %[[FIRST16:.*]] = llvm.icmp "slt" %{{.*}}, %{{.*}} : i64
// CHECK: llvm.select %[[IN]], %{{.*}}, %{{.*}} : i1, !llvm.ptr<1>
// CHECK: %[[BYTES:.*]] = llvm.select %[[IN]], %{{.*}}, %{{.*}} : i1, i32
// CHECK: scf.if %[[FIRST16]] {
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache = {{ *}}ca, %[[BYTES]]
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK-NOT: llvm.load %{{.*}} : !llvm.ptr<3>
// CHECK: llvm.return
// An f32 is 4-byte aligned whatever the alignment of 16-bit tensors.
// VEC2-LABEL: llvm.func @statistics_through_shared(
// VEC2: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache = {{ *}}ca
#mma = #flash.mma<warps = 4>
#columns = #flash.columns<#mma>
#vector = #flash.shared<padding = 0>
func.func @statistics_through_shared(%r: memref<?xf32>, %o: memref<?xf32>, %n: index) attributes {flash.kernel, flash.shared_memory = 64 : i64} {
  %c0 = arith.constant 0 : index
  %v = flash.load %r[%c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?xf32> -> tensor<16xf32, #vector>
  %d = flash.convert_layout %v : tensor<16xf32, #vector> -> tensor<16xf32, #columns>
  flash.store %d, %o[%c0] bound %n along 0 : tensor<16xf32, #columns> -> memref<?xf32>
  return
}

// -----

// A shared load right after another one (nothing reading shared memory in
// between) needs no barrier of its own: the first one's barrier already
// ordered every earlier reader (flash.readers_done). After a reader (the
// conversion), the next load has its barrier again.

// CHECK-LABEL: llvm.func @consecutive_shared_loads(
// CHECK: nvvm.barrier0
// CHECK-COUNT-4: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = {{ *}}cg
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-NOT: nvvm.barrier0
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache = {{ *}}ca
// CHECK: nvvm.cp.async.commit.group
// CHECK-NOT: nvvm.barrier0
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK: nvvm.barrier0
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache = {{ *}}ca
// CHECK: llvm.return
// VEC2-LABEL: llvm.func @consecutive_shared_loads(
#mma = #flash.mma<warps = 4>
#columns = #flash.columns<#mma>
#vector = #flash.shared<padding = 0>
func.func @consecutive_shared_loads(%a: memref<?x64xbf16>, %r: memref<?xf32>, %o: memref<?xf32>, %n: index) attributes {flash.kernel, flash.shared_memory = 9728 : i64} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  %v = flash.load %r[%c0] bound %n along 0 {flash.shared_offset = 9216 : i64} : memref<?xf32> -> tensor<64xf32, #vector>
  %d = flash.convert_layout %v : tensor<64xf32, #vector> -> tensor<64xf32, #columns>
  %w = flash.load %r[%c0] bound %n along 0 {flash.shared_offset = 9472 : i64} : memref<?xf32> -> tensor<64xf32, #vector>
  %e = flash.convert_layout %w : tensor<64xf32, #vector> -> tensor<64xf32, #columns>
  flash.store %d, %o[%c0] bound %n along 0 : tensor<64xf32, #columns> -> memref<?xf32>
  flash.store %e, %o[%c0] bound %n along 0 : tensor<64xf32, #columns> -> memref<?xf32>
  return
}
