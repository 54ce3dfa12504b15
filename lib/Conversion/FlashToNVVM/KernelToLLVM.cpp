//===- KernelToLLVM.cpp - Kernel functions, program ids, sequence bounds ---===//
//
// A flash.kernel func.func becomes an llvm.func marked nvvm.kernel whose
// parameters are the memrefs' fields spread out (pointer, sizes, strides;
// the runtime passes the pointer already offset) and the scalars as i64,
// then the TMA tensor maps listed in flash.tensor_maps, by value.
// The body is kept; each memref argument is rebuilt as a descriptor struct.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

LogicalResult lowerKernelSignature(func::FuncOp kernel,
                                   const TileTypeConverter &converter,
                                   unsigned threads) {
  if (kernel.isExternal())
    return kernel.emitError("kernel declaration: a kernel needs a body to be "
                            "compiled for the GPU");
  MLIRContext *context = kernel.getContext();
  OpBuilder b(kernel);
  Location loc = kernel.getLoc();
  Type i64 = b.getI64Type();
  SmallVector<Type> params;
  for (Type type : kernel.getArgumentTypes()) {
    if (auto memref = dyn_cast<MemRefType>(type)) {
      params.push_back(LLVM::LLVMPointerType::get(context, kGlobalSpace));
      params.append(2 * memref.getRank(), i64);
    } else if (type.isIndex() || type.isInteger(64)) {
      params.push_back(i64);
    } else {
      return kernel.emitError("kernel argument of unsupported type ") << type;
    }
  }
  // TMA tensor maps (planTensorCopies) last: 128-byte CUtensorMaps passed by
  // value, read in place from the parameter space (grid constants).
  auto tensorMaps =
      kernel->getAttrOfType<ArrayAttr>(FlashDialect::kTensorMapsAttrName);
  size_t firstMap = params.size();
  if (tensorMaps)
    params.append(tensorMaps.size(), LLVM::LLVMPointerType::get(context));
  auto function = LLVM::LLVMFuncOp::create(
      b, loc, kernel.getSymName(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), params));
  function->setAttr("nvvm.kernel", b.getUnitAttr());
  // A warp-specialized kernel has a producer warpgroup after its consumers.
  if (auto consumers = kernel->getAttrOfType<IntegerAttr>(
          FlashDialect::kConsumerThreadsAttrName))
    threads = consumers.getInt() + 128;
  function->setAttr("nvvm.maxntid",
                    b.getDenseI32ArrayAttr({static_cast<int32_t>(threads), 1, 1}));
  for (StringRef name : {FlashDialect::kSharedMemoryAttrName.data(),
                         FlashDialect::kGridAttrName.data(),
                         FlashDialect::kTensorMapsAttrName.data(),
                         FlashDialect::kConsumerThreadsAttrName.data()})
    if (Attribute attr = kernel->getAttr(name))
      function->setAttr(name, attr);
  for (size_t i = firstMap; i < params.size(); ++i) {
    function.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(),
                        TypeAttr::get(LLVM::LLVMArrayType::get(b.getI8Type(), 128)));
    function.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                        b.getI64IntegerAttr(64));
    function.setArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName(),
                        b.getUnitAttr());
  }

  Block *entry = function.addEntryBlock(b);
  Block &oldEntry = kernel.getBody().front();
  b.setInsertionPointToStart(entry);
  unsigned next = 0;
  for (BlockArgument arg : oldEntry.getArguments()) {
    Value replacement;
    if (auto memref = dyn_cast<MemRefType>(arg.getType())) {
      Type descriptorType = converter.convertType(memref);
      SmallVector<Value> fields;
      for (int64_t i = 0; i < 1 + 2 * memref.getRank(); ++i)
        fields.push_back(entry->getArgument(next++));
      Value descriptor = pack(b, loc, descriptorType, fields);
      replacement = UnrealizedConversionCastOp::create(b, loc, memref, descriptor)
                        .getResult(0);
    } else if (arg.getType().isIndex()) {
      replacement = UnrealizedConversionCastOp::create(
                        b, loc, arg.getType(), entry->getArgument(next++))
                        .getResult(0);
    } else {
      replacement = entry->getArgument(next++);
    }
    arg.replaceAllUsesWith(replacement);
  }
  // Move the body after the descriptor set-up, then drop the old function.
  Block *body = &oldEntry;
  body->eraseArguments(0, body->getNumArguments());
  entry->getOperations().splice(entry->end(), body->getOperations());
  function.getBody().getBlocks().splice(
      function.getBody().end(), kernel.getBody().getBlocks(),
      std::next(kernel.getBody().begin()), kernel.getBody().end());
  function.walk([&](func::ReturnOp ret) {
    OpBuilder rb(ret);
    LLVM::ReturnOp::create(rb, ret.getLoc(), ValueRange{});
    ret.erase();
  });
  kernel.erase();
  return success();
}

