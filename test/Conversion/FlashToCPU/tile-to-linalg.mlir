// RUN: flash-opt %s -split-input-file --mlir-print-local-scope --convert-flash-tile-to-linalg | FileCheck %s

// --convert-flash-tile-to-linalg, one function per tile op. Masked block
// accesses touch max(0, min(bound - origin, rows)) rows through a subview;
// the compute ops become linalg.generic ops on tensors (affine maps printed
// inline by --mlir-print-local-scope). The failure on a leftover
// flash.program_id is in tile-to-linalg-invalid.mlir.

// CHECK-LABEL: func.func @load_rank2(
// CHECK-SAME: %[[M:[^:]+]]: memref<?x?x4x32xbf16>, %[[B:[^:]+]]: index, %[[R:[^:]+]]: index, %[[H:[^:]+]]: index, %[[N:[^:]+]]: index) -> tensor<16x32xbf16>
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[ROWS:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[LEFT:.*]] = arith.subi %[[N]], %[[R]] : index
// CHECK-NEXT: %[[MIN:.*]] = arith.minsi %[[LEFT]], %[[ROWS]] : index
// CHECK-NEXT: %[[VALID:.*]] = arith.maxsi %[[ZERO]], %[[MIN]] : index
// CHECK-NEXT: %[[VIEW:.*]] = memref.subview %[[M]][%[[B]], %[[R]], %[[H]], %[[C0]]] [1, %[[VALID]], 1, 32] [1, 1, 1, 1] : memref<?x?x4x32xbf16> to memref<?x32xbf16, strided<[128, 1], offset: ?>>
// CHECK-NEXT: %[[T:.*]] = bufferization.to_tensor %[[VIEW]] restrict : memref<?x32xbf16, strided<[128, 1], offset: ?>> to tensor<?x32xbf16>
// CHECK-NEXT: %[[PAD:.*]] = arith.constant 0.000000e+00 : bf16
// CHECK-NEXT: %[[C0B:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[DIM:.*]] = tensor.dim %[[T]], %[[C0B]] : tensor<?x32xbf16>
// CHECK-NEXT: %[[HIGH:.*]] = affine.apply affine_map<()[s0] -> (-s0 + 16)>()[%[[DIM]]]
// CHECK-NEXT: %[[PADDED:.*]] = tensor.pad %[[T]] low[0, 0] high[%[[HIGH]], 0] {
// CHECK: tensor.yield %[[PAD]] : bf16
// CHECK-NEXT: } : tensor<?x32xbf16> to tensor<16x32xbf16>
// CHECK-NEXT: return %[[PADDED]] : tensor<16x32xbf16>
func.func @load_rank2(%m: memref<?x?x4x32xbf16>, %b: index, %r: index, %h: index,
                      %n: index) -> tensor<16x32xbf16> {
  %c0 = arith.constant 0 : index
  %t = flash.load %m[%b, %r, %h, %c0] bound %n along 1
      : memref<?x?x4x32xbf16> -> tensor<16x32xbf16>
  return %t : tensor<16x32xbf16>
}

// -----

// A rank-1 tile along the last axis (the lse layout).
// CHECK-LABEL: func.func @load_rank1(
// CHECK-SAME: %[[M:[^:]+]]: memref<?x4x?xf32>, %[[B:[^:]+]]: index, %[[H:[^:]+]]: index, %[[R:[^:]+]]: index, %[[N:[^:]+]]: index) -> tensor<16xf32>
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[ROWS:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[LEFT:.*]] = arith.subi %[[N]], %[[R]] : index
// CHECK-NEXT: %[[MIN:.*]] = arith.minsi %[[LEFT]], %[[ROWS]] : index
// CHECK-NEXT: %[[VALID:.*]] = arith.maxsi %[[ZERO]], %[[MIN]] : index
// CHECK-NEXT: %[[VIEW:.*]] = memref.subview %[[M]][%[[B]], %[[H]], %[[R]]] [1, 1, %[[VALID]]] [1, 1, 1] : memref<?x4x?xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK-NEXT: %[[T:.*]] = bufferization.to_tensor %[[VIEW]] restrict : memref<?xf32, strided<[1], offset: ?>> to tensor<?xf32>
// CHECK-NEXT: %[[PAD:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PADDED:.*]] = tensor.pad %[[T]] low[0] high[%{{.*}}] {
// CHECK: tensor.yield %[[PAD]] : f32
// CHECK-NEXT: } : tensor<?xf32> to tensor<16xf32>
// CHECK-NEXT: return %[[PADDED]] : tensor<16xf32>
func.func @load_rank1(%m: memref<?x4x?xf32>, %b: index, %h: index, %r: index,
                      %n: index) -> tensor<16xf32> {
  %t = flash.load %m[%b, %h, %r] bound %n along 2 : memref<?x4x?xf32> -> tensor<16xf32>
  return %t : tensor<16xf32>
}

