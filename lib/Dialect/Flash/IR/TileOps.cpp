//===- TileOps.cpp - Verifiers and queries of the tile-level ops -------------===//

#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "VerifyUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::detail;

//===----------------------------------------------------------------------===//
// Sequence bounds
//===----------------------------------------------------------------------===//

LogicalResult SeqBoundsOp::verify() {
  MemRefType type = getCuSeqlens().getType();
  if (type.getRank() != 1 || !type.getElementType().isInteger(32))
    return emitOpError() << "'cu_seqlens' must be a 1-D memref of i32, got "
                         << type;
  return success();
}

//===----------------------------------------------------------------------===//
// Masked block load and store
//===----------------------------------------------------------------------===//

/// The rules of flash.load and flash.store: one index per memref axis, a tile
/// of rank 1 (along `along`) or 2 (along `along` and the last, contiguous
/// axis) with the memref's element type, columns within the memref.
static LogicalResult verifyBlockAccess(Operation *op, MemRefType memref,
                                       size_t numIndices, int64_t along,
                                       RankedTensorType tile) {
  int64_t rank = memref.getRank();
  if (rank == 0)
    return op->emitOpError("the memref must have rank at least 1");
  if (static_cast<int64_t>(numIndices) != rank)
    return op->emitOpError() << "expects " << rank
                             << " indices (one per memref axis), got "
                             << numIndices;
  if (along < 0 || along >= rank)
    return op->emitOpError() << "'along' must name a memref axis in [0, "
                             << rank << "), got " << along;
  if (tile.getElementType() != memref.getElementType())
    return op->emitOpError() << "tile element type " << tile.getElementType()
                             << " differs from the memref's "
                             << memref.getElementType();
  if (tile.getRank() == 1)
    return success();
  if (tile.getRank() != 2)
    return op->emitOpError() << "the tile must have rank 1 or 2, got "
                             << tile;
  if (along == rank - 1)
    return op->emitOpError(
        "a rank-2 tile takes its columns from the last axis, so 'along' must "
        "name another axis");
  if (failed(verifyContiguousLastAxis(op, "memref", memref)))
    return failure();
  int64_t columns = tile.getDimSize(1), available = memref.getShape().back();
  if (!ShapedType::isDynamic(available) && columns > available)
    return op->emitOpError() << "the tile has " << columns
                             << " columns but the memref's last axis has "
                             << available;
  return success();
}

LogicalResult LoadOp::verify() {
  return verifyBlockAccess(*this, getSource().getType(), getIndices().size(),
                           getAlong(), getResult().getType());
}

std::optional<int64_t> StoreOp::getWholeRowsPadding() {
  RankedTensorType type = getValue().getType();
  MemRefType dest = getDest().getType();
  if (!getAccumulate() || type.getRank() != 2 ||
      !type.getElementType().isF32() || !dest.getLayout().isIdentity() ||
      int64_t(getAlong()) != dest.getRank() - 2 ||
      !matchPattern(getIndices().back(), m_Zero()))
    return std::nullopt;
  int64_t width = dest.getShape().back(), cols = type.getDimSize(1);
  if (ShapedType::isDynamic(width) || width < cols || width * 4 % 16 != 0)
    return std::nullopt;
  return width - cols;
}

