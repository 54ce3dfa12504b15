// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s

// --convert-flash-to-nvvm, flash.philox and flash.dropout (PhiloxToLLVM.cpp).
// Each thread computes Philox4x32-10 for the elements it holds: counter
// (col + tile col, row + tile row, stream, lo32(offset)), key (lo32(seed),
// hi32(seed)); each of the 10 rounds is two arith.mului_extended by
// 0xD2511F53 / 0xCD9E8D57 and xors, the key bumped by 0x9E3779B9 /
// 0xBB67AE85 (docs/Philox.md). The scalar arith ops are left for
// arith-to-llvm. flash.dropout keeps an element when its bits, unsigned, are
// >= floor(p 2^32) and scales it by 1 / (1 - p), else 0.

// CHECK-LABEL: llvm.func @philox_dropout(
// CHECK-SAME: %[[SEED:[^:]+]]: i64, %[[OFF:[^:]+]]: i64, %[[STREAM:[^:]+]]: i64, %[[ROW0:[^:]+]]: i64, %[[COL0:[^:]+]]: i64)
// CHECK: nvvm.read.ptx.sreg.tid.x
// CHECK-NEXT: llvm.zext
// CHECK-NEXT: llvm.mlir.constant(5 : i64)
// CHECK-NEXT: llvm.lshr
// CHECK-NEXT: llvm.mlir.constant(31 : i64)
// CHECK-NEXT: %[[LANE:.*]] = llvm.and
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[GROUP:.*]] = llvm.lshr %[[LANE]], %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(3 : i64)
// CHECK-NEXT: %[[TIG:.*]] = llvm.and %[[LANE]]
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: llvm.mlir.constant(16 : i64)
// CHECK-NEXT: llvm.mul
// CHECK-NEXT: llvm.add
// CHECK-NEXT: %[[TROW:.*]] = llvm.add %{{.*}}, %[[GROUP]] : i64
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[T2:.*]] = llvm.mul %[[TIG]], %{{.*}} : i64
// CHECK-NEXT: %[[TCOL:.*]] = llvm.add %{{.*}}, %[[T2]] : i64
// CHECK-NEXT: %[[K0:.*]] = arith.trunci %[[SEED]] : i64 to i32
// CHECK-NEXT: %[[C32:.*]] = arith.constant 32 : i64
// CHECK-NEXT: %[[HI:.*]] = arith.shrui %[[SEED]], %[[C32]] : i64
// CHECK-NEXT: %[[K1:.*]] = arith.trunci %[[HI]] : i64 to i32
// CHECK-NEXT: %[[C3:.*]] = arith.trunci %[[OFF]] : i64 to i32
// CHECK-NEXT: %[[C2:.*]] = arith.trunci %[[STREAM]] : i64 to i32
// Slot 0: (tile row + 0, tile col + 0).
// CHECK-NEXT: %[[R0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[TR:.*]] = llvm.add %[[TROW]], %[[R0]] : i64
// CHECK-NEXT: %[[ROW:.*]] = llvm.add %[[ROW0]], %[[TR]] : i64
// CHECK-NEXT: %[[Q0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[TC:.*]] = llvm.add %[[TCOL]], %[[Q0]] : i64
// CHECK-NEXT: %[[COL:.*]] = llvm.add %[[COL0]], %[[TC]] : i64
// CHECK-NEXT: %[[CC0:.*]] = arith.trunci %[[COL]] : i64 to i32
// CHECK-NEXT: %[[CC1:.*]] = arith.trunci %[[ROW]] : i64 to i32
// CHECK-NEXT: %[[M0:.*]] = arith.constant -766435501 : i32
// CHECK-NEXT: %[[M1:.*]] = arith.constant -845247145 : i32
// CHECK-NEXT: %[[W0:.*]] = arith.constant -1640531527 : i32
// CHECK-NEXT: %[[W1:.*]] = arith.constant -1150833019 : i32
// CHECK-NEXT: %[[LO0:.*]], %[[HI0:.*]] = arith.mului_extended %[[M0]], %[[CC0]] : i32
// CHECK-NEXT: %[[LO1:.*]], %[[HI1:.*]] = arith.mului_extended %[[M1]], %[[C2]] : i32
// CHECK-NEXT: %[[X0:.*]] = arith.xori %[[HI1]], %[[CC1]] : i32
// CHECK-NEXT: %[[N0:.*]] = arith.xori %[[X0]], %[[K0]] : i32
// CHECK-NEXT: %[[X2:.*]] = arith.xori %[[HI0]], %[[C3]] : i32
// CHECK-NEXT: %[[N2:.*]] = arith.xori %[[X2]], %[[K1]] : i32
// CHECK-NEXT: %[[KB0:.*]] = arith.addi %[[K0]], %[[W0]] : i32
// CHECK-NEXT: %[[KB1:.*]] = arith.addi %[[K1]], %[[W1]] : i32
// CHECK-NEXT: %{{.*}}, %[[HI2:.*]] = arith.mului_extended %[[M0]], %[[N0]] : i32
// CHECK-NEXT: %{{.*}}, %[[HI3:.*]] = arith.mului_extended %[[M1]], %[[N2]] : i32
// CHECK-NEXT: %[[X4:.*]] = arith.xori %[[HI3]], %[[LO1]] : i32
// CHECK-NEXT: arith.xori %[[X4]], %[[KB0]] : i32
// CHECK-NEXT: %[[X5:.*]] = arith.xori %[[HI2]], %[[LO0]] : i32
// CHECK-NEXT: arith.xori %[[X5]], %[[KB1]] : i32
// 10 rounds, the last word 0 is the slot's bits.
// CHECK-COUNT-16: arith.mului_extended
// CHECK-NEXT: %[[LX:.*]] = arith.xori %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: %[[BITS0:.*]] = arith.xori %[[LX]], %{{.*}} : i32
// CHECK-NEXT: arith.xori
// CHECK-NEXT: arith.xori
// Slot 1: (tile row + 0, tile col + 1).
// CHECK-NEXT: %[[S1R:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: llvm.add %[[TROW]], %[[S1R]] : i64
// CHECK-NEXT: llvm.add %[[ROW0]]
// CHECK-NEXT: %[[S1C:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: llvm.add %[[TCOL]], %[[S1C]] : i64
// CHECK-COUNT-60: arith.mului_extended
// CHECK-NOT: arith.mului_extended
// CHECK: %[[BITS:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(i32, i32, i32, i32)>
// CHECK: %[[P:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[THRESHOLD:.*]] = llvm.mlir.constant(1073741824 : i32) : i32
// CHECK-NEXT: %[[KEEPSCALE:.*]] = llvm.mlir.constant(1.33333337 : f32) : f32
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: %[[P0:.*]] = llvm.extractvalue %[[P]][0]
// CHECK-COUNT-3: llvm.extractvalue %[[P]]
// CHECK-NEXT: %[[B0:.*]] = llvm.extractvalue %[[BITS]][0]
// CHECK-COUNT-3: llvm.extractvalue %[[BITS]]
// CHECK-NEXT: %[[KEEP:.*]] = llvm.icmp "uge" %[[B0]], %[[THRESHOLD]] : i32
// CHECK-NEXT: %[[SCALED:.*]] = llvm.fmul %[[P0]], %[[KEEPSCALE]] : f32
// CHECK-NEXT: %[[D0:.*]] = llvm.select %[[KEEP]], %[[SCALED]], %[[ZERO]] : i1, f32
// CHECK-COUNT-3: llvm.select %{{.*}}, %{{.*}}, %[[ZERO]] : i1, f32
// CHECK-NEXT: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: llvm.insertvalue %[[D0]], %[[U]][0]
#mma = #flash.mma<warps = 4>
func.func @philox_dropout(%p: memref<?x8xf32>, %n: index, %seed: i64, %off: i64,
                          %stream: index, %r0: index, %c0: index) attributes {flash.kernel} {
  %z = arith.constant 0 : index
  %bits = flash.philox %seed, %off, %stream at (%r0, %c0) : tensor<64x8xi32, #mma>
  %pt = flash.load %p[%z, %z] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %d = flash.dropout %pt, %bits prob 0.25 : tensor<64x8xf32, #mma>, tensor<64x8xi32, #mma>
  flash.store %d, %p[%z, %z] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}

