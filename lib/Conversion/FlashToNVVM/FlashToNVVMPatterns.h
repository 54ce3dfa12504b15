//===- FlashToNVVMPatterns.h - The NVVM lowering, one file a family -*- C++ -*-===//

#ifndef FLASH_LIB_CONVERSION_FLASHTONVVM_PATTERNS_H
#define FLASH_LIB_CONVERSION_FLASHTONVVM_PATTERNS_H

#include "Utility.h"

namespace mlir::flash::nvvm {

/// Rewrites every flash.kernel func.func into an nvvm.kernel llvm.func
/// (before the pattern-based conversion runs).
LogicalResult lowerKernelSignatures(ModuleOp module,
                                    const TileTypeConverter &converter,
                                    unsigned threads);

/// With `tma`: decides which shared-tile loads become TMA copies, gives
/// them tensor maps and mbarriers, and inserts the readers' waits (on the
/// tile IR, before annotateSharedWaits and the kernel signatures). With
/// `warpSpecialize` and two consumer warpgroups or more, a producer
/// warpgroup after the `consumerThreads` issues the copies of loop bodies
/// into two-stage buffers, the warpgroups sharing the program as `roles`
/// says.
struct WarpRoles {
  /// The consumer warpgroups take turns at their products (WarpgroupTurns.h).
  bool pingPong = false;
  /// A block's softmax overlaps the next block's products (SoftmaxOverlap.h).
  bool overlapSoftmax = false;
  /// Registers a producer thread keeps with two consumer warpgroups, a
  /// multiple of 8 from 24 to 128; the consumers get the rest of the SM's
  /// 64K (consumerRegisters).
  uint32_t producerRegisters = 24;
  uint32_t consumerRegisters() const {
    return (65536 - 128 * producerRegisters) / 256 / 8 * 8;
  }
};
void planTensorCopies(ModuleOp module, bool warpSpecialize, WarpRoles roles,
                      int64_t consumerThreads);

void populateKernelPatterns(TileTypeConverter &converter,
                            RewritePatternSet &patterns);
/// Bulk reductions (isBulkReduction) and TMA stores (isTensorStore) read
/// their buffer asynchronously: awaitBulkStores waits for a reduction's
/// reads after the op whose region holds its buffer, before any later tile
/// may take its bytes, and for every such store's end before the kernel's
/// returns (on the tile IR, after planTensorCopies and annotateSharedWaits).
void awaitBulkStores(ModuleOp module);
/// With `pairedReductions` (sm_90), accumulating stores add pairs of
/// adjacent f32 with one vector reduction where aligned, and shared tiles
/// in bulk.
void populateLoadStorePatterns(TileTypeConverter &converter,
                               RewritePatternSet &patterns, unsigned threads,
                               unsigned vectorBytes, bool pairedReductions);
/// The loads planTensorCopies chose, as cp.async.bulk.tensor.
void populateTensorCopyPatterns(TileTypeConverter &converter,
                                RewritePatternSet &patterns);
void populateDotPatterns(TileTypeConverter &converter,
                         RewritePatternSet &patterns);
/// flash.dot as wgmma.mma_async (sm_90a), preferred over mma.sync where
/// the operands allow it.
void populateWgmmaDotPatterns(TileTypeConverter &converter,
                              RewritePatternSet &patterns);
/// With `stmatrix` (sm_90), mma tiles are written to shared memory with it.
void populateConvertLayoutPatterns(TileTypeConverter &converter,
                                   RewritePatternSet &patterns, bool stmatrix);
void populateSoftmaxPatterns(TileTypeConverter &converter,
                             RewritePatternSet &patterns);
void populatePhiloxPatterns(TileTypeConverter &converter,
                            RewritePatternSet &patterns);
void populateElementwisePatterns(TileTypeConverter &converter,
                                 RewritePatternSet &patterns);

/// Drops each barrier of `kernel` (after the conversion) that is followed
/// in its block by a barrier of the same threads with only thread-local
/// ops between (RedundantBarriers.cpp).
void dropRedundantBarriers(Operation *kernel);

} // namespace mlir::flash::nvvm

#endif // FLASH_LIB_CONVERSION_FLASHTONVVM_PATTERNS_H
