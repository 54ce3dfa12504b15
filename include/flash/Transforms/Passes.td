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
    the K/V blocks of its (batch, head) with an online softmax. The backward
    becomes three: `D = rowsum(dO * O)` per query row into a workspace
    (a `memref.alloc` shaped like the lse, left for the buffer-deallocation
    pipeline to free);
    `dK, dV` over `(ceil(max_seqlen_k / block-n), batch * kv_heads)`
    programs, each summing the contributions of every query head of its
    group; and `dQ` over the forward's grid. Masks are emitted only where
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
           "Key/value rows per inner-loop step (BLOCK_N)">
  ];
}

#endif // FLASH_TRANSFORMS_PASSES_TD
