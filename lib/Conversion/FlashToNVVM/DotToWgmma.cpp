//===- DotToWgmma.cpp - flash.dot as Hopper's wgmma.mma_async --------------===//
//
// The sm_90a tensor-core path: each warpgroup (4 warps, 64 accumulator
// rows) issues one wgmma.mma_async.m64nNk16 per 16-deep k step. `a` comes
// from registers (the fragments mma.sync takes, so P needs no change) or
// from a 128-byte-swizzled shared tile (K-major, as Q, or M-major when the
// tile holds aᵀ, as Pᵀ and dSᵀ in the backward); `b` is read by the tensor cores
// from a swizzled shared tile through a matrix descriptor: K-major for Q·Kᵀ
// (the tile holds bᵀ), N-major for P·V. The accumulator layout of m64nN is
// the mma layout with 16 rows a warp, register for register. Products that
// do not fit (other layouts or shapes) are left to mma.sync.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"
#include "SoftmaxOverlap.h"
#include "WarpgroupTurns.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// Bits of a wgmma matrix descriptor (PTX ISA, "Matrix Descriptor Format"):
/// start address, leading and stride byte offsets (all >> 4), and the
/// swizzle mode in bits 62-63 (1: 128 bytes).
constexpr int64_t kSwizzle128 = int64_t(1) << 62;

int64_t encodeOffset(int64_t bytes) { return (bytes >> 4) & 0x3FFF; }

/// Where one k step of an operand starts in its swizzled tile, and the
/// descriptor's strides. A tile whose columns are the k dimension is
/// K-major: the start moves 32 bytes a step inside a 64-column block; the
/// 8-row groups are 1024 bytes apart (SBO) and LBO is unused. A tile whose
/// rows are the k dimension is MN-major: the start moves 16 rows (2048
/// bytes) a step; 8-row groups are 1024 bytes apart (SBO) and 64-column
/// blocks a whole block apart (LBO).
struct OperandSteps {
  bool kMajor;
  int64_t tileRows;
  int64_t start(int64_t kk) const {
    if (!kMajor)
      return 16 * kk * 128;
    int64_t column = 16 * kk;
    return column / 64 * tileRows * 128 + column % 64 * 2;
  }
  int64_t bits() const {
    int64_t leading = kMajor ? 16 : tileRows * 128;
    return (encodeOffset(leading) << 16) | (encodeOffset(1024) << 32) |
           kSwizzle128;
  }
};

/// Volatile inline PTX that reads `inputs` (`inputConstraints`) and reads
/// and writes `registers` (f32) in place: its outputs "=f" $0.. are tied to
/// the operands after the inputs. The form of wgmma (accumulators updated
/// in place) and of the register fence after a wait.
SmallVector<Value> asmOnF32Registers(OpBuilder &b, Location loc,
                                     StringRef text, StringRef inputConstraints,
                                     ValueRange inputs, ValueRange registers) {
  std::string constraints;
  for (size_t i = 0; i < registers.size(); ++i)
    constraints += "=f,";
  constraints += inputConstraints;
  for (size_t i = 0; i < registers.size(); ++i)
    constraints += (i || !inputConstraints.empty() ? "," : "") + std::to_string(i);
  SmallVector<Value> operands(inputs);
  operands.append(registers.begin(), registers.end());
  auto resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(registers.size(), b.getF32Type()));
  auto inlineAsm = inlinePtx(b, loc, resultType, operands, text, constraints);
  return unpack(b, loc, inlineAsm.getRes());
}

bool isSwizzledShared(RankedTensorType type) {
  auto shared = dyn_cast_or_null<SharedEncodingAttr>(type.getEncoding());
  return shared && shared.isSwizzled();
}

