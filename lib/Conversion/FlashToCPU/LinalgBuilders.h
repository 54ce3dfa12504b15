//===- LinalgBuilders.h - linalg.generic helpers for the CPU lowering ------===//
//
// The tile ops lower to linalg.generic ops of two shapes: elementwise maps
// over a tile (with per-row vectors broadcast along the columns) and
// reductions of tile rows into a per-row vector.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_CONVERSION_FLASHTOCPU_LINALGBUILDERS_H
#define FLASH_LIB_CONVERSION_FLASHTOCPU_LINALGBUILDERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::flash::cpu {

/// Computes the value to yield from the body's block arguments.
using BodyBuilder =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// An elementwise linalg.generic producing a fresh tile of `resultType`.
/// Inputs of the result's rank are read elementwise; rank-1 inputs of a
/// rank-2 result are per-row vectors broadcast along the columns (with
/// `vectorsPerColumn`, per-column vectors broadcast along the rows).
Value mapTile(OpBuilder &b, Location loc, RankedTensorType resultType,
              ValueRange inputs, BodyBuilder body,
              bool vectorsPerColumn = false);

/// A linalg.generic reducing the rows of rank-2 `inputs` into the rank-1
/// `init`; the body receives the inputs' elements and the running value.
/// Rank-1 inputs are per-row vectors.
Value reduceRows(OpBuilder &b, Location loc, ValueRange inputs, Value init,
                 BodyBuilder body);

/// Inside a linalg.generic over a score tile: the element's query and key
/// indices, `row` + its row and `col` + its column, or `row` + its column
/// and `col` + its row when the tile is transposed (Sᵀ, keys along the
/// rows).
std::pair<Value, Value> queryAndKey(OpBuilder &b, Location loc, Value row,
                                    Value col, bool transposed);

/// An f32 constant.
Value f32Constant(OpBuilder &b, Location loc, double value);

/// `value` converted to f32 (extended from f16/bf16, or as is).
Value toF32(OpBuilder &b, Location loc, Value value);

} // namespace mlir::flash::cpu

#endif // FLASH_LIB_CONVERSION_FLASHTOCPU_LINALGBUILDERS_H
