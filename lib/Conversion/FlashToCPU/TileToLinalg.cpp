//===- TileToLinalg.cpp - The convert-flash-tile-to-linalg pass -------------===//

#include "flash/Conversion/FlashToCPU/FlashToCPU.h"
#include "flash/Conversion/Passes.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::flash {
#define GEN_PASS_DEF_CONVERTFLASHTILETOLINALG
#include "flash/Conversion/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;

namespace {

struct ConvertFlashTileToLinalgPass
    : public flash::impl::ConvertFlashTileToLinalgBase<
          ConvertFlashTileToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    // Tile ops must go; the problem level and launches belong to other passes.
    target.addIllegalDialect<FlashDialect>();
    target.addLegalOp<AttentionOp, AttentionGradOp, LaunchOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    RewritePatternSet patterns(context);
    populateLoadStoreToLinalgPatterns(patterns);
    populateDotToLinalgPatterns(patterns);
    populateSoftmaxToLinalgPatterns(patterns);
    populatePhiloxToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
