// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 wgmma=true tma=true warp-specialize=true overlap-softmax=true" | FileCheck %s
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 wgmma=true tma=true warp-specialize=true" | FileCheck %s --check-prefix=IN-ORDER
// RUN: not flash-opt %s -split-input-file --convert-flash-to-nvvm="wgmma=true tma=true overlap-softmax=true" 2>&1 | FileCheck %s --check-prefix=NO-PRODUCER
// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm="num-warps=8 wgmma=true tma=true warp-specialize=true overlap-softmax=true ping-pong=true" | FileCheck %s --check-prefix=TURNS

// --convert-flash-to-nvvm{overlap-softmax} (SoftmaxOverlap.cpp): the
// consumers' attention loop is rotated so that the softmax of key block j
// runs while the product P_{j-1}·V_{j-1} does. Iteration j: wait for K_j,
// issue S_j (no wait), in the first iteration wait for V_j (read with
// P = 0), issue P_{j-1}·V_{j-1} (no wait) from the new iter_arg P_{j-1},
// wait until one product is pending (S_j ready; its registers fenced by an
// empty volatile asm), release K_j, softmax, wait for the product (ordered
// after the two row sums a thread holds by a nanosleep predicated on them:
// ptxas would issue the wait right after the row maxima), release
// V_{j-1}'s stage (not in the first iteration), rescale, wait for V_j's
// copy before yielding P_j. After the loop, if it ran: the last block's
// product, then V's release.

// CHECK-LABEL: llvm.func @attention(
// CHECK: scf.for %{{.*}} iter_args(%{{[^ ]*}} = %{{[^ ]*}}, %{{[^ ]*}} = %{{[^ ]*}}, %{{[^ ]*}} = %{{[^ ]*}}, %[[P_PREVIOUS:[^ ]*]] = %{{[^ ]*}})
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma.wait.group
// CHECK: scf.if %{{.*}} {
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: }
// CHECK: llvm.extractvalue %[[P_PREVIOUS]][0]
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: llvm.mlir.undef
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: llvm.inline_asm has_side_effects asm_dialect = att "", "=f,
// CHECK: nvvm.mbarrier.arrive
// CHECK: llvm.inline_asm has_side_effects asm_dialect = att "{\0A.reg .pred p;\0Asetp.eq.f32 p, $0, 0f00000000;\0Asetp.eq.or.f32 p, $1, 0f00000000, p;\0A@p nanosleep.u32 1;\0A}", "f,f" %{{.*}}, %{{.*}} : (f32, f32) -> ()
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: llvm.inline_asm has_side_effects asm_dialect = att "", "=f,
// CHECK: scf.if %{{.*}} {
// CHECK: nvvm.mbarrier.arrive
// CHECK: }
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NEXT: scf.yield
// CHECK: scf.if %{{.*}} -> (!llvm.struct<(f32,
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.mbarrier.arrive
// CHECK: } else {
// The producer issues K's copies (tensor map %arg30) one iteration ahead
// of V's (%arg31), whose stage the rotated loop releases an iteration
// later: K_j in the first iteration only, then K_{j+1} (its rows from
// j + 64) while there is a next block, then V_j.
// CHECK: nvvm.setmaxregister  decrease
// CHECK: scf.for %[[J:[^ ]*]] = %{{[^ ]*}} to %[[END:[^ ]*]] step %[[STEP:[^ ]*]] {
// CHECK: %[[FIRST:[^ ]*]] = arith.cmpi eq, %[[J]],
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg30,
// CHECK: %[[NEXT:[^ ]*]] = arith.addi %[[J]], %[[STEP]] : index
// CHECK-NEXT: %[[NEXT_ROWS:[^ ]*]] = builtin.unrealized_conversion_cast %[[NEXT]] : index to i64
// CHECK-NEXT: %[[HAS_NEXT:[^ ]*]] = arith.cmpi slt, %[[NEXT]], %[[END]] : index
// CHECK-NEXT: scf.if %[[HAS_NEXT]] {
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: llvm.trunc %[[NEXT_ROWS]] : i64 to i32
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg30,
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg31,
// CHECK-NOT: %arg30,
// CHECK: llvm.return