// -----

// CHECK-LABEL: func.func @store_rank2(
// CHECK-SAME: %[[T:[^:]+]]: tensor<16x32xf16>, %[[M:[^:]+]]: memref<?x4x32xf16>, %[[R:[^:]+]]: index, %[[H:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[ROWS:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[LEFT:.*]] = arith.subi %[[N]], %[[R]] : index
// CHECK-NEXT: %[[MIN:.*]] = arith.minsi %[[LEFT]], %[[ROWS]] : index
// CHECK-NEXT: %[[VALID:.*]] = arith.maxsi %[[ZERO]], %[[MIN]] : index
// CHECK-NEXT: %[[VIEW:.*]] = memref.subview %[[M]][%[[R]], %[[H]], %[[C0]]] [%[[VALID]], 1, 32] [1, 1, 1] : memref<?x4x32xf16> to memref<?x32xf16, strided<[128, 1], offset: ?>>
// CHECK-NEXT: %[[SLICE:.*]] = tensor.extract_slice %[[T]][0, 0] [%[[VALID]], 32] [1, 1] : tensor<16x32xf16> to tensor<?x32xf16>
// CHECK-NEXT: bufferization.materialize_in_destination %[[SLICE]] in restrict writable %[[VIEW]] : (tensor<?x32xf16>, memref<?x32xf16, strided<[128, 1], offset: ?>>) -> ()
// CHECK-NEXT: return
func.func @store_rank2(%t: tensor<16x32xf16>, %m: memref<?x4x32xf16>, %r: index,
                       %h: index, %n: index) {
  %c0 = arith.constant 0 : index
  flash.store %t, %m[%r, %h, %c0] bound %n along 0 : tensor<16x32xf16> -> memref<?x4x32xf16>
  return
}

// -----

// CHECK-LABEL: func.func @store_rank1(
// CHECK-SAME: %[[T:[^:]+]]: tensor<16xf32>, %[[M:[^:]+]]: memref<4x?xf32>, %[[H:[^:]+]]: index, %[[R:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK: %[[VALID:.*]] = arith.maxsi
// CHECK-NEXT: %[[VIEW:.*]] = memref.subview %[[M]][%[[H]], %[[R]]] [1, %[[VALID]]] [1, 1] : memref<4x?xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK-NEXT: %[[SLICE:.*]] = tensor.extract_slice %[[T]][0] [%[[VALID]]] [1] : tensor<16xf32> to tensor<?xf32>
// CHECK-NEXT: bufferization.materialize_in_destination %[[SLICE]] in restrict writable %[[VIEW]] : (tensor<?xf32>, memref<?xf32, strided<[1], offset: ?>>) -> ()
// CHECK-NEXT: return
func.func @store_rank1(%t: tensor<16xf32>, %m: memref<4x?xf32>, %h: index, %r: index,
                       %n: index) {
  flash.store %t, %m[%h, %r] bound %n along 1 : tensor<16xf32> -> memref<4x?xf32>
  return
}

// -----

// An accumulating store adds every valid element atomically.
// CHECK-LABEL: func.func @store_accumulate(
// CHECK-SAME: %[[T:[^:]+]]: tensor<16x32xf32>, %[[M:[^:]+]]: memref<?x4x32xf32>, %[[R:[^:]+]]: index, %[[H:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK: %[[VALID:.*]] = arith.maxsi
// CHECK-NEXT: %[[VIEW:.*]] = memref.subview %[[M]][%[[R]], %[[H]], %{{.*}}] [%[[VALID]], 1, 32] [1, 1, 1] : memref<?x4x32xf32> to memref<?x32xf32, strided<[128, 1], offset: ?>>
// CHECK-NEXT: %[[LB:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[STEP:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[COLS:.*]] = arith.constant 32 : index
// CHECK-NEXT: scf.for %[[I:[^ ]+]] = %[[LB]] to %[[VALID]] step %[[STEP]] {
// CHECK-NEXT: scf.for %[[J:[^ ]+]] = %[[LB]] to %[[COLS]] step %[[STEP]] {
// CHECK-NEXT: %[[E:.*]] = tensor.extract %[[T]][%[[I]], %[[J]]] : tensor<16x32xf32>
// CHECK-NEXT: memref.atomic_rmw addf %[[E]], %[[VIEW]][%[[I]], %[[J]]] : (f32, memref<?x32xf32, strided<[128, 1], offset: ?>>) -> f32
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NOT: materialize_in_destination
// CHECK: return
func.func @store_accumulate(%t: tensor<16x32xf32>, %m: memref<?x4x32xf32>, %r: index,
                            %h: index, %n: index) {
  %c0 = arith.constant 0 : index
  flash.store %t, %m[%r, %h, %c0] bound %n along 0 accumulate
      : tensor<16x32xf32> -> memref<?x4x32xf32>
  return
}

