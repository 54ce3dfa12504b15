//===- FlashToNVVM.h - The NVIDIA lowering of the flash dialect -*- C++ -*-===//

#ifndef FLASH_CONVERSION_FLASHTONVVM_FLASHTONVVM_H
#define FLASH_CONVERSION_FLASHTONVVM_FLASHTONVVM_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace flash {

/// Options of the `flash-to-nvvm` pipeline.
struct FlashToNVVMOptions : public PassPipelineOptions<FlashToNVVMOptions> {
  PassOptions::Option<int64_t> blockM{*this, "block-m",
                                      llvm::cl::desc("BLOCK_M of the tiling"),
                                      llvm::cl::init(64)};
  PassOptions::Option<int64_t> blockN{*this, "block-n",
                                      llvm::cl::desc("BLOCK_N of the tiling"),
                                      llvm::cl::init(64)};
  PassOptions::Option<int64_t> numWarps{*this, "num-warps",
                                        llvm::cl::desc("Warps per program"),
                                        llvm::cl::init(4)};
  PassOptions::Option<bool> prefetch{
      *this, "prefetch",
      llvm::cl::desc("Prefetch the next iteration's shared tiles "
                     "(flash-prefetch-shared-tiles); off until it pays off"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> wgmma{
      *this, "wgmma",
      llvm::cl::desc("Hopper (sm_90a): swizzled shared tiles read by "
                     "wgmma.mma_async where the products allow it"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> tma{
      *this, "tma",
      llvm::cl::desc("Hopper (sm_90a): copy swizzled shared tiles with the "
                     "tensor memory accelerator (needs wgmma's layouts and "
                     "16-byte alignment)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> warpSpecialize{
      *this, "warp-specialize",
      llvm::cl::desc("Hopper (sm_90a), with tma: a producer warpgroup issues "
                     "the loops' TMA copies into two-stage buffers"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> pingPong{
      *this, "ping-pong",
      llvm::cl::desc("Hopper (sm_90a), with warp-specialize: the consumer "
                     "warpgroups take turns issuing their wgmma products"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> overlapSoftmax{
      *this, "overlap-softmax",
      llvm::cl::desc("Hopper (sm_90a), with warp-specialize: a key block's "
                     "softmax overlaps the wgmma products around it"),
      llvm::cl::init(false)};
  PassOptions::Option<unsigned> producerRegisters{
      *this, "producer-registers",
      llvm::cl::desc("Hopper (sm_90a), with warp-specialize and 8 warps: "
                     "registers a producer thread keeps after setmaxnreg (a "
                     "multiple of 8 from 24 to 128); the consumers get the "
                     "rest (24: 240 each)"),
      llvm::cl::init(24)};
  PassOptions::Option<bool> persistent{
      *this, "persistent",
      llvm::cl::desc("Forward kernels of fixed-length problems "
                     "loop over their tiles (flash-tile-attention's "
                     "persistent); the runtime launches as many programs as the GPU "
                     "holds at once"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> transposedGrad{
      *this, "transposed-grad",
      llvm::cl::desc("The dK/dV kernel works on Sᵀ = K Qᵀ, keys along the "
                     "rows (flash-tile-attention's transposed-grad)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> vectorBytes{
      *this, "vector-bytes",
      llvm::cl::desc("Alignment in bytes of the memrefs' bases and strides"),
      llvm::cl::init(16)};
};

/// Problem level to nvvm.kernel llvm.funcs: tiling, layouts, shared-memory
/// allocation, the tile ops to LLVM/NVVM, then the standard conversions.
void buildFlashToNVVMPipeline(OpPassManager &pm,
                              const FlashToNVVMOptions &options);

/// Registers `flash-to-nvvm` with the pass pipeline registry.
void registerFlashToNVVMPipeline();

} // namespace flash
} // namespace mlir

#endif // FLASH_CONVERSION_FLASHTONVVM_FLASHTONVVM_H
