//===- PhiloxToLLVM.cpp - Philox bits and dropout on the GPU ----------------===//
//
// Each thread computes the Philox bits of the elements it holds, from their
// (row, col) coordinates, with the same mapping as every other backend
// (flash/Dialect/Flash/Utils/Philox.h, docs/Philox.md).
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"
#include "flash/Dialect/Flash/Utils/Philox.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

struct PhiloxLowering : public ConvertOpToLLVMPattern<PhiloxOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(PhiloxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    ThreadIds ids = threadIds(rewriter, loc);
    FailureOr<ThreadTile> tile = threadTile(rewriter, loc, type, ids);
    if (failed(tile))
      return rewriter.notifyMatchFailure(op, "needs a register layout");
    PhiloxStream stream = buildPhiloxStream(
        rewriter, loc, adaptor.getSeed(), adaptor.getOffset(), adaptor.getStream());
    SmallVector<Value> bits;
    bool transposed = op.getTransposed();
    for (unsigned slot = 0; slot < tile->mapping.slots.size(); ++slot) {
      Value row = LLVM::AddOp::create(rewriter, loc, adaptor.getRow(),
                                      tile->query(rewriter, loc, slot, transposed));
      Value col = LLVM::AddOp::create(rewriter, loc, adaptor.getCol(),
                                      tile->key(rewriter, loc, slot, transposed));
      bits.push_back(buildDropoutBits(rewriter, loc, stream, row, col));
    }
    rewriter.replaceOp(op, pack(rewriter, loc,
                                getTypeConverter()->convertType(type), bits));
    return success();
  }
};

struct DropoutLowering : public ConvertOpToLLVMPattern<DropoutOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double p = op.getProb().convertToDouble();
    Value threshold =
        i32Const(rewriter, loc, static_cast<int32_t>(dropoutThreshold(p)));
    Value keepScale = f32Const(rewriter, loc, 1.0 / (1.0 - p));
    Value zero = f32Const(rewriter, loc, 0.0);
    SmallVector<Value> probs = unpack(rewriter, loc, adaptor.getProbs());
    SmallVector<Value> bits = unpack(rewriter, loc, adaptor.getBits());
    for (size_t slot = 0; slot < probs.size(); ++slot) {
      Value keep = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::uge,
                                        bits[slot], threshold);
      probs[slot] = LLVM::SelectOp::create(
          rewriter, loc, keep,
          LLVM::FMulOp::create(rewriter, loc, probs[slot], keepScale), zero);
    }
    rewriter.replaceOp(op, pack(rewriter, loc,
                                getTypeConverter()->convertType(op.getType()),
                                probs));
    return success();
  }
};

} // namespace

void mlir::flash::nvvm::populatePhiloxPatterns(TileTypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<PhiloxLowering, DropoutLowering>(converter);
}
