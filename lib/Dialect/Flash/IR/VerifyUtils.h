//===- VerifyUtils.h - Checks shared by the flash verifiers -----*- C++ -*-===//

#ifndef FLASH_LIB_DIALECT_FLASH_IR_VERIFYUTILS_H
#define FLASH_LIB_DIALECT_FLASH_IR_VERIFYUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace mlir::flash::detail {

/// True when two extents can be equal (either may be dynamic).
bool extentsCompatible(int64_t a, int64_t b);

/// Prints a shape as `2x?x16` (a rank-0 shape as `scalar`), for diagnostics.
std::string formatShape(ArrayRef<int64_t> shape);

/// Fails unless `value` is finite and strictly positive.
LogicalResult verifyPositiveScale(Operation *op, StringRef name, float value);

/// Fails unless the memref has a strided layout whose last axis has stride 1.
LogicalResult verifyContiguousLastAxis(Operation *op, StringRef name,
                                       MemRefType type);

/// Fails unless `tile` is rank 2 (naming it `name` in the diagnostic).
LogicalResult verifyMatrixTile(Operation *op, StringRef name,
                               RankedTensorType tile);

/// Fails unless `vec` is a rank-1 tile with one element per row of `tile`
/// (per column with `perColumn`), and, when both have register layouts,
/// in the rows (columns) layout of `tile`'s mma layout.
LogicalResult verifyRowVector(Operation *op, StringRef name,
                              RankedTensorType tile, RankedTensorType vec,
                              bool perColumn = false);

} // namespace mlir::flash::detail

#endif // FLASH_LIB_DIALECT_FLASH_IR_VERIFYUTILS_H