// -----

// transposed: the tile is Sᵀ (keys along its rows), so an element's query
// (Philox's second counter word) is row0 + its column and its key (the
// first word) col0 + its row.

// CHECK-LABEL: llvm.func @philox_transposed(
// CHECK-SAME: %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %[[ROW0:[^:]+]]: i64, %[[COL0:[^:]+]]: i64)
// CHECK: nvvm.read.ptx.sreg.tid.x
// CHECK-NEXT: llvm.zext
// CHECK-NEXT: llvm.mlir.constant(5 : i64)
// CHECK-NEXT: llvm.lshr
// CHECK-NEXT: llvm.mlir.constant(31 : i64)
// CHECK-NEXT: %[[LANE:.*]] = llvm.and
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[GROUP:.*]] = llvm.lshr %[[LANE]], %{{.*}} : i64
// CHECK: %[[TROW:.*]] = llvm.add %{{.*}}, %[[GROUP]] : i64
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: llvm.mul
// CHECK-NEXT: %[[TCOL:.*]] = llvm.add %{{.*}}, %{{.*}} : i64
// CHECK: %[[Q0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[TC:.*]] = llvm.add %[[TCOL]], %[[Q0]] : i64
// CHECK-NEXT: %[[QUERY:.*]] = llvm.add %[[ROW0]], %[[TC]] : i64
// CHECK-NEXT: %[[R0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[TR:.*]] = llvm.add %[[TROW]], %[[R0]] : i64
// CHECK-NEXT: %[[KEY:.*]] = llvm.add %[[COL0]], %[[TR]] : i64
// CHECK-NEXT: arith.trunci %[[KEY]] : i64 to i32
// CHECK-NEXT: arith.trunci %[[QUERY]] : i64 to i32
#mma = #flash.mma<warps = 4>
func.func @philox_transposed(%seed: i64, %off: i64, %stream: index, %r0: index, %c0: index) attributes {flash.kernel} {
  %bits = flash.philox %seed, %off, %stream at (%r0, %c0) transposed : tensor<64x8xi32, #mma>
  return
}
