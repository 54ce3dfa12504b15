// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s

// --convert-flash-to-nvvm, masks, softmax steps and row statistics
// (SoftmaxToLLVM.cpp). On a 64 x 8 f32 mma tile with 4 warps a thread holds
// 4 slots: slots 0, 1 of its row 16 warp + group and slots 2, 3 of row
// 16 warp + group + 8, i.e. rows-layout slots 0 and 1. Row reductions
// combine the thread's slots, then the 4 lanes of the group with
// nvvm.shfl.sync bfly at offsets 1 and 2 (mask -1, clamp 31). exp and log go
// through llvm.nvvm.ex2.approx.ftz.f / lg2.approx.ftz.f with the scale
// folded in (x * scale * log2(e)).

// CHECK-LABEL: llvm.func @online_softmax(
// CHECK: %[[S:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK: %[[M:.*]] = llvm.insertvalue %{{.*}}[1] : !llvm.struct<(f32, f32)>
// CHECK: %[[L:.*]] = llvm.insertvalue %{{.*}}[1] : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[SCALELOG2:.*]] = llvm.mlir.constant(0.72134751 : f32) : f32
// CHECK-NEXT: %[[LOG2E:.*]] = llvm.mlir.constant(1.44269502 : f32) : f32
// CHECK-NEXT: %[[S0:.*]] = llvm.extractvalue %[[S]][0]
// CHECK-NEXT: %[[S1:.*]] = llvm.extractvalue %[[S]][1]
// CHECK-NEXT: %[[S2:.*]] = llvm.extractvalue %[[S]][2]
// CHECK-NEXT: %[[S3:.*]] = llvm.extractvalue %[[S]][3]
// CHECK-NEXT: %[[M0:.*]] = llvm.extractvalue %[[M]][0]
// CHECK-NEXT: %[[M1:.*]] = llvm.extractvalue %[[M]][1]
// CHECK-NEXT: %[[L0:.*]] = llvm.extractvalue %[[L]][0]
// CHECK-NEXT: %[[L1:.*]] = llvm.extractvalue %[[L]][1]
// Row maxima: slots 0, 1 -> row 0, slots 2, 3 -> row 1, then the group.
// CHECK-NEXT: %[[NINF:.*]] = llvm.mlir.constant(0xFF800000 : f32) : f32
// CHECK-NEXT: %[[X0:.*]] = llvm.intr.maxnum(%[[NINF]], %[[S0]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[X01:.*]] = llvm.intr.maxnum(%[[X0]], %[[S1]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[X2:.*]] = llvm.intr.maxnum(%[[NINF]], %[[S2]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[X23:.*]] = llvm.intr.maxnum(%[[X2]], %[[S3]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[ALL:.*]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK-NEXT: %[[CLAMP:.*]] = llvm.mlir.constant(31 : i32) : i32
// CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[SH1:.*]] = nvvm.shfl.sync  bfly %[[ALL]], %[[X01]], %[[ONE]], %[[CLAMP]] : f32 -> f32
// CHECK-NEXT: %[[Y1:.*]] = llvm.intr.maxnum(%[[X01]], %[[SH1]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[TWO:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[SH2:.*]] = nvvm.shfl.sync  bfly %[[ALL]], %[[Y1]], %[[TWO]], %[[CLAMP]] : f32 -> f32
// CHECK-NEXT: %[[RAW0:.*]] = llvm.intr.maxnum(%[[Y1]], %[[SH2]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[ALLB:.*]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK-NEXT: %[[CLAMPB:.*]] = llvm.mlir.constant(31 : i32) : i32
// CHECK-NEXT: %[[ONEB:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[SH3:.*]] = nvvm.shfl.sync  bfly %[[ALLB]], %[[X23]], %[[ONEB]], %[[CLAMPB]] : f32 -> f32
// CHECK-NEXT: %[[Y3:.*]] = llvm.intr.maxnum(%[[X23]], %[[SH3]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[TWOB:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[SH4:.*]] = nvvm.shfl.sync  bfly %[[ALLB]], %[[Y3]], %[[TWOB]], %[[CLAMPB]] : f32 -> f32
// CHECK-NEXT: %[[RAW1:.*]] = llvm.intr.maxnum(%[[Y3]], %[[SH4]]) : (f32, f32) -> f32
// m_new = max(m, scale * rowmax); shift = (m_new == -inf ? 0 : m_new) log2(e);
// alpha = 2^(m log2(e) - shift), the exponent one fma.
// CHECK-NEXT: %[[SCALE:.*]] = llvm.mlir.constant(5.000000e-01 : f32) : f32
// CHECK-NEXT: %[[SM0:.*]] = llvm.fmul %[[RAW0]], %[[SCALE]] : f32
// CHECK-NEXT: %[[MN0:.*]] = llvm.intr.maxnum(%[[M0]], %[[SM0]]) : (f32, f32) -> f32
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: %[[NINF2:.*]] = llvm.mlir.constant(0xFF800000 : f32) : f32
// CHECK-NEXT: %[[EMPTY0:.*]] = llvm.fcmp "oeq" %[[MN0]], %[[NINF2]] : f32
// CHECK-NEXT: %[[SAFE0:.*]] = llvm.select %[[EMPTY0]], %[[ZERO]], %[[MN0]] : i1, f32
// CHECK-NEXT: %[[SHIFT0:.*]] = llvm.fmul %[[SAFE0]], %[[LOG2E]] : f32
// CHECK-NEXT: %[[NEG0:.*]] = llvm.fneg %[[SHIFT0]] : f32
// CHECK-NEXT: %[[D0:.*]] = llvm.intr.fma(%[[M0]], %[[LOG2E]], %[[NEG0]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: %[[ALPHA0:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%[[D0]]) : (f32) -> f32
// CHECK: %[[MN1:.*]] = llvm.intr.maxnum(%[[M1]], %{{.*}}) : (f32, f32) -> f32
// CHECK: %[[SHIFT1:.*]] = llvm.fmul %{{.*}}, %[[LOG2E]] : f32
// CHECK-NEXT: %[[NEG1:.*]] = llvm.fneg %[[SHIFT1]] : f32
// CHECK: %[[ALPHA1:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// p = 2^(s scale log2(e) - shift of its row), the exponent one fma.
// CHECK-NEXT: %[[U0:.*]] = llvm.intr.fma(%[[S0]], %[[SCALELOG2]], %[[NEG0]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: %[[P0:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%[[U0]]) : (f32) -> f32
// CHECK-NEXT: %[[U1:.*]] = llvm.intr.fma(%[[S1]], %[[SCALELOG2]], %[[NEG0]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: %[[P1:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%[[U1]]) : (f32) -> f32
// CHECK-NEXT: %[[U2:.*]] = llvm.intr.fma(%[[S2]], %[[SCALELOG2]], %[[NEG1]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: %[[P2:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%[[U2]]) : (f32) -> f32
// CHECK-NEXT: %[[U3:.*]] = llvm.intr.fma(%[[S3]], %[[SCALELOG2]], %[[NEG1]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: %[[P3:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%[[U3]]) : (f32) -> f32
// Row sums of p over the group, l_new = alpha l + rowsum(p).
// CHECK-NEXT: %[[FZ:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: %[[A0:.*]] = llvm.fadd %[[FZ]], %[[P0]] : f32
// CHECK-NEXT: %[[A01:.*]] = llvm.fadd %[[A0]], %[[P1]] : f32
// CHECK-NEXT: %[[A2:.*]] = llvm.fadd %[[FZ]], %[[P2]] : f32
// CHECK-NEXT: %[[A23:.*]] = llvm.fadd %[[A2]], %[[P3]] : f32
// CHECK: nvvm.shfl.sync  bfly %{{.*}}, %[[A01]], %{{.*}}, %{{.*}} : f32 -> f32
// CHECK-NEXT: %[[B1:.*]] = llvm.fadd %[[A01]], %{{.*}} : f32
// CHECK: nvvm.shfl.sync  bfly %{{.*}}, %[[B1]], %{{.*}}, %{{.*}} : f32 -> f32
// CHECK-NEXT: %[[SUM0:.*]] = llvm.fadd %[[B1]], %{{.*}} : f32
// CHECK: %[[SH5:.*]] = nvvm.shfl.sync  bfly %{{.*}}, %[[A23]], %{{.*}}, %{{.*}} : f32 -> f32
// CHECK-NEXT: %[[B3:.*]] = llvm.fadd %[[A23]], %[[SH5]] : f32
// CHECK-NEXT: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[SH6:.*]] = nvvm.shfl.sync  bfly %{{.*}}, %[[B3]], %{{.*}}, %{{.*}} : f32 -> f32
// CHECK-NEXT: %[[SUM1:.*]] = llvm.fadd %[[B3]], %[[SH6]] : f32
// CHECK-NEXT: %[[AL0:.*]] = llvm.fmul %[[ALPHA0]], %[[L0]] : f32
// CHECK-NEXT: %[[LN0:.*]] = llvm.fadd %[[AL0]], %[[SUM0]] : f32
// CHECK-NEXT: %[[AL1:.*]] = llvm.fmul %[[ALPHA1]], %[[L1]] : f32
// CHECK-NEXT: %[[LN1:.*]] = llvm.fadd %[[AL1]], %[[SUM1]] : f32
// Results: p, m_new, l_new, alpha.
// CHECK-NEXT: %[[PU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[PS0:.*]] = llvm.insertvalue %[[P0]], %[[PU]][0]
// CHECK-NEXT: %[[PS1:.*]] = llvm.insertvalue %[[P1]], %[[PS0]][1]
// CHECK-NEXT: %[[PS2:.*]] = llvm.insertvalue %[[P2]], %[[PS1]][2]
// CHECK-NEXT: llvm.insertvalue %[[P3]], %[[PS2]][3]
// CHECK-NEXT: %[[MU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[MS0:.*]] = llvm.insertvalue %[[MN0]], %[[MU]][0]
// CHECK-NEXT: llvm.insertvalue %[[MN1]], %[[MS0]][1]
// CHECK-NEXT: %[[LU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[LS0:.*]] = llvm.insertvalue %[[LN0]], %[[LU]][0]
// CHECK-NEXT: llvm.insertvalue %[[LN1]], %[[LS0]][1]
// CHECK-NEXT: %[[AU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[AS0:.*]] = llvm.insertvalue %[[ALPHA0]], %[[AU]][0]
// CHECK-NEXT: llvm.insertvalue %[[ALPHA1]], %[[AS0]][1]
// CHECK-NOT: nvvm.shfl.sync
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#rows = #flash.rows<#mma>
func.func @online_softmax(%s: memref<?x8xf32>, %r: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %st = flash.load %s[%c0, %c0] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %m = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32, #rows>
  %l = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32, #rows>
  %p, %mn, %ln, %alpha = flash.online_softmax %st, %m, %l scale 0.5 : tensor<64x8xf32, #mma>, tensor<64xf32, #rows>
  flash.store %p, %s[%c0, %c0] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  flash.store %mn, %r[%c0] bound %n along 0 : tensor<64xf32, #rows> -> memref<?xf32>
  flash.store %ln, %r[%c0] bound %n along 0 : tensor<64xf32, #rows> -> memref<?xf32>
  flash.store %alpha, %r[%c0] bound %n along 0 : tensor<64xf32, #rows> -> memref<?xf32>
  return
}

