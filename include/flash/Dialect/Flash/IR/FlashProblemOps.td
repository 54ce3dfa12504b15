//===- FlashProblemOps.td - Problem-level ops --------------*- tablegen -*-===//
//
// One op per attention job, on memrefs. The tiling pass turns them into a
// tile-level kernel and its launch.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_DIALECT_FLASH_IR_FLASHPROBLEMOPS_TD
#define FLASH_DIALECT_FLASH_IR_FLASHPROBLEMOPS_TD

include "flash/Dialect/Flash/IR/FlashDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Operands and attributes common to the forward and the gradient op; each op
// lists its tensors first.
defvar Flash_ProblemOptions = (ins
  Optional<AnyMemRef>:$cu_seqlens_q,
  Optional<AnyMemRef>:$cu_seqlens_k,
  Optional<Index>:$max_seqlen_q,
  Optional<Index>:$max_seqlen_k,
  Optional<I64>:$seed,
  Optional<I64>:$offset,
  OptionalAttr<F32Attr>:$scale,
  UnitAttr:$causal,
  DefaultValuedAttr<F32Attr, "0.0f">:$dropout_p
);

// The textual form of those options, after the tensor operands.
defvar Flash_ProblemOptionsFormat = [{
  (`varlen` `(` $cu_seqlens_q^ `,` $cu_seqlens_k `:` type($cu_seqlens_q) `,`
     type($cu_seqlens_k) `)` `max_seqlen` `(` $max_seqlen_q `,` $max_seqlen_k `)`)?
  (`dropout_rng` `(` $seed^ `,` $offset `)`)?
  attr-dict
}];

defvar Flash_ProblemDescription = [{
    Layout: dense problems use `[batch, seqlen, heads, head_dim]` memrefs;
    variable-length problems use `[total_tokens, heads, head_dim]` with
    `varlen(cu_seqlens_q, cu_seqlens_k : ...) max_seqlen(mq, mk)`, where the
    `cu_seqlens` are int32 prefix sums of length `batch + 1`. Strides on the
    batch, sequence and head axes are arbitrary; the head_dim axis is
    contiguous and static. K and V may have fewer heads than Q (grouped-query
    attention) as long as they divide Q's head count. The log-sum-exp `lse`
    is f32, `[batch, heads, seqlen_q]` (dense) or `[heads, total_q]` (varlen).

    Attributes: `scale` (default `1/sqrt(head_dim)`), `causal` (the mask is
    aligned to the bottom-right corner when `seqlen_q != seqlen_k`, as in
    FlashAttention 2), `dropout_p` in `[0, 1)`. With `dropout_p > 0` the
    `dropout_rng(seed, offset)` operands select the Philox4x32-10 stream.
}];

def Flash_AttentionOp : Flash_Op<"attention", [AttrSizedOperandSegments]> {
  let summary = "Attention forward over a whole problem";
  let description = !strconcat([{
    Computes `out = softmax(q k^T * scale) v` per (batch, head), never
    materialising the score matrix, and writes the per-row log-sum-exp of the
    scaled scores to `lse` (the backward needs it).

    Example:

    ```mlir
    flash.attention %q, %k, %v -> %out, %lse {causal}
        : memref<2x1024x16x128xbf16>, memref<2x1024x16x128xbf16>,
          memref<2x1024x16x128xbf16> -> memref<2x1024x16x128xbf16>,
          memref<2x16x1024xf32>
    ```
  }], Flash_ProblemDescription);

  let arguments = !con((ins
    Arg<AnyMemRef, "queries", [MemRead]>:$q,
    Arg<AnyMemRef, "keys", [MemRead]>:$k,
    Arg<AnyMemRef, "values", [MemRead]>:$v,
    Arg<AnyMemRef, "output", [MemWrite]>:$out,
    Arg<AnyMemRef, "log-sum-exp per query row", [MemWrite]>:$lse
  ), Flash_ProblemOptions);

  let assemblyFormat = !strconcat([{
    $q `,` $k `,` $v `->` $out `,` $lse
  }], Flash_ProblemOptionsFormat, [{
    `:` type($q) `,` type($k) `,` type($v) `->` type($out) `,` type($lse)
  }]);

  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax scale: the attribute, else 1/sqrt(head_dim).
    float getEffectiveScale();
    bool isVarlen() { return getCuSeqlensQ() != nullptr; }
  }];
}