LogicalResult StoreOp::verify() {
  if (failed(verifyBlockAccess(*this, getDest().getType(), getIndices().size(),
                               getAlong(), getValue().getType())))
    return failure();
  if (getAccumulate() && !getDest().getType().getElementType().isF32())
    return emitOpError() << "'accumulate' needs an f32 destination, got "
                         << getDest().getType().getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// Matrix product
//===----------------------------------------------------------------------===//

LogicalResult DotOp::verify() {
  RankedTensorType a = getA().getType(), b = getB().getType(),
                   acc = getAcc().getType();
  if (failed(verifyMatrixTile(*this, "a", a)) ||
      failed(verifyMatrixTile(*this, "b", b)) ||
      failed(verifyMatrixTile(*this, "acc", acc)))
    return failure();
  if (a.getElementType() != b.getElementType())
    return emitOpError() << "'a' and 'b' must share an element type, got "
                         << a.getElementType() << " and " << b.getElementType();
  int64_t m = a.getDimSize(getTransposeA() ? 1 : 0);
  int64_t ka = a.getDimSize(getTransposeA() ? 0 : 1);
  int64_t kb = b.getDimSize(getTransposeB() ? 1 : 0);
  int64_t n = b.getDimSize(getTransposeB() ? 0 : 1);
  if (ka != kb)
    return emitOpError() << "contraction sizes differ: op(a) is " << m << "x"
                         << ka << " but op(b) is " << kb << "x" << n;
  if (acc.getDimSize(0) != m || acc.getDimSize(1) != n)
    return emitOpError() << "'acc' must be " << m << "x" << n << ", got "
                         << acc;
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax and masking
//===----------------------------------------------------------------------===//

LogicalResult MaskOp::verify() {
  return verifyMatrixTile(*this, "scores", getScores().getType());
}

LogicalResult OnlineSoftmaxOp::verify() {
  RankedTensorType scores = getScores().getType();
  if (failed(verifyMatrixTile(*this, "scores", scores)) ||
      failed(verifyRowVector(*this, "row_max", scores,
                             getRowMax().getType())))
    return failure();
  return verifyPositiveScale(*this, "scale", getScale().convertToFloat());
}

LogicalResult ScaleRowsOp::verify() {
  RankedTensorType tile = getTile().getType();
  if (failed(verifyMatrixTile(*this, "tile", tile)))
    return failure();
  return verifyRowVector(*this, "factors", tile, getFactors().getType());
}

LogicalResult TransposeOp::verify() {
  RankedTensorType source = getSource().getType(), result = getType();
  if (failed(verifyMatrixTile(*this, "source", source)))
    return failure();
  if (result.getRank() != 2 || result.getDimSize(0) != source.getDimSize(1) ||
      result.getDimSize(1) != source.getDimSize(0))
    return emitOpError() << "result must be the source's transpose, "
                         << source.getDimSize(1) << "x" << source.getDimSize(0)
                         << ", got " << result;
  return success();
}

LogicalResult FinalizeOp::verify() {
  RankedTensorType acc = getAcc().getType();
  if (failed(verifyMatrixTile(*this, "acc", acc)) ||
      failed(verifyRowVector(*this, "row_max", acc, getRowMax().getType())))
    return failure();
  if (getOut().getType().getShape() != acc.getShape())
    return emitOpError() << "the output tile must have the shape of 'acc' ("
                         << formatShape(acc.getShape()) << "), got "
                         << getOut().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Dropout
//===----------------------------------------------------------------------===//

LogicalResult PhiloxOp::verify() {
  return verifyMatrixTile(*this, "bits", getBits().getType());
}

LogicalResult DropoutOp::verify() {
  if (failed(verifyMatrixTile(*this, "probs", getProbs().getType())))
    return failure();
  float p = getProb().convertToFloat();
  if (!(p > 0.0f && p < 1.0f))
    return emitOpError() << "'prob' must be in (0, 1), got " << p;
  if (getBits().getType().getShape() != getProbs().getType().getShape())
    return emitOpError() << "'bits' must have the shape of 'probs' ("
                         << formatShape(getProbs().getType().getShape())
                         << "), got " << getBits().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

LogicalResult RowDotOp::verify() {
  RankedTensorType a = getA().getType();
  if (failed(verifyMatrixTile(*this, "a", a)))
    return failure();
  return verifyRowVector(*this, "result", a, getResult().getType());
}

LogicalResult SoftmaxRecomputeOp::verify() {
  RankedTensorType scores = getScores().getType();
  if (failed(verifyMatrixTile(*this, "scores", scores)) ||
      failed(verifyRowVector(*this, "lse", scores, getLse().getType(),
                             getTransposed())))
    return failure();
  return verifyPositiveScale(*this, "scale", getScale().convertToFloat());
}

LogicalResult SoftmaxGradOp::verify() {
  RankedTensorType probs = getProbs().getType();
  if (failed(verifyMatrixTile(*this, "probs", probs)))
    return failure();
  return verifyRowVector(*this, "delta", probs, getDelta().getType(),
                         getTransposed());
}

//===----------------------------------------------------------------------===//
// Kernel launch
//===----------------------------------------------------------------------===//

LogicalResult
LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto kernel =
      symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this, getKernelAttr());
  if (!kernel)
    return emitOpError() << "'" << getKernel()
                         << "' does not name a func.func";
  if (!kernel->hasAttr(FlashDialect::kKernelAttrName))
    return emitOpError() << "'" << getKernel() << "' is not marked '"
                         << FlashDialect::kKernelAttrName << "'";
  FunctionType type = kernel.getFunctionType();
  if (type.getNumInputs() != getArgs().size())
    return emitOpError() << "'" << getKernel() << "' takes "
                         << type.getNumInputs() << " arguments, got "
                         << getArgs().size();
  for (auto [index, expected, actual] :
       llvm::enumerate(type.getInputs(), getArgs().getTypes()))
    if (expected != actual)
      return emitOpError() << "argument " << index << " has type " << actual
                           << " but '" << getKernel() << "' expects "
                           << expected;
  return success();
}
