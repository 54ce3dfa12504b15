// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s

// --convert-flash-to-nvvm, flash.dot (DotToMmaSync.cpp): one
// nvvm.mma.sync m16n8k16 (f32 accumulators) per 16 x 8 accumulator block of
// the warp and 16-deep k step. `a` fragments come from registers
// (#flash.operand<a>: two 16-bit slots packed per 32-bit register) or from
// shared memory with ldmatrix .x4 (layout col, i.e. .trans, for a transposed
// `a`); `b` fragments from shared memory with ldmatrix .x2 (layout row when
// the tile holds b^T, col when it holds b). bf16 operands travel as i32,
// f16 as vector<2xf16>. Before reading shared tiles that loads produced, the
// product waits for their asynchronous copies (cp.async.wait.group N leaves
// the N later loads in flight) and synchronises the program.

// bf16, `a` in registers (64 x 16: 8 slots a thread), `b` = K^T in shared
// memory (8 x 16, rows of 24 elements): one mma.sync per warp.

// CHECK-LABEL: llvm.func @registers_a_bf16(
// CHECK: %[[BUF:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: nvvm.cp.async.commit.group
// CHECK: %[[Z:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK: %[[ACC:.*]] = llvm.insertvalue %[[Z]], %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK-NEXT: %[[TID32:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK-NEXT: %[[TID:.*]] = llvm.zext %[[TID32]] : i32 to i64
// CHECK: %[[LANE:.*]] = llvm.and %[[TID]], %{{.*}} : i64
// CHECK: %[[A0:.*]] = llvm.extractvalue %[[A:.*]][0] : !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[A1:.*]] = llvm.extractvalue %[[A]][1]
// CHECK-NEXT: %[[A2:.*]] = llvm.extractvalue %[[A]][2]
// CHECK-NEXT: %[[A3:.*]] = llvm.extractvalue %[[A]][3]
// CHECK-NEXT: %[[A4:.*]] = llvm.extractvalue %[[A]][4]
// CHECK-NEXT: %[[A5:.*]] = llvm.extractvalue %[[A]][5]
// CHECK-NEXT: %[[A6:.*]] = llvm.extractvalue %[[A]][6]
// CHECK-NEXT: %[[A7:.*]] = llvm.extractvalue %[[A]][7]
// CHECK-NEXT: %[[U0:.*]] = llvm.mlir.undef : vector<2xbf16>
// CHECK-NEXT: %[[I0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[V00:.*]] = llvm.insertelement %[[A0]], %[[U0]][%[[I0]] : i32] : vector<2xbf16>
// CHECK-NEXT: %[[I1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[V01:.*]] = llvm.insertelement %[[A1]], %[[V00]][%[[I1]] : i32] : vector<2xbf16>
// CHECK-NEXT: %[[R0:.*]] = llvm.bitcast %[[V01]] : vector<2xbf16> to i32
// CHECK: llvm.insertelement %[[A2]]
// CHECK: llvm.insertelement %[[A3]]
// CHECK-NEXT: %[[R1:.*]] = llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: llvm.insertelement %[[A4]]
// CHECK: llvm.insertelement %[[A5]]
// CHECK-NEXT: %[[R2:.*]] = llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: llvm.insertelement %[[A6]]
// CHECK: llvm.insertelement %[[A7]]
// CHECK-NEXT: %[[R3:.*]] = llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// b^T: lane l addresses row l % 8, column 8 ((l / 8) % 2) (rows of 24 x 2 bytes).
// CHECK-NEXT: %[[C7:.*]] = llvm.mlir.constant(7 : i64) : i64
// CHECK-NEXT: %[[R:.*]] = llvm.and %[[LANE]], %[[C7]] : i64
// CHECK-NEXT: %[[C8:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[C1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: %[[C3:.*]] = llvm.mlir.constant(3 : i64) : i64
// CHECK-NEXT: %[[Q:.*]] = llvm.lshr %[[LANE]], %[[C3]] : i64
// CHECK-NEXT: %[[Q1:.*]] = llvm.and %[[Q]], %[[C1]] : i64
// CHECK-NEXT: %[[HALF:.*]] = llvm.mul %[[Q1]], %[[C8]] : i64
// CHECK-NEXT: %[[J:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[ROW:.*]] = llvm.add %[[J]], %[[R]] : i64
// CHECK-NEXT: %[[KK:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[COL:.*]] = llvm.add %[[KK]], %[[HALF]] : i64
// CHECK-NEXT: %[[C24:.*]] = llvm.mlir.constant(24 : i64) : i64
// CHECK-NEXT: %[[RB:.*]] = llvm.mul %[[ROW]], %[[C24]] : i64
// CHECK-NEXT: %[[IDX:.*]] = llvm.add %[[RB]], %[[COL]] : i64
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[BYTES:.*]] = llvm.mul %[[IDX]], %[[C2]] : i64
// CHECK-NEXT: %[[ADDR:.*]] = llvm.getelementptr %[[BUF]][%[[BYTES]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: %[[LD:.*]] = nvvm.ldmatrix %[[ADDR]] {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 2 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32)>
// CHECK-NEXT: %[[B0:.*]] = llvm.extractvalue %[[LD]][0] : !llvm.struct<(i32, i32)>
// CHECK-NEXT: %[[B1:.*]] = llvm.extractvalue %[[LD]][1] : !llvm.struct<(i32, i32)>
// CHECK-NEXT: %[[C0:.*]] = llvm.extractvalue %[[ACC]][0] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[CC1:.*]] = llvm.extractvalue %[[ACC]][1]
// CHECK-NEXT: %[[CC2:.*]] = llvm.extractvalue %[[ACC]][2]
// CHECK-NEXT: %[[CC3:.*]] = llvm.extractvalue %[[ACC]][3]
// CHECK-NEXT: %[[D:.*]] = nvvm.mma.sync A[%[[R0]], %[[R1]], %[[R2]], %[[R3]]]  B[%[[B0]], %[[B1]]]  C[%[[C0]], %[[CC1]], %[[CC2]], %[[CC3]]]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[D0:.*]] = llvm.extractvalue %[[D]][0]
// CHECK-NEXT: %[[D1:.*]] = llvm.extractvalue %[[D]][1]
// CHECK-NEXT: %[[D2:.*]] = llvm.extractvalue %[[D]][2]
// CHECK-NEXT: %[[D3:.*]] = llvm.extractvalue %[[D]][3]
// CHECK-NEXT: %[[RU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[RS0:.*]] = llvm.insertvalue %[[D0]], %[[RU]][0]
// CHECK-NEXT: %[[RS1:.*]] = llvm.insertvalue %[[D1]], %[[RS0]][1]
// CHECK-NEXT: %[[RS2:.*]] = llvm.insertvalue %[[D2]], %[[RS1]][2]
// CHECK-NEXT: %[[RES:.*]] = llvm.insertvalue %[[D3]], %[[RS2]][3]
// CHECK: llvm.extractvalue %[[RES]][0] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @registers_a_bf16(%a: memref<?x16xbf16>, %b: memref<?x16xbf16>, %o: memref<?x8xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %at = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x16xbf16> -> tensor<64x16xbf16, #flash.operand<a, #mma>>
  %bt = flash.load %b[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x16xbf16> -> tensor<8x16xbf16, #flash.shared<padding = 8>>
  %z = arith.constant dense<0.0> : tensor<64x8xf32, #mma>
  %d = flash.dot %at, %bt, %z {transpose_b} : tensor<64x16xbf16, #flash.operand<a, #mma>>, tensor<8x16xbf16, #flash.shared<padding = 8>> -> tensor<64x8xf32, #mma>
  flash.store %d, %o[%c0, %c0] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}

