//===- CpuBackend.h - Attention on the CPU through MLIR's JIT ---*- C++ -*-===//
//
// Compiles a problem class through the flash-to-cpu pipeline, JIT-compiles
// the LLVM dialect with MLIR's ExecutionEngine, caches the result per class
// for the life of the backend, and runs it on host tensors. Safe to call
// from several threads at once.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_CPUBACKEND_H
#define FLASH_RUNTIME_CPUBACKEND_H

#include "flash/Runtime/Attention.h"
#include "flash/Runtime/Autotuner.h"
#include "flash/Runtime/ProblemIR.h"

#include <memory>

namespace flash {

class CpuBackend {
public:
  struct Options {
    int64_t blockM = 64, blockN = 64; // the configuration without tuning
    Tuning tuning = Tuning::Off;
    // Backward: dq summed by the dK/dV kernel with atomic additions.
    bool atomicDq = false;
    // Backward: the dK/dV kernel works on Sᵀ = K Qᵀ.
    bool transposedGrad = false;
    // > 0: forward kernels of fixed lengths loop over their tiles with this
    // many programs, as the CUDA backend's persistent kernels do (no faster
    // here, where programs run one after another: it checks the tile
    // schedules without a GPU).
    int64_t persistentPrograms = 0;
    // The backward's tiles, where they differ from the forward's (0: as
    // the forward's).
    int64_t backwardBlockM = 0, backwardBlockN = 0;
  };
  /// The candidates the autotuner times on the CPU.
  static std::vector<TileConfig> tuningCandidates();
  CpuBackend();
  explicit CpuBackend(Options options);
  ~CpuBackend();

  /// Validates, picks the tile configuration (Options::tuning), compiles
  /// the class if needed, and runs. `progress` reports a tuning run.
  Status forward(const ForwardArgs &args, Autotuner::Progress progress = nullptr);
  Status backward(const BackwardArgs &args,
                  Autotuner::Progress progress = nullptr);

  /// The class a call belongs to (arguments must be valid).
  ProblemClass classify(const ForwardArgs &args, const ProblemSizes &sizes) const;
  ProblemClass classify(const BackwardArgs &args, const ProblemSizes &sizes) const;

  /// Compiles a class ahead of time; later calls of the class reuse it.
  Status prepare(const ProblemClass &problem);

  /// The lowered LLVM-dialect module of a class, as text (for debugging).
  Status lowerToText(const ProblemClass &problem, std::string &text);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace flash

#endif // FLASH_RUNTIME_CPUBACKEND_H
