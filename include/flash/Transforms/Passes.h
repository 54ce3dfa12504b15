//===- Passes.h - FlashMLIR transformation passes ---------------*- C++ -*-===//

#ifndef FLASH_TRANSFORMS_PASSES_H
#define FLASH_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::flash {

#define GEN_PASS_DECL
#include "flash/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "flash/Transforms/Passes.h.inc"

} // namespace mlir::flash

#endif // FLASH_TRANSFORMS_PASSES_H
