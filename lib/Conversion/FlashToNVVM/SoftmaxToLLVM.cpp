//===- SoftmaxToLLVM.cpp - Masks, softmax steps and row statistics ----------===//
//
// On mma tiles each thread holds pieces of two rows per 16-row block; a row
// statistic is reduced over the thread's own elements and then over the
// four lanes of its group with butterfly shuffles. The softmax scale is
// folded into exp2: exp(s * scale - m) = 2^(s * scale * log2(e) - m * log2(e)),
// the exponent one fused multiply-add an element (the NVPTX backend rounds
// a separate product and difference explicitly, which ptxas never fuses).
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/DenseMap.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

constexpr double kLog2E = 1.4426950408889634;
constexpr double kLn2 = 0.6931471805599453;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Which rows-layout slot holds the row of mma slot `slot`.
int64_t rowSlotOf(RankedTensorType tile, int64_t slot) {
  int64_t perBlock = tile.getDimSize(1) / 8 * 4; // slots per 16-row block
  return (slot / perBlock) * 2 + (slot % 4) / 2;
}

/// Which columns-layout slot holds the column of mma slot `slot`: slot
/// (i * N / 8 + j) * 4 + k holds column 8 j + k % 2 (plus 2 tig), the
/// columns layout's slot 2 j + k % 2.
int64_t columnSlotOf(RankedTensorType tile, int64_t slot) {
  return (slot / 4) % (tile.getDimSize(1) / 8) * 2 + slot % 2;
}

/// The statistics slot of mma slot `slot`: its row's, or its column's.
int64_t statisticSlotOf(RankedTensorType tile, int64_t slot, bool perColumn) {
  return perColumn ? columnSlotOf(tile, slot) : rowSlotOf(tile, slot);
}

/// The statistics a lowering combines with its tile's slots. Per-column
/// statistics converted from a shared vector (the transposed backward's
/// lse and D) are read from shared memory where first used, when nothing
/// may overwrite the vector before (markReadsAtUses): a thread needs N/4
/// of an N-column tile's (32 at 128 queries), which, read all at once at
/// the conversion, stay live in registers through the exponentials beside
/// the tile and the products in flight. The conversion's own reads are
/// then dead.
class Statistics {
public:
  Statistics(ConversionPatternRewriter &rewriter, Location loc, Value original,
             Value converted, const TypeConverter &converter) {
    columns = cast<RankedTensorType>(original.getType());
    auto conversion = original.getDefiningOp<ConvertLayoutOp>();
    RankedTensorType source =
        conversion ? conversion.getSource().getType() : RankedTensorType();
    if (source && conversion->hasAttr(kReadAtUsesAttrName) &&
        isa_and_nonnull<ColumnsEncodingAttr>(columns.getEncoding())) {
      FailureOr<ThreadTile> tile =
          threadTile(rewriter, loc, columns, threadIds(rewriter, loc));
      if (succeeded(tile)) {
        buffer = rewriter.getRemappedValue(conversion.getSource());
        thread = *tile;
        addressing = SharedTileAddressing::of(source);
        element = converter.convertType(columns.getElementType());
        read.resize(tile->mapping.slots.size());
        return;
      }
    }
    values = unpack(rewriter, loc, converted);
  }
  Value operator()(OpBuilder &b, Location loc, int64_t slot) {
    if (!buffer)
      return values[slot];
    if (!read[slot])
      read[slot] = readSharedSlot(b, loc, thread, columns, slot, buffer,
                                  addressing, element);
    return read[slot];
  }

private:
  SmallVector<Value> values, read;
  RankedTensorType columns;
  Value buffer;
  ThreadTile thread;
  SharedTileAddressing addressing;
  Type element;
};

/// These lowerings take mma tiles whose shape has a thread mapping (so that
/// threadTile, called once IR is being built, cannot fail).
LogicalResult checkMma(Operation *op, RankedTensorType tile,
                       ConversionPatternRewriter &rewriter) {
  if (!isa_and_nonnull<MmaEncodingAttr>(tile.getEncoding()) ||
      failed(getThreadMapping(tile)))
    return rewriter.notifyMatchFailure(op, "needs an mma tile with a thread mapping");
  return success();
}

/// Reduces the slots of each row, then across the group.
SmallVector<Value> reduceRows(OpBuilder &b, Location loc, RankedTensorType tile,
                              ArrayRef<Value> values, Value init,
                              llvm::function_ref<Value(Value, Value)> combine) {
  int64_t rows = tile.getDimSize(0) /
                 cast<MmaEncodingAttr>(tile.getEncoding()).getWarps() / 16 * 2;
  SmallVector<Value> partial(rows, init);
  for (auto [slot, value] : llvm::enumerate(values)) {
    int64_t row = rowSlotOf(tile, slot);
    partial[row] = combine(partial[row], value);
  }
  for (Value &p : partial)
    p = groupReduce(b, loc, p, combine);
  return partial;
}

