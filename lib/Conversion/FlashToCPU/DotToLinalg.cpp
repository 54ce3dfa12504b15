//===- DotToLinalg.cpp - Tile matrix products on the CPU --------------------===//
//
// flash.dot becomes one linalg.generic over (m, n, k) whose indexing maps
// express the transposes, with f16/bf16 operands extended to f32 before the
// multiply-add, as the tensor cores do; flash.transpose a linalg.transpose.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "flash/Conversion/FlashToCPU/FlashToCPU.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::flash;

namespace {

struct DotLowering : public OpConversionPattern<DotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *context = rewriter.getContext();
    AffineExpr m, n, k;
    bindDims(context, m, n, k);
    auto map = [&](AffineExpr row, AffineExpr col) {
      return AffineMap::get(3, 0, {row, col}, context);
    };
    SmallVector<AffineMap> maps = {
        op.getTransposeA() ? map(k, m) : map(m, k),
        op.getTransposeB() ? map(n, k) : map(k, n), map(m, n)};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction};
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), TypeRange{op.getType()},
        ValueRange{adaptor.getA(), adaptor.getB()},
        ValueRange{adaptor.getAcc()}, maps, iterators,
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value product = arith::MulFOp::create(b, loc, cpu::toF32(b, loc, args[0]),
                                                cpu::toF32(b, loc, args[1]));
          linalg::YieldOp::create(
              b, loc, ValueRange{arith::AddFOp::create(b, loc, args[2], product)});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct TransposeLowering : public OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), type.getShape(),
                                         type.getElementType());
    auto transpose = linalg::TransposeOp::create(
        rewriter, op.getLoc(), adaptor.getSource(), init,
        ArrayRef<int64_t>{1, 0});
    rewriter.replaceOp(op, transpose.getResult());
    return success();
  }
};

/// Products are synchronous on the CPU: the result is ready.
struct DotWaitLowering : public OpConversionPattern<DotWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DotWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getTile());
    return success();
  }
};

} // namespace

void mlir::flash::populateDotToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<DotLowering, DotWaitLowering, TransposeLowering>(
      patterns.getContext());
}
