// RUN: flash-opt %s -split-input-file --flash-to-nvvm | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-to-nvvm | not grep -E '^ *(%[^ ]+ = )?"?(func|arith|scf|cf|memref|flash|builtin|index|tensor|math|vector|ub)\.'
// RUN: flash-opt %s -split-input-file --flash-to-nvvm=vector-bytes=4 | FileCheck %s --check-prefix=VEC4

// The flash-to-nvvm pipeline (tiling, canonicalize/CSE, layouts, shared
// memory, convert-flash-to-nvvm, then scf/arith/index/cf to LLVM and
// reconcile-unrealized-casts): only llvm and nvvm ops remain (the second RUN
// line finds no op of any other dialect), host functions are gone, and each
// kernel is an nvvm.kernel llvm.func carrying flash.grid (how the runtime
// sizes its grid) and flash.shared_memory (the dynamic shared memory it
// launches with), next to the external @flash_shared_memory buffer.

// Forward, bf16, head_dim 64: Q K^T and P V are 32 mma.sync each
// (64 x 64 x 64 over 4 warps), fed by 32 ldmatrix of K^T (row) and of V
// (col, i.e. .trans); K and V go through cp.async (16 bytes), each product
// waiting for the copies it reads (dot.mlir pins which).

// CHECK-NOT: @fwd(
// CHECK: llvm.mlir.global external @flash_shared_memory() {addr_space = 3 : i32, alignment = 1024 : i64} : !llvm.array<0 x i8>
// CHECK-LABEL: llvm.func @fwd_attention_fwd(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: !llvm.ptr<1>
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.shared_memory = 18432 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-DAG: nvvm.read.ptx.sreg.ctaid.x : i32
// CHECK-DAG: nvvm.read.ptx.sreg.ctaid.y : i32
// CHECK-DAG: nvvm.read.ptx.sreg.tid.x : i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group {{[0-9]+}}
// CHECK-NEXT: nvvm.barrier0
// CHECK-COUNT-32: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 2 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>}
// CHECK-COUNT-32: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK: nvvm.shfl.sync  bfly
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
// CHECK: nvvm.cp.async.wait.group {{[0-9]+}}
// CHECK-NEXT: nvvm.barrier0
// CHECK-COUNT-32: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 2 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>}
// CHECK-COUNT-32: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"
// CHECK: llvm.return
// CHECK-NOT: llvm.func
// VEC4-LABEL: llvm.func @fwd_attention_fwd(
// VEC4: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache =  ca, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
func.func @fwd(%q: memref<2x128x4x64xbf16>, %k: memref<2x128x4x64xbf16>,
               %v: memref<2x128x4x64xbf16>, %out: memref<2x128x4x64xbf16>,
               %lse: memref<2x4x128xf32>) {
  flash.attention %q, %k, %v -> %out, %lse
      : memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>, memref<2x128x4x64xbf16>
      -> memref<2x128x4x64xbf16>, memref<2x4x128xf32>
  return
}

// -----

// Varlen, causal, grouped K/V heads: the kernel takes cu_seqlens_q/k
// (pointer, size, stride) after the rank-2 lse (max_seqlen only sizes the
// grid), and reads the sequence bounds as sign-extended i32 loads.

// CHECK-LABEL: llvm.func @fwd_varlen_attention_fwd(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64,
// CHECK-SAME: %[[CUQ:[^:]+]]: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %[[CUK:[^:]+]]: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64)
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.shared_memory = 18432 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK: llvm.load %{{.*}} : !llvm.ptr<1> -> i32
// CHECK: llvm.sext %{{.*}} : i32 to i64
// CHECK-COUNT-32: nvvm.mma.sync
// CHECK: llvm.icmp "sle"
// CHECK-COUNT-32: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.return
// CHECK-NOT: llvm.func
func.func @fwd_varlen(%q: memref<?x8x64xbf16>, %k: memref<?x2x64xbf16>,
                      %v: memref<?x2x64xbf16>, %out: memref<?x8x64xbf16>,
                      %lse: memref<8x?xf32>, %cu_q: memref<?xi32>, %cu_k: memref<?xi32>,
                      %max_q: index, %max_k: index) {
  flash.attention %q, %k, %v -> %out, %lse
      varlen(%cu_q, %cu_k : memref<?xi32>, memref<?xi32>) max_seqlen(%max_q, %max_k) {causal}
      : memref<?x8x64xbf16>, memref<?x2x64xbf16>, memref<?x2x64xbf16>
      -> memref<?x8x64xbf16>, memref<8x?xf32>
  return
}

// -----

