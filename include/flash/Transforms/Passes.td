//===- Passes.td - FlashMLIR transformation passes ---------*- tablegen -*-===//

#ifndef FLASH_TRANSFORMS_PASSES_TD
#define FLASH_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FlashTileAttention : Pass<"flash-tile-attention", "::mlir::ModuleOp"> {
  let summary = "Tile problem-level attention ops into kernels and launches";
  let description = [{
    Replaces every `flash.attention` and `flash.attention_grad` by
    `flash.launch` ops of tile-level kernels (`func.func` marked
    `flash.kernel`) added to the module.

    The forward becomes one kernel over a grid of
    `(ceil(max_seqlen_q / block-m), batch * heads)` programs, each streaming
    the K/V blocks of its (batch, head) with an online softmax. With
    `persistent` (fixed lengths) it is launched over
    `(ceil(seqlen_q / block-m) * batch * heads, 1)` programs instead, and
    each loops over the tiles from its index by the number of programs
    (`flash.num_programs`; with a causal mask, in pairs of a long and a
    short tile of equal work): the grid attribute's `persistent` tells a
    runtime that it may launch fewer: as many as the GPU holds at once. The backward
    becomes three: `D = rowsum(dO * O)` per query row into a workspace
    (a `memref.alloc` shaped like the lse, left for the buffer-deallocation
    pipeline to free);
    `dK, dV` over `(ceil(max_seqlen_k / block-n), batch * kv_heads)`
    programs, each summing the contributions of every query head of its
    group; and `dQ` over the forward's grid, recomputing `S` and `dP` and
    summing `dS K` over the key blocks. When the op has `atomic_dq`, the
    dK/dV kernel adds each block pair's `dS K` to an f32 workspace (q's
    axes head-major, rows padded: `AttentionGradOp::getDqSumShape`; zeroed
    by the first kernel) with atomic additions instead, and the last
    kernel only scales and converts it. With `transposed-grad` the dK/dV
    kernel works on Sᵀ = K Qᵀ (block-n x block-m tiles), which puts each
    program's keys along the products' rows, and where block-m divides a
    larger head dim computes dQ's share as `flash.transpose` of Kᵀ dSᵀ
    (rows the warps can split). The per-row kernels (D, the conversion)
    take blocks of max(block-m, block-n) rows. Masks are emitted
    only where
    needed (causal, variable length, or a sequence length that is not known
    to be a multiple of the block size), dropout ops only when
    `dropout_p > 0`, and causal kernels skip the blocks above the diagonal.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"blockM", "block-m", "int64_t", /*default=*/"64",
           "Query rows per program (BLOCK_M)">,
    Option<"blockN", "block-n", "int64_t", /*default=*/"64",
           "Key/value rows per inner-loop step (BLOCK_N)">,
    Option<"persistent", "persistent", "bool", /*default=*/"false",
           "Forward kernels of fixed-length problems loop over their tiles "
           "(causal ones in pairs of equal work), so that a runtime can "
           "launch one program per SM">,
    Option<"transposedGrad", "transposed-grad", "bool", /*default=*/"false",
           "The dK/dV kernel computes the transposed scores Sᵀ = K Qᵀ (keys "
           "along the rows, `transposed` mask, Philox and softmax ops with "
           "per-column statistics), so that dV += Pᵀ dO and dK += dSᵀ Q "
           "take Pᵀ and dSᵀ untransposed as their `a` operands">
  ];
}

