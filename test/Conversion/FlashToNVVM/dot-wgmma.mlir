// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="wgmma=true" | FileCheck %s
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s --check-prefix=NOWGMMA

// --convert-flash-to-nvvm="wgmma=true", flash.dot (DotToWgmma.cpp): a
// product whose `a` is in registers and whose `b` is a swizzled shared tile
// becomes, per warpgroup, one wgmma.mma_async.m64nNk16 per 16-deep k step
// between wgmma.fence and commit/wait, every step's operands (registers,
// descriptors) computed before the fence; the copies into shared memory are
// awaited and fenced for the async proxy first. `b`'s matrix descriptor:
// (start >> 4) | (LBO >> 4) << 16 | (SBO >> 4) << 32 | 1 << 62 (128-byte
// swizzle); SBO = 1024 (8 rows of 128 bytes). A product onto zeros starts
// with scale-d 0 from undefined registers (no zeroing movs). Without the
// option, or when the operands do not fit, mma.sync stays.

// Q·Kᵀ: K (64 keys x 128) held as bᵀ, K-major. Per k step the start moves
// 32 bytes inside a 64-column block, then to the next block (64 rows x 128
// bytes = 8192 bytes on); LBO is unused (16). Descriptor constant:
// (1 << 16) | (64 << 32) | (1 << 62) = 4611686293305360384.

// CHECK-LABEL: llvm.func @q_kt(
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: nvvm.barrier0
// CHECK: %[[UNDEF:.*]] = llvm.mlir.undef : f32
// CHECK: %[[BASE:.*]] = llvm.zext %{{.*}} : i32 to i64
// CHECK: %[[ACCUMULATE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[ONTO_ZEROS:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[S0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT: %[[A0:.*]] = llvm.add %[[BASE]], %[[S0]] : i64
// CHECK: %[[BITS:.*]] = llvm.mlir.constant(4611686293305360384 : i64) : i64
// CHECK: %[[SHIFTED:.*]] = llvm.lshr %[[A0]], %{{.*}} : i64
// CHECK: %[[D0:.*]] = llvm.or %{{.*}}, %[[BITS]] : i64
// CHECK: llvm.mlir.constant(32 : i64) : i64
// CHECK: llvm.mlir.constant(64 : i64) : i64
// CHECK: llvm.mlir.constant(96 : i64) : i64
// CHECK: llvm.mlir.constant(8192 : i64) : i64
// CHECK: llvm.mlir.constant(8224 : i64) : i64
// CHECK: llvm.mlir.constant(8256 : i64) : i64
// CHECK: llvm.mlir.constant(8288 : i64) : i64
// CHECK-NOT: llvm.inline_asm
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NEXT: %[[FIRST:.*]] = llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred accumulate;\0Asetp.ne.b32 accumulate, $37, 0;\0Awgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, $1, {{.*}}, $31}, {$32, $33, $34, $35}, $36, accumulate, 1, 1, 0;\0A}", "=f,{{.*}},=f,r,r,r,r,l,r,0,1,{{.*}},31" {{.*}}, %[[D0]], %[[ONTO_ZEROS]], %[[UNDEF]], %[[UNDEF]], {{.*}}, %[[UNDEF]] : (
// CHECK-NEXT: %[[FIRST_0:.*]] = llvm.extractvalue %[[FIRST]][0]
// CHECK: llvm.inline_asm {{.*}}, %[[ACCUMULATE]], %[[FIRST_0]], {{.*}} -> !llvm.struct<(f32,
// CHECK-COUNT-6: llvm.inline_asm {{.*}}, %[[ACCUMULATE]], {{.*}} -> !llvm.struct<(f32,
// CHECK-NOT: llvm.inline_asm
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NOT: nvvm.mma.sync
// CHECK: llvm.return

