//===- SoftmaxToLinalg.cpp - Masks and softmax steps on the CPU -------------===//
//
// The mask, the online-softmax step, the row rescaling, the final
// normalisation and the backward's softmax ops, as elementwise maps and row
// reductions (linalg.generic) on f32 tiles.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "flash/Conversion/FlashToCPU/FlashToCPU.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::cpu;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

Value isNegInfinity(OpBuilder &b, Location loc, Value x) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                               f32Constant(b, loc, -kInfinity));
}

struct MaskLowering : public OpConversionPattern<MaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool causal = op.getCausal();
    Value result = mapTile(
        rewriter, op.getLoc(), op.getType(), {adaptor.getScores()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          auto less = [&](Value x, Value y, arith::CmpIPredicate pred) {
            return arith::CmpIOp::create(b, loc, pred, x, y);
          };
          auto [r, c] = queryAndKey(b, loc, adaptor.getRow(), adaptor.getCol(),
                                    op.getTransposed());
          Value keep = arith::AndIOp::create(
              b, loc,
              less(r, adaptor.getSeqlenQ(), arith::CmpIPredicate::slt),
              less(c, adaptor.getSeqlenK(), arith::CmpIPredicate::slt));
          if (causal) {
            // c <= r + seqlen_k - seqlen_q
            Value diagonal = arith::AddIOp::create(
                b, loc, r,
                arith::SubIOp::create(b, loc, adaptor.getSeqlenK(),
                                      adaptor.getSeqlenQ()));
            keep = arith::AndIOp::create(
                b, loc, keep, less(c, diagonal, arith::CmpIPredicate::sle));
          }
          return arith::SelectOp::create(b, loc, keep, args[0],
                                         f32Constant(b, loc, -kInfinity));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct OnlineSoftmaxLowering : public OpConversionPattern<OnlineSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnlineSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double scale = op.getScale().convertToDouble();
    RankedTensorType rowType = op.getRowMax().getType();
    RankedTensorType tileType = op.getScores().getType();

    // m_new = max(m, rowmax(scale * s))
    Value newMax = reduceRows(
        rewriter, loc, {adaptor.getScores()}, adaptor.getRowMax(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = arith::MulFOp::create(b, l, args[0], f32Constant(b, l, scale));
          return arith::MaximumFOp::create(b, l, args[1], x);
        });
    // A row that has seen only masked scores keeps m = -inf; subtracting 0
    // instead makes its probabilities exp(-inf) = 0 rather than NaN.
    Value safeMax = mapTile(rewriter, loc, rowType, {newMax},
                            [&](OpBuilder &b, Location l, ValueRange args) {
                              return arith::SelectOp::create(
                                  b, l, isNegInfinity(b, l, args[0]),
                                  f32Constant(b, l, 0.0), args[0]);
                            });
    Value probs = mapTile(
        rewriter, loc, tileType, {adaptor.getScores(), safeMax},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = arith::MulFOp::create(b, l, args[0], f32Constant(b, l, scale));
          return math::ExpOp::create(b, l, arith::SubFOp::create(b, l, x, args[1]));
        });
    Value correction = mapTile(
        rewriter, loc, rowType, {adaptor.getRowMax(), safeMax},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return math::ExpOp::create(b, l,
                                     arith::SubFOp::create(b, l, args[0], args[1]));
        });
    Value scaledSum = mapTile(rewriter, loc, rowType,
                              {adaptor.getRowSum(), correction},
                              [&](OpBuilder &b, Location l, ValueRange args) {
                                return arith::MulFOp::create(b, l, args[0],
                                                             args[1]);
                              });
    Value newSum = reduceRows(rewriter, loc, {probs}, scaledSum,
                              [&](OpBuilder &b, Location l, ValueRange args) {
                                return arith::AddFOp::create(b, l, args[1],
                                                             args[0]);
                              });
    rewriter.replaceOp(op, {probs, newMax, newSum, correction});
    return success();
  }
};

struct ScaleRowsLowering : public OpConversionPattern<ScaleRowsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScaleRowsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, mapTile(rewriter, op.getLoc(), op.getType(),
                    {adaptor.getTile(), adaptor.getFactors()},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return arith::MulFOp::create(b, l, args[0], args[1]);
                    }));
    return success();
  }
};

struct FinalizeLowering : public OpConversionPattern<FinalizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FinalizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType outType = op.getOut().getType();
    auto isEmptyRow = [](OpBuilder &b, Location l, Value sum) {
      return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, sum,
                                   f32Constant(b, l, 0.0));
    };
    Value out = mapTile(
        rewriter, loc, outType, {adaptor.getAcc(), adaptor.getRowSum()},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value normalised = arith::SelectOp::create(
              b, l, isEmptyRow(b, l, args[1]), f32Constant(b, l, 0.0),
              arith::DivFOp::create(b, l, args[0], args[1]));
          if (outType.getElementType().isF32())
            return normalised;
          return arith::TruncFOp::create(b, l, outType.getElementType(),
                                         normalised);
        });
    Value lse = mapTile(
        rewriter, loc, op.getLse().getType(),
        {adaptor.getRowMax(), adaptor.getRowSum()},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value value = arith::AddFOp::create(b, l, args[0],
                                              math::LogOp::create(b, l, args[1]));
          return arith::SelectOp::create(b, l, isEmptyRow(b, l, args[1]),
                                         f32Constant(b, l, kInfinity), value);
        });
    rewriter.replaceOp(op, {out, lse});
    return success();
  }
};

struct RowDotLowering : public OpConversionPattern<RowDotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RowDotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value zeros = mapTile(rewriter, loc, op.getType(), {},
                          [](OpBuilder &b, Location l, ValueRange) {
                            return f32Constant(b, l, 0.0);
                          });
    rewriter.replaceOp(
        op, reduceRows(rewriter, loc, {adaptor.getA(), adaptor.getB()}, zeros,
                       [](OpBuilder &b, Location l, ValueRange args) {
                         Value product = arith::MulFOp::create(
                             b, l, toF32(b, l, args[0]), toF32(b, l, args[1]));
                         return arith::AddFOp::create(b, l, args[2], product);
                       }));
    return success();
  }
};

struct SoftmaxRecomputeLowering
    : public OpConversionPattern<SoftmaxRecomputeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxRecomputeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double scale = op.getScale().convertToDouble();
    rewriter.replaceOp(
        op, mapTile(rewriter, op.getLoc(), op.getType(),
                    {adaptor.getScores(), adaptor.getLse()},
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      Value x = arith::MulFOp::create(b, l, args[0],
                                                      f32Constant(b, l, scale));
                      return math::ExpOp::create(
                          b, l, arith::SubFOp::create(b, l, x, args[1]));
                    },
                    op.getTransposed()));
    return success();
  }
};

struct SoftmaxGradLowering : public OpConversionPattern<SoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, mapTile(rewriter, op.getLoc(), op.getType(),
                    {adaptor.getProbs(), adaptor.getGradProbs(),
                     adaptor.getDelta()},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return arith::MulFOp::create(
                          b, l, args[0],
                          arith::SubFOp::create(b, l, args[1], args[2]));
                    },
                    op.getTransposed()));
    return success();
  }
};

} // namespace

void mlir::flash::populateSoftmaxToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MaskLowering, OnlineSoftmaxLowering, ScaleRowsLowering,
               FinalizeLowering, RowDotLowering, SoftmaxRecomputeLowering,
               SoftmaxGradLowering>(patterns.getContext());
}