def FlashAssignLayouts : Pass<"flash-assign-layouts", "::mlir::ModuleOp"> {
  let summary = "Give every tile of a kernel a GPU register or shared layout";
  let description = [{
    For each `flash.kernel` function, sets the encoding of every tile type:
    rank-2 tiles get the mma.sync accumulator layout (`#flash.mma`) and
    rank-1 tiles the per-row layout (`#flash.rows`; the statistics of
    transposed score tiles, loaded for them alone, are loaded into a
    shared vector, `#flash.shared<padding = 0>`, and read into the
    per-column `#flash.columns` where used), except the operands of
    `flash.dot`: an `a` operand loaded once and used only as a
    non-transposed `a` is loaded straight into operand fragments
    (`#flash.operand`; with `shared-operand-a` it stays in shared memory
    where wgmma will read it: swizzled operands, whole warpgroups of 16
    rows a warp), and every other `b` or transposed `a` operand
    lives in shared memory (`#flash.shared`: padded rows, or with
    `swizzle-shared` the 128-byte swizzle that `wgmma` reads), read with
    `ldmatrix` or `wgmma`. With `shared-reductions`, an accumulating
    store of f32 rows that are whole rows of its destination reads them
    from shared memory, padded to the destination's rows (the sm_90
    lowering adds them with one bulk reduction). Where a
    value's layout differs from what a use needs, a `flash.convert_layout`
    is inserted (an mma tile becoming an `a` operand stays in registers).
  }];
  let dependentDialects = ["::mlir::flash::FlashDialect"];
  let options = [
    Option<"numWarps", "num-warps", "unsigned", /*default=*/"4",
           "Warps per program; they split the rows of every tile">,
    Option<"sharedPadding", "shared-padding", "unsigned", /*default=*/"8",
           "Elements of padding after each row of a shared-memory tile">,
    Option<"swizzleShared", "swizzle-shared", "bool", /*default=*/"false",
           "Store shared tiles of 16-bit elements whose rows hold a multiple "
           "of 64 in the 128-byte swizzled layout that wgmma reads (sm_90a)">,
    Option<"sharedOperandA", "shared-operand-a", "bool", /*default=*/"false",
           "Leave loaded `a` operands of products wgmma takes in shared "
           "memory instead of operand fragments (saves the registers)">,
    Option<"sharedReductions", "shared-reductions", "bool", /*default=*/"false",
           "Accumulating stores of f32 tiles that are blocks of whole rows "
           "of their row-major destination (from column 0, rows of 16-byte "
           "multiples) add them from shared memory, rows padded alike: one "
           "bulk reduction a tile on sm_90">
  ];
}

def FlashPrefetchSharedTiles
    : Pass<"flash-prefetch-shared-tiles", "::mlir::ModuleOp"> {
  let summary = "Load the next iteration's shared tiles during this one";
  let description = [{
    Software pipelining of the loops of a kernel whose tiles have layouts:
    a `flash.load` into shared memory at the top of an `scf.for` body (whose
    indices depend only on the induction variable and values defined outside
    the loop) is peeled into a load for the first iteration before the loop,
    the tile is carried by the loop, and the load for iteration i + 1 is
    issued right after the last use of iteration i's tile, into the same
    buffer. Its copy then overlaps the rest of the iteration (FlashAttention
    2 issues K(i + 1) before the softmax of block i and V(i + 1) after P V).
    The last iteration's prefetch reads only masked rows or rows nobody uses;
    a `flash.wait_shared_copies` after the loop drains it.
  }];
}

def FlashAllocateSharedMemory
    : Pass<"flash-allocate-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Place every shared-memory tile of a kernel in its buffer";
  let description = [{
    Gives each op producing a `#flash.shared` tile (and each layout
    conversion that passes through shared memory) a byte offset,
    `flash.shared_offset`, and records the kernel's total,
    `flash.shared_memory`, which the launch must provide. Buffers are
    allocated like a stack: those of a region (a loop body) are released
    when the region's op ends, so sequential loops share the same bytes. A
    tile carried by
    a loop (see `flash-prefetch-shared-tiles`) keeps one buffer: the load
    yielded for the next iteration writes where the initial load wrote.

    With `max-bytes`, a kernel whose total would exceed it drops the
    shared copies of its accumulating stores' tiles (the conversions that
    `flash-assign-layouts{shared-reductions}` inserts): those stores add
    from registers instead, and the rest is allocated again.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"0",
           "Shared memory a program may use (0: no limit); past it, "
           "accumulating stores add from registers">
  ];
}

#endif // FLASH_TRANSFORMS_PASSES_TD
