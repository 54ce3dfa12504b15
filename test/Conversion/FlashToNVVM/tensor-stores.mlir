// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 tma=true warp-specialize=true" | FileCheck %s

// --convert-flash-to-nvvm{tma warp-specialize}, the output tile of a
// persistent kernel (a 16-bit mma tile stored directly in the tile loop,
// rows bounded by the destination's own size) stored by the TMA
// (TensorStores.cpp). Its staging buffer follows the pipeline's buffers and
// barriers, 1024-aligned; its tensor map has boxes of one warp's rows (16
// of 128 over 8 warps). Each warp waits until its previous store has read
// its band, syncs, writes the band with stmatrix, fences the writes for the
// async proxy and syncs again; lane 0 stores the band and commits the bulk
// group. The kernel's end waits for the stores.

// The pipeline ends at 98400 (tensor-copies' copies_of_a_tile): the buffer
// takes 99328 to 115712. Warp w's band is 2048 bytes at 2048 w, its first
// row the tile's plus 16 w.
// CHECK-LABEL: llvm.func @output_of_a_tile(
// CHECK-SAME: flash.shared_memory = 115712 : i64
// CHECK-SAME: flash.tensor_maps = [{{.*}}{along = 0 : i64, arg = 3 : i64, box_rows = 16 : i64}]
// CHECK: nvvm.setmaxregister increase
// CHECK: llvm.mlir.constant(99328 : i64) : i64
// CHECK: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK-NEXT: %[[ALL:.*]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK-NEXT: nvvm.bar.warp.sync %[[ALL]] : i32
// CHECK-COUNT-4: nvvm.stmatrix
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: %[[ALL2:.*]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK-NEXT: nvvm.bar.warp.sync %[[ALL2]] : i32
// CHECK-NEXT: %[[COL:.*]] = llvm.trunc %{{.*}} : i64 to i32
// CHECK-NEXT: %[[ROW:.*]] = llvm.trunc %{{.*}} : i64 to i32
// CHECK-NEXT: %[[SIXTEEN:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[WARPROWS:.*]] = llvm.mul %[[WARP:.*]], %[[SIXTEEN]] : i64
// CHECK-NEXT: %[[WARPROWS32:.*]] = llvm.trunc %[[WARPROWS]] : i64 to i32
// CHECK-NEXT: %[[BANDROW:.*]] = llvm.add %[[ROW]], %[[WARPROWS32]] : i32
// CHECK-NEXT: %[[BANDBYTES:.*]] = llvm.mlir.constant(2048 : i64) : i64
// CHECK-NEXT: %[[BANDOFFSET:.*]] = llvm.mul %[[WARP]], %[[BANDBYTES]] : i64
// CHECK-NEXT: %[[BAND:.*]] = llvm.getelementptr %{{.*}}[%[[BANDOFFSET]]] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[LANE0:.*]] = llvm.icmp "eq" %{{.*}}, %[[ZERO]] : i64
// CHECK-NEXT: scf.if %[[LANE0]] {
// CHECK: %[[BOX:.*]] = llvm.getelementptr %[[BAND]][%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK-NEXT: nvvm.cp.async.bulk.tensor.global.shared.cta %{{.*}}, %[[BOX]], box[%{{.*}}, %[[BANDROW]]]
// CHECK-NEXT: nvvm.cp.async.bulk.commit.group
// CHECK-NEXT: }
// CHECK-NOT: llvm.store {{.*}}!llvm.ptr<1>
// CHECK: } else {
// CHECK: nvvm.setmaxregister decrease
// CHECK-NOT: nvvm.cp.async.bulk.tensor.global.shared.cta
// CHECK: nvvm.cp.async.bulk.wait_group 0
// CHECK-NEXT: llvm.return
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @output_of_a_tile(%q: !kv, %k: !kv, %v: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 49152 : i64} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  %qrows = memref.dim %q, %c0 : !kv
  %vrows = memref.dim %v, %c0 : !kv
  %orows = memref.dim %o, %c0 : !kv
  %first = flash.program_id x
  %programs = flash.num_programs x
  scf.for %t = %first to %n step %programs {
    %row = arith.muli %t, %c128 : index
    %qt = flash.load %q[%row, %c0] bound %qrows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %x = flash.convert_layout %qt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
    %end = arith.minsi %row, %rows : index
    %acc = scf.for %r = %c0 to %end step %c128 iter_args(%a = %x) -> tensor<128x64xbf16, #mma> {
      %kt = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %vt = flash.load %v[%r, %c0] bound %vrows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %y = flash.convert_layout %kt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %z = flash.convert_layout %vt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %s = arith.addf %a, %y : tensor<128x64xbf16, #mma>
      %u = arith.addf %s, %z : tensor<128x64xbf16, #mma>
      scf.yield %u : tensor<128x64xbf16, #mma>
    }
    flash.store %acc, %o[%row, %c0] bound %orows along 0 : tensor<128x64xbf16, #mma> -> !kv
  }
  return
}