// -----

// f16, `a` (64 x 16) and `b` (16 x 8, k-major as V in P V) both in shared
// memory: ldmatrix .x4 row for `a` (lane l: row 16 warp + l % 16, column
// 8 (l / 16)), ldmatrix .x2 col (.trans) for `b` (lane l: row
// l % 8 + 8 ((l / 8) % 2), column 0); registers bitcast to vector<2xf16>.

// CHECK-LABEL: llvm.func @shared_a_f16(
// CHECK: %[[ABUF:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: nvvm.cp.async.commit.group
// CHECK: %[[BBUF:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK-NEXT: nvvm.read.ptx.sreg.tid.x
// CHECK-NEXT: %[[TID:.*]] = llvm.zext
// CHECK-NEXT: llvm.mlir.constant(5 : i64)
// CHECK-NEXT: %[[WARP:.*]] = llvm.lshr %[[TID]]
// CHECK-NEXT: llvm.mlir.constant(31 : i64)
// CHECK-NEXT: %[[LANE:.*]] = llvm.and %[[TID]]
// CHECK: %[[C16:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[WROW:.*]] = llvm.mul %[[WARP]], %[[C16]] : i64
// CHECK-NEXT: %[[C15:.*]] = llvm.mlir.constant(15 : i64) : i64
// CHECK-NEXT: %[[L15:.*]] = llvm.and %[[LANE]], %[[C15]] : i64
// CHECK-NEXT: %[[I16:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[R0:.*]] = llvm.add %[[I16]], %[[L15]] : i64
// CHECK-NEXT: %[[ROW:.*]] = llvm.add %[[WROW]], %[[R0]] : i64
// CHECK-NEXT: %[[C8:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[C4:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-NEXT: %[[L4:.*]] = llvm.lshr %[[LANE]], %[[C4]] : i64
// CHECK-NEXT: %[[K8:.*]] = llvm.mul %[[L4]], %[[C8]] : i64
// CHECK-NEXT: %[[KK:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[COL:.*]] = llvm.add %[[KK]], %[[K8]] : i64
// CHECK-NEXT: %[[C24:.*]] = llvm.mlir.constant(24 : i64) : i64
// CHECK-NEXT: %[[RB:.*]] = llvm.mul %[[ROW]], %[[C24]] : i64
// CHECK-NEXT: %[[IDX:.*]] = llvm.add %[[RB]], %[[COL]] : i64
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[BYTES:.*]] = llvm.mul %[[IDX]], %[[C2]] : i64
// CHECK-NEXT: %[[AADDR:.*]] = llvm.getelementptr %[[ABUF]][%[[BYTES]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: %[[ALD:.*]] = nvvm.ldmatrix %[[AADDR]] {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK-NEXT: %[[AR0:.*]] = llvm.extractvalue %[[ALD]][0]
// CHECK-NEXT: %[[AR1:.*]] = llvm.extractvalue %[[ALD]][1]
// CHECK-NEXT: %[[AR2:.*]] = llvm.extractvalue %[[ALD]][2]
// CHECK-NEXT: %[[AR3:.*]] = llvm.extractvalue %[[ALD]][3]
// CHECK-NEXT: %[[AF0:.*]] = llvm.bitcast %[[AR0]] : i32 to vector<2xf16>
// CHECK-NEXT: %[[AF1:.*]] = llvm.bitcast %[[AR1]] : i32 to vector<2xf16>
// CHECK-NEXT: %[[AF2:.*]] = llvm.bitcast %[[AR2]] : i32 to vector<2xf16>
// CHECK-NEXT: %[[AF3:.*]] = llvm.bitcast %[[AR3]] : i32 to vector<2xf16>
// CHECK-NEXT: %[[C7:.*]] = llvm.mlir.constant(7 : i64) : i64
// CHECK-NEXT: %[[L7:.*]] = llvm.and %[[LANE]], %[[C7]] : i64
// CHECK: %[[HALF:.*]] = llvm.mul %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: %[[RH:.*]] = llvm.add %[[L7]], %[[HALF]] : i64
// CHECK-NEXT: %[[KB:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[BROW:.*]] = llvm.add %[[KB]], %[[RH]] : i64
// CHECK-NEXT: %[[BCOL:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[C16B:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[BRB:.*]] = llvm.mul %[[BROW]], %[[C16B]] : i64
// CHECK-NEXT: %[[BIDX:.*]] = llvm.add %[[BRB]], %[[BCOL]] : i64
// CHECK-NEXT: %[[C2B:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[BBYTES:.*]] = llvm.mul %[[BIDX]], %[[C2B]] : i64
// CHECK-NEXT: %[[BADDR:.*]] = llvm.getelementptr %[[BBUF]][%[[BBYTES]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: %[[BLD:.*]] = nvvm.ldmatrix %[[BADDR]] {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 2 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32)>
// CHECK-NEXT: %[[BR0:.*]] = llvm.extractvalue %[[BLD]][0]
// CHECK-NEXT: %[[BR1:.*]] = llvm.extractvalue %[[BLD]][1]
// CHECK-NEXT: %[[BF0:.*]] = llvm.bitcast %[[BR0]] : i32 to vector<2xf16>
// CHECK-NEXT: %[[BF1:.*]] = llvm.bitcast %[[BR1]] : i32 to vector<2xf16>
// CHECK: nvvm.mma.sync A[%[[AF0]], %[[AF1]], %[[AF2]], %[[AF3]]]  B[%[[BF0]], %[[BF1]]]  C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#sh = #flash.shared<padding = 8>
func.func @shared_a_f16(%a: memref<?x16xf16>, %b: memref<?x8xf16>, %o: memref<?x8xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %at = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x16xf16> -> tensor<64x16xf16, #sh>
  %bt = flash.load %b[%c0, %c0] bound %n along 0 {flash.shared_offset = 3072 : i64} : memref<?x8xf16> -> tensor<16x8xf16, #sh>
  %z = arith.constant dense<0.0> : tensor<64x8xf32, #mma>
  %d = flash.dot %at, %bt, %z : tensor<64x16xf16, #sh>, tensor<16x8xf16, #sh> -> tensor<64x8xf32, #mma>
  flash.store %d, %o[%c0, %c0] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}

