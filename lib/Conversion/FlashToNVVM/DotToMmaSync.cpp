//===- DotToMmaSync.cpp - flash.dot as mma.sync m16n8k16 --------------------===//
//
// The sm_80+ tensor-core path: for each 16x8 accumulator block of the
// warp and each 16-deep k step, one mma.sync.m16n8k16 with f32
// accumulation. `a` fragments come from registers (#flash.operand) or from
// shared memory with ldmatrix (.trans when the tile holds a^T); `b`
// fragments come from shared memory with ldmatrix (.trans when the tile
// is stored k-major, like V in P V).
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "SoftmaxOverlap.h"
#include "Utility.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

struct Fragments {
  // a[i][kk] (4 registers) and b[kk][j] (2 registers), as mma.sync takes them.
  SmallVector<SmallVector<SmallVector<Value>>> a, b;
};

class DotLowering : public ConvertOpToLLVMPattern<DotOp> {
public:
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(DotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType aType = op.getA().getType(),
                     accType = op.getAcc().getType();
    auto mma = dyn_cast_or_null<MmaEncodingAttr>(accType.getEncoding());
    Type element = aType.getElementType();
    if (!mma || !(element.isBF16() || element.isF16()))
      return rewriter.notifyMatchFailure(
          op, "mma.sync m16n8k16 needs f16/bf16 operands and an mma accumulator");
    int64_t m = accType.getDimSize(0), n = accType.getDimSize(1);
    int64_t k = aType.getDimSize(op.getTransposeA() ? 0 : 1);
    int64_t rowsPerWarp = m / mma.getWarps();
    if (rowsPerWarp % 16 != 0 || n % 8 != 0 || k % 16 != 0)
      return rewriter.notifyMatchFailure(op, "shape does not tile 16x8x16");
    int64_t repsM = rowsPerWarp / 16, repsN = n / 8, stepsK = k / 16;

    waitForSharedTiles(rewriter, loc, op);
    ThreadIds ids = threadIds(rewriter, loc);
    Value warpRow = LLVM::MulOp::create(rewriter, loc, ids.warp,
                                        i64Const(rewriter, loc, rowsPerWarp));
    Type operandType = element.isBF16()
                           ? Type(rewriter.getI32Type())
                           : Type(VectorType::get({2}, rewriter.getF16Type()));

    Fragments f;
    f.a.assign(repsM, SmallVector<SmallVector<Value>>(stepsK));
    f.b.assign(stepsK, SmallVector<SmallVector<Value>>(repsN));
    for (int64_t i = 0; i < repsM; ++i)
      for (int64_t kk = 0; kk < stepsK; ++kk)
        if (failed(fragmentA(rewriter, loc, op, adaptor.getA(), ids, warpRow, i,
                             kk, operandType, f.a[i][kk])))
          return failure();
    for (int64_t kk = 0; kk < stepsK; ++kk)
      for (int64_t j = 0; j < repsN; ++j)
        if (failed(fragmentB(rewriter, loc, op, adaptor.getB(), ids, kk, j,
                             operandType, f.b[kk][j])))
          return failure();

    SmallVector<Value> acc = unpack(rewriter, loc, adaptor.getAcc());
    Type f32 = rewriter.getF32Type();
    auto resultType =
        LLVM::LLVMStructType::getLiteral(getContext(), {f32, f32, f32, f32});
    NVVM::MMATypes ptxType =
        element.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
    for (int64_t i = 0; i < repsM; ++i)
      for (int64_t j = 0; j < repsN; ++j) {
        SmallVector<Value> c;
        for (int64_t e = 0; e < 4; ++e)
          c.push_back(acc[mmaSlot(accType.getShape(), mma, i, j, e)]);
        for (int64_t kk = 0; kk < stepsK; ++kk) {
          Value d = NVVM::MmaOp::create(
              rewriter, loc, resultType, f.a[i][kk], f.b[kk][j], c,
              ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
              std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
              std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                             NVVM::MMALayout::col});
          c = unpack(rewriter, loc, d);
        }
        for (int64_t e = 0; e < 4; ++e)
          acc[mmaSlot(accType.getShape(), mma, i, j, e)] = c[e];
      }
    // An asynchronous product (sm_90a, where the others are wgmma) counts
    // among the products its neighbours' flash.dot_wait let run: it commits
    // an empty wgmma group, so that every wait_group count stays exact.
    if (op->hasAttr(kAsyncProductAttrName))
      NVVM::WgmmaGroupSyncAlignedOp::create(rewriter, loc);
    rewriter.replaceOp(op, pack(rewriter, loc,
                                getTypeConverter()->convertType(accType), acc));
    return success();
  }