Value maxF(OpBuilder &b, Location loc, Value x, Value y) {
  return LLVM::MaxNumOp::create(b, loc, x, y);
}
Value addF(OpBuilder &b, Location loc, Value x, Value y) {
  return LLVM::FAddOp::create(b, loc, x, y);
}
Value mulF(OpBuilder &b, Location loc, Value x, Value y) {
  return LLVM::FMulOp::create(b, loc, x, y);
}
Value subF(OpBuilder &b, Location loc, Value x, Value y) {
  return LLVM::FSubOp::create(b, loc, x, y);
}
Value negF(OpBuilder &b, Location loc, Value x) {
  return LLVM::FNegOp::create(b, loc, x);
}
/// x * y + z, rounded once.
Value fmaF(OpBuilder &b, Location loc, Value x, Value y, Value z) {
  return LLVM::FMAOp::create(b, loc, x, y, z);
}
Value fcmpEq(OpBuilder &b, Location loc, Value x, double constant) {
  return LLVM::FCmpOp::create(b, loc, LLVM::FCmpPredicate::oeq, x,
                              f32Const(b, loc, constant));
}
Value toF32(OpBuilder &b, Location loc, Value x) {
  return x.getType().isF32() ? x
                             : Value(LLVM::FPExtOp::create(b, loc, b.getF32Type(), x));
}

/// Whether query `query` and key `key` lie inside the sequences and
/// (causal) `key` is visible from query row `diagonalRow`.
Value isVisible(OpBuilder &b, Location loc, MaskOp op, MaskOp::Adaptor adaptor,
                Value query, Value key, Value diagonalRow, Value diagonal) {
  auto compare = [&](Value x, Value y, LLVM::ICmpPredicate p) -> Value {
    return LLVM::ICmpOp::create(b, loc, p, x, y);
  };
  Value queryIn =
      compare(query, adaptor.getSeqlenQ(), LLVM::ICmpPredicate::slt);
  Value keyIn = compare(key, adaptor.getSeqlenK(), LLVM::ICmpPredicate::slt);
  Value keep = LLVM::AndOp::create(b, loc, queryIn, keyIn);
  if (op.getCausal())
    keep = LLVM::AndOp::create(
        b, loc, keep,
        compare(key, LLVM::AddOp::create(b, loc, diagonalRow, diagonal),
                LLVM::ICmpPredicate::sle));
  return keep;
}

/// Masks `values` (the thread's slots of a score tile) by their rows:
/// each of the thread's query rows (a few) gets the last key it keeps, as
/// an offset from the thread's first key, clamped to the tile and cut to
/// 32 bits; a slot's keep is then one compare of its constant key offset
/// with its row's, and one select: not 64-bit sums and compares a score
/// (performance.md, step 37).
void maskByRowLimits(OpBuilder &b, Location loc, MaskOp op,
                     MaskOp::Adaptor adaptor, const ThreadTile &tile,
                     Value diagonal, SmallVectorImpl<Value> &values) {
  const ThreadMapping &mapping = tile.mapping;
  int64_t maxKeyOffset = 0;
  for (const ThreadMapping::Slot &slot : mapping.slots)
    maxKeyOffset = std::max(maxKeyOffset, slot.col);
  Value firstKey = LLVM::AddOp::create(b, loc, adaptor.getCol(), tile.baseCol);
  Value firstQuery =
      LLVM::AddOp::create(b, loc, adaptor.getRow(), tile.baseRow);
  Value lastInside =
      LLVM::SubOp::create(b, loc, adaptor.getSeqlenK(), i64Const(b, loc, 1));
  Value none = i64Const(b, loc, -1);
  Value negInf = f32Const(b, loc, -kInfinity);
  llvm::DenseMap<int64_t, Value> limits; // by the row's offset
  auto limitOf = [&](int64_t rowOffset) -> Value {
    Value &limit = limits[rowOffset];
    if (limit)
      return limit;
    Value query =
        LLVM::AddOp::create(b, loc, firstQuery, i64Const(b, loc, rowOffset));
    Value last = lastInside;
    if (op.getCausal())
      last = LLVM::SMinOp::create(b, loc, last,
                                  LLVM::AddOp::create(b, loc, query, diagonal));
    Value relative = LLVM::SubOp::create(b, loc, last, firstKey);
    // A row past the sequence keeps none.
    Value queryIn = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt,
                                         query, adaptor.getSeqlenQ());
    relative = LLVM::SelectOp::create(b, loc, queryIn, relative, none);
    Value capped =
        LLVM::SMinOp::create(b, loc, relative, i64Const(b, loc, maxKeyOffset));
    limit = LLVM::TruncOp::create(b, loc, b.getI32Type(),
                                  LLVM::SMaxOp::create(b, loc, capped, none));
    return limit;
  };
  for (auto [slot, value] : llvm::zip_equal(mapping.slots, values)) {
    Value keep = LLVM::ICmpOp::create(
        b, loc, LLVM::ICmpPredicate::sle,
        i32Const(b, loc, static_cast<int32_t>(slot.col)), limitOf(slot.row));
    value = LLVM::SelectOp::create(b, loc, keep, value, negInf);
  }
}