// Dropout, fp16, head_dim 32: the seed and offset are trailing i64
// parameters; Philox's constants, the threshold floor(0.1 2^32) and the
// 1 / (1 - 0.1) scale appear; f16 mma.sync (16 + 16).

// CHECK-LABEL: llvm.func @fwd_dropout_attention_fwd(
// CHECK-SAME: %{{[^:]+}}: !llvm.ptr<1>, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %{{[^:]+}}: i64, %[[SEED:[^:]+]]: i64, %[[OFFSET:[^:]+]]: i64)
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.shared_memory = 10240 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-DAG: llvm.mlir.constant(1.11111116 : f32) : f32
// CHECK-DAG: llvm.mlir.constant(429496736 : i32) : i32
// CHECK-DAG: llvm.mlir.constant(-1640531527 : i32) : i32
// CHECK-DAG: llvm.mlir.constant(-1150833019 : i32) : i32
// CHECK-DAG: llvm.mlir.constant(3528531795 : i64) : i64
// CHECK-DAG: llvm.mlir.constant(3449720151 : i64) : i64
// Two key loops (the full blocks, then the masked ones), each with its
// dropout:
// CHECK-COUNT-16: nvvm.mma.sync A[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: llvm.trunc %[[SEED]] : i64 to i32
// CHECK-COUNT-32: llvm.icmp "uge"
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK: llvm.trunc %[[SEED]] : i64 to i32
// CHECK-COUNT-32: llvm.icmp "uge"
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.return
// CHECK-NOT: llvm.func
func.func @fwd_dropout(%q: memref<1x?x2x32xf16>, %k: memref<1x?x2x32xf16>,
                       %v: memref<1x?x2x32xf16>, %out: memref<1x?x2x32xf16>,
                       %lse: memref<1x2x?xf32>, %seed: i64, %offset: i64) {
  flash.attention %q, %k, %v -> %out, %lse dropout_rng(%seed, %offset) {dropout_p = 0.1 : f32}
      : memref<1x?x2x32xf16>, memref<1x?x2x32xf16>, memref<1x?x2x32xf16>
      -> memref<1x?x2x32xf16>, memref<1x2x?xf32>
  return
}

// -----

// Backward, causal, fp16, head_dim 32: three kernels in launch order
// (flash.grid order 0, 1, 2); delta has no matrix product, dK/dV four
// (4 x 16 mma.sync), dQ three (3 x 16).

// CHECK-LABEL: llvm.func @bwd_attention_grad_bwd_delta(
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.shared_memory = 0 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-NOT: nvvm.mma.sync
// CHECK: nvvm.shfl.sync  bfly
// CHECK-NOT: nvvm.mma.sync
// CHECK-LABEL: llvm.func @bwd_attention_grad_bwd_dkdv(
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "k", order = 1 : i64, rows = "k"}, flash.shared_memory = 38912 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-COUNT-64: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK-LABEL: llvm.func @bwd_attention_grad_bwd_dq(
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 2 : i64, rows = "q"}, flash.shared_memory = 10240 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// Two key loops (full blocks, then masked ones) of 48 each.
// CHECK-COUNT-96: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.return
// CHECK-NOT: llvm.func
func.func @bwd(%q: memref<1x128x2x32xf16>, %k: memref<1x128x2x32xf16>,
               %v: memref<1x128x2x32xf16>, %out: memref<1x128x2x32xf16>,
               %dout: memref<1x128x2x32xf16>, %lse: memref<1x2x128xf32>,
               %dq: memref<1x128x2x32xf16>, %dk: memref<1x128x2x32xf16>,
               %dv: memref<1x128x2x32xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv {causal}
      : memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x2x128xf32>
      -> memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}

// -----

// The same with atomic_dq: three kernels in launch order
// (flash.grid order 0, 1, 2); delta has no matrix product, dK/dV five
// (5 x 16 mma.sync: the four of dK and dV, then dS K) whose result it adds
// to dq's f32 sums (16 atomic additions a thread, 64 x 32 over 128
// threads), and the last kernel only converts the sums.

