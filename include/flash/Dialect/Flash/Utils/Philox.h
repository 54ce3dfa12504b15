//===- Philox.h - Philox4x32-10 as arith ops --------------------*- C++ -*-===//
//
// The Philox mapping of docs/Philox.md built from arith ops on i32 scalars,
// shared by every backend's lowering of flash.philox and flash.dropout so
// that they produce the same bits.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_DIALECT_FLASH_UTILS_PHILOX_H
#define FLASH_DIALECT_FLASH_UTILS_PHILOX_H

#include "mlir/IR/Builders.h"

#include <array>

namespace mlir::flash {

/// The first output word of Philox4x32-10(counter, key); all i32.
Value buildPhiloxWord0(OpBuilder &b, Location loc, std::array<Value, 4> counter,
                       std::array<Value, 2> key);

/// The parts of the Philox input shared by all elements of a tile: the key
/// from the seed, and the counter words from the offset and the stream.
struct PhiloxStream {
  Value key0, key1, offset, stream; // i32
};
/// From an i64 seed and offset and an index (or i64) stream.
PhiloxStream buildPhiloxStream(OpBuilder &b, Location loc, Value seed,
                               Value offset, Value stream);

/// The i32 random bits of element (row, col) (index or i64 values).
Value buildDropoutBits(OpBuilder &b, Location loc, const PhiloxStream &stream,
                       Value row, Value col);

/// Dropout keeps an element when its bits, unsigned, are at least this.
uint32_t dropoutThreshold(double p);

} // namespace mlir::flash

#endif // FLASH_DIALECT_FLASH_UTILS_PHILOX_H
