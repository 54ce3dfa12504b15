//===- SoftmaxOverlap.h - A block's softmax beside the next products -*- C++ -*-===//
//
// FlashAttention 3's intra-warpgroup overlap, on the consumers of a
// warp-specialized kernel (SoftmaxOverlap.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_CONVERSION_FLASHTONVVM_SOFTMAXOVERLAP_H
#define FLASH_LIB_CONVERSION_FLASHTONVVM_SOFTMAXOVERLAP_H

#include "TensorCopies.h"

namespace mlir::flash::nvvm {

/// Marks a flash.dot issued without waiting for it: a later flash.dot_wait
/// waits (wgmma products only; others complete as they are issued).
constexpr llvm::StringLiteral kAsyncProductAttrName = "flash.async";

/// If `loop` (a consumer loop of a warp-specialized kernel, inside no other
/// loop than its tile loop) has the shape of an attention loop, two products S and D,
/// D yielded as the accumulator and reading a pipelined copy's tile V used
/// by nothing else: rotates it so that iteration j issues S_j and then
/// D_{j-1} without waiting, waits for S_j, runs the softmax of block j
/// while D_{j-1} runs, waits for D_{j-1} and only then rescales it; D of the
/// last block follows the loop. The loop is replaced (later siblings'
/// `earlierLoops` follow) and V's copy consumed here: its `load` becomes
/// null (the caller consumes the others). Returns whether it rotated.
bool overlapProductsWithSoftmax(scf::ForOp loop,
                                MutableArrayRef<PipelinedCopy> copies,
                                Operation *kernel);

/// The copy of V, whose stage the consumers release an iteration late, if
/// overlapProductsWithSoftmax would rotate `loop`; null otherwise.
PipelinedCopy *productDeferredCopy(scf::ForOp loop,
                                   MutableArrayRef<PipelinedCopy> copies);

} // namespace mlir::flash::nvvm

#endif // FLASH_LIB_CONVERSION_FLASHTONVVM_SOFTMAXOVERLAP_H
