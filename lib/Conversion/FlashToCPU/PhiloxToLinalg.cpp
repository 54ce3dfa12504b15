//===- PhiloxToLinalg.cpp - Philox4x32-10 and dropout on the CPU ------------===//
//
// flash.philox computes, for every element, Philox4x32-10 of the counter
// (col, row, stream, lo32(offset)) under the key (lo32(seed), hi32(seed)),
// in 32-bit integer arithmetic (docs/Philox.md). flash.dropout compares the
// bits with the threshold floor(p * 2^32).
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "flash/Conversion/FlashToCPU/FlashToCPU.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Dialect/Flash/Utils/Philox.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::cpu;

namespace {

struct PhiloxLowering : public OpConversionPattern<PhiloxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PhiloxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    PhiloxStream stream =
        buildPhiloxStream(rewriter, op.getLoc(), adaptor.getSeed(),
                          adaptor.getOffset(), adaptor.getStream());
    Value result = mapTile(
        rewriter, op.getLoc(), op.getType(), {},
        [&](OpBuilder &b, Location l, ValueRange) {
          auto [row, col] = queryAndKey(b, l, adaptor.getRow(), adaptor.getCol(),
                                        op.getTransposed());
          return buildDropoutBits(b, l, stream, row, col);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DropoutLowering : public OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double p = op.getProb().convertToDouble();
    uint32_t threshold = dropoutThreshold(p);
    double keepScale = 1.0 / (1.0 - p);
    Value result = mapTile(
        rewriter, op.getLoc(), op.getType(),
        {adaptor.getProbs(), adaptor.getBits()},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value keep = arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge,
                                             args[1],
                                             arith::ConstantOp::create(
                                                 b, l,
                                                 b.getI32IntegerAttr(
                                                     static_cast<int32_t>(threshold))));
          Value scaled = arith::MulFOp::create(b, l, args[0],
                                               f32Constant(b, l, keepScale));
          return arith::SelectOp::create(b, l, keep, scaled,
                                         f32Constant(b, l, 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::flash::populatePhiloxToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PhiloxLowering, DropoutLowering>(patterns.getContext());
}
