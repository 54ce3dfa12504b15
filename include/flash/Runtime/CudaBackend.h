//===- CudaBackend.h - Attention on NVIDIA GPUs -----------------*- C++ -*-===//
//
// Compiles a problem class through the flash-to-nvvm pipeline and LLVM's
// NVPTX back end (then ptxas when it is installed, else the driver's JIT),
// caches the loaded module per class, and launches its kernels on the
// caller's stream. Tensors live in device memory; cu_seqlens in host memory
// (they are validated on the host, then copied). The driver is loaded at run
// time: without CUDA every call returns an error saying why.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_CUDABACKEND_H
#define FLASH_RUNTIME_CUDABACKEND_H

#include "flash/Runtime/Attention.h"
#include "flash/Runtime/Autotuner.h"
#include "flash/Runtime/CudaDriver.h"
#include "flash/Runtime/ProblemIR.h"

#include <memory>

namespace flash {

class CudaBackend {
public:
  struct Options {
    // The configuration without tuning.
    int64_t blockM = 64, blockN = 64, numWarps = 4;
    int device = 0;
    Tuning tuning = Tuning::Off;
    // wgmma.mma_async on sm_90a where the products allow it (else mma.sync).
    bool wgmma = true;
    // Pipeline stages of the K/V tiles: 2 copies the next block during this one.
    int64_t stages = 1;
    // TMA copies (cp.async.bulk.tensor) on sm_90a where the tiles allow it.
    bool tma = true;
    // With tma: a producer warpgroup issues the copies of the loops.
    bool warpSpecialize = true;
    // With warpSpecialize: the consumer warpgroups take turns at wgmma.
    bool pingPong = false;
    // With warpSpecialize: a key block's softmax overlaps the products.
    bool overlapSoftmax = false;
    // Backward: dq summed by the dK/dV kernel with f32 atomic additions
    // (five products instead of seven, in varying order; on sm_90a one bulk
    // reduction a tile). Off, the tuner still times it on sm_90a at
    // 128x128 and 64x128 with 8 warps (docs/performance.md, steps 24-25).
    bool atomicDq = false;
    // Backward: dq summed in a fixed order, so that a call's outputs repeat
    // bit for bit: the autotuner leaves out the atomic-dq candidates (whose
    // additions land in a varying order) and tunes such classes apart.
    // With atomicDq it is an error.
    bool deterministic = false;
    // Backward: the dK/dV kernel works on Sᵀ = K Qᵀ (keys along the rows:
    // Pᵀ and dSᵀ are the dV and dK products' `a` operands as they are, the
    // statistics read from shared memory); measured 3-13% faster than
    // S = Q Kᵀ on an H100 (docs/performance.md, step 21).
    bool transposedGrad = true;
    // Forward, fixed lengths, kernels with a producer warpgroup (sm_90a,
    // 8 warps): as many programs as the GPU holds at once loop over the
    // tiles (flash-tile-attention's persistent; measured faster:
    // docs/performance.md, steps 16 and 18).
    bool persistent = true;
    // With persistent: at most this many programs (0: as many as the GPU
    // holds at once), e.g. to leave SMs to concurrent work.
    int64_t persistentPrograms = 0;
    // With warpSpecialize and 8 warps: registers a producer thread keeps
    // after setmaxnreg, a multiple of 8 from 24 to 128; the consumers get
    // the rest (24: 240 each; at 24 ptxas spills 108-272 bytes in the
    // producer, at 56 none with 128x128 tiles: docs/Hopper.md). 0:
    // producerRegistersFor's choice, 56 forward and 24 backward.
    int64_t producerRegisters = 0;
    // The backward's tiles, where they differ from the forward's (0: as
    // the forward's). FlashAttention 3's backward block at d=128, 64x128
    // with 8 warps (docs/performance.md, step 25), cannot run the forward,
    // whose 64 rows do not split over 8 warps.
    int64_t backwardBlockM = 0, backwardBlockN = 0, backwardNumWarps = 0;
  };
  /// The candidates the autotuner times on the GPU; those whose kernels
  /// spill more than kMaxTunedSpillBytes per thread (as the loaded module
  /// reports) or need more shared memory than the device has are skipped.
  static std::vector<TileConfig> tuningCandidates();
  /// The candidates timed for a problem (forward or `backward`, of head
  /// dim `headDim`) with `options` on a device: the softmax-overlap and
  /// turns ones only where they take effect (a forward with a producer
  /// warpgroup: `sm90a` with `tensorMaps`) and every candidate does not
  /// have them already, the atomic-dq ones in sm_90a's backward where dQ's
  /// share splits over the warps, 256-key blocks in the forward only.
  static std::vector<TileConfig> candidatesFor(const Options &options,
                                               bool backward, bool sm90a,
                                               bool tensorMaps,
                                               int64_t headDim);
  static constexpr int64_t kMaxTunedSpillBytes = 1024;
  CudaBackend();
  explicit CudaBackend(Options options);
  ~CudaBackend();

  /// Whether a CUDA device of compute capability 8.0 or newer can be used;
  /// otherwise `why` says why not.
  static bool usable(std::string *why = nullptr);

  /// Validates, compiles the class if needed, and launches on `stream`
  /// (asynchronously; null is the legacy default stream).
  Status forward(const ForwardArgs &args, CUstream stream = nullptr,
                 Autotuner::Progress progress = nullptr);
  Status backward(const BackwardArgs &args, CUstream stream = nullptr,
                  Autotuner::Progress progress = nullptr);

  /// Sets the options that shape a class's code (tiles, warps, stages, the
  /// Hopper features, persistence, the backward's forms) from `options`,
  /// as calls do; `problem`'s direction must be set. Without a GPU (PTX for
  /// a chip) the TMA is assumed available.
  static void setCodeOptions(const Options &options, ProblemClass &problem);

  /// The PTX of a class's kernels for `chip` (sm_80, sm_90a, ...); needs no
  /// GPU.
  static Status emitPTX(const ProblemClass &problem, const std::string &chip,
                        std::string &ptx);

  /// The chip of a compute capability: sm_80, sm_86, sm_90a, ...
  static std::string chipFor(int computeCapability);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace flash

#endif // FLASH_RUNTIME_CUDABACKEND_H