// Without the option each product waits for itself inside the loop.
// IN-ORDER-LABEL: llvm.func @attention(
// IN-ORDER-NOT: nvvm.wgmma.wait.group.sync.aligned 1
// IN-ORDER-NOT: nanosleep
// IN-ORDER-COUNT-2: nvvm.wgmma.wait.group.sync.aligned 0
// IN-ORDER-NOT: nvvm.wgmma.wait.group
// The producer copies K_j, then V_j, each after its stage's release.
// IN-ORDER: nvvm.setmaxregister  decrease
// IN-ORDER: scf.for
// IN-ORDER-NOT: scf.if
// IN-ORDER: nvvm.mbarrier.try_wait.parity
// IN-ORDER: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg30,
// IN-ORDER: nvvm.mbarrier.try_wait.parity
// IN-ORDER: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg31,
// IN-ORDER-NOT: %arg30,
// IN-ORDER: llvm.return

// NO-PRODUCER: error: convert-flash-to-nvvm: overlap-softmax needs warp-specialize

// With ping-pong too (WarpgroupTurns.cpp, shareTurns): S_j and
// P_{j-1}·V_{j-1} are issued in one turn, as FlashAttention 3 does: the
// turn is taken (its word stored, then the named barrier) before S_j and
// passed on after P_{j-1}·V_{j-1} is committed, none between them. The
// last block's product, after the loop, takes a turn of its own.
// TURNS-LABEL: llvm.func @attention(
// TURNS: scf.for
// TURNS: llvm.store volatile
// TURNS: nvvm.barrier id
// TURNS-NEXT: nvvm.wgmma.fence.aligned
// TURNS: nvvm.wgmma.commit.group.sync.aligned
// TURNS-NOT: nvvm.barrier
// TURNS: nvvm.wgmma.fence.aligned
// TURNS: nvvm.wgmma.commit.group.sync.aligned
// TURNS-NOT: nvvm.wgmma
// TURNS: nvvm.barrier.arrive
// TURNS: nvvm.wgmma.wait.group.sync.aligned 1
// TURNS: scf.yield
// TURNS: llvm.store volatile
// TURNS: nvvm.barrier id
// TURNS-NEXT: nvvm.wgmma.fence.aligned
// TURNS: nvvm.wgmma.commit.group.sync.aligned
// TURNS: nvvm.barrier.arrive
// TURNS-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// TURNS: llvm.return
#mma = #flash.mma<warps = 8>
#opa = #flash.operand<a, #mma>
#rows = #flash.rows<#mma>
#sw = #flash.shared<swizzle = 128>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @attention(%q: memref<?x64xbf16>, %k: !kv, %v: !kv, %o: memref<?x64xf32>, %b: index, %h: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %rows = memref.dim %k, %c1 : !kv
  %vrows = memref.dim %v, %c1 : !kv
  %qt = flash.load %q[%c0, %c0] bound %rows along 0 : memref<?x64xbf16> -> tensor<128x64xbf16, #opa>
  %z = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
  %m0 = arith.constant dense<0xFF800000> : tensor<128xf32, #rows>
  %l0 = arith.constant dense<0.0> : tensor<128xf32, #rows>
  %acc, %m, %l = scf.for %j = %c0 to %rows step %c64 iter_args(%a = %z, %mi = %m0, %li = %l0) -> (tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>) {
    %kt = flash.load %k[%b, %j, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<64x64xbf16, #sw>
    %vt = flash.load %v[%b, %j, %h, %c0] bound %vrows along 1 {flash.shared_offset = 8192 : i64} : !kv -> tensor<64x64xbf16, #sw>
    %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    %p, %mn, %ln, %alpha = flash.online_softmax %s, %mi, %li scale 0.125 : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
    %as = flash.scale_rows %a, %alpha : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
    %pb = arith.truncf %p : tensor<128x64xf32, #mma> to tensor<128x64xbf16, #mma>
    %pa = flash.convert_layout %pb : tensor<128x64xbf16, #mma> -> tensor<128x64xbf16, #opa>
    %an = flash.dot %pa, %vt, %as : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    scf.yield %an, %mn, %ln : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>
  }
  flash.store %acc, %o[%c0, %c0] bound %rows along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// Sibling loops sharing the copies' buffers (the forward's unmasked blocks,
// then its diagonal ones): only the first is rotated; the second, short,
// continues the stages' count in order.
// CHECK-LABEL: llvm.func @siblings(
// CHECK-COUNT-1: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: llvm.return
#mma = #flash.mma<warps = 8>
#opa = #flash.operand<a, #mma>
#rows = #flash.rows<#mma>
#sw = #flash.shared<swizzle = 128>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @siblings(%q: memref<?x64xbf16>, %k: !kv, %v: !kv, %o: memref<?x64xf32>, %b: index, %h: index, %end: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %rows = memref.dim %k, %c1 : !kv
  %vrows = memref.dim %v, %c1 : !kv
  %qt = flash.load %q[%c0, %c0] bound %rows along 0 : memref<?x64xbf16> -> tensor<128x64xbf16, #opa>
  %z = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
  %m0 = arith.constant dense<0xFF800000> : tensor<128xf32, #rows>
  %l0 = arith.constant dense<0.0> : tensor<128xf32, #rows>
  %acc, %m, %l = scf.for %j = %c0 to %rows step %c64 iter_args(%a = %z, %mi = %m0, %li = %l0) -> (tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>) {
    %kt = flash.load %k[%b, %j, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<64x64xbf16, #sw>
    %vt = flash.load %v[%b, %j, %h, %c0] bound %vrows along 1 {flash.shared_offset = 8192 : i64} : !kv -> tensor<64x64xbf16, #sw>
    %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    %p, %mn, %ln, %alpha = flash.online_softmax %s, %mi, %li scale 0.125 : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
    %as = flash.scale_rows %a, %alpha : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
    %pb = arith.truncf %p : tensor<128x64xf32, #mma> to tensor<128x64xbf16, #mma>
    %pa = flash.convert_layout %pb : tensor<128x64xbf16, #mma> -> tensor<128x64xbf16, #opa>
    %an = flash.dot %pa, %vt, %as : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    scf.yield %an, %mn, %ln : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>
  }
  %acc2, %m2, %l2 = scf.for %j = %rows to %end step %c64 iter_args(%a = %acc, %mi = %m, %li = %l) -> (tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>) {
    %kt = flash.load %k[%b, %j, %h, %c0] bound %rows along 1 {flash.shared_offset = 0 : i64} : !kv -> tensor<64x64xbf16, #sw>
    %vt = flash.load %v[%b, %j, %h, %c0] bound %vrows along 1 {flash.shared_offset = 8192 : i64} : !kv -> tensor<64x64xbf16, #sw>
    %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    %p, %mn, %ln, %alpha = flash.online_softmax %s, %mi, %li scale 0.125 : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
    %as = flash.scale_rows %a, %alpha : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
    %pb = arith.truncf %p : tensor<128x64xf32, #mma> to tensor<128x64xbf16, #mma>
    %pa = flash.convert_layout %pb : tensor<128x64xbf16, #mma> -> tensor<128x64xbf16, #opa>
    %an = flash.dot %pa, %vt, %as : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
    scf.yield %an, %mn, %ln : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>
  }
  flash.store %acc2, %o[%c0, %c0] bound %rows along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  return
}

// -----

// A persistent kernel's tile loop around the rotated loop: K's executions
// (the tile loop's first counter plus the iteration) go one ahead of V's
// (its second counter plus the iteration) in the producer.
// CHECK-LABEL: llvm.func @tiles(
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: nvvm.setmaxregister  decrease
// CHECK: scf.for %{{.*}} iter_args(%[[K_COUNT:[^ ]*]] = %{{[^ ]*}}, %[[V_COUNT:[^ ]*]] = %{{[^ ]*}}) -> (i64, i64)
// CHECK-DAG: %[[V_BEFORE:.*]] = builtin.unrealized_conversion_cast %[[V_COUNT]] : i64 to index
// CHECK-DAG: %[[K_BEFORE:.*]] = builtin.unrealized_conversion_cast %[[K_COUNT]] : i64 to index
// CHECK: scf.for %[[J:[^ ]*]] = %{{[^ ]*}} to %{{[^ ]*}} step %[[STEP:[^ ]*]] {
// CHECK: %[[K_J:.*]] = arith.divui %{{.*}}, %[[STEP]] : index
// CHECK-NEXT: %[[K_EXEC:.*]] = arith.addi %[[K_BEFORE]], %[[K_J]] : index
// CHECK: arith.addi %[[J]], %[[STEP]] : index
// CHECK: scf.if
// CHECK: %[[K_NEXT:.*]] = arith.addi %[[K_EXEC]], %{{.*}} : index
// CHECK-NEXT: arith.constant 2 : index
// CHECK-NEXT: arith.remui %[[K_NEXT]]
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg32,
// CHECK: %[[V_J:.*]] = arith.divui %{{.*}}, %[[STEP]] : index
// CHECK-NEXT: %[[V_EXEC:.*]] = arith.addi %[[V_BEFORE]], %[[V_J]] : index
// CHECK: arith.remui %[[V_EXEC]]
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{[^ ]*}}, %arg33,
#mma = #flash.mma<warps = 8>
#opa = #flash.operand<a, #mma>
#rows = #flash.rows<#mma>
#sw = #flash.shared<swizzle = 128>
!kv = memref<?x?x?x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
func.func @tiles(%q: memref<?x64xbf16>, %k: !kv, %v: !kv, %o: memref<?x64xf32>, %b: index, %h: index, %n: index) attributes {flash.kernel, flash.shared_memory = 16384 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %rows = memref.dim %k, %c1 : !kv
  %vrows = memref.dim %v, %c1 : !kv
  %qrows = memref.dim %q, %c0 : memref<?x64xbf16>
  %first = flash.program_id x
  %programs = flash.num_programs x
  scf.for %t = %first to %n step %programs {
    %row = arith.muli %t, %c128 : index
    %qt = flash.load %q[%row, %c0] bound %qrows along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<128x64xbf16, #sw>
    %qa = flash.convert_layout %qt : tensor<128x64xbf16, #sw> -> tensor<128x64xbf16, #opa>
    %z = arith.constant dense<0.0> : tensor<128x64xf32, #mma>
    %m0 = arith.constant dense<0xFF800000> : tensor<128xf32, #rows>
    %l0 = arith.constant dense<0.0> : tensor<128xf32, #rows>
    %acc, %m, %l = scf.for %j = %c0 to %rows step %c64 iter_args(%a = %z, %mi = %m0, %li = %l0) -> (tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>) {
      %kt = flash.load %k[%b, %j, %h, %c0] bound %rows along 1 {flash.shared_offset = 16384 : i64} : !kv -> tensor<64x64xbf16, #sw>
      %vt = flash.load %v[%b, %j, %h, %c0] bound %vrows along 1 {flash.shared_offset = 24576 : i64} : !kv -> tensor<64x64xbf16, #sw>
      %s = flash.dot %qa, %kt, %z {transpose_b} : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
      %p, %mn, %ln, %alpha = flash.online_softmax %s, %mi, %li scale 0.125 : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
      %as = flash.scale_rows %a, %alpha : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>
      %pb = arith.truncf %p : tensor<128x64xf32, #mma> to tensor<128x64xbf16, #mma>
      %pa = flash.convert_layout %pb : tensor<128x64xbf16, #mma> -> tensor<128x64xbf16, #opa>
      %an = flash.dot %pa, %vt, %as : tensor<128x64xbf16, #opa>, tensor<64x64xbf16, #sw> -> tensor<128x64xf32, #mma>
      scf.yield %an, %mn, %ln : tensor<128x64xf32, #mma>, tensor<128xf32, #rows>, tensor<128xf32, #rows>
    }
    flash.store %acc, %o[%row, %c0] bound %qrows along 0 : tensor<128x64xf32, #mma> -> memref<?x64xf32>
  }
  return
}