// -----

// A transposed `a` (the tile holds a^T, 16 x 64: k rows, m columns) is read
// with ldmatrix .x4 col (.trans): lane l addresses k row l % 8 + 8 (l / 16)
// and m column 16 warp + 8 ((l / 8) % 2), rows of 72 elements.

// CHECK-LABEL: llvm.func @transposed_a(
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK: %[[LANE:.*]] = llvm.and %{{.*}} : i64
// CHECK: %[[C16:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[WROW:.*]] = llvm.mul %{{.*}}, %[[C16]] : i64
// CHECK-NEXT: %[[C3:.*]] = llvm.mlir.constant(3 : i64) : i64
// CHECK-NEXT: %[[Q:.*]] = llvm.lshr %[[LANE]], %[[C3]] : i64
// CHECK-NEXT: %[[C7:.*]] = llvm.mlir.constant(7 : i64) : i64
// CHECK-NEXT: %[[R:.*]] = llvm.and %[[LANE]], %[[C7]] : i64
// CHECK-NEXT: %[[C8:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[C1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: %[[Q2:.*]] = llvm.lshr %[[Q]], %[[C1]] : i64
// CHECK-NEXT: %[[K8:.*]] = llvm.mul %[[Q2]], %[[C8]] : i64
// CHECK-NEXT: %[[RK:.*]] = llvm.add %[[R]], %[[K8]] : i64
// CHECK-NEXT: %[[KK:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[KROW:.*]] = llvm.add %[[KK]], %[[RK]] : i64
// CHECK-NEXT: %[[C8B:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[C1B:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: %[[QL:.*]] = llvm.and %[[Q]], %[[C1B]] : i64
// CHECK-NEXT: %[[M8:.*]] = llvm.mul %[[QL]], %[[C8B]] : i64
// CHECK-NEXT: %[[I:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[M:.*]] = llvm.add %[[I]], %[[M8]] : i64
// CHECK-NEXT: %[[MCOL:.*]] = llvm.add %[[WROW]], %[[M]] : i64
// CHECK-NEXT: %[[C72:.*]] = llvm.mlir.constant(72 : i64) : i64
// CHECK-NEXT: %[[RB:.*]] = llvm.mul %[[KROW]], %[[C72]] : i64
// CHECK-NEXT: llvm.add %[[RB]], %[[MCOL]] : i64
// CHECK: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 2 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32)>
// CHECK: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK-NOT: nvvm.mma.sync
#mma = #flash.mma<warps = 4>
#sh = #flash.shared<padding = 8>
func.func @transposed_a(%a: memref<?x64xbf16>, %b: memref<?x16xbf16>, %o: memref<?x8xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %at = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<16x64xbf16, #sh>
  %bt = flash.load %b[%c0, %c0] bound %n along 0 {flash.shared_offset = 2304 : i64} : memref<?x16xbf16> -> tensor<8x16xbf16, #sh>
  %z = arith.constant dense<0.0> : tensor<64x8xf32, #mma>
  %d = flash.dot %at, %bt, %z {transpose_a, transpose_b} : tensor<16x64xbf16, #sh>, tensor<8x16xbf16, #sh> -> tensor<64x8xf32, #mma>
  flash.store %d, %o[%c0, %c0] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}