// -----

// CHECK-LABEL: func.func @seq_bounds(
// CHECK-SAME: %[[CU:[^:]+]]: memref<?xi32>, %[[B:[^:]+]]: index) -> (index, index)
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[B]], %[[ONE]] : index
// CHECK-NEXT: %[[S32:.*]] = memref.load %[[CU]][%[[B]]] : memref<?xi32>
// CHECK-NEXT: %[[START:.*]] = arith.index_cast %[[S32]] : i32 to index
// CHECK-NEXT: %[[E32:.*]] = memref.load %[[CU]][%[[NEXT]]] : memref<?xi32>
// CHECK-NEXT: %[[END:.*]] = arith.index_cast %[[E32]] : i32 to index
// CHECK-NEXT: %[[LEN:.*]] = arith.subi %[[END]], %[[START]] : index
// CHECK-NEXT: return %[[START]], %[[LEN]] : index, index
func.func @seq_bounds(%cu: memref<?xi32>, %b: index) -> (index, index) {
  %start, %length = flash.seq_bounds %cu[%b] : memref<?xi32>
  return %start, %length : index, index
}

// -----

// f32 operands: no extension.
// CHECK-LABEL: func.func @dot_plain(
// CHECK-SAME: %[[A:[^:]+]]: tensor<16x32xf32>, %[[B:[^:]+]]: tensor<32x8xf32>, %[[C:[^:]+]]: tensor<16x8xf32>)
// CHECK-NEXT: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[B]] : tensor<16x32xf32>, tensor<32x8xf32>) outs(%[[C]] : tensor<16x8xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %[[Y:[^:]+]]: f32, %[[ACC:[^:]+]]: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK-NEXT: } -> tensor<16x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @dot_plain(%a: tensor<16x32xf32>, %b: tensor<32x8xf32>, %c: tensor<16x8xf32>)
    -> tensor<16x8xf32> {
  %r = flash.dot %a, %b, %c : tensor<16x32xf32>, tensor<32x8xf32> -> tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}

// -----

// transpose_b reads b at (n, k); bf16 operands are extended to f32.
// CHECK-LABEL: func.func @dot_transpose_b_bf16(
// CHECK-SAME: %[[A:[^:]+]]: tensor<16x32xbf16>, %[[B:[^:]+]]: tensor<8x32xbf16>, %[[C:[^:]+]]: tensor<16x8xf32>)
// CHECK-NEXT: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[B]] : tensor<16x32xbf16>, tensor<8x32xbf16>) outs(%[[C]] : tensor<16x8xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: bf16, %[[Y:[^:]+]]: bf16, %[[ACC:[^:]+]]: f32):
// CHECK-DAG: %[[XF:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK-DAG: %[[YF:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[XF]], %[[YF]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
func.func @dot_transpose_b_bf16(%a: tensor<16x32xbf16>, %b: tensor<8x32xbf16>,
                                %c: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %r = flash.dot %a, %b, %c {transpose_b}
      : tensor<16x32xbf16>, tensor<8x32xbf16> -> tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}

// -----

// transpose_a reads a at (k, m); f16 operands are extended to f32.
// CHECK-LABEL: func.func @dot_transpose_a_f16(
// CHECK-NEXT: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<32x16xf16>, tensor<32x8xf16>) outs(%{{.*}} : tensor<16x8xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f16, %[[Y:[^:]+]]: f16, %[[ACC:[^:]+]]: f32):
// CHECK-DAG: %[[XF:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK-DAG: %[[YF:.*]] = arith.extf %[[Y]] : f16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[XF]], %[[YF]] : f32
// CHECK-NEXT: arith.addf %[[ACC]], %[[P]] : f32
func.func @dot_transpose_a_f16(%a: tensor<32x16xf16>, %b: tensor<32x8xf16>,
                               %c: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %r = flash.dot %a, %b, %c {transpose_a}
      : tensor<32x16xf16>, tensor<32x8xf16> -> tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}

// -----

// Products are synchronous on the CPU: flash.dot_wait returns its operand.
// CHECK-LABEL: func.func @dot_wait(
// CHECK-SAME: %[[S:[^:]+]]: tensor<16x8xf32>)
// CHECK-NEXT: return %[[S]] : tensor<16x8xf32>
func.func @dot_wait(%s: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %r = flash.dot_wait %s pending 1 : tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}

// -----

// CHECK-LABEL: func.func @dot_transpose_both(
// CHECK-NEXT: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-NOT: arith.extf
// CHECK: return
func.func @dot_transpose_both(%a: tensor<32x16xf32>, %b: tensor<8x32xf32>,
                              %c: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %r = flash.dot %a, %b, %c {transpose_a, transpose_b}
      : tensor<32x16xf32>, tensor<8x32xf32> -> tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}

// -----

