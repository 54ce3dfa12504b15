// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm=num-warps=8 | FileCheck %s --check-prefix=W8

// --convert-flash-to-nvvm, kernel signatures (KernelToLLVM.cpp): a
// flash.kernel func.func becomes an llvm.func marked nvvm.kernel with
// nvvm.maxntid = 32 x num-warps threads; each memref argument becomes a
// global pointer (!llvm.ptr<1>) followed by its sizes and strides as i64
// (rebuilt into a descriptor struct in the body), index and i64 scalars
// become i64. flash.program_id reads the block id (ctaid), flash.num_programs
// the grid's size (nctaid), memref.dim a size
// of the descriptor, flash.seq_bounds two int32 prefix sums. flash.grid and
// flash.shared_memory are kept; functions that are not kernels are removed.

// CHECK-NOT: func.func @host
// CHECK-LABEL: llvm.func @signature(
// CHECK-SAME: %[[P0:[^:]+]]: !llvm.ptr<1>, %[[S00:[^:]+]]: i64, %[[S01:[^:]+]]: i64, %[[S02:[^:]+]]: i64, %[[T00:[^:]+]]: i64, %[[T01:[^:]+]]: i64, %[[T02:[^:]+]]: i64,
// CHECK-SAME: %[[P1:[^:]+]]: !llvm.ptr<1>, %[[S10:[^:]+]]: i64, %[[T10:[^:]+]]: i64, %[[N:[^:]+]]: i64, %[[SEED:[^:]+]]: i64)
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.shared_memory = 1024 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-NEXT: %[[U0:.*]] = llvm.mlir.undef : !llvm.struct<(ptr<1>, i64, i64, i64, i64, i64, i64)>
// CHECK-NEXT: %[[D00:.*]] = llvm.insertvalue %[[P0]], %[[U0]][0] : !llvm.struct<(ptr<1>, i64, i64, i64, i64, i64, i64)>
// CHECK-NEXT: %[[D01:.*]] = llvm.insertvalue %[[S00]], %[[D00]][1]
// CHECK-NEXT: %[[D02:.*]] = llvm.insertvalue %[[S01]], %[[D01]][2]
// CHECK-NEXT: %[[D03:.*]] = llvm.insertvalue %[[S02]], %[[D02]][3]
// CHECK-NEXT: %[[D04:.*]] = llvm.insertvalue %[[T00]], %[[D03]][4]
// CHECK-NEXT: %[[D05:.*]] = llvm.insertvalue %[[T01]], %[[D04]][5]
// CHECK-NEXT: %[[D0:.*]] = llvm.insertvalue %[[T02]], %[[D05]][6]
// CHECK-NEXT: builtin.unrealized_conversion_cast %[[D0]] : !llvm.struct<(ptr<1>, i64, i64, i64, i64, i64, i64)> to memref<?x?x64xbf16, strided<[?, ?, 1], offset: ?>>
// CHECK-NEXT: %[[U1:.*]] = llvm.mlir.undef : !llvm.struct<(ptr<1>, i64, i64)>
// CHECK-NEXT: %[[D10:.*]] = llvm.insertvalue %[[P1]], %[[U1]][0] : !llvm.struct<(ptr<1>, i64, i64)>
// CHECK-NEXT: %[[D11:.*]] = llvm.insertvalue %[[S10]], %[[D10]][1]
// CHECK-NEXT: %[[D1:.*]] = llvm.insertvalue %[[T10]], %[[D11]][2]
// CHECK-NEXT: builtin.unrealized_conversion_cast %[[D1]] : !llvm.struct<(ptr<1>, i64, i64)> to memref<?xf32>
// CHECK-NEXT: builtin.unrealized_conversion_cast %[[N]] : i64 to index
// CHECK-NEXT: %[[X:.*]] = nvvm.read.ptx.sreg.ctaid.x : i32
// CHECK-NEXT: llvm.zext %[[X]] : i32 to i64
// CHECK-NEXT: %[[Y:.*]] = nvvm.read.ptx.sreg.ctaid.y : i32
// CHECK-NEXT: llvm.zext %[[Y]] : i32 to i64
// CHECK-NEXT: %[[Z:.*]] = nvvm.read.ptx.sreg.ctaid.z : i32
// CHECK-NEXT: llvm.zext %[[Z]] : i32 to i64
// CHECK-NEXT: %[[NX:.*]] = nvvm.read.ptx.sreg.nctaid.x : i32
// CHECK-NEXT: llvm.zext %[[NX]] : i32 to i64
// CHECK-NEXT: %[[NY:.*]] = nvvm.read.ptx.sreg.nctaid.y : i32
// CHECK-NEXT: llvm.zext %[[NY]] : i32 to i64
// CHECK-NEXT: arith.constant 1 : index
// CHECK-NEXT: llvm.extractvalue %[[D0]][2] : !llvm.struct<(ptr<1>, i64, i64, i64, i64, i64, i64)>
// CHECK-NEXT: llvm.return
// CHECK-NEXT: }
// CHECK-NOT: llvm.func
// W8-LABEL: llvm.func @signature(
// W8-SAME: nvvm.kernel, nvvm.maxntid = array<i32: 256, 1, 1>} {
func.func @signature(%a: memref<?x?x64xbf16, strided<[?, ?, 1], offset: ?>>,
                     %l: memref<?xf32>, %n: index, %seed: i64)
    attributes {flash.kernel, flash.shared_memory = 1024 : i64,
                flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}} {
  %x = flash.program_id x
  %y = flash.program_id y
  %z = flash.program_id z
  %nx = flash.num_programs x
  %ny = flash.num_programs y
  %c1 = arith.constant 1 : index
  %d = memref.dim %a, %c1 : memref<?x?x64xbf16, strided<[?, ?, 1], offset: ?>>
  return
}
func.func @host(%a: memref<?x?x64xbf16, strided<[?, ?, 1], offset: ?>>,
                %l: memref<?xf32>, %n: index, %seed: i64) {
  %c1 = arith.constant 1 : index
  flash.launch @signature grid(%c1, %c1, %c1) (%a, %l, %n, %seed)
      : memref<?x?x64xbf16, strided<[?, ?, 1], offset: ?>>, memref<?xf32>, index, i64
  return
}

