//===- ElementwiseToLLVM.cpp - arith ops on whole tiles ---------------------===//
//
// An elementwise arith op on tiles (conversions, scaling) is the same op on
// each of the thread's slots; a splat constant tile is its value in every
// slot. The scalar ops are lowered to LLVM by the arith conversion later.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

bool hasTile(TypeRange types) {
  return llvm::any_of(types, [](Type t) { return isa<RankedTensorType>(t); });
}

struct SplatConstantLowering : public ConvertOpToLLVMPattern<arith::ConstantOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    auto value = dyn_cast<SplatElementsAttr>(op.getValue());
    if (!type || !value)
      return rewriter.notifyMatchFailure(op, "only splat tiles are lowered");
    auto structType = dyn_cast_or_null<LLVM::LLVMStructType>(
        getTypeConverter()->convertType(type));
    if (!structType)
      return rewriter.notifyMatchFailure(op, "tile has no register layout");
    Value scalar = LLVM::ConstantOp::create(rewriter, op.getLoc(),
                                            structType.getBody().front(),
                                            value.getSplatValue<Attribute>());
    SmallVector<Value> values(structType.getBody().size(), scalar);
    rewriter.replaceOp(op, pack(rewriter, op.getLoc(), structType, values));
    return success();
  }
};

/// f32 to a 16-bit float, two slots at a time: in the mma layout
/// neighbouring slots are neighbouring columns, which mma operands, stores
/// and stmatrix take packed in one register, so one cvt.rn.bf16x2.f32
/// (f16x2) makes the pair. Slot by slot, LLVM paired them only where the
/// conversion and the packing met in one block: the backward's dK/dV
/// kernel kept 80 scalar conversions (docs/performance.md, step 33).
struct PairedTruncLowering : public ConvertOpToLLVMPattern<arith::TruncFOp> {
  PairedTruncLowering(TileTypeConverter &converter)
      : ConvertOpToLLVMPattern(converter, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(arith::TruncFOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    auto source = dyn_cast<RankedTensorType>(op.getIn().getType());
    if (!type || !source || !source.getElementType().isF32() ||
        type.getElementTypeBitWidth() != 16 || op.getRoundingmodeAttr() ||
        op.getFastmath().value_or(arith::FastMathFlags::none) !=
            arith::FastMathFlags::none)
      return rewriter.notifyMatchFailure(op, "not a plain f32 to 16-bit tile");
    auto structType = dyn_cast_or_null<LLVM::LLVMStructType>(
        getTypeConverter()->convertType(type));
    if (!structType)
      return rewriter.notifyMatchFailure(op, "result has no register layout");
    Location loc = op.getLoc();
    Type element = type.getElementType();
    auto pairType = VectorType::get({2}, element);
    SmallVector<Value> wide = unpack(rewriter, loc, adaptor.getIn());
    SmallVector<Value> narrow;
    for (size_t slot = 0; slot + 1 < wide.size(); slot += 2) {
      // cvt's first operand fills the upper half.
      Value pair = element.isBF16()
                       ? NVVM::ConvertF32x2ToBF16x2Op::create(
                             rewriter, loc, pairType, wide[slot + 1],
                             wide[slot], Value(), NVVM::FPRoundingMode::RN)
                             .getResult()
                       : NVVM::ConvertF32x2ToF16x2Op::create(
                             rewriter, loc, pairType, wide[slot + 1],
                             wide[slot], Value(), NVVM::FPRoundingMode::RN)
                             .getResult();
      for (int32_t half = 0; half < 2; ++half)
        narrow.push_back(LLVM::ExtractElementOp::create(
            rewriter, loc, pair, i32Const(rewriter, loc, half)));
    }
    if (wide.size() % 2)
      narrow.push_back(
          LLVM::FPTruncOp::create(rewriter, loc, element, wide.back()));
    rewriter.replaceOp(op, pack(rewriter, loc, structType, narrow));
    return success();
  }
};

/// Any other arith op with tile operands or results, slot by slot.
struct ElementwiseLowering : public ConversionPattern {
  ElementwiseLowering(TileTypeConverter &converter, MLIRContext *context)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1,
                          context) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<arith::ArithDialect>(op->getDialect()) || isa<arith::ConstantOp>(op) ||
        !op->hasTrait<OpTrait::Elementwise>() ||
        !(hasTile(op->getOperandTypes()) || hasTile(op->getResultTypes())))
      return failure();
    Location loc = op->getLoc();
    SmallVector<SmallVector<Value>> unpacked;
    size_t slots = 0;
    for (Value operand : operands) {
      unpacked.push_back(unpack(rewriter, loc, operand));
      slots = unpacked.back().size();
    }
    SmallVector<Type> structTypes, scalarTypes;
    for (Type type : op->getResultTypes()) {
      auto structType = dyn_cast_or_null<LLVM::LLVMStructType>(
          getTypeConverter()->convertType(type));
      if (!structType)
        return rewriter.notifyMatchFailure(op, "result has no register layout");
      structTypes.push_back(structType);
      scalarTypes.push_back(cast<RankedTensorType>(type).getElementType());
    }
    SmallVector<SmallVector<Value>> results(op->getNumResults());
    for (size_t slot = 0; slot < slots; ++slot) {
      OperationState state(loc, op->getName());
      for (auto &values : unpacked)
        state.addOperands(values[slot]);
      state.addTypes(scalarTypes);
      state.addAttributes(op->getAttrs());
      Operation *scalar = rewriter.create(state);
      for (unsigned r = 0; r < op->getNumResults(); ++r)
        results[r].push_back(scalar->getResult(r));
    }
    SmallVector<Value> replacements;
    for (unsigned r = 0; r < op->getNumResults(); ++r)
      replacements.push_back(pack(rewriter, loc, structTypes[r], results[r]));
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

} // namespace

void mlir::flash::nvvm::populateElementwisePatterns(
    TileTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<SplatConstantLowering, PairedTruncLowering>(converter);
  patterns.add<ElementwiseLowering>(converter, patterns.getContext());
}
