//===- ProblemFlags.h - The problem flags of flash-run and flash-tune -*- C++ -*-===//
//
// Both tools describe a problem with the same command-line flags
// (--batch, --heads, --causal, --varlen=..., --backend, --block-m, ...);
// flash-tune also reads them from a file, a problem a line.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_TESTING_PROBLEMFLAGS_H
#define FLASH_TESTING_PROBLEMFLAGS_H

#include "flash/Runtime/CpuBackend.h"
#include "flash/Runtime/CudaBackend.h"
#include "flash/Testing/AttentionWorkload.h"

#include <optional>
#include <string>
#include <vector>

namespace flash::testing {

struct ProblemFlags {
  WorkloadSpec spec;
  std::string backend = "auto"; // cpu, cuda or auto
  int64_t blockM = 64, blockN = 64, numWarps = 4;
  // --bwd-block-m / --bwd-block-n / --bwd-num-warps (0: as the forward's)
  int64_t backwardBlockM = 0, backwardBlockN = 0, backwardNumWarps = 0;
  bool blocksGiven = false; // any tile flag or --stages given
  bool wgmma = true;        // --wgmma=0 keeps mma.sync on sm_90a
  bool tma = true;          // --tma=0 keeps cp.async copies on sm_90a
  bool warpSpecialize = true; // --warp-specialize=0: no producer warpgroup
  bool pingPong = false;    // --ping-pong=1: consumer warpgroups take turns
  bool overlapSoftmax = false; // --overlap-softmax=1: softmax beside products
  bool atomicDq = false;    // --atomic-dq=1: dq added atomically by dK/dV
  bool deterministic = false; // --deterministic: no atomic dq, even tuned
  // --transposed-grad=0|1: dK/dV from Sᵀ = K Qᵀ (unset: the backend's default)
  std::optional<bool> transposedGrad;
  bool persistent = true;   // --persistent=0: a program a tile
  int64_t producerRegisters = 0; // --producer-registers=N (0: by direction)
  int64_t stages = 1;       // --stages=2 prefetches the next K/V tiles

  // Read by finish().
  std::optional<int64_t> kvHeads, seqlenK;
  bool dataSeedGiven = false;
};

/// The --help text of the problem flags.
extern const char *const kProblemFlagsHelp;

/// If `flag` (without the leading --) is a problem flag, applies it and
/// returns true; `error` is set when its value is bad.
bool parseProblemFlag(const std::string &flag, bool hasValue,
                      const std::string &value, ProblemFlags &flags,
                      std::string &error);

/// Completes the flags once all are read (defaults, rules between flags);
/// returns an error message, or nothing.
std::optional<std::string> finishProblemFlags(ProblemFlags &flags);

/// The backends' options the flags ask for, tuning as `tuning` says.
CpuBackend::Options cpuBackendOptions(const ProblemFlags &flags, Tuning tuning);
CudaBackend::Options cudaBackendOptions(const ProblemFlags &flags,
                                        Tuning tuning);

/// Splits `--name=value` into its name and value.
void splitFlag(const std::string &argument, std::string &name, bool &hasValue,
               std::string &value);

} // namespace flash::testing

#endif // FLASH_TESTING_PROBLEMFLAGS_H