// -----

// flash.mask (causal): slot (r, c) = (row + 16 warp + group + {0, 8},
// col + 2 tig + {0, 1}) is kept when r < seqlen_q, c < seqlen_k and
// c <= r + (seqlen_k - seqlen_q), else -inf. A block wholly inside both
// sequences (its last row row + 63 and last column col + 7) whose first
// row sees its last column keeps its scores without the per-slot
// compares: a uniform branch. Else each of the thread's rows gets the
// last key it keeps, as an offset from its first key (col + 2 tig),
// clamped to [-1, 1] (its largest key offset) and cut to 32 bits: a
// slot's keep is one compare of its key offset (0 or 1) with it.

// CHECK-LABEL: llvm.func @mask(
// CHECK-SAME: %[[ROW0:[^:]+]]: i64, %[[COL0:[^:]+]]: i64, %[[SQ:[^:]+]]: i64, %[[SK:[^:]+]]: i64)
// CHECK: %[[S:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[DIAG:.*]] = llvm.sub %[[SK]], %[[SQ]] : i64
// CHECK-NEXT: llvm.mlir.constant(63 : i64)
// CHECK-NEXT: %[[LASTR:.*]] = llvm.add %[[ROW0]], %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(7 : i64)
// CHECK-NEXT: %[[LASTC:.*]] = llvm.add %[[COL0]], %{{.*}} : i64
// CHECK-NEXT: %[[RSIN:.*]] = llvm.icmp "slt" %[[LASTR]], %[[SQ]] : i64
// CHECK-NEXT: %[[CSIN:.*]] = llvm.icmp "slt" %[[LASTC]], %[[SK]] : i64
// CHECK-NEXT: %[[BOTH:.*]] = llvm.and %[[RSIN]], %[[CSIN]] : i1
// CHECK-NEXT: %[[FIRSTLAST:.*]] = llvm.add %[[ROW0]], %[[DIAG]] : i64
// CHECK-NEXT: %[[SEES:.*]] = llvm.icmp "sle" %[[LASTC]], %[[FIRSTLAST]] : i64
// CHECK-NEXT: %[[WHOLE:.*]] = llvm.and %[[BOTH]], %[[SEES]] : i1
// CHECK-NEXT: %[[OUT:.*]] = scf.if %[[WHOLE]] -> (!llvm.struct<(f32, f32, f32, f32)>) {
// CHECK-NEXT: scf.yield %[[S]] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: } else {
// CHECK-NEXT: nvvm.read.ptx.sreg.tid.x
// CHECK-NEXT: llvm.zext
// CHECK-NEXT: llvm.mlir.constant(5 : i64)
// CHECK-NEXT: llvm.lshr
// CHECK-NEXT: llvm.mlir.constant(31 : i64)
// CHECK-NEXT: %[[LANE:.*]] = llvm.and
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[GROUP:.*]] = llvm.lshr %[[LANE]]
// CHECK-NEXT: llvm.mlir.constant(3 : i64)
// CHECK-NEXT: %[[TIG:.*]] = llvm.and %[[LANE]]
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: llvm.mlir.constant(16 : i64)
// CHECK-NEXT: llvm.mul
// CHECK-NEXT: llvm.add
// CHECK-NEXT: %[[TROW:.*]] = llvm.add %{{.*}}, %[[GROUP]] : i64
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[T2:.*]] = llvm.mul %[[TIG]]
// CHECK-NEXT: %[[TCOL:.*]] = llvm.add %{{.*}}, %[[T2]] : i64
// CHECK-NEXT: %[[S0:.*]] = llvm.extractvalue %[[S]][0]
// CHECK-NEXT: llvm.extractvalue %[[S]][1]
// CHECK-NEXT: llvm.extractvalue %[[S]][2]
// CHECK-NEXT: llvm.extractvalue %[[S]][3]
// CHECK-NEXT: %[[FIRSTK:.*]] = llvm.add %[[COL0]], %[[TCOL]] : i64
// CHECK-NEXT: %[[FIRSTQ:.*]] = llvm.add %[[ROW0]], %[[TROW]] : i64
// CHECK-NEXT: llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[LASTIN:.*]] = llvm.sub %[[SK]], %{{.*}} : i64
// CHECK-NEXT: %[[NONE:.*]] = llvm.mlir.constant(-1 : i64) : i64
// CHECK-NEXT: %[[NINF:.*]] = llvm.mlir.constant(0xFF800000 : f32) : f32
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: %[[R:.*]] = llvm.add %[[FIRSTQ]], %{{.*}} : i64
// CHECK-NEXT: %[[RLAST:.*]] = llvm.add %[[R]], %[[DIAG]] : i64
// CHECK-NEXT: %[[LAST:.*]] = llvm.intr.smin(%[[LASTIN]], %[[RLAST]]) : (i64, i64) -> i64
// CHECK-NEXT: %[[REL:.*]] = llvm.sub %[[LAST]], %[[FIRSTK]] : i64
// CHECK-NEXT: %[[INR:.*]] = llvm.icmp "slt" %[[R]], %[[SQ]] : i64
// CHECK-NEXT: %[[RELIN:.*]] = llvm.select %[[INR]], %[[REL]], %[[NONE]] : i1, i64
// CHECK-NEXT: %[[MAXOFF:.*]] = llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[CAP:.*]] = llvm.intr.smin(%[[RELIN]], %[[MAXOFF]])
// CHECK-NEXT: %[[CLAMPED:.*]] = llvm.intr.smax(%[[CAP]], %[[NONE]])
// CHECK-NEXT: %[[LIMIT:.*]] = llvm.trunc %[[CLAMPED]] : i64 to i32
// CHECK-NEXT: %[[K0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[KEEP:.*]] = llvm.icmp "sle" %[[K0]], %[[LIMIT]] : i32
// CHECK-NEXT: %[[M0:.*]] = llvm.select %[[KEEP]], %[[S0]], %[[NINF]] : i1, f32
// CHECK-NEXT: %[[K1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.icmp "sle" %[[K1]], %[[LIMIT]] : i32
// CHECK-COUNT-3: llvm.select %{{.*}}, %{{.*}}, %[[NINF]] : i1, f32
// CHECK-NEXT: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: llvm.insertvalue %[[M0]], %[[U]][0]
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK: llvm.extractvalue %[[OUT]][0]
// CHECK-LABEL: llvm.func @mask_not_causal(
// CHECK-SAME: %[[SK:[^:]+]]: i64)
// No diagonal: the block's test and a row's last key are the sequences'
// ends.
// CHECK-NOT: llvm.icmp "sle" %{{.*}} : i64
// CHECK: scf.if %{{.*}} -> (!llvm.struct<(f32, f32, f32, f32)>)
// CHECK: %[[LASTIN:.*]] = llvm.sub %[[SK]], %{{.*}} : i64
// CHECK-NOT: llvm.intr.smin(%[[LASTIN]]
// CHECK: llvm.sub %[[LASTIN]], %{{.*}} : i64
// CHECK-COUNT-2: llvm.select %{{.*}}, %{{.*}}, %{{.*}} : i1, f32
// CHECK: llvm.sub %[[LASTIN]], %{{.*}} : i64
// CHECK-COUNT-2: llvm.select %{{.*}}, %{{.*}}, %{{.*}} : i1, f32
// CHECK-NOT: llvm.icmp "sle" %{{.*}} : i64
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @mask(%s: memref<?x8xf32>, %n: index, %r0: index, %c0: index, %sq: index, %sk: index) attributes {flash.kernel} {
  %z = arith.constant 0 : index
  %st = flash.load %s[%z, %z] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %m = flash.mask %st at (%r0, %c0) within (%sq, %sk) causal : tensor<64x8xf32, #mma>
  flash.store %m, %s[%z, %z] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}
