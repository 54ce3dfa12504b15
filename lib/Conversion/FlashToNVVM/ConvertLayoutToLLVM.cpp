//===- ConvertLayoutToLLVM.cpp - Moving tiles between layouts ---------------===//
//
// An mma tile of 16-bit elements becomes an `a` operand by renaming its
// registers (the accumulator of m16n8 blocks 2kk and 2kk+1 is the `a`
// fragment of k step kk, as FlashAttention 2 keeps P in registers). Every
// other conversion goes through shared memory: each thread writes the
// elements it holds, and after a barrier reads the ones it needs. On sm_90
// an mma tile of 16-bit elements is written with stmatrix (four 8x8
// matrices a warp an instruction: the accumulator fragments are stmatrix's
// own) rather than one 2-byte store an element. flash.transpose goes the
// same way, each thread writing its elements at transposed coordinates.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// The thread's slots of a register-layout tile read from a buffer.
Value readSlots(OpBuilder &b, Location loc, RankedTensorType to, Value buffer,
                const ThreadIds &ids, const SharedTileAddressing &addressing,
                Type element, const TypeConverter &converter) {
  FailureOr<ThreadTile> target = threadTile(b, loc, to, ids);
  SmallVector<Value> values;
  for (unsigned slot = 0; slot < target->mapping.slots.size(); ++slot)
    values.push_back(
        readSharedSlot(b, loc, *target, to, slot, buffer, addressing, element));
  return pack(b, loc, converter.convertType(to), values);
}

/// Writes the register tile `value` (of type `from`) to a buffer, at
/// transposed coordinates when `transposed`, then reads it back in `to`'s
/// register layout, or leaves it there when `to` is shared (its own
/// buffer). The buffer is `op`'s: the destination's own, or scratch.
LogicalResult throughBuffer(Operation *op, Value value, RankedTensorType from,
                            RankedTensorType to, bool transposed,
                            bool stmatrix, const ThreadIds &ids,
                            const TypeConverter &converter,
                            ConversionPatternRewriter &rewriter) {
  Location loc = op->getLoc();
  Attribute toLayout = to.getEncoding();
  auto mma = dyn_cast_or_null<MmaEncodingAttr>(from.getEncoding());
  Type element = converter.convertType(to.getElementType());
  int64_t elementBytes = to.getElementTypeBitWidth() / 8;
  int64_t cols = to.getShape().back();
  // Checked before any IR is built: a pattern that fails leaves none.
  if (failed(getThreadMapping(from)))
    return rewriter.notifyMatchFailure(op, "source has no register layout");
  bool sharedTarget = isa_and_nonnull<SharedEncodingAttr>(toLayout);
  if (!sharedTarget && failed(getThreadMapping(to)))
    return rewriter.notifyMatchFailure(op, "target has no register layout");
  FailureOr<int64_t> offset = sharedOffset(op);
  if (failed(offset))
    return failure();
  Value buffer = sharedBase(rewriter, loc, op, *offset);
  // Rank-1 tiles are stored as one row of consecutive elements.
  SharedTileAddressing addressing =
      sharedTarget ? SharedTileAddressing::of(to)
                   : SharedTileAddressing::rowMajor(
                         to.getRank() == 1 ? 1 : cols + 16 / elementBytes,
                         elementBytes);
  FailureOr<ThreadTile> source = threadTile(rewriter, loc, from, ids);
  if (failed(source)) // the source's mapping was checked above
    return failure();
  SmallVector<Value> values = unpack(rewriter, loc, value);
  // A buffer that a bulk reduction reads (asynchronously, through the
  // async proxy) is rewritten once that reduction's reads are done, and
  // its new contents are made visible to that proxy before the next.
  bool bulkReduced = llvm::any_of(op->getUsers(), isBulkReduction);
  if (bulkReduced)
    waitBulkGroups(rewriter, loc, /*reads=*/true);
  barrier(rewriter, loc); // earlier readers of the buffer are done
  if (stmatrix && !transposed && mma && elementBytes == 2 &&
      rowsPerWarp(mma, from.getDimSize(0)) % 16 == 0 && cols % 16 == 0) {
    storeMatrices(rewriter, loc, from, mma, values, ids, buffer, addressing);
  } else {
    for (unsigned slot = 0; slot < values.size(); ++slot) {
      Value row = source->row(rewriter, loc, slot);
      Value col = from.getRank() == 2 ? source->col(rewriter, loc, slot)
                                      : i64Const(rewriter, loc, 0);
      if (transposed)
        std::swap(row, col);
      Value address = sharedAddress(
          rewriter, loc, buffer, addressing.byteOffset(rewriter, loc, row, col));
      LLVM::StoreOp::create(rewriter, loc, values[slot], address);
    }
  }
  if (bulkReduced)
    fenceAsyncProxy(rewriter, loc);
  barrier(rewriter, loc); // the buffer is complete
  if (sharedTarget) {
    rewriter.replaceOp(op, buffer);
    return success();
  }
  rewriter.replaceOp(op, readSlots(rewriter, loc, to, buffer, ids, addressing,
                                   element, converter));
  return success();
}