/// Masks `values` slot by slot, each with its query and key in 64 bits:
/// for transposed tiles (Sᵀ), where a thread holds many queries (its
/// columns) and few keys, per-query limits as above cost the dK/dV
/// kernels registers and ptxas more spills (1-2% slower, step 37).
void maskBySlot(OpBuilder &b, Location loc, MaskOp op, MaskOp::Adaptor adaptor,
                const ThreadTile &tile, Value diagonal,
                SmallVectorImpl<Value> &values) {
  bool transposed = op.getTransposed();
  Value negInf = f32Const(b, loc, -kInfinity);
  for (unsigned slot = 0; slot < values.size(); ++slot) {
    Value r = LLVM::AddOp::create(b, loc, adaptor.getRow(),
                                  tile.query(b, loc, slot, transposed));
    Value c = LLVM::AddOp::create(b, loc, adaptor.getCol(),
                                  tile.key(b, loc, slot, transposed));
    values[slot] = LLVM::SelectOp::create(
        b, loc, isVisible(b, loc, op, adaptor, r, c, r, diagonal), values[slot],
        negInf);
  }
}

/// Scores outside the sequences, or (causal) above the diagonal, become
/// -inf. A block wholly inside and below (most of a causal dK/dV kernel's
/// blocks, every block but the last of a sequence) branches around the
/// per-element compares and selects: one loop over the blocks, unlike the
/// forward's split into unmasked and masked loops, which in the backward's
/// consumers cost registers that ptxas then spilled (performance.md, step
/// 29).
struct MaskLowering : public ConvertOpToLLVMPattern<MaskOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(MaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    if (failed(checkMma(op, type, rewriter)))
      return failure();
    bool transposed = op.getTransposed();
    Value diagonal = LLVM::SubOp::create(rewriter, loc, adaptor.getSeqlenK(),
                                         adaptor.getSeqlenQ());
    // The block's last query row and key column (the tile's extents along
    // them): the whole block is visible when they are and (causal) its
    // first row sees its last column.
    auto plus = [&](Value x, int64_t extent) -> Value {
      return LLVM::AddOp::create(rewriter, loc, x,
                                 i64Const(rewriter, loc, extent - 1));
    };
    Value lastRow = plus(adaptor.getRow(), type.getDimSize(transposed ? 1 : 0));
    Value lastCol = plus(adaptor.getCol(), type.getDimSize(transposed ? 0 : 1));
    Value whole = isVisible(rewriter, loc, op, adaptor, lastRow, lastCol,
                            adaptor.getRow(), diagonal);
    Type packed = getTypeConverter()->convertType(type);
    auto branch = scf::IfOp::create(rewriter, loc, TypeRange{packed}, whole,
                                    /*withElseRegion=*/true);
    OpBuilder kept = OpBuilder::atBlockBegin(branch.thenBlock());
    scf::YieldOp::create(kept, loc, adaptor.getScores());

    OpBuilder b = OpBuilder::atBlockBegin(branch.elseBlock());
    ThreadIds ids = threadIds(b, loc);
    FailureOr<ThreadTile> tile = threadTile(b, loc, type, ids);
    SmallVector<Value> values = unpack(b, loc, adaptor.getScores());
    if (transposed)
      maskBySlot(b, loc, op, adaptor, *tile, diagonal, values);
    else
      maskByRowLimits(b, loc, op, adaptor, *tile, diagonal, values);
    scf::YieldOp::create(b, loc, pack(b, loc, packed, values));
    rewriter.replaceOp(op, branch.getResult(0));
    return success();
  }
};

