//===- CudaKernelCache.h - Compiled GPU kernels on disk ---------*- C++ -*-===//
//
// A compiled class of the cuda backend as a cache entry: a first line of
// JSON describing its kernels (name, how the grid is sized, shared memory),
// then the module image (cubin, or PTX for the driver's JIT).
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_RUNTIME_CUDAKERNELCACHE_H
#define FLASH_LIB_RUNTIME_CUDAKERNELCACHE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flash {

/// A TMA tensor map a kernel takes after its other parameters: over its
/// argument `arg`, boxes of `boxRows` rows along axis `along` and 64
/// columns of the last axis.
struct TensorMapDescription {
  int64_t arg = 0, boxRows = 0, along = 0;
};

/// One kernel of a class, as the runtime launches it.
struct KernelDescription {
  std::string name;
  std::string rows, heads; // "q" or "k": what sizes the grid
  int64_t block = 64, order = 0, sharedBytes = 0;
  std::vector<TensorMapDescription> tensorMaps;
  /// Threads a program (nvvm.maxntid); 0: 32 x the class's warps.
  int64_t threads = 0;
  /// The kernel loops over its grid's tiles: launched with as many
  /// programs as the GPU holds at once, or fewer when there are fewer tiles.
  bool persistent = false;
};

struct CachedKernels {
  std::vector<KernelDescription> kernels;
  std::string image;
};

std::string serializeKernels(const CachedKernels &entry);
/// Nothing when the blob is not a well-formed entry.
std::optional<CachedKernels> deserializeKernels(const std::string &blob);

} // namespace flash

#endif // FLASH_LIB_RUNTIME_CUDAKERNELCACHE_H