struct ConvertLayoutLowering : public ConvertOpToLLVMPattern<ConvertLayoutOp> {
  ConvertLayoutLowering(TileTypeConverter &converter, bool stmatrix)
      : ConvertOpToLLVMPattern(converter), stmatrix(stmatrix) {}

  LogicalResult
  matchAndRewrite(ConvertLayoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType from = op.getSource().getType(),
                     to = op.getResult().getType();
    Attribute fromLayout = from.getEncoding(), toLayout = to.getEncoding();
    Type element = getTypeConverter()->convertType(to.getElementType());
    int64_t elementBytes = to.getElementTypeBitWidth() / 8;
    int64_t cols = to.getShape().back();

    if (fromLayout == toLayout) {
      rewriter.replaceOp(op, adaptor.getSource());
      return success();
    }

    // mma -> a operand: a register renaming.
    auto operand = dyn_cast_or_null<OperandEncodingAttr>(toLayout);
    auto mma = dyn_cast_or_null<MmaEncodingAttr>(fromLayout);
    if (mma && operand && operand.getOperandIndex() == 0 &&
        !operand.getTransposed() && elementBytes == 2 &&
        operand.getParent() == mma) {
      SmallVector<Value> source = unpack(rewriter, loc, adaptor.getSource());
      FailureOr<ThreadMapping> mapping = getThreadMapping(to);
      if (failed(mapping))
        return failure();
      SmallVector<Value> result(mapping->slots.size());
      int64_t repsM = mma.getWarps() ? to.getDimSize(0) / mma.getWarps() / 16 : 0;
      for (int64_t i = 0; i < repsM; ++i)
        for (int64_t kk = 0; kk < cols / 16; ++kk)
          for (int64_t r = 0; r < 4; ++r)
            for (int64_t e = 0; e < 2; ++e)
              result[operandSlot(operand, to.getShape(), i, kk, r, e)] =
                  source[mmaSlot(from.getShape(), mma, i, 2 * kk + r / 2,
                                 2 * (r % 2) + e)];
      rewriter.replaceOp(op, pack(rewriter, loc,
                                  getTypeConverter()->convertType(to), result));
      return success();
    }

    ThreadIds ids = threadIds(rewriter, loc);
    // Reading a shared tile: its own buffer.
    if (auto shared = dyn_cast_or_null<SharedEncodingAttr>(fromLayout)) {
      if (failed(getThreadMapping(to)))
        return rewriter.notifyMatchFailure(op, "target has no register layout");
      waitForSharedTiles(rewriter, loc, op);
      rewriter.replaceOp(op, readSlots(rewriter, loc, to, adaptor.getSource(), ids,
                                       SharedTileAddressing::of(from), element,
                                       *getTypeConverter()));
      return success();
    }
    return throughBuffer(op, adaptor.getSource(), from, to, /*transposed=*/false,
                         stmatrix, ids, *getTypeConverter(), rewriter);
  }

  bool stmatrix; // sm_90: mma tiles go to shared memory with stmatrix
};

/// flash.transpose of a register tile: written at transposed coordinates.
struct TransposeLowering : public ConvertOpToLLVMPattern<TransposeOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (isa_and_nonnull<SharedEncodingAttr>(op.getSource().getType().getEncoding()))
      return rewriter.notifyMatchFailure(op, "transposes read register tiles");
    ThreadIds ids = threadIds(rewriter, op.getLoc());
    return throughBuffer(op, adaptor.getSource(), op.getSource().getType(),
                         op.getType(), /*transposed=*/true, /*stmatrix=*/false,
                         ids, *getTypeConverter(), rewriter);
  }
};

} // namespace

void mlir::flash::nvvm::populateConvertLayoutPatterns(
    TileTypeConverter &converter, RewritePatternSet &patterns, bool stmatrix) {
  patterns.add<ConvertLayoutLowering>(converter, stmatrix);
  patterns.add<TransposeLowering>(converter);
}
