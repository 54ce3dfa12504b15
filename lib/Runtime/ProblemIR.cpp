//===- ProblemIR.cpp - Problem-level IR for a class of problems -------------===//

#include "flash/Runtime/ProblemIR.h"

#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Runtime/Attention.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <cmath>
#include <sstream>

using namespace mlir;

namespace flash {

std::string ProblemClass::key() const {
  std::ostringstream os;
  os << (backward ? "bwd" : "fwd") << '-' << dtypeName(dtype) << "-d" << headDim
     << (causal ? "-causal" : "") << (varlen ? "-varlen" : "");
  if (dropoutP > 0.0f)
    os << "-dropout" << dropoutP;
  os << "-scale" << scale << "-m" << blockM << "-n" << blockN << "-w"
     << numWarps << "-align" << alignment << (wgmma ? "" : "-nowgmma")
     << (tma ? "" : "-notma") << (warpSpecialize ? "" : "-nows")
     << (pingPong ? "-pingpong" : "") << (overlapSoftmax ? "-overlap" : "")
     << (producerRegisters != 24
             ? "-producer" + std::to_string(producerRegisters)
             : "")
     << (persistent ? "-persistent" : "")
     << (stages > 1 ? "-stages" + std::to_string(stages) : "")
     << (atomicDq ? "-atomicdq" : "") << (transposedGrad ? "-transposed" : "");
  return os.str();
}

template <typename Args>
static ProblemClass classOf(const Args &args, const ProblemSizes &sizes,
                            int64_t blockM, int64_t blockN, bool backward) {
  ProblemClass problem;
  problem.dtype = args.q.dtype;
  problem.headDim = sizes.headDim;
  problem.varlen = args.varlen.enabled();
  problem.causal = args.options.causal;
  problem.backward = backward;
  problem.dropoutP = args.options.dropoutP;
  problem.scale = args.options.scale
                      ? *args.options.scale
                      : 1.0f / std::sqrt(static_cast<float>(sizes.headDim));
  problem.blockM = blockM;
  problem.blockN = blockN;
  return problem;
}

ProblemClass classifyProblem(const ForwardArgs &args, const ProblemSizes &sizes,
                             int64_t blockM, int64_t blockN) {
  return classOf(args, sizes, blockM, blockN, /*backward=*/false);
}

ProblemClass classifyProblem(const BackwardArgs &args, const ProblemSizes &sizes,
                             int64_t blockM, int64_t blockN) {
  return classOf(args, sizes, blockM, blockN, /*backward=*/true);
}

OwningOpRef<ModuleOp> buildProblemIR(MLIRContext &context,
                                     const ProblemClass &problem) {
  context.loadDialect<mlir::flash::FlashDialect, func::FuncDialect>();
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  Type element = problem.dtype == DType::F16 ? Type(b.getF16Type())
                                             : Type(b.getBF16Type());
  int64_t dyn = ShapedType::kDynamic;
  // Tensors: [B, S, H, D] or [T, H, D] with arbitrary outer strides.
  int64_t rank = problem.varlen ? 3 : 4;
  SmallVector<int64_t> shape(rank, dyn), strides(rank, dyn);
  shape.back() = problem.headDim;
  strides.back() = 1;
  auto tensorType = MemRefType::get(
      shape, element, StridedLayoutAttr::get(&context, dyn, strides));
  SmallVector<int64_t> lseShape(rank - 1, dyn), lseStrides(rank - 1, dyn);
  lseStrides.back() = 1;
  auto lseType = MemRefType::get(
      lseShape, b.getF32Type(), StridedLayoutAttr::get(&context, dyn, lseStrides));
  auto cuType = MemRefType::get({dyn}, b.getI32Type());

  SmallVector<Type> args;
  if (problem.backward)
    args = {tensorType, tensorType, tensorType, tensorType, tensorType,
            lseType,    tensorType, tensorType, tensorType};
  else
    args = {tensorType, tensorType, tensorType, tensorType, lseType};
  unsigned numTensors = args.size();
  if (problem.varlen)
    args.append({cuType, cuType, b.getIndexType(), b.getIndexType()});
  if (problem.dropoutP > 0.0f)
    args.append({b.getI64Type(), b.getI64Type()});

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, loc, problem.entryName(),
                                   b.getFunctionType(args, {}));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *body = func.addEntryBlock();
  b.setInsertionPointToEnd(body);

  auto arg = [&](unsigned i) -> Value { return body->getArgument(i); };
  unsigned next = numTensors;
  Value cuQ, cuK, maxQ, maxK, seed, offset;
  if (problem.varlen) {
    cuQ = arg(next++);
    cuK = arg(next++);
    maxQ = arg(next++);
    maxK = arg(next++);
  }
  if (problem.dropoutP > 0.0f) {
    seed = arg(next++);
    offset = arg(next++);
  }
  FloatAttr scale = b.getF32FloatAttr(problem.scale);
  FloatAttr dropout = b.getF32FloatAttr(problem.dropoutP);
  UnitAttr causal = problem.causal ? b.getUnitAttr() : UnitAttr();
  if (problem.backward)
    mlir::flash::AttentionGradOp::create(b, loc, arg(0), arg(1), arg(2), arg(3),
                                   arg(4), arg(5), arg(6), arg(7), arg(8), cuQ,
                                   cuK, maxQ, maxK, seed, offset, scale, causal,
                                   dropout,
                                   problem.atomicDq ? b.getUnitAttr()
                                                    : UnitAttr());
  else
    mlir::flash::AttentionOp::create(b, loc, arg(0), arg(1), arg(2), arg(3), arg(4),
                               cuQ, cuK, maxQ, maxK, seed, offset, scale,
                               causal, dropout);
  func::ReturnOp::create(b, loc);
  return module;
}

} // namespace flash