// Element (i, j) is kept when row + i < seqlen_q and col + j < seqlen_k.
// CHECK-LABEL: func.func @mask(
// CHECK-SAME: %[[S:[^:]+]]: tensor<16x8xf32>, %[[ROW:[^:]+]]: index, %[[COL:[^:]+]]: index, %[[SQ:[^:]+]]: index, %[[SK:[^:]+]]: index)
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x8xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[S]] : tensor<16x8xf32>) outs(%[[INIT]] : tensor<16x8xf32>) {
// CHECK-NEXT: ^bb0(%[[IN:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[RI:.*]] = arith.addi %[[ROW]], %[[I]] : index
// CHECK-NEXT: %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[CJ:.*]] = arith.addi %[[COL]], %[[J]] : index
// CHECK-NEXT: %[[INK:.*]] = arith.cmpi slt, %[[CJ]], %[[SK]] : index
// CHECK-NEXT: %[[INQ:.*]] = arith.cmpi slt, %[[RI]], %[[SQ]] : index
// CHECK-NEXT: %[[KEEP:.*]] = arith.andi %[[INQ]], %[[INK]] : i1
// CHECK-NEXT: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT: %[[OUT:.*]] = arith.select %[[KEEP]], %[[IN]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[OUT]] : f32
// CHECK-NEXT: } -> tensor<16x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @mask(%s: tensor<16x8xf32>, %row: index, %col: index, %sq: index, %sk: index)
    -> tensor<16x8xf32> {
  %m = flash.mask %s at (%row, %col) within (%sq, %sk) : tensor<16x8xf32>
  return %m : tensor<16x8xf32>
}

// -----

// Causal also requires col + j <= row + i + seqlen_k - seqlen_q.
// CHECK-LABEL: func.func @mask_causal(
// CHECK-SAME: %[[S:[^:]+]]: tensor<16x8xf32>, %[[ROW:[^:]+]]: index, %[[COL:[^:]+]]: index, %[[SQ:[^:]+]]: index, %[[SK:[^:]+]]: index)
// CHECK: ^bb0(%[[IN:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[RI:.*]] = arith.addi %[[ROW]], %[[I]] : index
// CHECK-NEXT: %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[CJ:.*]] = arith.addi %[[COL]], %[[J]] : index
// CHECK-NEXT: %[[INK:.*]] = arith.cmpi slt, %[[CJ]], %[[SK]] : index
// CHECK-NEXT: %[[INQ:.*]] = arith.cmpi slt, %[[RI]], %[[SQ]] : index
// CHECK-NEXT: %[[INB:.*]] = arith.andi %[[INQ]], %[[INK]] : i1
// CHECK-NEXT: %[[SHIFT:.*]] = arith.subi %[[SK]], %[[SQ]] : index
// CHECK-NEXT: %[[DIAG:.*]] = arith.addi %[[RI]], %[[SHIFT]] : index
// CHECK-NEXT: %[[BELOW:.*]] = arith.cmpi sle, %[[CJ]], %[[DIAG]] : index
// CHECK-NEXT: %[[KEEP:.*]] = arith.andi %[[INB]], %[[BELOW]] : i1
// CHECK-NEXT: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT: %[[OUT:.*]] = arith.select %[[KEEP]], %[[IN]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[OUT]] : f32
func.func @mask_causal(%s: tensor<16x8xf32>, %row: index, %col: index, %sq: index,
                       %sk: index) -> tensor<16x8xf32> {
  %m = flash.mask %s at (%row, %col) within (%sq, %sk) causal : tensor<16x8xf32>
  return %m : tensor<16x8xf32>
}

// -----

// m_new = max(m, rowmax(scale * s)); a row still at -inf uses 0 instead;
// p = exp(scale * s - m_safe); alpha = exp(m - m_safe);
// l_new = alpha * l + rowsum(p). Results: p, m_new, l_new, alpha.
// CHECK-LABEL: func.func @online_softmax(
// CHECK-SAME: %[[S:[^:]+]]: tensor<16x8xf32>, %[[M:[^:]+]]: tensor<16xf32>, %[[L:[^:]+]]: tensor<16xf32>)
// CHECK-NEXT: %[[MNEW:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%[[S]] : tensor<16x8xf32>) outs(%[[M]] : tensor<16xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %[[RMAX:[^:]+]]: f32):
// CHECK-NEXT: %[[SC:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: %[[XS:.*]] = arith.mulf %[[X]], %[[SC]] : f32
// CHECK-NEXT: %[[MX:.*]] = arith.maximumf %[[RMAX]], %[[XS]] : f32
// CHECK-NEXT: linalg.yield %[[MX]] : f32
// CHECK: %[[SAFE:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%[[MNEW]] : tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT: %[[ISNEG:.*]] = arith.cmpf oeq, %[[V]], %[[NEGINF]] : f32
// CHECK-NEXT: %[[SV:.*]] = arith.select %[[ISNEG]], %[[ZERO]], %[[V]] : f32
// CHECK-NEXT: linalg.yield %[[SV]] : f32
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[S]], %[[SAFE]] : tensor<16x8xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %[[MS:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[SC:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: %[[XS:.*]] = arith.mulf %[[X]], %[[SC]] : f32
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[XS]], %[[MS]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: linalg.yield %[[E]] : f32
// CHECK: %[[ALPHA:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%[[M]], %[[SAFE]] : tensor<16xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[OLD:[^:]+]]: f32, %[[MS:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[OLD]], %[[MS]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: linalg.yield %[[E]] : f32
// CHECK: %[[LSCALED:.*]] = linalg.generic {{.*}} ins(%[[L]], %[[ALPHA]] : tensor<16xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[LV:[^:]+]]: f32, %[[AV:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[PR:.*]] = arith.mulf %[[LV]], %[[AV]] : f32
// CHECK-NEXT: linalg.yield %[[PR]] : f32
// CHECK: %[[LNEW:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%[[P]] : tensor<16x8xf32>) outs(%[[LSCALED]] : tensor<16xf32>) {
// CHECK-NEXT: ^bb0(%[[PV:[^:]+]]: f32, %[[SUM:[^:]+]]: f32):
// CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[SUM]], %[[PV]] : f32
// CHECK-NEXT: linalg.yield %[[ADD]] : f32
// CHECK: return %[[P]], %[[MNEW]], %[[LNEW]], %[[ALPHA]] : tensor<16x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
func.func @online_softmax(%s: tensor<16x8xf32>, %m: tensor<16xf32>, %l: tensor<16xf32>)
    -> (tensor<16x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %p, %m2, %l2, %alpha = flash.online_softmax %s, %m, %l scale 0.5
      : tensor<16x8xf32>, tensor<16xf32>
  return %p, %m2, %l2, %alpha : tensor<16x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// CHECK-LABEL: func.func @scale_rows(
// CHECK-SAME: %[[T:[^:]+]]: tensor<16x32xf32>, %[[F:[^:]+]]: tensor<16xf32>)
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x32xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[T]], %[[F]] : tensor<16x32xf32>, tensor<16xf32>) outs(%[[INIT]] : tensor<16x32xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %[[FV:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[X]], %[[FV]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK-NEXT: } -> tensor<16x32xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_rows(%t: tensor<16x32xf32>, %f: tensor<16xf32>) -> tensor<16x32xf32> {
  %r = flash.scale_rows %t, %f : tensor<16x32xf32>, tensor<16xf32>
  return %r : tensor<16x32xf32>
}

// -----

// out = acc / l (0 where l = 0) truncated to bf16; lse = m + log(l)
// (+inf where l = 0).
// CHECK-LABEL: func.func @finalize(
// CHECK-SAME: %[[ACC:[^:]+]]: tensor<16x32xf32>, %[[M:[^:]+]]: tensor<16xf32>, %[[L:[^:]+]]: tensor<16xf32>)
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x32xbf16>
// CHECK-NEXT: %[[OUT:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[ACC]], %[[L]] : tensor<16x32xf32>, tensor<16xf32>) outs(%[[INIT]] : tensor<16x32xbf16>) {
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[LV:[^:]+]]: f32, %{{[^:]+}}: bf16):
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[A]], %[[LV]] : f32
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[EMPTY:.*]] = arith.cmpf oeq, %[[LV]], %[[Z2]] : f32
// CHECK-NEXT: %[[SEL:.*]] = arith.select %[[EMPTY]], %[[Z]], %[[Q]] : f32
// CHECK-NEXT: %[[TR:.*]] = arith.truncf %[[SEL]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[TR]] : bf16
// CHECK: %[[LSE:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%[[M]], %[[L]] : tensor<16xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[MV:[^:]+]]: f32, %[[LV:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[LOG:.*]] = math.log %[[LV]] : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[MV]], %[[LOG]] : f32
// CHECK-NEXT: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[EMPTY:.*]] = arith.cmpf oeq, %[[LV]], %[[Z]] : f32
// CHECK-NEXT: %[[SEL:.*]] = arith.select %[[EMPTY]], %[[INF]], %[[SUM]] : f32
// CHECK-NEXT: linalg.yield %[[SEL]] : f32
// CHECK: return %[[OUT]], %[[LSE]] : tensor<16x32xbf16>, tensor<16xf32>
func.func @finalize(%acc: tensor<16x32xf32>, %m: tensor<16xf32>, %l: tensor<16xf32>)
    -> (tensor<16x32xbf16>, tensor<16xf32>) {
  %o, %lse = flash.finalize %acc, %m, %l : tensor<16x32xf32>, tensor<16xf32> -> tensor<16x32xbf16>
  return %o, %lse : tensor<16x32xbf16>, tensor<16xf32>
}

