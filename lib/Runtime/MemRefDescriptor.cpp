//===- MemRefDescriptor.cpp - Calling JIT-compiled functions ----------------===//

#include "MemRefDescriptor.h"

#include "llvm/ExecutionEngine/Orc/Shared/ExecutorAddress.h"

#include <cstring>

namespace flash {

void ArgumentPack::addMemRef(const TensorRef &tensor) {
  std::vector<int64_t> words;
  auto pointerWord = [](void *p) { return static_cast<int64_t>(reinterpret_cast<intptr_t>(p)); };
  words.push_back(pointerWord(tensor.data)); // allocated
  words.push_back(pointerWord(tensor.data)); // aligned
  words.push_back(0);                        // offset
  words.insert(words.end(), tensor.shape.begin(), tensor.shape.end());
  words.insert(words.end(), tensor.strides.begin(), tensor.strides.end());
  descriptors.push_back(std::move(words));
  descriptorPointers.push_back(descriptors.back().data());
  argPointers.push_back(&descriptorPointers.back());
}

void ArgumentPack::addScalar(int64_t value) {
  scalars.push_back(value);
  argPointers.push_back(&scalars.back());
}

namespace {

/// MLIR's unranked memref: the rank and a pointer to a ranked descriptor.
struct UnrankedMemRef {
  int64_t rank;
  int64_t *descriptor;
};

/// The lowering of memref.copy between non-contiguous memrefs calls this
/// (the contract of MLIR's C runner utilities): copy element by element in
/// row-major order of the logical index.
extern "C" void flashMemrefCopy(int64_t elementSize, UnrankedMemRef *source,
                                UnrankedMemRef *dest) {
  int64_t rank = source->rank;
  auto field = [](int64_t *desc, int which) {
    return reinterpret_cast<char *>(static_cast<intptr_t>(desc[which]));
  };
  int64_t *src = source->descriptor, *dst = dest->descriptor;
  char *srcBase = field(src, 1) + src[2] * elementSize;
  char *dstBase = field(dst, 1) + dst[2] * elementSize;
  const int64_t *sizes = src + 3;
  const int64_t *srcStrides = src + 3 + rank;
  const int64_t *dstStrides = dst + 3 + rank;
  for (int64_t i = 0; i < rank; ++i)
    if (sizes[i] == 0)
      return;
  std::vector<int64_t> index(rank, 0);
  while (true) {
    int64_t srcOffset = 0, dstOffset = 0;
    for (int64_t i = 0; i < rank; ++i) {
      srcOffset += index[i] * srcStrides[i];
      dstOffset += index[i] * dstStrides[i];
    }
    std::memcpy(dstBase + dstOffset * elementSize,
                srcBase + srcOffset * elementSize, elementSize);
    int64_t axis = rank - 1;
    while (axis >= 0 && ++index[axis] == sizes[axis])
      index[axis--] = 0;
    if (axis < 0)
      return;
  }
}

} // namespace

llvm::orc::SymbolMap cpuRuntimeSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap symbols;
  symbols[interner("memrefCopy")] = {
      llvm::orc::ExecutorAddr::fromPtr(&flashMemrefCopy),
      llvm::JITSymbolFlags::Exported};
  return symbols;
}

} // namespace flash