func.func @mask_not_causal(%s: memref<?x8xf32>, %n: index, %r0: index, %c0: index, %sq: index, %sk: index) attributes {flash.kernel} {
  %z = arith.constant 0 : index
  %st = flash.load %s[%z, %z] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %m = flash.mask %st at (%r0, %c0) within (%sq, %sk) : tensor<64x8xf32, #mma>
  flash.store %m, %s[%z, %z] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}

// -----

// Per-row maps: scale_rows (x * f[row]), softmax_recompute
// (2^(s scale log2(e) - lse[row] log2(e))), softmax_grad
// (p (dp - delta[row])); slots 0, 1 use row slot 0, slots 2, 3 row slot 1.

// CHECK-LABEL: llvm.func @row_maps(
// CHECK: %[[S:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK: %[[F:.*]] = llvm.insertvalue %{{.*}}[1] : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[S0:.*]] = llvm.extractvalue %[[S]][0]
// CHECK-NEXT: %[[S1:.*]] = llvm.extractvalue %[[S]][1]
// CHECK-NEXT: %[[S2:.*]] = llvm.extractvalue %[[S]][2]
// CHECK-NEXT: %[[S3:.*]] = llvm.extractvalue %[[S]][3]
// CHECK-NEXT: %[[F0:.*]] = llvm.extractvalue %[[F]][0]
// CHECK-NEXT: %[[F1:.*]] = llvm.extractvalue %[[F]][1]
// CHECK-NEXT: %[[X0:.*]] = llvm.fmul %[[S0]], %[[F0]] : f32
// CHECK-NEXT: %[[X1:.*]] = llvm.fmul %[[S1]], %[[F0]] : f32
// CHECK-NEXT: %[[X2:.*]] = llvm.fmul %[[S2]], %[[F1]] : f32
// CHECK-NEXT: %[[X3:.*]] = llvm.fmul %[[S3]], %[[F1]] : f32
// CHECK-NEXT: llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: llvm.insertvalue %[[X0]]
// CHECK-NEXT: llvm.insertvalue %[[X1]]
// CHECK-NEXT: llvm.insertvalue %[[X2]]
// CHECK-NEXT: %[[X:.*]] = llvm.insertvalue %[[X3]]
// CHECK-NEXT: %[[SCALELOG2:.*]] = llvm.mlir.constant(0.360673755 : f32) : f32
// CHECK-NEXT: %[[LOG2E:.*]] = llvm.mlir.constant(1.44269502 : f32) : f32
// CHECK-NEXT: %[[Y0:.*]] = llvm.extractvalue %[[X]][0]
// CHECK-NEXT: llvm.extractvalue %[[X]][1]
// CHECK-NEXT: %[[Y2:.*]] = llvm.extractvalue %[[X]][2]
// CHECK-NEXT: %[[Y3:.*]] = llvm.extractvalue %[[X]][3]
// CHECK-NEXT: %[[LSE0:.*]] = llvm.extractvalue %[[F]][0]
// CHECK-NEXT: %[[LSE1:.*]] = llvm.extractvalue %[[F]][1]
// CHECK-NEXT: %[[LL0:.*]] = llvm.fmul %[[LSE0]], %[[LOG2E]] : f32
// CHECK-NEXT: %[[NL0:.*]] = llvm.fneg %[[LL0]] : f32
// CHECK-NEXT: %[[E0:.*]] = llvm.intr.fma(%[[Y0]], %[[SCALELOG2]], %[[NL0]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: %[[P0:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%[[E0]]) : (f32) -> f32
// CHECK: %[[LL1:.*]] = llvm.fmul %[[LSE1]], %[[LOG2E]] : f32
// CHECK-NEXT: %[[NL1:.*]] = llvm.fneg %[[LL1]] : f32
// CHECK-NEXT: llvm.intr.fma(%[[Y2]], %[[SCALELOG2]], %[[NL1]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK-NEXT: %[[LL1B:.*]] = llvm.fmul %[[LSE1]], %[[LOG2E]] : f32
// CHECK-NEXT: %[[NL1B:.*]] = llvm.fneg %[[LL1B]] : f32
// CHECK-NEXT: llvm.intr.fma(%[[Y3]], %[[SCALELOG2]], %[[NL1B]]) : (f32, f32, f32) -> f32
// CHECK-NEXT: %[[P3:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK: %[[P:.*]] = llvm.insertvalue %[[P3]], %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[Q0:.*]] = llvm.extractvalue %[[P]][0]
// CHECK-COUNT-3: llvm.extractvalue %[[P]]
// CHECK-NEXT: %[[DP0:.*]] = llvm.extractvalue %[[S]][0]
// CHECK-COUNT-3: llvm.extractvalue %[[S]]
// CHECK-NEXT: %[[D0:.*]] = llvm.extractvalue %[[F]][0]
// CHECK-NEXT: %[[D1:.*]] = llvm.extractvalue %[[F]][1]
// CHECK-NEXT: %[[G0:.*]] = llvm.fsub %[[DP0]], %[[D0]] : f32
// CHECK-NEXT: llvm.fmul %[[Q0]], %[[G0]] : f32
// CHECK-NEXT: llvm.fsub %{{.*}}, %[[D0]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %{{.*}}, %[[D1]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %{{.*}}, %[[D1]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NOT: nvvm.shfl.sync
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#rows = #flash.rows<#mma>
func.func @row_maps(%s: memref<?x8xf32>, %r: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %st = flash.load %s[%c0, %c0] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %f = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32, #rows>
  %a = flash.scale_rows %st, %f : tensor<64x8xf32, #mma>, tensor<64xf32, #rows>
  %p = flash.softmax_recompute %a, %f scale 0.25 : tensor<64x8xf32, #mma>, tensor<64xf32, #rows>
  %g = flash.softmax_grad %p, %st, %f : tensor<64x8xf32, #mma>, tensor<64xf32, #rows>
  flash.store %g, %s[%c0, %c0] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}

