//===- DotToWgmma.cpp - flash.dot as Hopper's wgmma.mma_async --------------===//
//
// The sm_90a tensor-core path: each warpgroup (4 warps, 64 accumulator
// rows) issues one wgmma.mma_async.m64nNk16 per 16-deep k step, `a` from
// registers (the fragments mma.sync takes, so Q and P need no change) and
// `b` read by the tensor cores from a 128-byte-swizzled shared tile through
// a matrix descriptor: K-major for Q·Kᵀ (the tile holds bᵀ), N-major for
// P·V. The accumulator layout of m64nN is the mma layout with 16 rows a
// warp, register for register. Products that do not fit (operands elsewhere,
// other shapes) are left to mma.sync.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

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
    auto bShared = dyn_cast_or_null<SharedEncodingAttr>(bType.getEncoding());
    Type element = aType.getElementType();
    if (!mma || !aOperand || !bShared || !bShared.isSwizzled() ||
        op.getTransposeA() || aOperand.getTransposed() ||
        aOperand.getOperandIndex() != 0 ||
        !(element.isBF16() || element.isF16()))
      return rewriter.notifyMatchFailure(
          op, "wgmma takes `a` from registers and a swizzled shared `b`");
    int64_t m = accType.getDimSize(0), n = accType.getDimSize(1);
    int64_t k = aType.getDimSize(1);
    if (mma.getWarps() % 4 != 0 || m != 16 * mma.getWarps() || n % 8 != 0 ||
        n > 256 || k % 16 != 0)
      return rewriter.notifyMatchFailure(
          op, "wgmma needs 16 rows a warp, whole warpgroups and N <= 256");

    Location loc = op.getLoc();
    waitForSharedTiles(rewriter, loc, op, /*asyncProxy=*/true);
    Type operandType = element.isBF16()
                           ? Type(rewriter.getI32Type())
                           : Type(VectorType::get({2}, rewriter.getF16Type()));
    SmallVector<Value> aValues = unpack(rewriter, loc, adaptor.getA());
    SmallVector<Value> acc = unpack(rewriter, loc, adaptor.getAcc());
    Value base = LLVM::ZExtOp::create(
        rewriter, loc, rewriter.getI64Type(),
        LLVM::PtrToIntOp::create(rewriter, loc, rewriter.getI32Type(),
                                 adaptor.getB()));
    // Q·Kᵀ: the tile holds bᵀ (N rows, K columns), K-major. P·V: the tile
    // holds b (K rows, N columns), N-major.
    bool kMajor = op.getTransposeB();
    int64_t tileRows = bType.getDimSize(0);

    NVVM::WgmmaFenceAlignedOp::create(rewriter, loc);
    for (int64_t kk = 0; kk < k / 16; ++kk) {
      SmallVector<Value> operands;
      for (int64_t r = 0; r < 4; ++r)
        operands.push_back(packOperandPair(
            rewriter, loc,
            aValues[operandSlot(aOperand, aType.getShape(), 0, kk, r, 0)],
            aValues[operandSlot(aOperand, aType.getShape(), 0, kk, r, 1)],
            operandType));
      if (operandType != rewriter.getI32Type())
        for (Value &reg : operands)
          reg = LLVM::BitcastOp::create(rewriter, loc, rewriter.getI32Type(), reg);
      // Start of this k step in the tile, and the strides between 8x16-byte
      // groups: along the 128-byte rows (SBO: 8 rows) and between 64-column
      // blocks (LBO; unused for K-major swizzled tiles).
      int64_t start, leading, stride = 1024;
      if (kMajor) {
        int64_t column = 16 * kk;
        start = column / 64 * tileRows * 128 + column % 64 * 2;
        leading = 16;
      } else {
        start = 16 * kk * 128;
        leading = tileRows * 128;
      }
      Value address = LLVM::AddOp::create(rewriter, loc, base,
                                          i64Const(rewriter, loc, start));
      Value descriptor = LLVM::OrOp::create(
          rewriter, loc,
          LLVM::AndOp::create(
              rewriter, loc,
              LLVM::LShrOp::create(rewriter, loc, address, i64Const(rewriter, loc, 4)),
              i64Const(rewriter, loc, 0x3FFF)),
          i64Const(rewriter, loc,
                   (encodeOffset(leading) << 16) | (encodeOffset(stride) << 32) |
                       kSwizzle128));
      operands.push_back(descriptor);
      operands.push_back(i32Const(rewriter, loc, 1));
      acc = wgmma(rewriter, loc, n, element.isBF16(), kMajor, operands, acc);
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(rewriter, loc);
    NVVM::WgmmaWaitGroupSyncOp::create(rewriter, loc, 0);
    rewriter.replaceOp(op, pack(rewriter, loc,
                                getTypeConverter()->convertType(accType), acc));
    return success();
  }

private:
  /// One wgmma.mma_async.m64nNk16 with `a` in registers: operands are the
  /// four `a` registers and `b`'s descriptor; the accumulators are read and
  /// written in place.
  static SmallVector<Value> wgmma(OpBuilder &b, Location loc, int64_t n,
                                  bool bf16, bool kMajor,
                                  SmallVector<Value> operands,
                                  ArrayRef<Value> acc) {
    int64_t count = n / 2; // accumulators per thread
    std::string text;
    llvm::raw_string_ostream asmText(text);
    // scale-d is a predicate: accumulate (1) into the registers' values.
    asmText << "{\n.reg .pred accumulate;\nsetp.ne.b32 accumulate, $"
            << count + 5 << ", 0;\n";
    asmText << "wgmma.mma_async.sync.aligned.m64n" << n << "k16.f32."
            << (bf16 ? "bf16.bf16" : "f16.f16") << " {";
    for (int64_t i = 0; i < count; ++i)
      asmText << (i ? ", " : "") << "$" << i;
    asmText << "}, {$" << count << ", $" << count + 1 << ", $" << count + 2
            << ", $" << count + 3 << "}, $" << count + 4
            << ", accumulate, 1, 1, " << (kMajor ? 0 : 1) << ";\n}";
    std::string constraints;
    for (int64_t i = 0; i < count; ++i)
      constraints += "=f,";
    constraints += "r,r,r,r,l,r";
    for (int64_t i = 0; i < count; ++i)
      constraints += "," + std::to_string(i);
    operands.append(acc.begin(), acc.end());
    Type f32 = b.getF32Type();
    auto resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(count, f32));
    auto inlineAsm = LLVM::InlineAsmOp::create(
        b, loc, resultType, operands, text, constraints,
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::TailCallKind::None,
        LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
        /*operand_attrs=*/ArrayAttr());
    return unpack(b, loc, inlineAsm.getRes());
  }
};

} // namespace

void mlir::flash::nvvm::populateWgmmaDotPatterns(TileTypeConverter &converter,
                                                 RewritePatternSet &patterns) {
  patterns.add<DotToWgmma>(converter);
}
