// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s

// --convert-flash-to-nvvm, a flash.load into #flash.shared<swizzle = 128>
// (LoadStoreToLLVM.cpp with SharedTileAddressing): each thread copies 16-byte
// chunks (8 bf16) with cp.async; chunk `chunk` of the 64 x 128 tile is row
// chunk / 16, column 8 (chunk % 16), stored at
//   (column / 64) * 64 rows * 128   (its 64-column block: 8192 bytes each)
// + row * 128                        (128-byte rows)
// + ((column % 64) / 8 xor row % 8) * 16   (the swizzled 16-byte chunk)
// + (column % 8) * 2.

// CHECK-LABEL: llvm.func @swizzled_load(
// CHECK: nvvm.barrier0
// CHECK: %[[CHUNK:.*]] = llvm.add %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: %[[PERROW:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[ROW:.*]] = llvm.udiv %[[CHUNK]], %[[PERROW]] : i64
// CHECK: %[[COL:.*]] = llvm.mul %{{.*}}, %{{.*}} : i64
// CHECK: %[[C64:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK-NEXT: %[[BLOCK:.*]] = llvm.udiv %[[COL]], %[[C64]] : i64
// CHECK-NEXT: %[[C64B:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK-NEXT: %[[INBLOCK:.*]] = llvm.urem %[[COL]], %[[C64B]] : i64
// CHECK-NEXT: %[[C8:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[CH:.*]] = llvm.udiv %[[INBLOCK]], %[[C8]] : i64
// CHECK-NEXT: %[[C8B:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[EL:.*]] = llvm.urem %[[INBLOCK]], %[[C8B]] : i64
// CHECK-NEXT: %[[C7:.*]] = llvm.mlir.constant(7 : i64) : i64
// CHECK-NEXT: %[[PHASE:.*]] = llvm.and %[[ROW]], %[[C7]] : i64
// CHECK-NEXT: %[[SW:.*]] = llvm.xor %[[CH]], %[[PHASE]] : i64
// CHECK-NEXT: %[[C128:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK-NEXT: %[[ROWB:.*]] = llvm.mul %[[ROW]], %[[C128]] : i64
// CHECK-NEXT: %[[C8192:.*]] = llvm.mlir.constant(8192 : i64) : i64
// CHECK-NEXT: %[[BLOCKB:.*]] = llvm.mul %[[BLOCK]], %[[C8192]] : i64
// CHECK-NEXT: %[[O1:.*]] = llvm.add %[[BLOCKB]], %[[ROWB]] : i64
// CHECK-NEXT: %[[C16:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[CHB:.*]] = llvm.mul %[[SW]], %[[C16]] : i64
// CHECK-NEXT: %[[O2:.*]] = llvm.add %[[O1]], %[[CHB]] : i64
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[ELB:.*]] = llvm.mul %[[EL]], %[[C2]] : i64
// CHECK-NEXT: %[[OFF:.*]] = llvm.add %[[O2]], %[[ELB]] : i64
// CHECK: %[[DST:.*]] = llvm.getelementptr %{{.*}}[%[[OFF]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: nvvm.cp.async.shared.global %[[DST]], %{{.*}}, 16, cache =  cg
#sw = #flash.shared<swizzle = 128>
func.func @swizzled_load(%a: memref<?x128xbf16>, %o: memref<?x128xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x128xbf16> -> tensor<64x128xbf16, #sw>
  %r = flash.convert_layout %t : tensor<64x128xbf16, #sw> -> tensor<64x128xbf16, #flash.mma<warps = 4>>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x128xbf16, #flash.mma<warps = 4>> -> memref<?x128xbf16>
  return
}