// -----

// flash.finalize: 1 / l (0 where l = 0) scales the row, truncated to bf16;
// lse = m + lg2(l) ln(2) (+inf where l = 0). flash.row_dot widens bf16 to
// f32, multiplies, and sums each row over the thread and its group.

// CHECK-LABEL: llvm.func @finalize(
// CHECK: %[[ACC:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK: %[[M:.*]] = llvm.insertvalue %{{.*}}[1] : !llvm.struct<(f32, f32)>
// CHECK: %[[L:.*]] = llvm.insertvalue %{{.*}}[1] : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[A0:.*]] = llvm.extractvalue %[[ACC]][0]
// CHECK-COUNT-3: llvm.extractvalue %[[ACC]]
// CHECK-NEXT: %[[M0:.*]] = llvm.extractvalue %[[M]][0]
// CHECK-NEXT: llvm.extractvalue %[[M]][1]
// CHECK-NEXT: %[[L0:.*]] = llvm.extractvalue %[[L]][0]
// CHECK-NEXT: llvm.extractvalue %[[L]][1]
// CHECK-NEXT: %[[Z:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: %[[EMPTY:.*]] = llvm.fcmp "oeq" %[[L0]], %[[Z]] : f32
// CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK-NEXT: %[[INV:.*]] = llvm.fdiv %[[ONE]], %[[L0]] : f32
// CHECK-NEXT: %[[Z2:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: %[[SAFE:.*]] = llvm.select %[[EMPTY]], %[[Z2]], %[[INV]] : i1, f32
// CHECK-NEXT: %[[LN2:.*]] = llvm.mlir.constant(0.693147182 : f32) : f32
// CHECK-NEXT: %[[LG:.*]] = llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"(%[[L0]]) : (f32) -> f32
// CHECK-NEXT: %[[LNL:.*]] = llvm.fmul %[[LG]], %[[LN2]] : f32
// CHECK-NEXT: %[[LSE:.*]] = llvm.fadd %[[M0]], %[[LNL]] : f32
// CHECK-NEXT: %[[INF:.*]] = llvm.mlir.constant(0x7F800000 : f32) : f32
// CHECK-NEXT: %[[LSE0:.*]] = llvm.select %[[EMPTY]], %[[INF]], %[[LSE]] : i1, f32
// CHECK: %[[O0:.*]] = llvm.fmul %[[A0]], %[[SAFE]] : f32
// CHECK-NEXT: %[[T0:.*]] = llvm.fptrunc %[[O0]] : f32 to bf16
// CHECK-COUNT-3: llvm.fptrunc %{{.*}} : f32 to bf16
// CHECK-NEXT: %[[OU:.*]] = llvm.mlir.undef : !llvm.struct<(bf16, bf16, bf16, bf16)>
// CHECK-NEXT: llvm.insertvalue %[[T0]], %[[OU]][0]
// CHECK: %[[LU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK-NEXT: llvm.insertvalue %[[LSE0]], %[[LU]][0]
#mma = #flash.mma<warps = 4>
#rows = #flash.rows<#mma>
func.func @finalize(%s: memref<?x8xf32>, %o: memref<?x8xbf16>, %r: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %acc = flash.load %s[%c0, %c0] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %m = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32, #rows>
  %l = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32, #rows>
  %out, %lse = flash.finalize %acc, %m, %l : tensor<64x8xf32, #mma>, tensor<64xf32, #rows> -> tensor<64x8xbf16, #mma>
  flash.store %out, %o[%c0, %c0] bound %n along 0 : tensor<64x8xbf16, #mma> -> memref<?x8xbf16>
  flash.store %lse, %r[%c0] bound %n along 0 : tensor<64xf32, #rows> -> memref<?xf32>
  return
}

