//===- FlashDialect.td - The flash dialect -----------------*- tablegen -*-===//
//
// The `flash` dialect describes tiled attention at two levels: problem-level
// ops (one op per job, on memrefs) and tile-level ops (a program over a grid,
// on value-semantics tiles held in ranked tensors).
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_DIALECT_FLASH_IR_FLASHDIALECT_TD
#define FLASH_DIALECT_FLASH_IR_FLASHDIALECT_TD

include "mlir/IR/OpBase.td"

def Flash_Dialect : Dialect {
  let name = "flash";
  let cppNamespace = "::mlir::flash";
  let summary = "Tiled FlashAttention: problem-level and tile-level ops";
  let description = [{
    The `flash` dialect describes attention `O = softmax(Q K^T * scale) V` and
    its gradient at two levels.

    **Problem level.** `flash.attention` and `flash.attention_grad` describe one
    whole job on memrefs in FlashAttention's layout: `[batch, seqlen, heads,
    head_dim]`, or `[total_tokens, heads, head_dim]` for variable-length batches
    packed along one token axis and described by `cu_seqlens` prefix sums.
    Attributes carry the softmax scale, causal masking and the dropout
    probability; grouped-query attention is expressed by K/V having fewer heads
    than Q.

    **Tile level.** A kernel is a `func.func` marked `flash.kernel` that one
    program of a grid runs. Its body works on tiles, ranked tensors of static
    shape with value semantics: `flash.program_id` names the program,
    `flash.seq_bounds` reads a sequence's range from `cu_seqlens`, `flash.load`
    and `flash.store` move masked blocks between memrefs and tiles, `flash.dot`
    multiplies tiles, `flash.mask` applies causal and bounds masks,
    `flash.online_softmax` performs one step of the streaming softmax,
    `flash.philox` and `flash.dropout` implement dropout, and `flash.finalize`
    normalises the accumulator and produces the log-sum-exp. The backward
    uses `flash.row_dot`, `flash.softmax_recompute` and `flash.softmax_grad`.
    Loops are `scf.for`; elementwise conversions are `arith` ops on tensors.
  }];
  let hasOperationAttrVerify = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Name of the unit attribute that marks a func.func as a tile-level
    /// kernel: the body one program of a grid runs.
    static constexpr ::llvm::StringLiteral kKernelAttrName = "flash.kernel";
    /// How the runtime sizes a kernel's grid (set by flash-tile-attention).
    static constexpr ::llvm::StringLiteral kGridAttrName = "flash.grid";
    /// Byte offset of an op's shared-memory buffer, and a kernel's total.
    static constexpr ::llvm::StringLiteral kSharedOffsetAttrName =
        "flash.shared_offset";
    static constexpr ::llvm::StringLiteral kSharedMemoryAttrName =
        "flash.shared_memory";
    /// Marks a load moved before a loop by flash-prefetch-shared-tiles.
    static constexpr ::llvm::StringLiteral kPrefetchedAttrName =
        "flash.prefetched";
    /// A kernel's TMA tensor maps (convert-flash-to-nvvm{tma}): one
    /// {arg, box_rows, along} entry a map, passed by the runtime after the
    /// kernel's other parameters, in this order.
    static constexpr ::llvm::StringLiteral kTensorMapsAttrName =
        "flash.tensor_maps";
    /// A warp-specialized kernel's consumer threads (convert-flash-to-nvvm
    /// {warp-specialize}): a producer warpgroup of 128 threads follows them.
    static constexpr ::llvm::StringLiteral kConsumerThreadsAttrName =
        "flash.consumer_threads";
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class Flash_Op<string mnemonic, list<Trait> traits = []>
    : Op<Flash_Dialect, mnemonic, traits>;

#endif // FLASH_DIALECT_FLASH_IR_FLASHDIALECT_TD