// -----

// S = Q K^T then O = S' V with K and V loaded before either product (the
// forward's order): the first product waits for K only (wait.group 1 leaves
// V's copy in flight), the second for V. A 64 x 64 x 64 product with 4 warps
// is 8 n blocks x 4 k steps = 32 mma.sync, each k step chained into the next
// through the accumulators, and 4 x 8 ldmatrix of `b`.

// CHECK-LABEL: llvm.func @two_products(
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.commit.group
// CHECK-NOT: nvvm.cp.async.wait.group
// CHECK: nvvm.cp.async.wait.group 1
// CHECK-NEXT: nvvm.barrier0
// CHECK-COUNT-32: nvvm.ldmatrix %{{.*}} {{.*}}num = 2 : i32
// CHECK-NOT: nvvm.ldmatrix
// CHECK: %[[M0:.*]] = nvvm.mma.sync A[%{{.*}}]  B[%{{.*}}]  C[%{{.*}}]
// CHECK-NEXT: %[[M0E0:.*]] = llvm.extractvalue %[[M0]][0]
// CHECK-NEXT: %[[M0E1:.*]] = llvm.extractvalue %[[M0]][1]
// CHECK-NEXT: %[[M0E2:.*]] = llvm.extractvalue %[[M0]][2]
// CHECK-NEXT: %[[M0E3:.*]] = llvm.extractvalue %[[M0]][3]
// CHECK-NEXT: nvvm.mma.sync A[%{{.*}}]  B[%{{.*}}]  C[%[[M0E0]], %[[M0E1]], %[[M0E2]], %[[M0E3]]]
// CHECK-COUNT-30: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK-COUNT-32: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#opa = #flash.operand<a, #mma>
#sh = #flash.shared<padding = 8>
func.func @two_products(%q: memref<?x64xbf16>, %k: memref<?x64xbf16>, %v: memref<?x64xbf16>, %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #opa>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sh>
  %vt = flash.load %v[%c0, %c0] bound %n along 0 {flash.shared_offset = 9216 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sh>
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<64x64xbf16, #opa>, tensor<64x64xbf16, #sh> -> tensor<64x64xf32, #mma>
  %o2 = flash.dot %qt, %vt, %s : tensor<64x64xbf16, #opa>, tensor<64x64xbf16, #sh> -> tensor<64x64xf32, #mma>
  flash.store %o2, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32, #mma> -> memref<?x64xf32>
  return
}