// CHECK-LABEL: llvm.func @row_dot(
// CHECK: %[[X:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(bf16, bf16, bf16, bf16)>
// CHECK: %[[Y:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[X0:.*]] = llvm.extractvalue %[[X]][0]
// CHECK-COUNT-3: llvm.extractvalue %[[X]]
// CHECK-NEXT: %[[Y0:.*]] = llvm.extractvalue %[[Y]][0]
// CHECK-COUNT-3: llvm.extractvalue %[[Y]]
// CHECK-NEXT: %[[YW:.*]] = llvm.fpext %[[Y0]] : bf16 to f32
// CHECK-NEXT: %[[XW:.*]] = llvm.fpext %[[X0]] : bf16 to f32
// CHECK-NEXT: %[[PR0:.*]] = llvm.fmul %[[XW]], %[[YW]] : f32
// CHECK-COUNT-3: llvm.fmul
// CHECK-NEXT: %[[Z:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: %[[A0:.*]] = llvm.fadd %[[Z]], %[[PR0]] : f32
// CHECK-NEXT: %[[A01:.*]] = llvm.fadd %[[A0]], %{{.*}} : f32
// CHECK: nvvm.shfl.sync  bfly %{{.*}}, %[[A01]], %{{.*}}, %{{.*}} : f32 -> f32
// CHECK-COUNT-3: nvvm.shfl.sync  bfly
// CHECK: llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK-NOT: nvvm.shfl.sync
// CHECK: llvm.return
func.func @row_dot(%a: memref<?x8xbf16>, %r: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %x = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x8xbf16> -> tensor<64x8xbf16, #mma>
  %y = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x8xbf16> -> tensor<64x8xbf16, #mma>
  %d = flash.row_dot %x, %y : tensor<64x8xbf16, #mma> -> tensor<64xf32, #rows>
  flash.store %d, %r[%c0] bound %n along 0 : tensor<64xf32, #rows> -> memref<?xf32>
  return
}