// -----

// Philox4x32-10: key (lo32(seed), hi32(seed)), counter (col + j, row + i,
// stream, lo32(offset)); each round multiplies words 0 and 2 (mului_extended)
// and the key is bumped by (0x9E3779B9, 0xBB67AE85) between rounds; word 0
// of the last round is the result. The first two rounds are pinned, then the
// remaining 8 rounds are counted (20 wide multiplies in all).
// CHECK-LABEL: func.func @philox(
// CHECK-SAME: %[[SEED:[^:]+]]: i64, %[[OFF:[^:]+]]: i64, %[[STREAM:[^:]+]]: index, %[[ROW:[^:]+]]: index, %[[COL:[^:]+]]: index) -> tensor<16x8xi32>
// CHECK-NEXT: %[[K0:.*]] = arith.trunci %[[SEED]] : i64 to i32
// CHECK-NEXT: %[[C32:.*]] = arith.constant 32 : i64
// CHECK-NEXT: %[[SHR:.*]] = arith.shrui %[[SEED]], %[[C32]] : i64
// CHECK-NEXT: %[[K1:.*]] = arith.trunci %[[SHR]] : i64 to i32
// CHECK-NEXT: %[[OFF32:.*]] = arith.trunci %[[OFF]] : i64 to i32
// CHECK-NEXT: %[[ST32:.*]] = arith.index_castui %[[STREAM]] : index to i32
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x8xi32>
// CHECK-NEXT: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%[[INIT]] : tensor<16x8xi32>) {
// CHECK-NEXT: ^bb0(%{{[^:]+}}: i32):
// CHECK-NEXT: %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[RI:.*]] = arith.addi %[[ROW]], %[[I]] : index
// CHECK-NEXT: %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[CJ:.*]] = arith.addi %[[COL]], %[[J]] : index
// CHECK-NEXT: %[[C0W:.*]] = arith.index_castui %[[CJ]] : index to i32
// CHECK-NEXT: %[[C1W:.*]] = arith.index_castui %[[RI]] : index to i32
// CHECK-NEXT: %[[M0:.*]] = arith.constant -766435501 : i32
// CHECK-NEXT: %[[M1:.*]] = arith.constant -845247145 : i32
// CHECK-NEXT: %[[W0:.*]] = arith.constant -1640531527 : i32
// CHECK-NEXT: %[[W1:.*]] = arith.constant -1150833019 : i32
// CHECK-NEXT: %[[LO0:[^,]+]], %[[HI0:[^ ]+]] = arith.mului_extended %[[M0]], %[[C0W]] : i32
// CHECK-NEXT: %[[LO1:[^,]+]], %[[HI1:[^ ]+]] = arith.mului_extended %[[M1]], %[[ST32]] : i32
// CHECK-NEXT: %[[T0:.*]] = arith.xori %[[HI1]], %[[C1W]] : i32
// CHECK-NEXT: %[[X0:.*]] = arith.xori %[[T0]], %[[K0]] : i32
// CHECK-NEXT: %[[T2:.*]] = arith.xori %[[HI0]], %[[OFF32]] : i32
// CHECK-NEXT: %[[X2:.*]] = arith.xori %[[T2]], %[[K1]] : i32
// CHECK-NEXT: %[[K0B:.*]] = arith.addi %[[K0]], %[[W0]] : i32
// CHECK-NEXT: %[[K1B:.*]] = arith.addi %[[K1]], %[[W1]] : i32
// CHECK-NEXT: %[[LO0B:[^,]+]], %[[HI0B:[^ ]+]] = arith.mului_extended %[[M0]], %[[X0]] : i32
// CHECK-NEXT: %[[LO1B:[^,]+]], %[[HI1B:[^ ]+]] = arith.mului_extended %[[M1]], %[[X2]] : i32
// CHECK-NEXT: %[[T0B:.*]] = arith.xori %[[HI1B]], %[[LO1]] : i32
// CHECK-NEXT: %{{.*}} = arith.xori %[[T0B]], %[[K0B]] : i32
// CHECK-NEXT: %[[T2B:.*]] = arith.xori %[[HI0B]], %[[LO0]] : i32
// CHECK-NEXT: %{{.*}} = arith.xori %[[T2B]], %[[K1B]] : i32
// CHECK-NEXT: arith.addi %[[K0B]], %[[W0]] : i32
// CHECK-NEXT: arith.addi %[[K1B]], %[[W1]] : i32
// CHECK-COUNT-16: arith.mului_extended
// CHECK-NEXT: %[[TL:.*]] = arith.xori
// CHECK-NEXT: %[[RESULT:.*]] = arith.xori %[[TL]], %{{.*}} : i32
// CHECK-NEXT: arith.xori
// CHECK-NEXT: arith.xori
// CHECK-NEXT: linalg.yield %[[RESULT]] : i32
// CHECK-NEXT: } -> tensor<16x8xi32>
// CHECK-NEXT: return %[[R]] : tensor<16x8xi32>
func.func @philox(%seed: i64, %offset: i64, %stream: index, %row: index, %col: index)
    -> tensor<16x8xi32> {
  %bits = flash.philox %seed, %offset, %stream at (%row, %col) : tensor<16x8xi32>
  return %bits : tensor<16x8xi32>
}

