//===- VerifyUtils.cpp - Checks shared by the flash verifiers ---------------===//

#include "VerifyUtils.h"

#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;

namespace mlir::flash::detail {

bool extentsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

std::string formatShape(ArrayRef<int64_t> shape) {
  // A rank-0 shape has no extents to print; say so rather than print nothing.
  if (shape.empty())
    return "scalar";
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t extent) {
        if (ShapedType::isDynamic(extent))
          os << '?';
        else
          os << extent;
      },
      "x");
  return text;
}

LogicalResult verifyPositiveScale(Operation *op, StringRef name, float value) {
  if (!std::isfinite(value) || value <= 0.0f)
    return op->emitOpError() << "'" << name
                             << "' must be finite and positive, got " << value;
  return success();
}

LogicalResult verifyContiguousLastAxis(Operation *op, StringRef name,
                                       MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return op->emitOpError() << "'" << name << "' must have a strided layout";
  if (!strides.empty() && strides.back() != 1)
    return op->emitOpError()
           << "'" << name
           << "' must be contiguous along its last axis (stride 1), got "
           << type;
  return success();
}

LogicalResult verifyMatrixTile(Operation *op, StringRef name,
                               RankedTensorType tile) {
  if (tile.getRank() != 2)
    return op->emitOpError() << "'" << name << "' must be a rank-2 tile, got "
                             << tile;
  return success();
}

LogicalResult verifyRowVector(Operation *op, StringRef name,
                              RankedTensorType tile, RankedTensorType vec,
                              bool perColumn) {
  int64_t extent = tile.getDimSize(perColumn ? 1 : 0);
  if (vec.getRank() != 1 || vec.getDimSize(0) != extent)
    return op->emitOpError()
           << "'" << name << "' must have one element per "
           << (perColumn ? "column" : "row") << " (" << extent << "), got "
           << vec;
  // In registers, an mma tile's statistics are in its rows layout (its
  // columns layout when per column): the lowering reads them slot by slot.
  auto mma = dyn_cast_or_null<MmaEncodingAttr>(tile.getEncoding());
  if (mma && vec.getEncoding()) {
    Attribute expected =
        perColumn ? Attribute(ColumnsEncodingAttr::get(op->getContext(), mma))
                  : Attribute(RowsEncodingAttr::get(op->getContext(), mma));
    if (vec.getEncoding() != expected)
      return op->emitOpError() << "'" << name << "' must have the layout "
                               << expected << ", got " << vec;
  }
  return success();
}

} // namespace mlir::flash::detail