/// flash.program_id (ctaid) and flash.num_programs (nctaid) as the special
/// registers read by `X`, `Y` and `Z` (axes x, y and z), zero-extended.
template <typename SourceOp, typename X, typename Y, typename Z>
struct GridRegisterLowering : public OpConversionPattern<SourceOp> {
  using OpConversionPattern<SourceOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SourceOp op, typename SourceOp::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    Value id;
    switch (op.getAxis()) {
    case GridAxis::x:
      id = X::create(rewriter, loc, i32);
      break;
    case GridAxis::y:
      id = Y::create(rewriter, loc, i32);
      break;
    case GridAxis::z:
      id = Z::create(rewriter, loc, i32);
      break;
    }
    rewriter.replaceOp(op, LLVM::ZExtOp::create(rewriter, loc,
                                                rewriter.getI64Type(), id));
    return success();
  }
};
using ProgramIdLowering =
    GridRegisterLowering<ProgramIdOp, NVVM::BlockIdXOp, NVVM::BlockIdYOp,
                         NVVM::BlockIdZOp>;
using NumProgramsLowering =
    GridRegisterLowering<NumProgramsOp, NVVM::GridDimXOp, NVVM::GridDimYOp,
                         NVVM::GridDimZOp>;

struct DimLowering : public OpConversionPattern<memref::DimOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(memref::DimOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::optional<int64_t> axis = op.getConstantIndex();
    auto type = dyn_cast<MemRefType>(op.getSource().getType());
    if (!axis || !type)
      return rewriter.notifyMatchFailure(op, "needs a constant axis");
    if (*axis < 0 || *axis >= type.getRank())
      return op.emitOpError("axis ")
             << *axis << " is out of range for a rank-" << type.getRank()
             << " memref";
    rewriter.replaceOp(op, memrefSize(rewriter, op.getLoc(), adaptor.getSource(),
                                      type.getRank(), *axis));
    return success();
  }
};

struct SeqBoundsLowering : public OpConversionPattern<SeqBoundsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SeqBoundsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
    auto read = [&](Value index) -> Value {
      Value address = elementAddress(rewriter, loc, adaptor.getCuSeqlens(), 1,
                                     i32, ValueRange{index});
      Value value = LLVM::LoadOp::create(rewriter, loc, i32, address);
      return LLVM::SExtOp::create(rewriter, loc, i64, value);
    };
    Value start = read(adaptor.getBatch());
    Value end = read(LLVM::AddOp::create(rewriter, loc, adaptor.getBatch(),
                                         i64Const(rewriter, loc, 1)));
    rewriter.replaceOp(op, {start, LLVM::SubOp::create(rewriter, loc, end, start)});
    return success();
  }
};

} // namespace

LogicalResult mlir::flash::nvvm::lowerKernelSignatures(
    ModuleOp module, const TileTypeConverter &converter, unsigned threads) {
  SmallVector<func::FuncOp> kernels;
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(FlashDialect::kKernelAttrName))
      kernels.push_back(func);
  for (func::FuncOp kernel : kernels)
    if (failed(lowerKernelSignature(kernel, converter, threads)))
      return failure();
  return success();
}

void mlir::flash::nvvm::populateKernelPatterns(TileTypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<ProgramIdLowering, NumProgramsLowering, DimLowering,
               SeqBoundsLowering>(
      converter, patterns.getContext());
}