// -----

// Kept when bits >= floor(0.25 * 2^32) (unsigned), scaled by 1 / (1 - 0.25).
// CHECK-LABEL: func.func @dropout(
// CHECK-SAME: %[[P:[^:]+]]: tensor<16x8xf32>, %[[B:[^:]+]]: tensor<16x8xi32>)
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x8xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[P]], %[[B]] : tensor<16x8xf32>, tensor<16x8xi32>) outs(%[[INIT]] : tensor<16x8xf32>) {
// CHECK-NEXT: ^bb0(%[[PV:[^:]+]]: f32, %[[BV:[^:]+]]: i32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[TH:.*]] = arith.constant 1073741824 : i32
// CHECK-NEXT: %[[KEEP:.*]] = arith.cmpi uge, %[[BV]], %[[TH]] : i32
// CHECK-NEXT: %[[SCALE:.*]] = arith.constant 1.33333337 : f32
// CHECK-NEXT: %[[SCALED:.*]] = arith.mulf %[[PV]], %[[SCALE]] : f32
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[OUT:.*]] = arith.select %[[KEEP]], %[[SCALED]], %[[ZERO]] : f32
// CHECK-NEXT: linalg.yield %[[OUT]] : f32
// CHECK-NEXT: } -> tensor<16x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @dropout(%p: tensor<16x8xf32>, %bits: tensor<16x8xi32>) -> tensor<16x8xf32> {
  %r = flash.dropout %p, %bits prob 0.25 : tensor<16x8xf32>, tensor<16x8xi32>
  return %r : tensor<16x8xf32>
}

