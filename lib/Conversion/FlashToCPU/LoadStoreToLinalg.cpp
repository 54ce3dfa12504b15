//===- LoadStoreToLinalg.cpp - Masked block memory access on the CPU -------===//
//
// A masked block access touches the rows [origin, min(origin + R, bound)) of
// one axis: a subview of exactly those rows, read with to_tensor and padded
// with zeros up to the tile, or written with materialize_in_destination.
//
//===----------------------------------------------------------------------===//

#include "flash/Conversion/FlashToCPU/FlashToCPU.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::flash;

namespace {

/// The rows of a block access that lie before the bound, in [0, tileRows].
Value validRows(OpBuilder &b, Location loc, Value origin, Value bound,
                int64_t tileRows) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value rows = arith::ConstantIndexOp::create(b, loc, tileRows);
  Value left = arith::SubIOp::create(b, loc, bound, origin);
  return arith::MaxSIOp::create(b, loc, zero,
                                arith::MinSIOp::create(b, loc, left, rows));
}

/// The subview of `memref` holding the valid part of a tile: `rows` rows
/// along `along` and, for rank-2 tiles, the tile's columns of the last axis;
/// rank-reduced to the tile's rank.
Value blockView(OpBuilder &b, Location loc, Value memref, ValueRange indices,
                int64_t along, RankedTensorType tile, Value rows) {
  auto type = cast<MemRefType>(memref.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(indices.begin(), indices.end());
  SmallVector<OpFoldResult> sizes(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  sizes[along] = rows;
  SmallVector<int64_t> shape = {ShapedType::kDynamic};
  if (tile.getRank() == 2) {
    sizes[rank - 1] = b.getIndexAttr(tile.getDimSize(1));
    shape.push_back(tile.getDimSize(1));
  }
  auto viewType = memref::SubViewOp::inferRankReducedResultType(
      shape, type, offsets, sizes, strides);
  return memref::SubViewOp::create(b, loc, viewType, memref, offsets, sizes,
                                   strides);
}

struct LoadLowering : public OpConversionPattern<LoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType tile = op.getResult().getType();
    Value rows = validRows(rewriter, loc, adaptor.getIndices()[op.getAlong()],
                           adaptor.getBound(), tile.getDimSize(0));
    Value view = blockView(rewriter, loc, adaptor.getSource(),
                           adaptor.getIndices(), op.getAlong(), tile, rows);
    auto validType = RankedTensorType::get(
        cast<MemRefType>(view.getType()).getShape(), tile.getElementType());
    Value valid = bufferization::ToTensorOp::create(
        rewriter, loc, validType, view, /*restrict=*/true);
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getZeroAttr(tile.getElementType()));
    Value padded = tensor::createPadHighOp(tile, valid, zero, /*nofold=*/false,
                                           loc, rewriter);
    rewriter.replaceOp(op, padded);
    return success();
  }
};

struct StoreLowering : public OpConversionPattern<StoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType tile = op.getValue().getType();
    Value rows = validRows(rewriter, loc, adaptor.getIndices()[op.getAlong()],
                           adaptor.getBound(), tile.getDimSize(0));
    Value view = blockView(rewriter, loc, adaptor.getDest(),
                           adaptor.getIndices(), op.getAlong(), tile, rows);
    if (op.getAccumulate())
      accumulate(rewriter, loc, adaptor.getValue(), view, rows, tile);
    else
      storeValidRows(rewriter, loc, adaptor.getValue(), view, rows, tile);
    rewriter.eraseOp(op);
    return success();
  }

  static void storeValidRows(OpBuilder &b, Location loc, Value value,
                             Value view, Value rows, RankedTensorType tile) {
    SmallVector<OpFoldResult> offsets(tile.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = {rows};
    SmallVector<OpFoldResult> strides(tile.getRank(), b.getIndexAttr(1));
    if (tile.getRank() == 2)
      sizes.push_back(b.getIndexAttr(tile.getDimSize(1)));
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes, strides);
    auto materialize = bufferization::MaterializeInDestinationOp::create(
        b, loc, TypeRange{}, slice, view);
    materialize.setRestrict(true);
    materialize.setWritable(true);
  }

  /// Adds the valid rows to memory with one atomic add per element, since
  /// other programs may add to the same elements concurrently.
  static void accumulate(OpBuilder &b, Location loc, Value value, Value view,
                         Value rows, RankedTensorType tile) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    SmallVector<Value> upper = {rows};
    if (tile.getRank() == 2)
      upper.push_back(arith::ConstantIndexOp::create(b, loc, tile.getDimSize(1)));
    scf::buildLoopNest(
        b, loc, SmallVector<Value>(upper.size(), zero), upper,
        SmallVector<Value>(upper.size(), one),
        [&](OpBuilder &nested, Location nestedLoc, ValueRange ivs) {
          Value element =
              tensor::ExtractOp::create(nested, nestedLoc, value, ivs);
          memref::AtomicRMWOp::create(nested, nestedLoc,
                                      arith::AtomicRMWKind::addf, element,
                                      view, ivs);
        });
  }
};

struct SeqBoundsLowering : public OpConversionPattern<SeqBoundsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SeqBoundsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value next = arith::AddIOp::create(
        rewriter, loc, adaptor.getBatch(),
        arith::ConstantIndexOp::create(rewriter, loc, 1));
    auto read = [&](Value index) -> Value {
      Value raw = memref::LoadOp::create(rewriter, loc, adaptor.getCuSeqlens(),
                                         ValueRange{index});
      return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                        raw);
    };
    Value start = read(adaptor.getBatch());
    Value end = read(next);
    Value length = arith::SubIOp::create(rewriter, loc, end, start);
    rewriter.replaceOp(op, {start, length});
    return success();
  }
};

/// Copies are synchronous on the CPU: there is nothing to wait for.
struct WaitSharedCopiesLowering : public OpConversionPattern<WaitSharedCopiesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WaitSharedCopiesOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::flash::populateLoadStoreToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LoadLowering, StoreLowering, SeqBoundsLowering,
               WaitSharedCopiesLowering>(
      patterns.getContext());
}