struct OnlineSoftmaxLowering : public ConvertOpToLLVMPattern<OnlineSoftmaxOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(OnlineSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getScores().getType();
    if (failed(checkMma(op, type, rewriter)))
      return failure();
    double scale = op.getScale().convertToDouble();
    Value scaleLog2 = f32Const(rewriter, loc, scale * kLog2E);
    Value log2e = f32Const(rewriter, loc, kLog2E);
    SmallVector<Value> s = unpack(rewriter, loc, adaptor.getScores());
    SmallVector<Value> m = unpack(rewriter, loc, adaptor.getRowMax());
    SmallVector<Value> l = unpack(rewriter, loc, adaptor.getRowSum());

    // m_new = max(m, rowmax(scale * s)): the max of s scaled (scale > 0).
    SmallVector<Value> rawMax = reduceRows(
        rewriter, loc, type, s, f32Const(rewriter, loc, -kInfinity),
        [&](Value x, Value y) { return maxF(rewriter, loc, x, y); });
    SmallVector<Value> newMax, negShift, correction, newSum;
    for (size_t r = 0; r < m.size(); ++r) {
      newMax.push_back(maxF(rewriter, loc, m[r],
                            mulF(rewriter, loc, rawMax[r],
                                 f32Const(rewriter, loc, scale))));
      // Rows with only masked scores subtract 0, not -inf (no NaN).
      Value safe = LLVM::SelectOp::create(rewriter, loc,
                                          fcmpEq(rewriter, loc, newMax[r], -kInfinity),
                                          f32Const(rewriter, loc, 0.0), newMax[r]);
      negShift.push_back(negF(rewriter, loc, mulF(rewriter, loc, safe, log2e)));
      correction.push_back(
          exp2(rewriter, loc, fmaF(rewriter, loc, m[r], log2e, negShift[r])));
    }
    SmallVector<Value> p;
    for (auto [slot, value] : llvm::enumerate(s))
      p.push_back(exp2(rewriter, loc,
                       fmaF(rewriter, loc, value, scaleLog2,
                            negShift[rowSlotOf(type, slot)])));
    SmallVector<Value> sum = reduceRows(
        rewriter, loc, type, p, f32Const(rewriter, loc, 0.0),
        [&](Value x, Value y) { return addF(rewriter, loc, x, y); });
    for (size_t r = 0; r < m.size(); ++r)
      newSum.push_back(addF(rewriter, loc, mulF(rewriter, loc, correction[r], l[r]),
                            sum[r]));
    Type tileType = getTypeConverter()->convertType(type);
    Type rowType = getTypeConverter()->convertType(op.getRowMax().getType());
    rewriter.replaceOp(op, {pack(rewriter, loc, tileType, p),
                            pack(rewriter, loc, rowType, newMax),
                            pack(rewriter, loc, rowType, newSum),
                            pack(rewriter, loc, rowType, correction)});
    return success();
  }
};

/// tile[slot] = fn(tile[slot], stats[row of slot]) (with `perColumn`,
/// stats[column of slot]). The verifiers have the statistics in the mma
/// tile's rows (columns) layout.
template <typename OpTy>
LogicalResult mapWithStatistics(OpTy op, RankedTensorType type,
                                Value tileValue, Value originalStats,
                                Value statsValue,
                                const TypeConverter *converter,
                                ConversionPatternRewriter &rewriter,
                                llvm::function_ref<Value(Value, Value)> fn,
                                bool perColumn = false) {
  if (failed(checkMma(op, type, rewriter)))
    return failure();
  Location loc = op.getLoc();
  SmallVector<Value> values = unpack(rewriter, loc, tileValue);
  Statistics stats(rewriter, loc, originalStats, statsValue, *converter);
  for (auto [slot, value] : llvm::enumerate(values))
    value = fn(value, stats(rewriter, loc, statisticSlotOf(type, slot, perColumn)));
  rewriter.replaceOp(op, pack(rewriter, loc, converter->convertType(type), values));
  return success();
}

struct ScaleRowsLowering : public ConvertOpToLLVMPattern<ScaleRowsOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(ScaleRowsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    return mapWithStatistics(op, op.getType(), adaptor.getTile(),
                             op.getFactors(), adaptor.getFactors(),
                             getTypeConverter(), rewriter,
                             [&](Value x, Value f) {
                               return mulF(rewriter, loc, x, f);
                             });
  }
};

struct SoftmaxRecomputeLowering
    : public ConvertOpToLLVMPattern<SoftmaxRecomputeOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(SoftmaxRecomputeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value scaleLog2 = f32Const(rewriter, loc, op.getScale().convertToDouble() * kLog2E);
    Value log2e = f32Const(rewriter, loc, kLog2E);
    return mapWithStatistics(
        op, op.getType(), adaptor.getScores(), op.getLse(), adaptor.getLse(),
        getTypeConverter(), rewriter,
        [&](Value s, Value lse) {
          Value negShift = negF(rewriter, loc, mulF(rewriter, loc, lse, log2e));
          return exp2(rewriter, loc, fmaF(rewriter, loc, s, scaleLog2, negShift));
        },
        op.getTransposed());
  }
};

