//===- LateWaits.h - A loop body's products awaited late --------*- C++ -*-===//
//
// The consumers' products of a warp-specialized kernel issued without
// waiting, each awaited where its result is first needed (LateWaits.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_CONVERSION_FLASHTONVVM_LATEWAITS_H
#define FLASH_LIB_CONVERSION_FLASHTONVVM_LATEWAITS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::flash::nvvm {

/// Marks every flash.dot of `loop`'s body asynchronous and puts its
/// flash.dot_wait before the first op that uses its result or writes a
/// shared buffer it reads, allowing the products issued since to stay
/// pending. Leaves the loop alone (returns false) when a product sits in a
/// nested region or is asynchronous already (a rotated loop), or when the
/// loop carries shared tiles (prefetched copies).
bool awaitProductsLate(scf::ForOp loop);

} // namespace mlir::flash::nvvm

#endif // FLASH_LIB_CONVERSION_FLASHTONVVM_LATEWAITS_H