class DotToWgmma : public ConvertOpToLLVMPattern<DotOp> {
public:
  DotToWgmma(TileTypeConverter &converter)
      : ConvertOpToLLVMPattern(converter, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(DotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType aType = op.getA().getType(), bType = op.getB().getType(),
                     accType = op.getAcc().getType();
    auto mma = dyn_cast_or_null<MmaEncodingAttr>(accType.getEncoding());
    auto aOperand = dyn_cast_or_null<OperandEncodingAttr>(aType.getEncoding());
    bool aInRegisters = aOperand && aOperand.getOperandIndex() == 0 &&
                        !aOperand.getTransposed() && !op.getTransposeA();
    Type element = aType.getElementType();
    if (!mma || !(aInRegisters || isSwizzledShared(aType)) ||
        !isSwizzledShared(bType) || !(element.isBF16() || element.isF16()))
      return rewriter.notifyMatchFailure(
          op, "wgmma takes `a` from registers or a swizzled shared tile and "
              "`b` from a swizzled shared tile");
    int64_t m = accType.getDimSize(0), n = accType.getDimSize(1);
    int64_t k = aType.getDimSize(op.getTransposeA() ? 0 : 1);
    if (!isWarpgroupProduct(m, n, k, mma.getWarps()))
      return rewriter.notifyMatchFailure(
          op, "wgmma needs 16 rows a warp, whole warpgroups and N <= 256");

    Location loc = op.getLoc();
    waitForSharedTiles(rewriter, loc, op, /*asyncProxy=*/true);
    // A product onto zeros (S = Q·Kᵀ) starts with scale-d 0 from registers
    // left undefined: else each thread sets its accumulators to zero first,
    // one mov each, on every key block.
    bool ontoZeros = matchPattern(op.getAcc(), m_PosZeroFloat());
    SmallVector<Value> acc = unpack(rewriter, loc, adaptor.getAcc());
    if (ontoZeros)
      acc.assign(acc.size(),
                 LLVM::UndefOp::create(rewriter, loc, rewriter.getF32Type()));
    // Q·Kᵀ: the tile holds bᵀ (N rows, K columns), K-major. P·V: it holds b
    // (K rows, N columns), N-major.
    OperandSteps bSteps{op.getTransposeB(), bType.getDimSize(0)};
    Value bBase = sharedAddressBits(rewriter, loc, adaptor.getB());
    // A shared `a` holds the warpgroup's 64 rows (K-major, the tile is a) or
    // columns (M-major, the tile is aᵀ) at an offset of its warpgroup.
    OperandSteps aSteps{!op.getTransposeA(), aType.getDimSize(0)};
    Value aBase;
    if (!aInRegisters) {
      ThreadIds ids = threadIds(rewriter, loc);
      Value warpgroup =
          LLVM::LShrOp::create(rewriter, loc, ids.warp, i64Const(rewriter, loc, 2));
      int64_t perWarpgroup =
          aSteps.kMajor ? 64 * 128 : aSteps.tileRows * 128;
      aBase = LLVM::AddOp::create(
          rewriter, loc, sharedAddressBits(rewriter, loc, adaptor.getA()),
          LLVM::MulOp::create(rewriter, loc, warpgroup,
                              i64Const(rewriter, loc, perWarpgroup)));
    }
    Type operandType = element.isBF16()
                           ? Type(rewriter.getI32Type())
                           : Type(VectorType::get({2}, rewriter.getF16Type()));
    SmallVector<Value> aValues;
    if (aInRegisters)
      aValues = unpack(rewriter, loc, adaptor.getA());

    // Ping-pong: issue on this warpgroup's turn, pass it on once committed.
    auto turn = op->getAttrOfType<IntegerAttr>(kWarpgroupTurnAttrName);
    int64_t turns = turn ? warpgroupsTakingTurns(rewriter) : 0;
    // Every step's operands are ready before the fence: a register written
    // between the fence and its wgmma makes ptxas serialize the steps.
    Value accumulate = i32Const(rewriter, loc, 1);
    Value overwrite = ontoZeros ? i32Const(rewriter, loc, 0) : accumulate;
    SmallVector<SmallVector<Value>> steps;
    for (int64_t kk = 0; kk < k / 16; ++kk) {
      SmallVector<Value> &operands = steps.emplace_back();
      if (aInRegisters) {
        for (int64_t r = 0; r < 4; ++r) {
          Value reg = packOperandPair(
              rewriter, loc,
              aValues[operandSlot(aOperand, aType.getShape(), 0, kk, r, 0)],
              aValues[operandSlot(aOperand, aType.getShape(), 0, kk, r, 1)],
              operandType);
          if (operandType != rewriter.getI32Type())
            reg = LLVM::BitcastOp::create(rewriter, loc, rewriter.getI32Type(), reg);
          operands.push_back(reg);
        }
      } else {
        operands.push_back(descriptor(rewriter, loc, aBase, aSteps, kk));
      }
      operands.push_back(descriptor(rewriter, loc, bBase, bSteps, kk));
      operands.push_back(kk == 0 ? overwrite : accumulate);
    }
    // A dot issued in the turn of the one before it takes none of its own
    // (shareTurns); one keeping its turn for the next passes none on.
    if (turns && !op->hasAttr(kTurnHeldAttrName)) {
      SmallVector<Value> operands(acc);
      for (ArrayRef<Value> step : steps)
        operands.append(step.begin(), step.end());
      takeTurn(rewriter, loc, sharedBase(rewriter, loc, op, turn.getInt()),
               operands);
    }
    NVVM::WgmmaFenceAlignedOp::create(rewriter, loc);
    for (SmallVector<Value> &operands : steps)
      acc = wgmma(rewriter, loc, n, element.isBF16(), aInRegisters,
                  /*transposeA=*/!aSteps.kMajor, /*transposeB=*/!bSteps.kMajor,
                  operands, acc);
    NVVM::WgmmaGroupSyncAlignedOp::create(rewriter, loc);
    if (turns && !op->hasAttr(kTurnKeptAttrName))
      passTurn(rewriter, loc, turns);
    // An asynchronous product is awaited by a later flash.dot_wait.
    if (!op->hasAttr(kAsyncProductAttrName))
      NVVM::WgmmaWaitGroupSyncOp::create(rewriter, loc, 0);
    rewriter.replaceOp(op, pack(rewriter, loc,
                                getTypeConverter()->convertType(accType), acc));
    return success();
  }

private:
  /// A shared tile's address as an i64 (its 32-bit shared-window address).
  static Value sharedAddressBits(OpBuilder &b, Location loc, Value pointer) {
    return LLVM::ZExtOp::create(
        b, loc, b.getI64Type(),
        LLVM::PtrToIntOp::create(b, loc, b.getI32Type(), pointer));
  }

  /// The matrix descriptor of k step `kk` of an operand starting at `base`.
  static Value descriptor(OpBuilder &b, Location loc, Value base,
                          const OperandSteps &steps, int64_t kk) {
    Value address =
        LLVM::AddOp::create(b, loc, base, i64Const(b, loc, steps.start(kk)));
    return LLVM::OrOp::create(
        b, loc,
        LLVM::AndOp::create(
            b, loc, LLVM::LShrOp::create(b, loc, address, i64Const(b, loc, 4)),
            i64Const(b, loc, 0x3FFF)),
        i64Const(b, loc, steps.bits()));
  }

  /// One wgmma.mma_async.m64nNk16. Operands: `a` (four registers, or a
  /// descriptor), `b`'s descriptor, then the scale-d flag; the accumulators
  /// are read and written in place.
  static SmallVector<Value> wgmma(OpBuilder &b, Location loc, int64_t n,
                                  bool bf16, bool aInRegisters, bool transposeA,
                                  bool transposeB, SmallVector<Value> operands,
                                  ArrayRef<Value> acc) {
    int64_t count = n / 2; // accumulators per thread
    int64_t aCount = aInRegisters ? 4 : 1;
    std::string text;
    llvm::raw_string_ostream asmText(text);
    // scale-d is a predicate: accumulate (1) into the registers' values.
    asmText << "{\n.reg .pred accumulate;\nsetp.ne.b32 accumulate, $"
            << count + aCount + 1 << ", 0;\n";
    asmText << "wgmma.mma_async.sync.aligned.m64n" << n << "k16.f32."
            << (bf16 ? "bf16.bf16" : "f16.f16") << " {";
    for (int64_t i = 0; i < count; ++i)
      asmText << (i ? ", " : "") << "$" << i;
    asmText << "}, ";
    if (aInRegisters)
      asmText << "{$" << count << ", $" << count + 1 << ", $" << count + 2
              << ", $" << count + 3 << "}";
    else
      asmText << "$" << count;
    asmText << ", $" << count + aCount << ", accumulate, 1, 1, ";
    // The register form has no trans-a.
    if (!aInRegisters)
      asmText << (transposeA ? 1 : 0) << ", ";
    asmText << (transposeB ? 1 : 0) << ";\n}";
    return asmOnF32Registers(b, loc, text,
                             aInRegisters ? "r,r,r,r,l,r" : "l,l,r", operands,
                             acc);
  }
};

/// Volatile inline PTX that ptxas cannot schedule before `values` are
/// computed, nor move a wait above: a sleep of one nanosecond predicated on
/// them (harmless when it runs). A wait has no operands of its own, so
/// without this ptxas issues it as early as the instructions around it
/// allow: measured, right after the row maxima, before the exponentials
/// meant to run beside the product (docs/performance.md, step 15).
void orderAfter(OpBuilder &b, Location loc, ValueRange values) {
  std::string text = "{\n.reg .pred p;\n";
  std::string constraints;
  for (size_t i = 0; i < values.size(); ++i) {
    text += i ? "setp.eq.or.f32 p, $" + std::to_string(i) + ", 0f00000000, p;\n"
              : "setp.eq.f32 p, $0, 0f00000000;\n";
    constraints += (i ? ",f" : "f");
  }
  text += "@p nanosleep.u32 1;\n}";
  inlinePtx(b, loc, Type(), values, text, constraints);
}

/// flash.dot_wait: wgmma.wait_group (after the `after` tile, see
/// orderAfter), then the tile's registers pass through an empty volatile
/// asm, ordered after the wait, that every later use reads (CUTLASS's
/// warpgroup_fence_operand): without it a use of an accumulator could be
/// scheduled above the wait.
class DotWaitToWgmmaWait : public ConvertOpToLLVMPattern<DotWaitOp> {
public:
  DotWaitToWgmmaWait(TileTypeConverter &converter)
      : ConvertOpToLLVMPattern(converter, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(DotWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (adaptor.getAfter())
      orderAfter(rewriter, loc, unpack(rewriter, loc, adaptor.getAfter()));
    NVVM::WgmmaWaitGroupSyncOp::create(rewriter, loc, op.getPending());
    SmallVector<Value> fenced = asmOnF32Registers(
        rewriter, loc, /*text=*/"", /*inputConstraints=*/"", ValueRange(),
        unpack(rewriter, loc, adaptor.getTile()));
    rewriter.replaceOp(
        op, pack(rewriter, loc, adaptor.getTile().getType(), fenced));
    return success();
  }
};

} // namespace

void mlir::flash::nvvm::populateWgmmaDotPatterns(TileTypeConverter &converter,
                                                 RewritePatternSet &patterns) {
  patterns.add<DotToWgmma, DotWaitToWgmmaWait>(converter);
}