struct SoftmaxGradLowering : public ConvertOpToLLVMPattern<SoftmaxGradOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    bool perColumn = op.getTransposed();
    if (failed(checkMma(op, type, rewriter)))
      return failure();
    SmallVector<Value> p = unpack(rewriter, loc, adaptor.getProbs());
    SmallVector<Value> dp = unpack(rewriter, loc, adaptor.getGradProbs());
    Statistics delta(rewriter, loc, op.getDelta(), adaptor.getDelta(),
                     *getTypeConverter());
    for (size_t slot = 0; slot < p.size(); ++slot)
      p[slot] = mulF(rewriter, loc, p[slot],
                     subF(rewriter, loc, dp[slot],
                          delta(rewriter, loc,
                                statisticSlotOf(type, slot, perColumn))));
    rewriter.replaceOp(op, pack(rewriter, loc, getTypeConverter()->convertType(type), p));
    return success();
  }
};

struct FinalizeLowering : public ConvertOpToLLVMPattern<FinalizeOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(FinalizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType accType = op.getAcc().getType();
    if (failed(checkMma(op, accType, rewriter)))
      return failure();
    Type outElement = getTypeConverter()->convertType(op.getOut().getType().getElementType());
    SmallVector<Value> acc = unpack(rewriter, loc, adaptor.getAcc());
    SmallVector<Value> m = unpack(rewriter, loc, adaptor.getRowMax());
    SmallVector<Value> l = unpack(rewriter, loc, adaptor.getRowSum());
    SmallVector<Value> inverse, lse;
    for (size_t r = 0; r < l.size(); ++r) {
      Value empty = fcmpEq(rewriter, loc, l[r], 0.0);
      inverse.push_back(LLVM::SelectOp::create(
          rewriter, loc, empty, f32Const(rewriter, loc, 0.0),
          LLVM::FDivOp::create(rewriter, loc, f32Const(rewriter, loc, 1.0), l[r])));
      Value value = addF(rewriter, loc, m[r],
                         mulF(rewriter, loc, log2(rewriter, loc, l[r]),
                              f32Const(rewriter, loc, kLn2)));
      lse.push_back(LLVM::SelectOp::create(rewriter, loc, empty,
                                           f32Const(rewriter, loc, kInfinity), value));
    }
    SmallVector<Value> out;
    for (auto [slot, value] : llvm::enumerate(acc)) {
      Value normalised = mulF(rewriter, loc, value, inverse[rowSlotOf(accType, slot)]);
      out.push_back(outElement.isF32()
                        ? normalised
                        : Value(LLVM::FPTruncOp::create(rewriter, loc, outElement,
                                                        normalised)));
    }
    Type rowType = getTypeConverter()->convertType(op.getLse().getType());
    rewriter.replaceOp(
        op, {pack(rewriter, loc, getTypeConverter()->convertType(op.getOut().getType()), out),
             pack(rewriter, loc, rowType, lse)});
    return success();
  }
};

struct RowDotLowering : public ConvertOpToLLVMPattern<RowDotOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(RowDotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getA().getType();
    if (failed(checkMma(op, type, rewriter)))
      return failure();
    SmallVector<Value> a = unpack(rewriter, loc, adaptor.getA());
    SmallVector<Value> b = unpack(rewriter, loc, adaptor.getB());
    SmallVector<Value> products;
    for (size_t slot = 0; slot < a.size(); ++slot)
      products.push_back(mulF(rewriter, loc, toF32(rewriter, loc, a[slot]),
                              toF32(rewriter, loc, b[slot])));
    SmallVector<Value> sums = reduceRows(
        rewriter, loc, type, products, f32Const(rewriter, loc, 0.0),
        [&](Value x, Value y) { return addF(rewriter, loc, x, y); });
    rewriter.replaceOp(op, pack(rewriter, loc,
                                getTypeConverter()->convertType(op.getType()), sums));
    return success();
  }
};

} // namespace

void mlir::flash::nvvm::populateSoftmaxPatterns(TileTypeConverter &converter,
                                                RewritePatternSet &patterns) {
  patterns.add<MaskLowering, OnlineSoftmaxLowering, ScaleRowsLowering,
               SoftmaxRecomputeLowering, SoftmaxGradLowering, FinalizeLowering,
               RowDotLowering>(converter);
}