// -----

// A threshold above 2^31 must still compare unsigned (p = 0.75).
// CHECK-LABEL: func.func @dropout_high(
// CHECK: %[[TH:.*]] = arith.constant -1073741824 : i32
// CHECK-NEXT: arith.cmpi uge, %{{.*}}, %[[TH]] : i32
// CHECK-NEXT: arith.constant 4.000000e+00 : f32
func.func @dropout_high(%p: tensor<16x8xf32>, %bits: tensor<16x8xi32>) -> tensor<16x8xf32> {
  %r = flash.dropout %p, %bits prob 0.75 : tensor<16x8xf32>, tensor<16x8xi32>
  return %r : tensor<16x8xf32>
}

// -----

// result[i] = sum_j f32(a[i, j]) * f32(b[i, j]), from zero.
// CHECK-LABEL: func.func @row_dot(
// CHECK-SAME: %[[A:[^:]+]]: tensor<16x32xf16>, %[[B:[^:]+]]: tensor<16x32xf16>) -> tensor<16xf32>
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<16xf32>
// CHECK-NEXT: %[[ZEROS:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%[[E]] : tensor<16xf32>) {
// CHECK-NEXT: ^bb0(%{{[^:]+}}: f32):
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: linalg.yield %[[Z]] : f32
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%[[A]], %[[B]] : tensor<16x32xf16>, tensor<16x32xf16>) outs(%[[ZEROS]] : tensor<16xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f16, %[[Y:[^:]+]]: f16, %[[ACC:[^:]+]]: f32):
// CHECK-DAG: %[[XF:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK-DAG: %[[YF:.*]] = arith.extf %[[Y]] : f16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[XF]], %[[YF]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @row_dot(%a: tensor<16x32xf16>, %b: tensor<16x32xf16>) -> tensor<16xf32> {
  %r = flash.row_dot %a, %b : tensor<16x32xf16> -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// -----

