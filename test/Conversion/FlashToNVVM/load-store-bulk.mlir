// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm=wgmma=1 | FileCheck %s

// --convert-flash-to-nvvm, an accumulating flash.store of a shared f32 tile
// on sm_90 (LoadStoreToLLVM.cpp; flash-assign-layouts{shared-reductions}
// gives the tile its rows padded to the destination's): the tile's rows
// before the bound are one contiguous range of the destination, which
// thread 0 adds the buffer to with one asynchronous bulk reduction
// (cp.reduce.async.bulk ... .add.f32) and commits. The conversion that
// writes the buffer first waits for the previous reduction's reads
// (cp.async.bulk.wait_group.read 0, then the barrier), and fences its
// writes for the async proxy before the barrier after them. The loop
// holding the buffer is followed by a wait for the reads (the buffer's
// bytes are free after it), the kernel's end by a wait for the additions.

// A 64 x 16 tile padded by 8 (rows of 24 f32, 96 bytes) into a ?x24 memref
// at row 64 i: min(max(n - 64 i, 0), 64) rows of 96 bytes.

// CHECK-LABEL: llvm.func @bulk_sums(
// CHECK-SAME: %[[N:[^:]+]]: i64, %{{[^:]+}}: i64)
// CHECK: scf.for
// CHECK: %[[ROW:.*]] = builtin.unrealized_conversion_cast %{{.*}} : index to i64
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @flash_shared_memory : !llvm.ptr<3>
// CHECK-NEXT: %[[OFFSET:.*]] = llvm.mlir.constant(256 : i64) : i64
// CHECK-NEXT: %[[BUF:.*]] = llvm.getelementptr %[[SMEM]][%[[OFFSET]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK-NEXT: nvvm.barrier0
// CHECK-COUNT-8: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: nvvm.barrier0
// CHECK-NEXT: %[[LEFT:.*]] = llvm.sub %[[N]], %[[ROW]] : i64
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[POS:.*]] = llvm.intr.smax(%[[LEFT]], %[[ZERO]]) : (i64, i64) -> i64
// CHECK-NEXT: %[[TILE:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK-NEXT: %[[ROWS:.*]] = llvm.intr.smin(%[[POS]], %[[TILE]]) : (i64, i64) -> i64
// CHECK-NEXT: %[[ROWBYTES:.*]] = llvm.mlir.constant(96 : i64) : i64
// CHECK-NEXT: %[[BYTES64:.*]] = llvm.mul %[[ROWS]], %[[ROWBYTES]] : i64
// CHECK-NEXT: %[[BYTES:.*]] = llvm.trunc %[[BYTES64]] : i64 to i32
// CHECK: %[[GLOBAL:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, f32
// CHECK-NEXT: %[[SHARED:.*]] = llvm.ptrtoint %[[BUF]] : !llvm.ptr<3> to i32
// CHECK: %[[ANY:.*]] = llvm.icmp "sgt" %[[ROWS]], %{{.*}} : i64
// CHECK: %[[FIRST:.*]] = llvm.icmp "eq" %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: %[[ISSUE:.*]] = llvm.and %[[FIRST]], %[[ANY]] : i1
// CHECK-NEXT: scf.if %[[ISSUE]] {
// CHECK-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], $2;", "l,r,r" %[[GLOBAL]], %[[SHARED]], %[[BYTES]] : (!llvm.ptr<1>, i32, i32) -> ()
// CHECK-NEXT: nvvm.cp.async.bulk.commit.group
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK-NEXT: nvvm.cp.async.bulk.wait_group 0
// CHECK-NEXT: llvm.return
#mma = #flash.mma<warps = 4>
#shared = #flash.shared<padding = 8>
func.func @bulk_sums(%d: memref<?x24xf32>, %n: index, %steps: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %steps step %c1 {
    %row = arith.muli %i, %c64 : index
    %z = arith.constant dense<1.0> : tensor<64x16xf32, #mma>
    %s = flash.convert_layout %z {flash.shared_offset = 256 : i64} : tensor<64x16xf32, #mma> -> tensor<64x16xf32, #shared>
    flash.store %s, %d[%row, %c0] bound %n along 0 accumulate : tensor<64x16xf32, #shared> -> memref<?x24xf32>
  }
  return
}

// -----

// A transpose written straight into the reduction's buffer (the backward's
// dQᵀ at 64 queries): each thread stores its slot (row r, column c) of the
// 64 x 16 mma tile at row c, column r of the 16 x 64 buffer (rows of
// 64 + 8 f32), after the wait for the last reduction's reads.

// CHECK-LABEL: llvm.func @transposed_sums(
// CHECK: %[[WARP:.*]] = llvm.lshr %{{.*}}, %{{.*}} : i64
// CHECK: %[[GROUP:.*]] = llvm.lshr %{{.*}}, %{{.*}} : i64
// CHECK: %[[TIG:.*]] = llvm.and %{{.*}}, %{{.*}} : i64
// CHECK: %[[ROW16:.*]] = llvm.mul %[[WARP]], %{{.*}} : i64
// CHECK-NEXT: %[[ROWBASE:.*]] = llvm.add %{{.*}}, %[[ROW16]] : i64
// CHECK-NEXT: %[[ROW:.*]] = llvm.add %[[ROWBASE]], %[[GROUP]] : i64
// CHECK: %[[COL2:.*]] = llvm.mul %[[TIG]], %{{.*}} : i64
// CHECK-NEXT: %[[COL:.*]] = llvm.add %{{.*}}, %[[COL2]] : i64
// CHECK: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK-NEXT: nvvm.barrier0
// CHECK-NEXT: %{{.*}} = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[R0:.*]] = llvm.add %[[ROW]], %{{.*}} : i64
// CHECK-NEXT: %{{.*}} = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[C0:.*]] = llvm.add %[[COL]], %{{.*}} : i64
// CHECK-NEXT: %[[PITCH:.*]] = llvm.mlir.constant(72 : i64) : i64
// CHECK-NEXT: %[[AT:.*]] = llvm.mul %[[C0]], %[[PITCH]] : i64
// CHECK-NEXT: %{{.*}} = llvm.add %[[AT]], %[[R0]] : i64
// CHECK-COUNT-8: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: nvvm.barrier0
// CHECK: cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32
#mma = #flash.mma<warps = 4>
func.func @transposed_sums(%d: memref<?x72xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<1.0> : tensor<64x16xf32, #mma>
  %t = flash.transpose %z {flash.shared_offset = 0 : i64} : tensor<64x16xf32, #mma> -> tensor<16x64xf32, #flash.shared<padding = 8>>
  flash.store %t, %d[%c0, %c0] bound %n along 0 accumulate : tensor<16x64xf32, #flash.shared<padding = 8>> -> memref<?x72xf32>
  return
}