// -----

// Per-column statistics (a transposed tile's, #flash.columns): on a 64 x 16
// mma tile a thread holds 8 slots, columns 2 tig + {0, 1} of the 8-column
// blocks 0 (slots 0-3) and 1 (slots 4-7); its columns layout holds those 4
// columns, so slots 0-7 read column slots 0, 1, 0, 1, 2, 3, 2, 3.
// softmax_grad transposed: p (dp - delta[column]). A columns tile is stored
// once: by group 0 of warp 0.

// CHECK-LABEL: llvm.func @column_maps(
// CHECK: %[[T:.*]] = llvm.insertvalue %{{.*}}[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK: %[[D:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-COUNT-8: llvm.extractvalue %[[T]]
// CHECK-NEXT: %[[DP0:.*]] = llvm.extractvalue %[[T]][0]
// CHECK-NEXT: %[[DP1:.*]] = llvm.extractvalue %[[T]][1]
// CHECK-NEXT: %[[DP2:.*]] = llvm.extractvalue %[[T]][2]
// CHECK-NEXT: %[[DP3:.*]] = llvm.extractvalue %[[T]][3]
// CHECK-NEXT: %[[DP4:.*]] = llvm.extractvalue %[[T]][4]
// CHECK-NEXT: %[[DP5:.*]] = llvm.extractvalue %[[T]][5]
// CHECK-NEXT: %[[DP6:.*]] = llvm.extractvalue %[[T]][6]
// CHECK-NEXT: %[[DP7:.*]] = llvm.extractvalue %[[T]][7]
// CHECK-NEXT: %[[D0:.*]] = llvm.extractvalue %[[D]][0]
// CHECK-NEXT: %[[D1:.*]] = llvm.extractvalue %[[D]][1]
// CHECK-NEXT: %[[D2:.*]] = llvm.extractvalue %[[D]][2]
// CHECK-NEXT: %[[D3:.*]] = llvm.extractvalue %[[D]][3]
// CHECK-NEXT: llvm.fsub %[[DP0]], %[[D0]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %[[DP1]], %[[D1]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %[[DP2]], %[[D0]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %[[DP3]], %[[D1]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %[[DP4]], %[[D2]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %[[DP5]], %[[D3]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %[[DP6]], %[[D2]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK-NEXT: llvm.fsub %[[DP7]], %[[D3]] : f32
// CHECK-NEXT: llvm.fmul
// CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x
// CHECK-NEXT: %[[TID64:.*]] = llvm.zext %[[TID]]
// CHECK-NEXT: llvm.mlir.constant(5 : i64)
// CHECK-NEXT: %[[WARP:.*]] = llvm.lshr %[[TID64]]
// CHECK-NEXT: llvm.mlir.constant(31 : i64)
// CHECK-NEXT: %[[LANE:.*]] = llvm.and %[[TID64]]
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[GROUP:.*]] = llvm.lshr %[[LANE]]
// CHECK: llvm.mlir.constant(true) : i1
// CHECK-NEXT: %[[Z0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[G0:.*]] = llvm.icmp "eq" %[[GROUP]], %[[Z0]] : i64
// CHECK-NEXT: %[[Z1:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[W0:.*]] = llvm.icmp "eq" %[[WARP]], %[[Z1]] : i64
// CHECK-NEXT: llvm.and %[[G0]], %[[W0]] : i1
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#columns = #flash.columns<#mma>
func.func @column_maps(%s: memref<?x16xf32>, %r: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %st = flash.load %s[%c0, %c0] bound %n along 0 : memref<?x16xf32> -> tensor<64x16xf32, #mma>
  %d = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<16xf32, #columns>
  %g = flash.softmax_grad %st, %st, %d transposed : tensor<64x16xf32, #mma>, tensor<16xf32, #columns>
  flash.store %d, %r[%c0] bound %n along 0 : tensor<16xf32, #columns> -> memref<?xf32>
  flash.store %g, %s[%c0, %c0] bound %n along 0 : tensor<64x16xf32, #mma> -> memref<?x16xf32>
  return
}

