// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="wgmma=true" | FileCheck %s

// --convert-flash-to-nvvm="wgmma=true" (sm_90a), flash.convert_layout of an
// mma tile of 16-bit elements into shared memory (ConvertLayoutToLLVM.cpp):
// one stmatrix .x4 a warp per 16x16 block instead of a 2-byte store an
// element. The four registers of a block are the accumulator pairs (rows
// 0-7, columns 0-7), (rows 8-15, columns 0-7), (rows 0-7, columns 8-15),
// (rows 8-15, columns 8-15): mma slots 0-1, 2-3 of n block 2jj, then of
// n block 2jj+1. Lane l addresses row 8 ((l / 8) % 2) + l % 8 and column
// 8 (l / 16) of the block, here in the 128-byte swizzle.

// 64 x 64 bf16 on 4 warps: 16 rows a warp, four 16x16 blocks.
// CHECK-LABEL: llvm.func @mma_to_swizzled_shared(
// CHECK: %[[TILE:.*]] = llvm.insertvalue %{{.*}}[31] : !llvm.struct<(bf16,
// CHECK: %[[E0:.*]] = llvm.extractvalue %[[TILE]][0]
// CHECK-NEXT: %[[E1:.*]] = llvm.extractvalue %[[TILE]][1]
// CHECK: nvvm.barrier0
// CHECK: llvm.insertelement %[[E0]]
// CHECK: llvm.insertelement %[[E1]]
// CHECK: %[[P0:.*]] = llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// CHECK: llvm.xor
// CHECK: %[[ADDR:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: nvvm.stmatrix %[[ADDR]], %[[P0]], %{{.*}}, %{{.*}}, %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : !llvm.ptr<3>, i32, i32, i32, i32
// CHECK-COUNT-3: nvvm.stmatrix
// CHECK-NOT: nvvm.stmatrix
// CHECK-NOT: llvm.store {{.*}} !llvm.ptr<3>
// CHECK: nvvm.barrier0
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @mma_to_swizzled_shared(%a: memref<?x64xbf16>, %o: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #mma>
  %s = flash.convert_layout %m {flash.shared_offset = 0 : i64} : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #flash.shared<swizzle = 128>>
  %r = flash.convert_layout %s : tensor<64x64xbf16, #flash.shared<swizzle = 128>> -> tensor<64x64xbf16, #mma>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x64xbf16, #mma> -> memref<?x64xbf16>
  return
}

// -----

// Columns not a multiple of 16 (one n8 block): 2-byte stores.
// CHECK-LABEL: llvm.func @eight_columns(
// CHECK-NOT: nvvm.stmatrix
// CHECK: llvm.store %{{.*}}, %{{.*}} : f16, !llvm.ptr<3>
#mma = #flash.mma<warps = 4>
func.func @eight_columns(%a: memref<?x8xf16>, %o: memref<?x8xf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %m = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x8xf16> -> tensor<64x8xf16, #mma>
  %s = flash.convert_layout %m {flash.shared_offset = 0 : i64} : tensor<64x8xf16, #mma> -> tensor<64x8xf16, #flash.shared<padding = 8>>
  %r = flash.convert_layout %s : tensor<64x8xf16, #flash.shared<padding = 8>> -> tensor<64x8xf16, #mma>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x8xf16, #mma> -> memref<?x8xf16>
  return
}
