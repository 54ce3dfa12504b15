// RUN: flash-opt %s -split-input-file --flash-tile-attention="block-m=64 block-n=64 persistent=1" --canonicalize --cse | FileCheck %s

// --flash-tile-attention{persistent}: the forward kernel of a fixed-length
// problem loops over its tiles, from the program's index (x + y * programs
// along x) by the number of programs (x * y, so that any grid computes each
// tile once): tile t is query block t % blocks of the (batch, head)
// t / blocks (after canonicalization, which folds the static sizes; with a
// causal mask, below, in another order). It is launched over (tiles, 1, 1),
// one tile a program, and its flash.grid says `persistent`: a runtime may
// launch fewer. Inside the loop the body is the non-persistent kernel's,
// without the test that the block starts inside the sequence (every
// tile's does).

// CHECK-LABEL: func.func @fwd(
// CHECK-SAME: %[[Q:[^:]+]]: memref<2x200x3x64xbf16>
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[TILES:.*]] = arith.constant 24 : index
// CHECK: flash.launch @fwd_attention_fwd grid(%[[TILES]], %[[ONE]], %[[ONE]])
// CHECK-LABEL: func.func private @fwd_attention_fwd(
// CHECK-SAME: flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, persistent, rows = "q"}
// CHECK-DAG: %[[BLOCKS:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[HEADS:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[BM:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[ALL:.*]] = arith.constant 24 : index
// CHECK-DAG: %[[NX:.*]] = flash.num_programs x
// CHECK-DAG: %[[Y:.*]] = flash.program_id y
// CHECK-DAG: %[[YNX:.*]] = arith.muli %[[Y]], %[[NX]] : index
// CHECK-DAG: %[[X:.*]] = flash.program_id x
// CHECK-DAG: %[[FIRST:.*]] = arith.addi %[[X]], %[[YNX]] : index
// CHECK-DAG: %[[NY:.*]] = flash.num_programs y
// CHECK-DAG: %[[STRIDE:.*]] = arith.muli %[[NX]], %[[NY]] : index
// CHECK: scf.for %[[T:.*]] = %[[FIRST]] to %[[ALL]] step %[[STRIDE]] {
// CHECK-NEXT: %[[STREAM:.*]] = arith.divui %[[T]], %[[BLOCKS]] : index
// CHECK-NEXT: %[[BLOCK:.*]] = arith.remui %[[T]], %[[BLOCKS]] : index
// CHECK-NEXT: %[[BATCH:.*]] = arith.divui %[[STREAM]], %[[HEADS]] : index
// CHECK-NEXT: %[[HEAD:.*]] = arith.remui %[[STREAM]], %[[HEADS]] : index
// CHECK-NEXT: %[[ROW:.*]] = arith.muli %[[BLOCK]], %[[BM]] : index
// CHECK-NOT: scf.if
// CHECK: flash.load %[[Q]][%[[BATCH]], %[[ROW]], %[[HEAD]], %{{.*}}]
// CHECK: scf.for
// CHECK: flash.online_softmax
// CHECK: flash.finalize
// CHECK: flash.store
// CHECK: flash.store
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @fwd(%q: memref<2x200x3x64xbf16>, %k: memref<2x200x3x64xbf16>,
               %v: memref<2x200x3x64xbf16>, %out: memref<2x200x3x64xbf16>,
               %lse: memref<2x3x200xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<2x200x3x64xbf16>, memref<2x200x3x64xbf16>, memref<2x200x3x64xbf16>
      -> memref<2x200x3x64xbf16>, memref<2x3x200xf32>
  return
}

// -----

// Causal: block i does i + 1 key blocks, so the tiles go in pairs of equal
// work, a stream's blocks 2 * half - 1 - d and d (half = ceil(blocks / 2)
// = 2 here, pairs = half * streams = 16), numbered stream-major so that
// the programs running at once share a few streams' K and V. Program i
// takes pairs i, i + programs, ...: its loop counts rounds, twice its
// pairs; in round r it does pair (r / 2) * programs + i, the long tile
// when r is even, the short one when odd. A padding tile (the long tile of
// pair 0 when blocks is odd) lies past the sequence and sees no keys.