// -----

// flash.mask transposed: an element's query is row0 + its column, its key
// col0 + its row; the block's last query row0 + 7, its last key col0 + 63.
// A thread holds many queries here (its columns): each slot compares its
// own query and key, in 64 bits.

// CHECK-LABEL: llvm.func @mask_transposed(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %[[ROW0:[^:]+]]: i64, %[[COL0:[^:]+]]: i64, %[[SQ:[^:]+]]: i64, %[[SK:[^:]+]]: i64)
// The loaded tile, the block's test, then the mask's thread coordinates.
// CHECK: llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[DIAG:.*]] = llvm.sub %[[SK]], %[[SQ]] : i64
// CHECK-NEXT: llvm.mlir.constant(7 : i64)
// CHECK-NEXT: %[[LASTR:.*]] = llvm.add %[[ROW0]], %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(63 : i64)
// CHECK-NEXT: %[[LASTC:.*]] = llvm.add %[[COL0]], %{{.*}} : i64
// CHECK-NEXT: llvm.icmp "slt" %[[LASTR]], %[[SQ]] : i64
// CHECK-NEXT: llvm.icmp "slt" %[[LASTC]], %[[SK]] : i64
// CHECK: scf.if
// CHECK: %[[LANE:.*]] = llvm.and %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[GROUP:.*]] = llvm.lshr %[[LANE]], %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(3 : i64)
// CHECK-NEXT: %[[TIG:.*]] = llvm.and %[[LANE]], %{{.*}} : i64
// CHECK: %[[TROW:.*]] = llvm.add %{{.*}}, %[[GROUP]] : i64
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[T2:.*]] = llvm.mul %[[TIG]]
// CHECK-NEXT: %[[TCOL:.*]] = llvm.add %{{.*}}, %[[T2]] : i64
// CHECK: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: %[[TC0:.*]] = llvm.add %[[TCOL]], %{{.*}} : i64
// CHECK-NEXT: %[[R:.*]] = llvm.add %[[ROW0]], %[[TC0]] : i64
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: %[[TR0:.*]] = llvm.add %[[TROW]], %{{.*}} : i64
// CHECK-NEXT: %[[C:.*]] = llvm.add %[[COL0]], %[[TR0]] : i64
// CHECK-NEXT: %[[INR:.*]] = llvm.icmp "slt" %[[R]], %[[SQ]] : i64
// CHECK-NEXT: %[[INC:.*]] = llvm.icmp "slt" %[[C]], %[[SK]] : i64
// CHECK-NEXT: %[[IN:.*]] = llvm.and %[[INR]], %[[INC]] : i1
// CHECK-NEXT: %[[LAST:.*]] = llvm.add %[[R]], %[[DIAG]] : i64
// CHECK-NEXT: llvm.icmp "sle" %[[C]], %[[LAST]] : i64
#mma = #flash.mma<warps = 4>
func.func @mask_transposed(%s: memref<?x8xf32>, %n: index, %r0: index, %c0: index, %sq: index, %sk: index) attributes {flash.kernel} {
  %z = arith.constant 0 : index
  %st = flash.load %s[%z, %z] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %m = flash.mask %st at (%r0, %c0) within (%sq, %sk) causal transposed : tensor<64x8xf32, #mma>
  flash.store %m, %s[%z, %z] bound %n along 0 : tensor<64x8xf32, #mma> -> memref<?x8xf32>
  return
}