// NOWGMMA-LABEL: llvm.func @q_kt(
// NOWGMMA-NOT: wgmma
// NOWGMMA: nvvm.mma.sync
#mma = #flash.mma<warps = 4>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
func.func @q_kt(%q: memref<?x128xbf16>, %k: memref<?x128xbf16>, %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x128xbf16> -> tensor<64x128xbf16, #opa>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x128xbf16> -> tensor<64x128xbf16, #sw>
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<64x128xbf16, #opa>, tensor<64x128xbf16, #sw> -> tensor<64x64xf32, #mma>
  flash.store %s, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// P·V: V (64 keys x 128) is `b` itself, N-major (trans-b 1). Per k step the
// start moves 16 rows (2048 bytes); LBO = 64 rows x 128 bytes between the
// two 64-column blocks: (512 << 16) | (64 << 32) | (1 << 62) =
// 4611686293338849280. N = 128: 64 accumulators a thread.

// CHECK-LABEL: llvm.func @p_v(
// CHECK: llvm.mlir.constant(4611686293338849280 : i64) : i64
// CHECK: llvm.mlir.constant(2048 : i64) : i64
// CHECK: llvm.mlir.constant(4096 : i64) : i64
// CHECK: llvm.mlir.constant(6144 : i64) : i64
// CHECK-NOT: llvm.inline_asm
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "{{.*}}wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {$0, {{.*}}, $63}, {$64, $65, $66, $67}, $68, accumulate, 1, 1, 1;{{.*}}"
// CHECK-COUNT-3: llvm.inline_asm
// CHECK-NOT: llvm.inline_asm
// CHECK: nvvm.wgmma.commit.group.sync.aligned
#mma = #flash.mma<warps = 4>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
func.func @p_v(%p: memref<?x64xf16>, %v: memref<?x128xf16>, %o: memref<?x128xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %pt = flash.load %p[%c0, %c0] bound %n along 0 : memref<?x64xf16> -> tensor<64x64xf16, #opa>
  %vt = flash.load %v[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x128xf16> -> tensor<64x128xf16, #sw>
  %z = arith.constant dense<0.0> : tensor<64x128xf32, #mma>
  %d = flash.dot %pt, %vt, %z : tensor<64x64xf16, #opa>, tensor<64x128xf16, #sw> -> tensor<64x128xf32, #mma>
  flash.store %d, %o[%c0, %c0] bound %n along 0 : tensor<64x128xf32, #mma> -> memref<?x128xf32>
  return
}

// -----

// dV += Pᵀ dO on two warpgroups (128 keys, 8 warps): `a` = Pᵀ is a shared
// tile holding aᵀ (64 queries = K rows, 128 keys = M columns), M-major
// (trans-a 1); each warpgroup starts at its own 64-column block (64 rows x
// 128 bytes = 8192 bytes on). `b` = dO (64 queries x 64), N-major.

// CHECK-LABEL: llvm.func @pt_do(
// CHECK: nvvm.fence.proxy
// CHECK-NEXT: nvvm.barrier0
// CHECK: %[[WARP:.*]] = llvm.lshr %{{.*}}, %{{.*}} : i64
// CHECK: %[[WG:.*]] = llvm.lshr %[[WARP]], %{{.*}} : i64
// CHECK: %[[BLOCK:.*]] = llvm.mlir.constant(8192 : i64) : i64
// CHECK-NEXT: %[[OFF:.*]] = llvm.mul %[[WG]], %[[BLOCK]] : i64
// CHECK: %[[ABASE:.*]] = llvm.add %{{.*}}, %[[OFF]] : i64
// CHECK-NOT: llvm.inline_asm
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred accumulate;\0Asetp.ne.b32 accumulate, $34, 0;\0Awgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, $32, $33, accumulate, 1, 1, 1, 1;\0A}", "=f,{{.*}},=f,l,l,r,0,{{.*}},31"
// CHECK-COUNT-3: llvm.inline_asm
// CHECK-NOT: llvm.inline_asm
// CHECK: nvvm.wgmma.commit.group.sync.aligned
#mma = #flash.mma<warps = 8>
#sw = #flash.shared<swizzle = 128>
func.func @pt_do(%p: memref<?x128xbf16>, %do: memref<?x64xbf16>, %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %pt = flash.load %p[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x128xbf16> -> tensor<64x128xbf16, #sw>
  %dot = flash.load %do[%c0, %c0] bound %n along 0 {flash.shared_offset = 16384 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sw>
  %z = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
  %d = flash.dot %pt, %dot, %z {transpose_a} : tensor<64x128xbf16, #sw>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
  flash.store %d, %o[%c0, %c0] bound %n along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// Two warps a 16-row block (128 rows on 4 warps) is not a warpgroup tile:
// mma.sync, reading the swizzled tile with ldmatrix.

// CHECK-LABEL: llvm.func @not_a_warpgroup_tile(
// CHECK-NOT: wgmma
// CHECK: nvvm.ldmatrix
// CHECK: nvvm.mma.sync
#mma = #flash.mma<warps = 4>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
func.func @not_a_warpgroup_tile(%q: memref<?x64xbf16>, %k: memref<?x64xbf16>, %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<128x64xbf16, #opa>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sw>
  %z = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
  flash.store %s, %o[%c0, %c0] bound %n along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// A product onto anything but zeros accumulates from its first k step, onto
// the accumulator's registers (1.0 in each, no undefined ones).
// CHECK-LABEL: llvm.func @onto_ones(
// CHECK: llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK-NOT: llvm.mlir.undef : f32
// CHECK: %[[ACCUMULATE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NEXT: llvm.inline_asm {{.*}}, %[[ACCUMULATE]], %{{[0-9]+}}, %{{[0-9]+}}, {{.*}} : (
#mma = #flash.mma<warps = 4>
#opa = #flash.operand<a, #mma>
#sw = #flash.shared<swizzle = 128>
func.func @onto_ones(%q: memref<?x64xbf16>, %k: memref<?x64xbf16>, %o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #opa>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #sw>
  %ones = arith.constant dense<1.0> : tensor<64x64xf32, #mma>
  %s = flash.dot %qt, %kt, %ones {transpose_b} : tensor<64x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<64x64xf32, #mma>
  flash.store %s, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// flash.dot_wait: wgmma.wait_group `pending`, then the tile's registers pass
// through an empty volatile asm that every later use reads, so that no use
// moves above the wait. Without wgmma products complete when issued: the
// operand is returned.
// CHECK-LABEL: llvm.func @dot_wait(
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NEXT: llvm.extractvalue
// CHECK: %[[FENCED:.*]] = llvm.inline_asm has_side_effects asm_dialect = att "", "=f,{{.*}},=f,0,1,{{.*}},31"
// CHECK: llvm.extractvalue %[[FENCED]][31]
// NOWGMMA-LABEL: llvm.func @dot_wait(
// NOWGMMA-NOT: wgmma
// NOWGMMA-NOT: llvm.inline_asm
// NOWGMMA: llvm.return
#mma = #flash.mma<warps = 4>
func.func @dot_wait(%o: memref<?x64xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %z = arith.constant dense<1.0> : tensor<64x64xf32, #mma>
  %r = flash.dot_wait %z pending 1 : tensor<64x64xf32, #mma>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32, #mma> -> memref<?x64xf32>
  return
}
