//===- Pipeline.cpp - The flash-to-nvvm pipeline ----------------------------===//

#include "flash/Conversion/FlashToNVVM/FlashToNVVM.h"
#include "flash/Conversion/Passes.h"
#include "flash/Transforms/Passes.h"
#include "flash/Transforms/SharedMemory.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::flash::buildFlashToNVVMPipeline(OpPassManager &pm,
                                           const FlashToNVVMOptions &options) {
  pm.addPass(createFlashTileAttention(
      FlashTileAttentionOptions{options.blockM, options.blockN,
                                options.persistent, options.transposedGrad}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createFlashAssignLayouts(FlashAssignLayoutsOptions{
      static_cast<unsigned>(options.numWarps), /*sharedPadding=*/8,
      /*swizzleShared=*/options.wgmma, /*sharedOperandA=*/options.wgmma,
      /*sharedReductions=*/options.wgmma}));
  // Measured slower on an H200 (docs/performance.md, step 2): opt-in.
  if (options.prefetch)
    pm.addPass(createFlashPrefetchSharedTiles());
  // Bulk reductions' buffers (sm_90a) only where they fit.
  pm.addPass(createFlashAllocateSharedMemory(FlashAllocateSharedMemoryOptions{
      options.wgmma ? kMaxSharedBytesSm90 : 0}));
  bool tma = options.tma && options.wgmma && options.vectorBytes == 16;
  bool specialize = tma && options.warpSpecialize;
  pm.addPass(createConvertFlashToNVVM(ConvertFlashToNVVMOptions{
      static_cast<unsigned>(options.numWarps),
      static_cast<unsigned>(options.vectorBytes), options.wgmma, tma,
      specialize, specialize && options.pingPong,
      specialize && options.overlapSoftmax, options.producerRegisters}));
  // NVVM ops without an LLVM intrinsic (the mbarrier waits) become inline PTX.
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::flash::registerFlashToNVVMPipeline() {
  PassPipelineRegistration<FlashToNVVMOptions>(
      "flash-to-nvvm",
      "Lower problem-level flash ops to NVVM/LLVM kernels for NVIDIA GPUs "
      "(tiling, layouts, shared memory, mma.sync)",
      buildFlashToNVVMPipeline);
}
