//===- ConvertFlashToNVVM.cpp - The convert-flash-to-nvvm pass --------------===//

#include "FlashToNVVMPatterns.h"
#include "flash/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::flash {
#define GEN_PASS_DEF_CONVERTFLASHTONVVM
#include "flash/Conversion/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

bool hasTileType(Operation *op) {
  auto isTile = [](Type t) { return isa<RankedTensorType>(t); };
  return llvm::any_of(op->getOperandTypes(), isTile) ||
         llvm::any_of(op->getResultTypes(), isTile);
}

struct ConvertFlashToNVVMPass
    : public flash::impl::ConvertFlashToNVVMBase<ConvertFlashToNVVMPass> {
  using ConvertFlashToNVVMBase::ConvertFlashToNVVMBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    TileTypeConverter converter(context);
    unsigned threads = 32 * numWarps;
    if (numWarps == 0 || (numWarps & (numWarps - 1)) != 0) {
      module.emitError() << "convert-flash-to-nvvm: num-warps must be a power "
                            "of two, got "
                         << numWarps.getValue();
      return signalPassFailure();
    }
    if (vectorBytes < 2 || vectorBytes > 16 || (vectorBytes & (vectorBytes - 1))) {
      module.emitError() << "convert-flash-to-nvvm: vector-bytes must be 2, 4, "
                            "8 or 16, got "
                         << vectorBytes.getValue();
      return signalPassFailure();
    }
    // Host code stays behind: on the GPU the runtime launches each kernel
    // itself, sizing its grid from the kernel's flash.grid attribute.
    for (auto function : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (!function->hasAttr(FlashDialect::kKernelAttrName))
        function.erase();
    if (warpSpecialize && !tma) {
      module.emitError() << "convert-flash-to-nvvm: warp-specialize needs tma";
      return signalPassFailure();
    }
    if ((pingPong || overlapSoftmax) && !warpSpecialize) {
      module.emitError() << "convert-flash-to-nvvm: "
                         << (pingPong ? "ping-pong" : "overlap-softmax")
                         << " needs warp-specialize";
      return signalPassFailure();
    }
    if (producerRegisters < 24 || producerRegisters > 128 ||
        producerRegisters % 8 != 0) {
      module.emitError() << "convert-flash-to-nvvm: producer-registers must "
                            "be a multiple of 8 from 24 to 128, got "
                         << producerRegisters.getValue();
      return signalPassFailure();
    }
    if (tma)
      planTensorCopies(
          module, warpSpecialize,
          WarpRoles{pingPong, overlapSoftmax, producerRegisters}, threads);
    annotateSharedWaits(module);
    markReadsAtUses(module);
    awaitBulkStores(module);
    if (failed(lowerKernelSignatures(module, converter, threads)))
      return signalPassFailure();

    SmallVector<Operation *> kernels;
    for (auto function : module.getOps<LLVM::LLVMFuncOp>())
      if (function->hasAttr("nvvm.kernel"))
        kernels.push_back(function);

    ConversionTarget target(*context);
    target.addLegalDialect<LLVM::LLVMDialect, NVVM::NVVMDialect>();
    target.addIllegalDialect<FlashDialect>();
    target.addIllegalOp<memref::DimOp>();
    target.addDynamicallyLegalDialect<arith::ArithDialect>(
        [](Operation *op) { return !hasTileType(op); });
    target.addLegalOp<UnrealizedConversionCastOp>();
    target.addLegalOp<scf::YieldOp>();

    RewritePatternSet patterns(context);
    populateKernelPatterns(converter, patterns);
    // wgmma marks sm_90a, which also has vector reductions.
    populateLoadStorePatterns(converter, patterns, threads, vectorBytes,
                              /*pairedReductions=*/wgmma);
    if (tma)
      populateTensorCopyPatterns(converter, patterns);
    populateDotPatterns(converter, patterns);
    if (wgmma)
      populateWgmmaDotPatterns(converter, patterns);
    // wgmma marks sm_90a, which also has stmatrix.
    populateConvertLayoutPatterns(converter, patterns, /*stmatrix=*/wgmma);
    populateSoftmaxPatterns(converter, patterns);
    populatePhiloxPatterns(converter, patterns);
    populateElementwisePatterns(converter, patterns);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    if (failed(applyPartialConversion(kernels, target, std::move(patterns))))
      return signalPassFailure();
    for (Operation *kernel : kernels)
      dropRedundantBarriers(kernel);
  }
};

} // namespace