// probs = exp(scale * s - lse[i]).
// CHECK-LABEL: func.func @softmax_recompute(
// CHECK-SAME: %[[S:[^:]+]]: tensor<16x8xf32>, %[[LSE:[^:]+]]: tensor<16xf32>)
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x8xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[S]], %[[LSE]] : tensor<16x8xf32>, tensor<16xf32>) outs(%[[INIT]] : tensor<16x8xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %[[LV:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[SC:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-NEXT: %[[XS:.*]] = arith.mulf %[[X]], %[[SC]] : f32
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[XS]], %[[LV]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: linalg.yield %[[E]] : f32
// CHECK-NEXT: } -> tensor<16x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @softmax_recompute(%s: tensor<16x8xf32>, %lse: tensor<16xf32>) -> tensor<16x8xf32> {
  %p = flash.softmax_recompute %s, %lse scale 0.125 : tensor<16x8xf32>, tensor<16xf32>
  return %p : tensor<16x8xf32>
}

// -----

// dS = P * (dP - D[i]).
// CHECK-LABEL: func.func @softmax_grad(
// CHECK-SAME: %[[P:[^:]+]]: tensor<16x8xf32>, %[[DP:[^:]+]]: tensor<16x8xf32>, %[[D:[^:]+]]: tensor<16xf32>)
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x8xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[P]], %[[DP]], %[[D]] : tensor<16x8xf32>, tensor<16x8xf32>, tensor<16xf32>) outs(%[[INIT]] : tensor<16x8xf32>) {
// CHECK-NEXT: ^bb0(%[[PV:[^:]+]]: f32, %[[DPV:[^:]+]]: f32, %[[DV:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[DIFF:.*]] = arith.subf %[[DPV]], %[[DV]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[PV]], %[[DIFF]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK-NEXT: } -> tensor<16x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @softmax_grad(%p: tensor<16x8xf32>, %dp: tensor<16x8xf32>, %d: tensor<16xf32>)
    -> tensor<16x8xf32> {
  %r = flash.softmax_grad %p, %dp, %d : tensor<16x8xf32>, tensor<16xf32>
  return %r : tensor<16x8xf32>
}

// -----

// Problem-level ops and launches are left to their own passes.
// CHECK-LABEL: func.func @untouched(
// CHECK: flash.launch @untouched_kernel grid(
// CHECK-LABEL: func.func private @untouched_kernel(
// CHECK-SAME: attributes {flash.kernel}
func.func @untouched(%g: index, %m: memref<?xf32>) {
  flash.launch @untouched_kernel grid(%g, %g, %g) (%m) : memref<?xf32>
  return
}
func.func private @untouched_kernel(%m: memref<?xf32>) attributes {flash.kernel} {
  return
}

// -----

// Transposed tiles (Sᵀ, a query a column): the statistics are read per
// column, (d0, d1) -> (d1); the mask's and Philox's query is row + j and
// key col + i.
// CHECK-LABEL: func.func @transposed(
// CHECK-SAME: %[[S:[^:]+]]: tensor<16x8xf32>, %[[LSE:[^:]+]]: tensor<8xf32>, %[[D:[^:]+]]: tensor<8xf32>, %[[ROW:[^:]+]]: index, %[[COL:[^:]+]]: index, %[[SQ:[^:]+]]: index, %[[SK:[^:]+]]: index, %[[SEED:[^:]+]]: i64, %[[STREAM:[^:]+]]: index)
// CHECK: ^bb0(%{{[^:]+}}: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[QJ:.*]] = arith.addi %[[ROW]], %[[J]] : index
// CHECK-NEXT: %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[KI:.*]] = arith.addi %[[COL]], %[[I]] : index
// CHECK-DAG: arith.cmpi slt, %[[QJ]], %[[SQ]] : index
// CHECK-DAG: arith.cmpi slt, %[[KI]], %[[SK]] : index
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[LSE]] : tensor<16x8xf32>, tensor<8xf32>)
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[S]], %[[D]] : tensor<16x8xf32>, tensor<16x8xf32>, tensor<8xf32>)
// CHECK: ^bb0(%{{[^:]+}}: i32):
// CHECK-NEXT: %[[PJ:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[PQ:.*]] = arith.addi %[[ROW]], %[[PJ]] : index
// CHECK-NEXT: %[[PI:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[PK:.*]] = arith.addi %[[COL]], %[[PI]] : index
func.func @transposed(%s: tensor<16x8xf32>, %lse: tensor<8xf32>, %delta: tensor<8xf32>,
                      %row: index, %col: index, %sq: index, %sk: index,
                      %seed: i64, %stream: index) -> (tensor<16x8xf32>, tensor<16x8xi32>) {
  %m = flash.mask %s at (%row, %col) within (%sq, %sk) transposed : tensor<16x8xf32>
  %p = flash.softmax_recompute %m, %lse scale 0.5 transposed : tensor<16x8xf32>, tensor<8xf32>
  %ds = flash.softmax_grad %p, %s, %delta transposed : tensor<16x8xf32>, tensor<8xf32>
  %bits = flash.philox %seed, %seed, %stream at (%row, %col) transposed : tensor<16x8xi32>
  return %ds, %bits : tensor<16x8xf32>, tensor<16x8xi32>
}

// -----

// flash.transpose: linalg.transpose into an empty tile.
// CHECK-LABEL: func.func @transpose(
// CHECK-SAME: %[[T:[^:]+]]: tensor<32x16xf32>)
// CHECK-NEXT: %[[INIT:.*]] = tensor.empty() : tensor<16x32xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.transpose ins(%[[T]] : tensor<32x16xf32>) outs(%[[INIT]] : tensor<16x32xf32>) permutation = [1, 0]
// CHECK-NEXT: return %[[R]]
func.func @transpose(%t: tensor<32x16xf32>) -> tensor<16x32xf32> {
  %r = flash.transpose %t : tensor<32x16xf32> -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}