// -----

// flash.seq_bounds: start = cu[b], length = cu[b + 1] - cu[b], each an i32
// load through the descriptor's stride, sign-extended.

// CHECK-LABEL: llvm.func @seq_bounds(
// CHECK-SAME: %[[P:[^:]+]]: !llvm.ptr<1>, %[[SIZE:[^:]+]]: i64, %[[STRIDE:[^:]+]]: i64, %[[B:[^:]+]]: i64)
// CHECK: %[[D:.*]] = llvm.insertvalue %[[STRIDE]], %{{.*}}[2] : !llvm.struct<(ptr<1>, i64, i64)>
// CHECK: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[ST:.*]] = llvm.extractvalue %[[D]][2] : !llvm.struct<(ptr<1>, i64, i64)>
// CHECK-NEXT: %[[OFF:.*]] = llvm.mul %[[B]], %[[ST]] : i64
// CHECK-NEXT: %[[SUM:.*]] = llvm.add %[[ZERO]], %[[OFF]] : i64
// CHECK-NEXT: %[[BASE:.*]] = llvm.extractvalue %[[D]][0] : !llvm.struct<(ptr<1>, i64, i64)>
// CHECK-NEXT: llvm.extractvalue %[[D]][0]
// CHECK-NEXT: %[[ADDR:.*]] = llvm.getelementptr %[[BASE]][%[[SUM]]] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i32
// CHECK-NEXT: %[[S32:.*]] = llvm.load %[[ADDR]] : !llvm.ptr<1> -> i32
// CHECK-NEXT: %[[START:.*]] = llvm.sext %[[S32]] : i32 to i64
// CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: %[[B1:.*]] = llvm.add %[[B]], %[[ONE]] : i64
// CHECK: %[[ADDR1:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i32
// CHECK-NEXT: %[[E32:.*]] = llvm.load %[[ADDR1]] : !llvm.ptr<1> -> i32
// CHECK-NEXT: %[[END:.*]] = llvm.sext %[[E32]] : i32 to i64
// CHECK-NEXT: llvm.sub %[[END]], %[[START]] : i64
// CHECK-NEXT: llvm.return
func.func @seq_bounds(%cu: memref<?xi32>, %b: index) attributes {flash.kernel} {
  %start, %len = flash.seq_bounds %cu[%b] : memref<?xi32>
  return
}

// -----

// A module without kernels keeps nothing.

// CHECK-LABEL: module {
// CHECK-NEXT: }
func.func @only_host(%n: index) {
  return
}
