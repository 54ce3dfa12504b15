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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::cpu;

namespace {

// Random123's Philox4x32 constants.
constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
constexpr int kPhiloxRounds = 10;

Value i32Constant(OpBuilder &b, Location loc, uint32_t value) {
  return arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(value)));
}

/// The first output word of Philox4x32-10(counter, key).
Value philoxWord0(OpBuilder &b, Location loc, std::array<Value, 4> counter,
                  std::array<Value, 2> key) {
  Value m0 = i32Constant(b, loc, kPhiloxM0), m1 = i32Constant(b, loc, kPhiloxM1);
  Value w0 = i32Constant(b, loc, kPhiloxW0), w1 = i32Constant(b, loc, kPhiloxW1);
  for (int round = 0; round < kPhiloxRounds; ++round) {
    if (round > 0) {
      key[0] = arith::AddIOp::create(b, loc, key[0], w0);
      key[1] = arith::AddIOp::create(b, loc, key[1], w1);
    }
    auto p0 = arith::MulUIExtendedOp::create(b, loc, m0, counter[0]);
    auto p1 = arith::MulUIExtendedOp::create(b, loc, m1, counter[2]);
    Value x0 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, p1.getHigh(), counter[1]), key[0]);
    Value x2 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, p0.getHigh(), counter[3]), key[1]);
    counter = {x0, p1.getLow(), x2, p0.getLow()};
  }
  return counter[0];
}

struct PhiloxLowering : public OpConversionPattern<PhiloxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PhiloxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    auto lo32 = [&](Value v) { return arith::TruncIOp::create(rewriter, loc, i32, v); };
    auto hi32 = [&](Value v) {
      Value shifted = arith::ShRUIOp::create(
          rewriter, loc, v,
          arith::ConstantOp::create(rewriter, loc, rewriter.getI64IntegerAttr(32)));
      return lo32(shifted);
    };
    auto indexToI32 = [&](OpBuilder &b, Location l, Value v) -> Value {
      return arith::IndexCastUIOp::create(b, l, b.getI32Type(), v);
    };
    std::array<Value, 2> key = {lo32(adaptor.getSeed()), hi32(adaptor.getSeed())};
    Value offset = lo32(adaptor.getOffset());
    Value stream = indexToI32(rewriter, loc, adaptor.getStream());
    Value result = mapTile(
        rewriter, loc, op.getType(), {},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value row = arith::AddIOp::create(b, l, adaptor.getRow(),
                                            linalg::IndexOp::create(b, l, 0));
          Value col = arith::AddIOp::create(b, l, adaptor.getCol(),
                                            linalg::IndexOp::create(b, l, 1));
          return philoxWord0(b, l,
                             {indexToI32(b, l, col), indexToI32(b, l, row),
                              stream, offset},
                             key);
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
    // Keep when bits >= floor(p * 2^32); p < 1 keeps this below 2^32.
    auto threshold = static_cast<uint32_t>(std::floor(p * 4294967296.0));
    double keepScale = 1.0 / (1.0 - p);
    Value result = mapTile(
        rewriter, op.getLoc(), op.getType(),
        {adaptor.getProbs(), adaptor.getBits()},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value keep = arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge,
                                             args[1],
                                             i32Constant(b, l, threshold));
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