def Flash_AttentionGradOp : Flash_Op<"attention_grad", [AttrSizedOperandSegments]> {
  let summary = "Attention backward over a whole problem";
  let description = !strconcat([{
    Given the forward's inputs, its output `out`, its log-sum-exp `lse` and
    the gradient of the loss with respect to the output `dout`, writes `dq`,
    `dk` and `dv`. With the same attributes and `dropout_rng` operands as the
    forward, the backward regenerates exactly the forward's dropout mask.
    For grouped-query attention, `dk` and `dv` have K/V's shape: the
    gradients of the query heads that share a K/V head are summed.

    `dq` sums a contribution from every key block. By default a kernel per
    query block sums them in a fixed order, recomputing the scores and their
    gradient (seven matrix products per block pair in all). With `atomic_dq`,
    the kernel that computes dK and dV for a key block adds its
    contributions to `dq` with f32 atomic additions instead (into a
    workspace, head-major with padded rows: `getDqSumShape`, converted to
    `dq`'s type at the end): five products, but the
    order of the sum, and so the last bits of `dq`, may differ from run to
    run, and the additions' memory traffic decides whether it pays: faster
    with 128 keys a program and bulk reductions on sm_90a, slower from
    registers (docs/performance.md, steps 13, 24 and 25).

    Example:

    ```mlir
    flash.attention_grad %q, %k, %v, %out, %dout, %lse -> %dq, %dk, %dv
        : memref<2x512x8x64xf16>, memref<2x512x8x64xf16>,
          memref<2x512x8x64xf16>, memref<2x512x8x64xf16>,
          memref<2x512x8x64xf16>, memref<2x8x512xf32>
          -> memref<2x512x8x64xf16>, memref<2x512x8x64xf16>,
             memref<2x512x8x64xf16>
    ```
  }], Flash_ProblemDescription);

  let arguments = !con((ins
    Arg<AnyMemRef, "queries", [MemRead]>:$q,
    Arg<AnyMemRef, "keys", [MemRead]>:$k,
    Arg<AnyMemRef, "values", [MemRead]>:$v,
    Arg<AnyMemRef, "forward output", [MemRead]>:$out,
    Arg<AnyMemRef, "gradient of the output", [MemRead]>:$dout,
    Arg<AnyMemRef, "forward log-sum-exp", [MemRead]>:$lse,
    Arg<AnyMemRef, "gradient of q", [MemWrite]>:$dq,
    Arg<AnyMemRef, "gradient of k", [MemWrite]>:$dk,
    Arg<AnyMemRef, "gradient of v", [MemWrite]>:$dv
  ), Flash_ProblemOptions, (ins UnitAttr:$atomic_dq));

  let assemblyFormat = !strconcat([{
    $q `,` $k `,` $v `,` $out `,` $dout `,` $lse `->` $dq `,` $dk `,` $dv
  }], Flash_ProblemOptionsFormat, [{
    `:` type($q) `,` type($k) `,` type($v) `,` type($out) `,` type($dout) `,`
        type($lse) `->` type($dq) `,` type($dk) `,` type($dv)
  }]);

  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax scale: the attribute, else 1/sqrt(head_dim).
    float getEffectiveScale();
    bool isVarlen() { return getCuSeqlensQ() != nullptr; }
    /// The shape of the f32 workspace that `atomic_dq` sums dq in, from
    /// q's: [batch, heads, seqlen, head_dim + kDqSumPadding] (varlen:
    /// [heads, total_tokens, ...]). A block of a head's rows is one
    /// contiguous range, which the GPU adds in one bulk reduction; the
    /// padding spreads the 8 rows a warp writes to shared memory over the
    /// banks (two wavefronts a 256-byte store, the least; rows of a
    /// multiple of 128 bytes would all share the same 8 banks).
    static ::llvm::SmallVector<int64_t> getDqSumShape(
        ::llvm::ArrayRef<int64_t> qShape);
    static constexpr int64_t kDqSumPadding = 8;
    /// Whether the dK/dV kernel on transposed scores computes dQ's share
    /// transposed, dQᵀ = Kᵀ dSᵀ (with `atomic_dq`): where `blockM` queries
    /// divide a larger head dim, so that the product's rows, which the
    /// warps split, are the longer side and split wherever block-m's would.
    static bool transposesDqShare(int64_t blockM, int64_t headDim) {
      return blockM < headDim && headDim % blockM == 0;
    }
  }];
}

#endif // FLASH_DIALECT_FLASH_IR_FLASHPROBLEMOPS_TD
