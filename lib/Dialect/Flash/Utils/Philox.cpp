//===- Philox.cpp - Philox4x32-10 as arith ops ------------------------------===//

#include "flash/Dialect/Flash/Utils/Philox.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

namespace mlir::flash {

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
} // namespace

Value buildPhiloxWord0(OpBuilder &b, Location loc, std::array<Value, 4> counter,
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

static Value toI32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isIndex())
    return arith::IndexCastUIOp::create(b, loc, b.getI32Type(), v);
  return arith::TruncIOp::create(b, loc, b.getI32Type(), v);
}

PhiloxStream buildPhiloxStream(OpBuilder &b, Location loc, Value seed,
                               Value offset, Value stream) {
  PhiloxStream result;
  result.key0 = arith::TruncIOp::create(b, loc, b.getI32Type(), seed);
  Value shift = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32));
  result.key1 = arith::TruncIOp::create(
      b, loc, b.getI32Type(), arith::ShRUIOp::create(b, loc, seed, shift));
  result.offset = arith::TruncIOp::create(b, loc, b.getI32Type(), offset);
  result.stream = toI32(b, loc, stream);
  return result;
}

Value buildDropoutBits(OpBuilder &b, Location loc, const PhiloxStream &stream,
                       Value row, Value col) {
  return buildPhiloxWord0(
      b, loc, {toI32(b, loc, col), toI32(b, loc, row), stream.stream, stream.offset},
      {stream.key0, stream.key1});
}

uint32_t dropoutThreshold(double p) {
  // p < 1 keeps floor(p * 2^32) below 2^32.
  return static_cast<uint32_t>(std::floor(p * 4294967296.0));
}

} // namespace mlir::flash
