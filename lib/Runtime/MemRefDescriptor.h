//===- MemRefDescriptor.h - Calling JIT-compiled functions ------*- C++ -*-===//
//
// Functions compiled with `llvm.emit_c_interface` take each memref as a
// pointer to its descriptor {allocated, aligned, offset, sizes[], strides[]}
// and scalars by value; ExecutionEngine::invokePacked wants a pointer to
// each argument.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_RUNTIME_MEMREFDESCRIPTOR_H
#define FLASH_LIB_RUNTIME_MEMREFDESCRIPTOR_H

#include "flash/Runtime/Tensor.h"

#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <cstdint>
#include <deque>
#include <vector>

namespace flash {

/// Owns the descriptors and scalars of one call, and the pointers to them.
class ArgumentPack {
public:
  void addMemRef(const TensorRef &tensor);
  void addScalar(int64_t value);
  std::vector<void *> &pointers() { return argPointers; }

private:
  // Deques keep addresses stable while arguments are added.
  std::deque<std::vector<int64_t>> descriptors;
  std::deque<void *> descriptorPointers;
  std::deque<int64_t> scalars;
  std::vector<void *> argPointers;
};

/// Symbols the lowered code calls besides libc and libm (memrefCopy).
llvm::orc::SymbolMap cpuRuntimeSymbols(llvm::orc::MangleAndInterner interner);

} // namespace flash

#endif // FLASH_LIB_RUNTIME_MEMREFDESCRIPTOR_H