// CHECK-LABEL: func.func @fwd_causal(
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[TILES:.*]] = arith.constant 32 : index
// CHECK: flash.launch @fwd_causal_attention_fwd grid(%[[TILES]], %[[ONE]], %[[ONE]])
// CHECK-LABEL: func.func private @fwd_causal_attention_fwd(
// CHECK-SAME: %[[Q:[^:]+]]: memref<2x200x4x64xbf16>
// CHECK-SAME: flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, persistent, rows = "q"}
// CHECK-DAG: %[[LEN:.*]] = arith.constant 200 : index
// CHECK-DAG: %[[HEADS:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[LONGEST:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[PAIRS:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[BM:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[NX:.*]] = flash.num_programs x
// CHECK-DAG: %[[Y:.*]] = flash.program_id y
// CHECK-DAG: %[[YNX:.*]] = arith.muli %[[Y]], %[[NX]] : index
// CHECK-DAG: %[[X:.*]] = flash.program_id x
// CHECK-DAG: %[[PROGRAM:.*]] = arith.addi %[[X]], %[[YNX]] : index
// CHECK-DAG: %[[NY:.*]] = flash.num_programs y
// CHECK-DAG: %[[PROGRAMS:.*]] = arith.muli %[[NX]], %[[NY]] : index
// CHECK: %[[LEFT:.*]] = arith.subi %[[PAIRS]], %[[PROGRAM]] : index
// CHECK-NEXT: %[[LEFT0:.*]] = arith.maxsi %[[LEFT]], %[[C0]] : index
// CHECK-NEXT: %[[UP:.*]] = arith.addi %[[LEFT0]], %[[PROGRAMS]] : index
// CHECK-NEXT: %[[UP1:.*]] = arith.subi %[[UP]], %[[C1]] : index
// CHECK-NEXT: %[[OWN:.*]] = arith.divui %[[UP1]], %[[PROGRAMS]] : index
// CHECK-NEXT: %[[ROUNDS:.*]] = arith.muli %[[OWN]], %[[C2]] : index
// CHECK-NEXT: scf.for %[[R:.*]] = %[[C0]] to %[[ROUNDS]] step %[[C1]] {
// CHECK-NEXT: %[[RP:.*]] = arith.divui %[[R]], %[[C2]] : index
// CHECK-NEXT: %[[BASE:.*]] = arith.muli %[[RP]], %[[PROGRAMS]] : index
// CHECK-NEXT: %[[PAIR:.*]] = arith.addi %[[BASE]], %[[PROGRAM]] : index
// CHECK-NEXT: %[[D:.*]] = arith.remui %[[PAIR]], %[[C2]] : index
// CHECK-NEXT: %[[PARITY:.*]] = arith.remui %[[R]], %[[C2]] : index
// CHECK-NEXT: %[[SHORT:.*]] = arith.cmpi eq, %[[PARITY]], %[[C1]] : index
// CHECK-NEXT: %[[LONG:.*]] = arith.subi %[[LONGEST]], %[[D]] : index
// CHECK-NEXT: %[[BLOCK:.*]] = arith.select %[[SHORT]], %[[D]], %[[LONG]] : index
// CHECK-NEXT: %[[STREAM:.*]] = arith.divui %[[PAIR]], %[[C2]] : index
// CHECK-NEXT: %[[BATCH:.*]] = arith.divui %[[STREAM]], %[[HEADS]] : index
// CHECK-NEXT: %[[HEAD:.*]] = arith.remui %[[STREAM]], %[[HEADS]] : index
// CHECK-NEXT: %[[ROW:.*]] = arith.muli %[[BLOCK]], %[[BM]] : index
// CHECK-NEXT: flash.load %[[Q]][%[[BATCH]], %[[ROW]], %[[HEAD]], %{{.*}}]
// CHECK: %[[INSIDE:.*]] = arith.cmpi slt, %[[ROW]], %[[LEN]] : index
// CHECK-NEXT: %[[END:.*]] = arith.select %[[INSIDE]], %{{.*}}, %[[C0]] : index
// CHECK-NOT: scf.if
// CHECK: flash.mask {{.*}} causal
// CHECK: flash.store
// CHECK: flash.store
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @fwd_causal(%q: memref<2x200x4x64xbf16>, %k: memref<2x200x4x64xbf16>,
                      %v: memref<2x200x4x64xbf16>, %out: memref<2x200x4x64xbf16>,
                      %lse: memref<2x4x200xf32>) {
  flash.attention %q, %k, %v -> %out, %lse {causal}
      : memref<2x200x4x64xbf16>, memref<2x200x4x64xbf16>, memref<2x200x4x64xbf16>
      -> memref<2x200x4x64xbf16>, memref<2x4x200xf32>
  return
}

// -----

// Varlen: a program a tile, as without the option (a static stride would
// hand programs the blocks past the end of shorter sequences).

// CHECK-LABEL: func.func @fwd_varlen(
// CHECK-LABEL: func.func private @fwd_varlen_attention_fwd(
// CHECK-NOT: persistent
// CHECK-NOT: flash.num_programs
// CHECK: return
func.func @fwd_varlen(%q: memref<?x4x64xf16>, %k: memref<?x4x64xf16>,
                      %v: memref<?x4x64xf16>, %out: memref<?x4x64xf16>,
                      %lse: memref<4x?xf32>, %cu_q: memref<?xi32>,
                      %cu_k: memref<?xi32>, %max_q: index, %max_k: index) {
  flash.attention %q, %k, %v -> %out, %lse
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k)
      : memref<?x4x64xf16>, memref<?x4x64xf16>, memref<?x4x64xf16>
      -> memref<?x4x64xf16>, memref<4x?xf32>
  return
}
