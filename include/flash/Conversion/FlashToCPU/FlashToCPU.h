//===- FlashToCPU.h - The CPU lowering of the flash dialect -----*- C++ -*-===//

#ifndef FLASH_CONVERSION_FLASHTOCPU_FLASHTOCPU_H
#define FLASH_CONVERSION_FLASHTOCPU_FLASHTOCPU_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
class OpPassManager;
class RewritePatternSet;
namespace flash {

/// Patterns lowering the tile ops, one family per file.
void populateLoadStoreToLinalgPatterns(RewritePatternSet &patterns);
void populateDotToLinalgPatterns(RewritePatternSet &patterns);
void populateSoftmaxToLinalgPatterns(RewritePatternSet &patterns);
void populatePhiloxToLinalgPatterns(RewritePatternSet &patterns);

/// Options of the `flash-to-cpu` pipeline.
struct FlashToCPUOptions : public PassPipelineOptions<FlashToCPUOptions> {
  PassOptions::Option<int64_t> blockM{*this, "block-m",
                                      llvm::cl::desc("BLOCK_M of the tiling"),
                                      llvm::cl::init(64)};
  PassOptions::Option<int64_t> blockN{*this, "block-n",
                                      llvm::cl::desc("BLOCK_N of the tiling"),
                                      llvm::cl::init(64)};
  PassOptions::Option<int64_t> persistentPrograms{
      *this, "persistent-programs",
      llvm::cl::desc("Forward kernels of fixed-length problems loop over "
                     "their tiles with this many programs, as on a GPU "
                     "(0: a program a tile)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> transposedGrad{
      *this, "transposed-grad",
      llvm::cl::desc("The dK/dV kernel works on Sᵀ = K Qᵀ "
                     "(flash-tile-attention's transposed-grad)"),
      llvm::cl::init(false)};
};

/// Problem level to LLVM dialect, ready for the ExecutionEngine: tiling,
/// grid loops, tiles to linalg, bufferization, loops, LLVM.
void buildFlashToCPUPipeline(OpPassManager &pm,
                             const FlashToCPUOptions &options);

/// Registers every dialect the pipeline creates, with the external models
/// bufferization needs, so that a context can run it.
void registerFlashToCPUDialects(DialectRegistry &registry);

/// Registers `flash-to-cpu` with the pass pipeline registry.
void registerFlashToCPUPipeline();

} // namespace flash
} // namespace mlir

#endif // FLASH_CONVERSION_FLASHTOCPU_FLASHTOCPU_H
