//===- SharedMemory.h - Shared-memory buffers of a kernel -------*- C++ -*-===//
//
// What flash-allocate-shared-memory decides, for the passes after it.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_TRANSFORMS_SHAREDMEMORY_H
#define FLASH_TRANSFORMS_SHAREDMEMORY_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir::flash {

/// Shared memory a program may use on sm_90 (227 KiB).
constexpr int64_t kMaxSharedBytesSm90 = 232448;

/// Bytes of the shared-memory buffer flash-allocate-shared-memory gives the
/// tile `op` writes (at its `flash.shared_offset`); nothing when it writes
/// none.
std::optional<int64_t> sharedBufferBytes(Operation *op);

} // namespace mlir::flash

#endif // FLASH_TRANSFORMS_SHAREDMEMORY_H