// -----

// 128 columns: two boxes a band (4096 bytes), the second from column 64
// and byte 2048 of the band. The pipeline ends at 196704; the buffer takes
// 197632 to 230400, under 227 KiB.
// CHECK-LABEL: llvm.func @two_boxes_a_band(
// CHECK-SAME: flash.shared_memory = 230400 : i64
// CHECK: llvm.mlir.constant(4096 : i64) : i64
// CHECK: scf.if
// CHECK: %[[C0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[COL0:.*]] = llvm.add %[[COL:.*]], %[[C0]] : i32
// CHECK-NEXT: %[[B0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[BOX0:.*]] = llvm.getelementptr %[[BAND:.*]][%[[B0]]]
// CHECK-NEXT: nvvm.cp.async.bulk.tensor.global.shared.cta %{{.*}}, %[[BOX0]], box[%[[COL0]], %[[ROW:.*]]]
// CHECK-NEXT: %[[C64:.*]] = llvm.mlir.constant(64 : i32) : i32
// CHECK-NEXT: %[[COL1:.*]] = llvm.add %[[COL]], %[[C64]] : i32
// CHECK-NEXT: %[[B1:.*]] = llvm.mlir.constant(2048 : i64) : i64
// CHECK-NEXT: %[[BOX1:.*]] = llvm.getelementptr %[[BAND]][%[[B1]]]
// CHECK-NEXT: nvvm.cp.async.bulk.tensor.global.shared.cta %{{.*}}, %[[BOX1]], box[%[[COL1]], %[[ROW]]]
// CHECK-NEXT: nvvm.cp.async.bulk.commit.group
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv128 = memref<?x128xbf16>
func.func @two_boxes_a_band(%q: !kv128, %k: !kv128, %v: !kv128, %o: !kv128, %n: index) attributes {flash.kernel, flash.shared_memory = 98304 : i64} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv128
  %qrows = memref.dim %q, %c0 : !kv128
  %vrows = memref.dim %v, %c0 : !kv128
  %orows = memref.dim %o, %c0 : !kv128
  %first = flash.program_id x
  %programs = flash.num_programs x
  scf.for %t = %first to %n step %programs {
    %row = arith.muli %t, %c128 : index
    %qt = flash.load %q[%row, %c0] bound %qrows along 0 {flash.shared_offset = 0 : i64} : !kv128 -> tensor<128x128xbf16, #sw>
    %x = flash.convert_layout %qt : tensor<128x128xbf16, #sw> -> tensor<128x128xbf16, #mma>
    %end = arith.minsi %row, %rows : index
    %acc = scf.for %r = %c0 to %end step %c128 iter_args(%a = %x) -> tensor<128x128xbf16, #mma> {
      %kt = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 32768 : i64} : !kv128 -> tensor<128x128xbf16, #sw>
      %vt = flash.load %v[%r, %c0] bound %vrows along 0 {flash.shared_offset = 65536 : i64} : !kv128 -> tensor<128x128xbf16, #sw>
      %y = flash.convert_layout %kt : tensor<128x128xbf16, #sw> -> tensor<128x128xbf16, #mma>
      %z = flash.convert_layout %vt : tensor<128x128xbf16, #sw> -> tensor<128x128xbf16, #mma>
      %s = arith.addf %a, %y : tensor<128x128xbf16, #mma>
      %u = arith.addf %s, %z : tensor<128x128xbf16, #mma>
      scf.yield %u : tensor<128x128xbf16, #mma>
    }
    flash.store %acc, %o[%row, %c0] bound %orows along 0 : tensor<128x128xbf16, #mma> -> !kv128
  }
  return
}

