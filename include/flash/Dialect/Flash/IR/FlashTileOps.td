//===- FlashTileOps.td - Tile-level ops --------------------*- tablegen -*-===//
//
// The ops of one program of a kernel grid. Tiles are ranked tensors of static
// shape (value semantics); memrefs are the kernel's global buffers.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_DIALECT_FLASH_IR_FLASHTILEOPS_TD
#define FLASH_DIALECT_FLASH_IR_FLASHTILEOPS_TD

include "flash/Dialect/Flash/IR/FlashDialect.td"
include "flash/Dialect/Flash/IR/FlashAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// A tile: a statically shaped tensor.
class Flash_TileOf<list<Type> types>
    : RankedTensorOf<types, [HasStaticShapePred], "tile">;
def Flash_Tile : Flash_TileOf<[AnyFloat, AnySignlessInteger]>;
def Flash_FloatTile : Flash_TileOf<[F16, BF16, F32]>;
def Flash_F32Tile : Flash_TileOf<[F32]>;
def Flash_I32Tile : Flash_TileOf<[I32]>;

//===----------------------------------------------------------------------===//
// Kernel launch
//===----------------------------------------------------------------------===//

def Flash_LaunchOp : Flash_Op<"launch", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Run a tile-level kernel over a grid of programs";
  let description = [{
    Runs the `flash.kernel` function `kernel` once for every point of the
    `grid_x` x `grid_y` x `grid_z` grid, passing `args`; each program reads
    its coordinates with `flash.program_id`. Programs may run in any order
    or concurrently. The tiling pass produces this op from problem-level
    ops; each backend lowers it (to loops on the CPU, to a GPU launch).

    ```mlir
    flash.launch @attention_fwd grid(%blocks, %bh, %c1)
        (%q, %k, %v, %out, %lse) : !qkv, !qkv, !qkv, !qkv, !lse
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$kernel, Index:$grid_x,
                       Index:$grid_y, Index:$grid_z,
                       Variadic<AnyType>:$args);
  let assemblyFormat = [{
    $kernel `grid` `(` $grid_x `,` $grid_y `,` $grid_z `)`
    `(` $args `)` attr-dict `:` type($args)
  }];
}

//===----------------------------------------------------------------------===//
// Program and sequence bounds
//===----------------------------------------------------------------------===//

def Flash_ProgramIdOp : Flash_Op<"program_id", [Pure]> {
  let summary = "Index of this program along one axis of the grid";
  let description = [{
    Returns the index of the running program along grid axis `x`, `y` or `z`.

    ```mlir
    %block = flash.program_id x
    ```
  }];
  let arguments = (ins Flash_GridAxis:$axis);
  let results = (outs Index:$result);
  let assemblyFormat = "$axis attr-dict";
  let builders = [
    OpBuilder<(ins "GridAxis":$axis), [{
      build($_builder, $_state, $_builder.getIndexType(), axis);
    }]>
  ];
}

def Flash_NumProgramsOp : Flash_Op<"num_programs", [Pure]> {
  let summary = "Number of programs along one axis of the grid";
  let description = [{
    Returns how many programs the grid has along axis `x`, `y` or `z`. A
    persistent kernel strides over its tiles by it, so that any grid size
    computes every tile once.

    ```mlir
    %programs = flash.num_programs x
    ```
  }];
  let arguments = (ins Flash_GridAxis:$axis);
  let results = (outs Index:$result);
  let assemblyFormat = "$axis attr-dict";
  let builders = [
    OpBuilder<(ins "GridAxis":$axis), [{
      build($_builder, $_state, $_builder.getIndexType(), axis);
    }]>
  ];
}

def Flash_SeqBoundsOp : Flash_Op<"seq_bounds"> {
  let summary = "Start and length of one sequence of a packed batch";
  let description = [{
    Reads `cu_seqlens[batch]` and `cu_seqlens[batch + 1]` and returns the
    sequence's first token index and its length. `cu_seqlens` is a 1-D int32
    memref of prefix sums.

    ```mlir
    %start, %len = flash.seq_bounds %cu_seqlens_q[%batch] : memref<?xi32>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "prefix sums", [MemRead]>:$cu_seqlens,
                       Index:$batch);
  let results = (outs Index:$start, Index:$length);
  let assemblyFormat = "$cu_seqlens `[` $batch `]` attr-dict `:` type($cu_seqlens)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$cuSeqlens, "Value":$batch), [{
      build($_builder, $_state, $_builder.getIndexType(),
            $_builder.getIndexType(), cuSeqlens, batch);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Masked block load and store
//===----------------------------------------------------------------------===//

defvar Flash_BlockAccessDescription = [{
    The tile's origin in the memref is given by one index per memref axis.
    A rank-2 tile spans `along` (its rows) and the memref's last, contiguous
    axis (its columns); a rank-1 tile spans `along` only. Rows whose index
    along `along` is at or past `bound` are masked: not read (the tile holds
    zero there) or not written. Columns must lie within the memref.
}];

def Flash_LoadOp : Flash_Op<"load"> {
  let summary = "Masked load of a tile from a memref";
  let description = !strconcat([{
    Reads a tile; rows at or past the bound read as zero.

    ```mlir
    %q_tile = flash.load %q[%b, %row0, %h, %c0] bound %seqlen_q along 1
        : memref<?x?x?x128xbf16> -> tensor<64x128xbf16>
    ```
  }], Flash_BlockAccessDescription);
  let arguments = (ins Arg<AnyMemRef, "source", [MemRead]>:$source,
                       Variadic<Index>:$indices,
                       Index:$bound,
                       I64Attr:$along);
  let results = (outs Flash_Tile:$result);
  let assemblyFormat = [{
    $source `[` $indices `]` `bound` $bound `along` $along attr-dict
    `:` type($source) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Flash_StoreOp : Flash_Op<"store"> {
  let summary = "Masked store (or atomic accumulation) of a tile into a memref";
  let description = !strconcat([{
    Writes a tile; rows at or past the bound are not written. With
    `accumulate`, the tile is added atomically to the memref's contents
    (the memref must then be f32), which lets several programs sum their
    contributions, as the backward does for `dq`.

    ```mlir
    flash.store %o_tile, %out[%b, %row0, %h, %c0] bound %seqlen_q along 1
        : tensor<64x128xbf16> -> memref<?x?x?x128xbf16>
    ```
  }], Flash_BlockAccessDescription);
  let arguments = (ins Flash_Tile:$value,
                       Arg<AnyMemRef, "destination", [MemWrite]>:$dest,
                       Variadic<Index>:$indices,
                       Index:$bound,
                       I64Attr:$along,
                       UnitAttr:$accumulate);
  let assemblyFormat = [{
    $value `,` $dest `[` $indices `]` `bound` $bound `along` $along
    (`accumulate` $accumulate^)? attr-dict `:` type($value) `->` type($dest)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// When this accumulating store's f32 tile is a block of whole rows of
    /// its destination (identity layout, rows along the next-to-last axis,
    /// from column 0, rows of a multiple of 16 bytes): the padding that
    /// makes the tile's rows its destination's, so that the rows it adds
    /// to are one contiguous range (a bulk reduction on sm_90).
    std::optional<int64_t> getWholeRowsPadding();
  }];
}

//===----------------------------------------------------------------------===//
// Matrix product
//===----------------------------------------------------------------------===//

def Flash_DotOp : Flash_Op<"dot", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "Tile matrix product with f32 accumulation";
  let description = [{
    `result = op(a) * op(b) + acc`, where `op` transposes its operand when
    `transpose_a` / `transpose_b` is set. `a` and `b` share an element type
    (f16, bf16 or f32); `acc` and the result are f32. `op(a)` is MxK, `op(b)`
    is KxN, `acc` is MxN.

    ```mlir
    %s = flash.dot %q, %k, %zero {transpose_b}
        : tensor<64x128xbf16>, tensor<64x128xbf16> -> tensor<64x64xf32>
    ```
  }];
  let arguments = (ins Flash_FloatTile:$a, Flash_FloatTile:$b,
                       Flash_F32Tile:$acc,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b);
  let results = (outs Flash_F32Tile:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Flash_DotWaitOp : Flash_Op<"dot_wait", [AllTypesMatch<["tile", "result"]>]> {
  let summary = "Wait until at most `pending` matrix products are running";
  let description = [{
    Returns `tile` (a product's result) once at most `pending` of the
    products issued before it, in program order, are still running. On
    sm_90a, convert-flash-to-nvvm issues some products asynchronously (the
    overlap of one block's softmax with the next block's products) and this
    is `wgmma.wait_group pending`, with the tile's registers fenced so that
    no use of the result moves above the wait. Elsewhere products complete
    as they are issued and the op returns its operand.

    With `after`, the wait also comes after the computation of that tile:
    ptxas otherwise schedules a wait as early as the instructions around
    it allow, which can put it before work meant to run while the product
    does (the softmax beside P·V).

    ```mlir
    %s_ready = flash.dot_wait %s pending 1 : tensor<128x128xf32>
    %o_ready = flash.dot_wait %o pending 0 after %sums
        : tensor<128x64xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$tile,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$pending,
                       Optional<Flash_F32Tile>:$after);
  let results = (outs Flash_F32Tile:$result);
  let assemblyFormat = [{
    $tile `pending` $pending (`after` $after^)? attr-dict `:` type($tile)
    (`,` type($after)^)?
  }];
  let builders = [
    OpBuilder<(ins "Value":$tile, "int64_t":$pending,
                   CArg<"Value", "{}">:$after), [{
      build($_builder, $_state, tile.getType(), tile,
            $_builder.getI64IntegerAttr(pending), after);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Softmax and masking
//===----------------------------------------------------------------------===//

def Flash_MaskOp : Flash_Op<"mask", [Pure, AllTypesMatch<["scores", "result"]>]> {
  let summary = "Causal and sequence-bounds mask on a score tile";
  let description = [{
    Element `(i, j)` of the tile stands for query row `r = row + i` and key
    column `c = col + j` of one sequence. It is kept when `r < seqlen_q`,
    `c < seqlen_k` and, with `causal`, `c <= r + seqlen_k - seqlen_q` (the
    causal diagonal aligned to the bottom-right corner); otherwise it becomes
    `-inf`, which the softmax turns into a zero probability.

    With `transposed` the tile is a transposed score tile (Sᵀ = K·Qᵀ, keys
    along its rows): element `(i, j)` stands for query row `r = row + j`
    and key column `c = col + i`.

    ```mlir
    %masked = flash.mask %s at (%row0, %col0) within (%seqlen_q, %seqlen_k)
        causal : tensor<64x64xf32>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$scores, Index:$row, Index:$col,
                       Index:$seqlen_q, Index:$seqlen_k, UnitAttr:$causal,
                       UnitAttr:$transposed);
  let results = (outs Flash_F32Tile:$result);
  let assemblyFormat = [{
    $scores `at` `(` $row `,` $col `)` `within` `(` $seqlen_q `,` $seqlen_k `)`
    (`causal` $causal^)? (`transposed` $transposed^)? attr-dict `:` type($scores)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$scores, "Value":$row, "Value":$col,
                   "Value":$seqlenQ, "Value":$seqlenK, "bool":$causal,
                   CArg<"bool", "false">:$transposed), [{
      build($_builder, $_state, scores.getType(), scores, row, col, seqlenQ,
            seqlenK, causal ? $_builder.getUnitAttr() : nullptr,
            transposed ? $_builder.getUnitAttr() : nullptr);
    }]>
  ];
}

def Flash_OnlineSoftmaxOp : Flash_Op<"online_softmax", [Pure,
    AllTypesMatch<["scores", "probs"]>,
    AllTypesMatch<["row_max", "row_sum", "new_row_max", "new_row_sum",
                   "correction"]>]> {
  let summary = "One step of the streaming (online) softmax";
  let description = [{
    Given a tile of raw scores `s` (MxN) and the running row maximum `m` and
    row sum `l` (M each), with `x = scale * s`:

    ```
    m_new = max(m, rowmax(x))
    p     = exp(x - m_new)            (0 where x = -inf)
    alpha = exp(m - m_new)            (the correction for what came before)
    l_new = alpha * l + rowsum(p)
    ```

    The caller rescales its accumulator by `alpha` (`flash.scale_rows`) and
    adds `p * V`. A row whose scores so far are all masked (`-inf`) keeps
    `m = -inf` and gets `p = 0`, so its `l` and accumulator stay zero rather
    than NaN. `m` is in the units of the scaled scores, so that
    `flash.finalize` returns `lse = m + log(l)`.

    ```mlir
    %p, %m_new, %l_new, %alpha = flash.online_softmax %s, %m, %l
        scale 0.0883883461 : tensor<64x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$scores, Flash_F32Tile:$row_max,
                       Flash_F32Tile:$row_sum, F32Attr:$scale);
  let results = (outs Flash_F32Tile:$probs, Flash_F32Tile:$new_row_max,
                      Flash_F32Tile:$new_row_sum, Flash_F32Tile:$correction);
  let assemblyFormat = [{
    $scores `,` $row_max `,` $row_sum `scale` $scale attr-dict
    `:` type($scores) `,` type($row_max)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$scores, "Value":$rowMax, "Value":$rowSum,
                   "float":$scale), [{
      Type rowType = rowMax.getType();
      build($_builder, $_state, scores.getType(), rowType, rowType, rowType,
            scores, rowMax, rowSum, $_builder.getF32FloatAttr(scale));
    }]>
  ];
}

def Flash_ScaleRowsOp : Flash_Op<"scale_rows", [Pure,
    AllTypesMatch<["tile", "result"]>]> {
  let summary = "Multiply each row of a tile by a per-row factor";
  let description = [{
    `result[i, j] = tile[i, j] * factors[i]`: the rescaling of the output
    accumulator by the online softmax's correction.

    ```mlir
    %acc2 = flash.scale_rows %acc, %alpha : tensor<64x128xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$tile, Flash_F32Tile:$factors);
  let results = (outs Flash_F32Tile:$result);
  let assemblyFormat = [{
    $tile `,` $factors attr-dict `:` type($tile) `,` type($factors)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$tile, "Value":$factors), [{
      build($_builder, $_state, tile.getType(), tile, factors);
    }]>
  ];
}

def Flash_FinalizeOp : Flash_Op<"finalize", [Pure,
    AllTypesMatch<["row_max", "row_sum", "lse"]>]> {
  let summary = "Final normalisation of the output and the log-sum-exp";
  let description = [{
    `out[i, :] = acc[i, :] / l[i]` converted to the output's element type,
    and `lse[i] = m[i] + log(l[i])`. A row that saw no unmasked key
    (`l = 0`) gets `out = 0` and `lse = +inf`, so that the backward's
    recomputed probabilities `exp(x - lse)` are zero there.

    ```mlir
    %o, %lse = flash.finalize %acc, %m, %l
        : tensor<64x128xf32>, tensor<64xf32> -> tensor<64x128xbf16>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$acc, Flash_F32Tile:$row_max,
                       Flash_F32Tile:$row_sum);
  let results = (outs Flash_FloatTile:$out, Flash_F32Tile:$lse);
  let assemblyFormat = [{
    $acc `,` $row_max `,` $row_sum attr-dict `:` type($acc) `,` type($row_max)
    `->` type($out)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Layouts (GPU)
//===----------------------------------------------------------------------===//

def Flash_ConvertLayoutOp : Flash_Op<"convert_layout", [Pure,
    SameOperandsAndResultShape, SameOperandsAndResultElementType]> {
  let summary = "Redistribute a tile to another layout";
  let description = [{
    The same tile with another layout (tensor encoding): between register
    layouts, or into and out of shared memory. Inserted by
    `flash-assign-layouts`, lowered by the GPU backend.

    ```mlir
    %a = flash.convert_layout %p
        : tensor<64x64xbf16, #flash.mma<warps = 4>>
        -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
    ```
  }];
  let arguments = (ins Flash_Tile:$source);
  let results = (outs Flash_Tile:$result);
  let assemblyFormat = "$source attr-dict `:` type($source) `->` type($result)";
}

def Flash_TransposeOp : Flash_Op<"transpose", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "The transpose of a matrix tile";
  let description = [{
    `result[j, i] = source[i, j]`. The backward's dK/dV kernel computes
    dQ's share as dQᵀ = Kᵀ dSᵀ when its block of queries is narrower than
    the head dim and divides it (so that the product's accumulator rows,
    which the warps split, are the longer side) and transposes it for the
    store. On the
    GPU the transpose goes through shared memory, each thread writing its
    elements at transposed coordinates; a shared result stays there.

    ```mlir
    %dq = flash.transpose %dqT : tensor<128x64xf32> -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins Flash_Tile:$source);
  let results = (outs Flash_Tile:$result);
  let assemblyFormat = "$source attr-dict `:` type($source) `->` type($result)";
  let hasVerifier = 1;
}

def Flash_WaitSharedCopiesOp : Flash_Op<"wait_shared_copies"> {
  let summary = "Wait for this thread's asynchronous copies into shared memory";
  let description = [{
    Returns once every asynchronous copy into shared memory that the calling
    thread issued has completed. `flash-prefetch-shared-tiles` puts one after
    each loop whose last iteration prefetches a tile nobody reads, so that no
    copy is still in flight when the buffer is filled again.

    ```mlir
    flash.wait_shared_copies
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Dropout
//===----------------------------------------------------------------------===//

def Flash_PhiloxOp : Flash_Op<"philox", [Pure]> {
  let summary = "Philox4x32-10 random bits for each element of a tile";
  let description = [{
    Element `(i, j)` gets the first 32-bit output word of Philox4x32-10 with
    key `(lo32(seed), hi32(seed))` and counter
    `(col + j, row + i, stream, lo32(offset))`, where `row` and `col` are the
    query and key indices within the sequence and `stream` identifies the
    (batch, head) pair (`batch * heads + head`). The bits are a pure function
    of these coordinates, so a backward regenerates the forward's mask and
    any backend reproduces it bit for bit (see docs/Philox.md). With
    `transposed`, element `(i, j)` stands for query `row + j` and key
    `col + i` (the bits of a transposed score tile).

    ```mlir
    %bits = flash.philox %seed, %offset, %stream at (%row0, %col0)
        : tensor<64x64xi32>
    ```
  }];
  let arguments = (ins I64:$seed, I64:$offset, Index:$stream,
                       Index:$row, Index:$col, UnitAttr:$transposed);
  let results = (outs Flash_I32Tile:$bits);
  let assemblyFormat = [{
    $seed `,` $offset `,` $stream `at` `(` $row `,` $col `)`
    (`transposed` $transposed^)? attr-dict `:` type($bits)
  }];
  let hasVerifier = 1;
}

def Flash_DropoutOp : Flash_Op<"dropout", [Pure,
    AllTypesMatch<["probs", "result"]>]> {
  let summary = "Drop tile elements with probability p, scale survivors";
  let description = [{
    An element survives when its random bits, read as an unsigned 32-bit
    integer, are at least `floor(p * 2^32)`; survivors are multiplied by
    `1 / (1 - p)` and the others become zero. `p` lies in `(0, 1)`.

    ```mlir
    %pd = flash.dropout %p, %bits prob 0.1 : tensor<64x64xf32>, tensor<64x64xi32>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$probs, Flash_I32Tile:$bits, F32Attr:$prob);
  let results = (outs Flash_F32Tile:$result);
  let assemblyFormat = [{
    $probs `,` $bits `prob` $prob attr-dict `:` type($probs) `,` type($bits)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$probs, "Value":$bits, "float":$prob), [{
      build($_builder, $_state, probs.getType(), probs, bits,
            $_builder.getF32FloatAttr(prob));
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

def Flash_RowDotOp : Flash_Op<"row_dot", [Pure, AllTypesMatch<["a", "b"]>]> {
  let summary = "Per-row dot product of two tiles, in f32";
  let description = [{
    `result[i] = sum_j a[i, j] * b[i, j]`, accumulated in f32: the backward's
    `D = rowsum(dO * O)`.

    ```mlir
    %delta = flash.row_dot %do, %o : tensor<64x128xbf16> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins Flash_FloatTile:$a, Flash_FloatTile:$b);
  let results = (outs Flash_F32Tile:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Flash_SoftmaxRecomputeOp : Flash_Op<"softmax_recompute", [Pure,
    AllTypesMatch<["scores", "probs"]>]> {
  let summary = "Recompute softmax probabilities from the log-sum-exp";
  let description = [{
    `probs[i, j] = exp(scale * scores[i, j] - lse[i])`: the forward's
    probabilities, rebuilt in the backward from the saved log-sum-exp.
    Masked scores (`-inf`) and rows with `lse = +inf` give zero. With
    `transposed` the tile is Sᵀ (a query a column) and `lse` has one
    element per column: `probs[i, j] = exp(scale * scores[i, j] - lse[j])`.

    ```mlir
    %p = flash.softmax_recompute %s, %lse scale 0.125
        : tensor<64x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$scores, Flash_F32Tile:$lse,
                       F32Attr:$scale, UnitAttr:$transposed);
  let results = (outs Flash_F32Tile:$probs);
  let assemblyFormat = [{
    $scores `,` $lse `scale` $scale (`transposed` $transposed^)? attr-dict
    `:` type($scores) `,` type($lse)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$scores, "Value":$lse, "float":$scale,
                   CArg<"bool", "false">:$transposed), [{
      build($_builder, $_state, scores.getType(), scores, lse,
            $_builder.getF32FloatAttr(scale),
            transposed ? $_builder.getUnitAttr() : nullptr);
    }]>
  ];
}

def Flash_SoftmaxGradOp : Flash_Op<"softmax_grad", [Pure,
    AllTypesMatch<["probs", "grad_probs", "result"]>]> {
  let summary = "Gradient through the softmax";
  let description = [{
    `result[i, j] = probs[i, j] * (grad_probs[i, j] - delta[i])`, i.e.
    `dS = P * (dP - D)`. With `transposed` (tiles Pᵀ and dPᵀ, a query a
    column) `delta` has one element per column and `delta[j]` is used.

    ```mlir
    %ds = flash.softmax_grad %p, %dp, %delta : tensor<64x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Flash_F32Tile:$probs, Flash_F32Tile:$grad_probs,
                       Flash_F32Tile:$delta, UnitAttr:$transposed);
  let results = (outs Flash_F32Tile:$result);
  let assemblyFormat = [{
    $probs `,` $grad_probs `,` $delta (`transposed` $transposed^)? attr-dict
    `:` type($probs) `,` type($delta)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$probs, "Value":$gradProbs, "Value":$delta,
                   CArg<"bool", "false">:$transposed), [{
      build($_builder, $_state, probs.getType(), probs, gradProbs, delta,
            transposed ? $_builder.getUnitAttr() : nullptr);
    }]>
  ];
}

#endif // FLASH_DIALECT_FLASH_IR_FLASHTILEOPS_TD