// CHECK-LABEL: llvm.func @bwd_atomic_attention_grad_bwd_delta(
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.shared_memory = 0 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-NOT: nvvm.mma.sync
// CHECK: nvvm.shfl.sync  bfly
// CHECK-NOT: nvvm.mma.sync
// CHECK-LABEL: llvm.func @bwd_atomic_attention_grad_bwd_dkdv(
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "k", order = 1 : i64, rows = "k"}, flash.shared_memory = 38912 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-COUNT-80: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK-COUNT-16: llvm.atomicrmw fadd
// CHECK-NOT: llvm.atomicrmw
// CHECK-LABEL: llvm.func @bwd_atomic_attention_grad_bwd_dq_convert(
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 2 : i64, rows = "q"}, flash.shared_memory = 0 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK-NOT: nvvm.mma.sync
// CHECK-NOT: llvm.atomicrmw
// CHECK: llvm.return
// CHECK-NOT: llvm.func
func.func @bwd_atomic(%q: memref<1x128x2x32xf16>, %k: memref<1x128x2x32xf16>,
               %v: memref<1x128x2x32xf16>, %out: memref<1x128x2x32xf16>,
               %dout: memref<1x128x2x32xf16>, %lse: memref<1x2x128xf32>,
               %dq: memref<1x128x2x32xf16>, %dk: memref<1x128x2x32xf16>,
               %dv: memref<1x128x2x32xf16>) {
  flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv {atomic_dq, causal}
      : memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>,
        memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x2x128xf32>
      -> memref<1x128x2x32xf16>, memref<1x128x2x32xf16>, memref<1x128x2x32xf16>
  return
}

// -----

// A hand-written kernel goes through the same pipeline (the tiling leaves
// it alone; it has no flash.grid). Its `b` tile, in shared memory, is also
// stored: flash-assign-layouts reads it back into registers for the store,
// with no wait nor barrier of its own: the product's covered its copy.

// CHECK-LABEL: llvm.func @store_loaded_b(
// CHECK-SAME: attributes {flash.shared_memory = 9216 : i64, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>} {
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK-COUNT-32: nvvm.mma.sync
// CHECK-COUNT-16: llvm.store %{{.*}}, %{{.*}} {alignment = 8 : i64} : vector<2xf32>, !llvm.ptr<1>
// CHECK-NOT: nvvm.cp.async.wait.group
// CHECK-NOT: nvvm.barrier0
// CHECK-COUNT-32: llvm.load %{{.*}} : !llvm.ptr<3> -> bf16
// CHECK-COUNT-16: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : vector<2xbf16>, !llvm.ptr<1>
// CHECK-NOT: llvm.store
// CHECK: llvm.return
// Aligned to 4 bytes only, the f32 pairs are written alone, the bf16 pairs
// together.
// VEC4-LABEL: llvm.func @store_loaded_b(
// VEC4-COUNT-32: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// VEC4-COUNT-16: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : vector<2xbf16>, !llvm.ptr<1>
// VEC4-NOT: llvm.store
// VEC4: llvm.return
func.func @store_loaded_b(%q: memref<?x64xbf16>, %k: memref<?x64xbf16>, %o: memref<?x64xf32>,
                          %kc: memref<?x64xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  flash.store %s, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  flash.store %kt, %kc[%c0, %c0] bound %n along 0 : tensor<64x64xbf16> -> memref<?x64xbf16>
  return
}

// -----

// The per-column statistics of a transposed tile are copied into shared
// memory once (flash-assign-layouts) and each thread reads its columns
// there where the softmax first uses them, one at a time (slots 0-7 use
// column slots 0, 1, 0, 1, 2, 3, 2, 3): never all of them live at once.

// CHECK-LABEL: llvm.func @column_statistics_where_used(
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.barrier0
// CHECK: %[[L0:.*]] = llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK-NEXT: llvm.fmul %[[L0]]
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: %[[L1:.*]] = llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK-NEXT: llvm.fmul %[[L1]]
// CHECK-COUNT-3: llvm.nvvm.ex2.approx.ftz.f
// CHECK: %[[L2:.*]] = llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK-NEXT: llvm.fmul %[[L2]]
// CHECK: llvm.nvvm.ex2.approx.ftz.f
// CHECK: %[[L3:.*]] = llvm.load %{{.*}} : !llvm.ptr<3> -> f32
// CHECK-NEXT: llvm.fmul %[[L3]]
// CHECK-COUNT-3: llvm.nvvm.ex2.approx.ftz.f
// CHECK-NOT: !llvm.ptr<3> -> f32
// CHECK: llvm.return
func.func @column_statistics_where_used(%s: memref<?x16xf32>, %r: memref<?xf32>,
                                        %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %st = flash.load %s[%c0, %c0] bound %n along 0 : memref<?x16xf32> -> tensor<64x16xf32>
  %l = flash.load %r[%c0] bound %n along 0 : memref<?xf32> -> tensor<16xf32>
  %p = flash.softmax_recompute %st, %l scale 0.5 transposed : tensor<64x16xf32>, tensor<16xf32>
  flash.store %p, %s[%c0, %c0] bound %n along 0 : tensor<64x16xf32> -> memref<?x16xf32>
  return
}