// -----

// softmax_recompute transposed: 2^(s scale log2(e) - lse[column] log2(e)),
// the columns as in @column_maps (slots 0-7: column slots 0, 1, 0, 1, 2, 3,
// 2, 3).

// CHECK-LABEL: llvm.func @column_recompute(
// CHECK: %[[L:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK: %[[L0:.*]] = llvm.extractvalue %[[L]][0]
// CHECK-NEXT: %[[L1:.*]] = llvm.extractvalue %[[L]][1]
// CHECK-NEXT: %[[L2:.*]] = llvm.extractvalue %[[L]][2]
// CHECK-NEXT: %[[L3:.*]] = llvm.extractvalue %[[L]][3]
// CHECK-NEXT: llvm.fmul %[[L0]], %{{.*}} : f32
// CHECK: llvm.fmul %[[L1]], %{{.*}} : f32
// CHECK: llvm.fmul %[[L0]], %{{.*}} : f32
// CHECK: llvm.fmul %[[L1]], %{{.*}} : f32
// CHECK: llvm.fmul %[[L2]], %{{.*}} : f32
// CHECK: llvm.fmul %[[L3]], %{{.*}} : f32
// CHECK: llvm.fmul %[[L2]], %{{.*}} : f32
// CHECK: llvm.fmul %[[L3]], %{{.*}} : f32
// CHECK-NOT: llvm.fmul %[[L0]]
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#columns = #flash.columns<#mma>
func.func @column_recompute(%s: memref<?x16xf32>, %r: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %st = flash.load %s[%c0, %c0] bound %n along 0 : memref<?x16xf32> -> tensor<64x16xf32, #mma>
  %l = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<16xf32, #columns>
  %p = flash.softmax_recompute %st, %l scale 0.5 transposed : tensor<64x16xf32, #mma>, tensor<16xf32, #columns>
  flash.store %p, %s[%c0, %c0] bound %n along 0 : tensor<64x16xf32, #mma> -> memref<?x16xf32>
  return
}

// -----

// A columns tile's loads: slot s of a thread reads element 2 tig + 0, 1, 8,
// 9 (its columns of each 8-column block) from the tile's origin.

// CHECK-LABEL: llvm.func @column_load(
// CHECK: %[[LANE:.*]] = llvm.and %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(2 : i64)
// CHECK-NEXT: llvm.lshr %[[LANE]]
// CHECK-NEXT: llvm.mlir.constant(3 : i64)
// CHECK-NEXT: %[[TIG:.*]] = llvm.and %[[LANE]], %{{.*}} : i64
// CHECK-NEXT: llvm.mlir.constant(0 : i64)
// CHECK-NEXT: %[[TWO:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-NEXT: %[[T2:.*]] = llvm.mul %[[TIG]], %[[TWO]] : i64
// CHECK-NEXT: %[[BASE:.*]] = llvm.add %{{.*}}, %[[T2]] : i64
// CHECK: llvm.add %[[BASE]], %{{.*}} : i64
// CHECK: %[[O1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: llvm.add %[[BASE]], %[[O1]] : i64
// CHECK: %[[O8:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: llvm.add %[[BASE]], %[[O8]] : i64
// CHECK: %[[O9:.*]] = llvm.mlir.constant(9 : i64) : i64
// CHECK-NEXT: llvm.add %[[BASE]], %[[O9]] : i64
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#columns = #flash.columns<#mma>
func.func @column_load(%r: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %l = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<16xf32, #columns>
  flash.store %l, %r[%c0] bound %n along 0 : tensor<16xf32, #columns> -> memref<?xf32>
  return
}

// -----

// Per-column statistics are read where the softmax uses them only when
// nothing writes a shared tile between their conversion and that use
// (markReadsAtUses): here the next block's vector is copied into the same
// buffer (as flash-prefetch-shared-tiles does), so the conversion reads
// them all, before that copy is issued.

// CHECK-LABEL: llvm.func @statistics_overwritten(
// CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK: nvvm.cp.async.shared.global
// CHECK-NOT: !llvm.ptr<3> -> f32
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
#columns = #flash.columns<#mma>
#vec = #flash.shared<padding = 0>
func.func @statistics_overwritten(%s: memref<?x16xf32>, %r: memref<?xf32>, %n: index) attributes {flash.kernel, flash.shared_memory = 64 : i64} {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %st = flash.load %s[%c0, %c0] bound %n along 0 : memref<?x16xf32> -> tensor<64x16xf32, #mma>
  %lv = flash.load %r[%c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?xf32> -> tensor<16xf32, #vec>
  %l = flash.convert_layout %lv : tensor<16xf32, #vec> -> tensor<16xf32, #columns>
  %next = flash.load %r[%c16] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?xf32> -> tensor<16xf32, #vec>
  %p = flash.softmax_recompute %st, %l scale 0.5 transposed : tensor<64x16xf32, #mma>, tensor<16xf32, #columns>
  flash.store %p, %s[%c0, %c0] bound %n along 0 : tensor<64x16xf32, #mma> -> memref<?x16xf32>
  %m = flash.convert_layout %next : tensor<16xf32, #vec> -> tensor<16xf32, #columns>
  flash.store %m, %r[%c0] bound %n along 0 : tensor<16xf32, #columns> -> memref<?xf32>
  return
}