// -----

// Rows bounded by another tensor's size: the TMA would clip them elsewhere,
// so the tile is stored from registers.
// CHECK-LABEL: llvm.func @bounded_by_another_size(
// CHECK-SAME: flash.shared_memory = 98400 : i64
// CHECK-NOT: arg = 3
// CHECK-NOT: nvvm.cp.async.bulk.tensor.global.shared.cta
// CHECK: llvm.store {{.*}}!llvm.ptr<1>
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @bounded_by_another_size(%q: !kv, %k: !kv, %v: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 49152 : i64} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  %qrows = memref.dim %q, %c0 : !kv
  %vrows = memref.dim %v, %c0 : !kv
  %orows = memref.dim %o, %c0 : !kv
  %first = flash.program_id x
  %programs = flash.num_programs x
  scf.for %t = %first to %n step %programs {
    %row = arith.muli %t, %c128 : index
    %qt = flash.load %q[%row, %c0] bound %qrows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %x = flash.convert_layout %qt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
    %end = arith.minsi %row, %rows : index
    %acc = scf.for %r = %c0 to %end step %c128 iter_args(%a = %x) -> tensor<128x64xbf16, #mma> {
      %kt = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %vt = flash.load %v[%r, %c0] bound %vrows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %y = flash.convert_layout %kt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %z = flash.convert_layout %vt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %s = arith.addf %a, %y : tensor<128x64xbf16, #mma>
      %u = arith.addf %s, %z : tensor<128x64xbf16, #mma>
      scf.yield %u : tensor<128x64xbf16, #mma>
    }
    flash.store %acc, %o[%row, %c0] bound %rows along 0 : tensor<128x64xbf16, #mma> -> !kv
  }
  return
}

// -----

// Beside 140000 bytes of the kernel's own (tensor-copies' one_stage_of_a_tile),
// the pipeline ends at 222288: no room for the buffer, stored from
// registers.
// CHECK-LABEL: llvm.func @no_room_for_a_buffer(
// CHECK-SAME: flash.shared_memory = 222288 : i64
// CHECK-NOT: arg = 3
// CHECK-NOT: nvvm.cp.async.bulk.tensor.global.shared.cta
// CHECK: llvm.store {{.*}}!llvm.ptr<1>
#sw = #flash.shared<swizzle = 128>
#mma = #flash.mma<warps = 8>
!kv = memref<?x64xbf16>
func.func @no_room_for_a_buffer(%q: !kv, %k: !kv, %v: !kv, %o: !kv, %n: index) attributes {flash.kernel, flash.shared_memory = 140000 : i64} {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c0 : !kv
  %qrows = memref.dim %q, %c0 : !kv
  %vrows = memref.dim %v, %c0 : !kv
  %orows = memref.dim %o, %c0 : !kv
  %first = flash.program_id x
  %programs = flash.num_programs x
  scf.for %t = %first to %n step %programs {
    %row = arith.muli %t, %c128 : index
    %qt = flash.load %q[%row, %c0] bound %qrows along 0 {flash.shared_offset = 0 : i64} : !kv -> tensor<128x64xbf16, #sw>
    %x = flash.convert_layout %qt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
    %end = arith.minsi %row, %rows : index
    %acc = scf.for %r = %c0 to %end step %c128 iter_args(%a = %x) -> tensor<128x64xbf16, #mma> {
      %kt = flash.load %k[%r, %c0] bound %rows along 0 {flash.shared_offset = 16384 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %vt = flash.load %v[%r, %c0] bound %vrows along 0 {flash.shared_offset = 32768 : i64} : !kv -> tensor<128x64xbf16, #sw>
      %y = flash.convert_layout %kt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %z = flash.convert_layout %vt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #mma>
      %s = arith.addf %a, %y : tensor<128x64xbf16, #mma>
      %u = arith.addf %s, %z : tensor<128x64xbf16, #mma>
      scf.yield %u : tensor<128x64xbf16, #mma>
    }
    flash.store %acc, %o[%row, %c0] bound %orows along 0 : tensor<128x64xbf16, #mma> -> !kv
  }
  return
}