private:
  /// ldmatrix of `count` 8x8 matrices; lane l passes `address(l)`.
  static SmallVector<Value> ldmatrix(OpBuilder &b, Location loc, Value address,
                                     int count, bool transpose,
                                     Type operandType) {
    Type i32 = b.getI32Type();
    Type result = count == 1 ? i32
                             : Type(LLVM::LLVMStructType::getLiteral(
                                   b.getContext(), SmallVector<Type>(count, i32)));
    Value loaded = NVVM::LdMatrixOp::create(
        b, loc, result, address, count,
        transpose ? NVVM::MMALayout::col : NVVM::MMALayout::row,
        NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
        NVVM::LdStMatrixEltType::B16);
    SmallVector<Value> regs =
        count == 1 ? SmallVector<Value>{loaded} : unpack(b, loc, loaded);
    for (Value &reg : regs)
      if (reg.getType() != operandType)
        reg = LLVM::BitcastOp::create(b, loc, operandType, reg);
    return regs;
  }

  /// Address of element (row, col) of a shared tile of type `type`.
  static Value sharedElement(OpBuilder &b, Location loc, Value base,
                             RankedTensorType type, Value row, Value col) {
    return sharedAddress(b, loc, base,
                         SharedTileAddressing::of(type).byteOffset(b, loc, row, col));
  }

  LogicalResult fragmentA(OpBuilder &b, Location loc, DotOp op, Value a,
                          const ThreadIds &ids, Value warpRow, int64_t i,
                          int64_t kk, Type operandType,
                          SmallVector<Value> &regs) const {
    RankedTensorType type = op.getA().getType();
    if (auto operand = dyn_cast_or_null<OperandEncodingAttr>(type.getEncoding())) {
      if (operand.getOperandIndex() != 0 || operand.getTransposed() != op.getTransposeA())
        return op.emitError("'a' has an operand layout for another use");
      SmallVector<Value> values = unpack(b, loc, a);
      for (int64_t r = 0; r < 4; ++r)
        regs.push_back(packOperandPair(
            b, loc, values[operandSlot(operand, type.getShape(), i, kk, r, 0)],
            values[operandSlot(operand, type.getShape(), i, kk, r, 1)],
            operandType));
      return success();
    }
    if (!isa_and_nonnull<SharedEncodingAttr>(type.getEncoding()))
      return op.emitError("'a' must be in operand fragments or shared memory");
    Value lane = ids.lane;
    Value row, col;
    if (!op.getTransposeA()) {
      // Lanes 0-15 give rows 0-15 at k 0, lanes 16-31 the same rows at k 8.
      row = LLVM::AddOp::create(
          b, loc, warpRow,
          LLVM::AddOp::create(b, loc, i64Const(b, loc, 16 * i),
                              LLVM::AndOp::create(b, loc, lane, i64Const(b, loc, 15))));
      col = LLVM::AddOp::create(
          b, loc, i64Const(b, loc, 16 * kk),
          LLVM::MulOp::create(b, loc,
                              LLVM::LShrOp::create(b, loc, lane, i64Const(b, loc, 4)),
                              i64Const(b, loc, 8)));
    } else {
      // The tile is a^T (k rows, m columns): matrix q = lane / 8 covers
      // k rows 8 (q / 2) and m columns 8 (q % 2) of the 16x16 block.
      Value q = LLVM::LShrOp::create(b, loc, lane, i64Const(b, loc, 3));
      Value r = LLVM::AndOp::create(b, loc, lane, i64Const(b, loc, 7));
      row = LLVM::AddOp::create(
          b, loc, i64Const(b, loc, 16 * kk),
          LLVM::AddOp::create(
              b, loc, r,
              LLVM::MulOp::create(b, loc,
                                  LLVM::LShrOp::create(b, loc, q, i64Const(b, loc, 1)),
                                  i64Const(b, loc, 8))));
      col = LLVM::AddOp::create(
          b, loc, warpRow,
          LLVM::AddOp::create(
              b, loc, i64Const(b, loc, 16 * i),
              LLVM::MulOp::create(b, loc,
                                  LLVM::AndOp::create(b, loc, q, i64Const(b, loc, 1)),
                                  i64Const(b, loc, 8))));
    }
    regs = ldmatrix(b, loc, sharedElement(b, loc, a, type, row, col),
                    4, op.getTransposeA(), operandType);
    return success();
  }

  LogicalResult fragmentB(OpBuilder &b, Location loc, DotOp op, Value bTile,
                          const ThreadIds &ids, int64_t kk, int64_t j,
                          Type operandType, SmallVector<Value> &regs) const {
    RankedTensorType type = op.getB().getType();
    if (auto operand = dyn_cast_or_null<OperandEncodingAttr>(type.getEncoding())) {
      if (operand.getOperandIndex() != 1 || operand.getTransposed() != op.getTransposeB())
        return op.emitError("'b' has an operand layout for another use");
      SmallVector<Value> values = unpack(b, loc, bTile);
      for (int64_t r = 0; r < 2; ++r)
        regs.push_back(packOperandPair(
            b, loc, values[operandSlot(operand, type.getShape(), kk, j, r, 0)],
            values[operandSlot(operand, type.getShape(), kk, j, r, 1)],
            operandType));
      return success();
    }
    if (!isa_and_nonnull<SharedEncodingAttr>(type.getEncoding()))
      return op.emitError("'b' must be in operand fragments or shared memory");
    // Lanes 0-7 address the first 8x8 matrix (k 0-7), lanes 8-15 the second
    // (k 8-15); the upper lanes repeat them (ldmatrix .x2 ignores them).
    Value r = LLVM::AndOp::create(b, loc, ids.lane, i64Const(b, loc, 7));
    Value half = LLVM::MulOp::create(
        b, loc,
        LLVM::AndOp::create(b, loc,
                            LLVM::LShrOp::create(b, loc, ids.lane, i64Const(b, loc, 3)),
                            i64Const(b, loc, 1)),
        i64Const(b, loc, 8));
    Value row, col;
    if (op.getTransposeB()) {
      // The tile is b^T: n rows, k columns.
      row = LLVM::AddOp::create(b, loc, i64Const(b, loc, 8 * j), r);
      col = LLVM::AddOp::create(b, loc, i64Const(b, loc, 16 * kk), half);
    } else {
      // The tile is b: k rows, n columns; transposed ldmatrix.
      row = LLVM::AddOp::create(
          b, loc, i64Const(b, loc, 16 * kk), LLVM::AddOp::create(b, loc, r, half));
      col = i64Const(b, loc, 8 * j);
    }
    regs = ldmatrix(b, loc, sharedElement(b, loc, bTile, type, row, col),
                    2, !op.getTransposeB(), operandType);
    return success();
  }
};

/// mma.sync products complete as they are issued: flash.dot_wait has
/// nothing to wait for (on sm_90a the wgmma patterns' wait takes it).
struct DotWaitForwarding : public ConvertOpToLLVMPattern<DotWaitOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(DotWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getTile());
    return success();
  }
};

} // namespace

void mlir::flash::nvvm::populateDotPatterns(TileTypeConverter &converter,
                                            RewritePatternSet &patterns) {
  patterns.add<DotLowering, DotWaitForwarding>(converter);
}
