//===- Autotuner.h - Choosing tile sizes by timing them ---------*- C++ -*-===//
//
// For each problem class on each device, the autotuner times candidate tile
// configurations on real launches (after a warm-up, the median of repeats:
// CUDA events on the GPU, wall clock on the CPU), keeps the fastest, and
// remembers it in <cache dir>/autotune.json, keyed by device, problem class
// (dtype, head dim, causal, dropout, varlen, GQA ratio, direction, sequence
// length bucket) and compiler version. FLASH_AUTOTUNE=0 disables tuning:
// callers then use their default configuration.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_AUTOTUNER_H
#define FLASH_RUNTIME_AUTOTUNER_H

#include "flash/Runtime/Attention.h"
#include "flash/Runtime/ProblemIR.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace flash {

/// How a backend picks its tile configuration for a problem class.
enum class Tuning {
  Off,    // the backend's configured blocks
  Lookup, // a configuration tuned earlier (autotune.json) if any, else Off
  Auto,   // as Lookup, tuning the class on its first call when not yet tuned
  Force,  // tune now, replacing what was recorded
};

/// Auto unless FLASH_AUTOTUNE=0 (then Off).
Tuning defaultTuning();

/// The median of `values` (which it sorts).
double medianOf(std::vector<double> &values);

struct TileConfig {
  int64_t blockM = 64, blockN = 64, numWarps = 4;
  /// Pipeline stages of the K/V tiles (GPU): 1, or 2 to copy block j+1
  /// while block j is computed (flash-prefetch-shared-tiles).
  int64_t stages = 1;
  /// GPU, forward, with a producer warpgroup: a key block's softmax beside
  /// the products (ProblemClass::overlapSoftmax).
  bool overlapSoftmax = false;
  /// GPU, backward: dq added by the dK/dV kernel (ProblemClass::atomicDq).
  bool atomicDq = false;
  /// GPU, forward, with a producer warpgroup: the two consumer warpgroups
  /// take turns at their products (ProblemClass::pingPong).
  bool pingPong = false;
  bool operator==(const TileConfig &other) const {
    return blockM == other.blockM && blockN == other.blockN &&
           numWarps == other.numWarps && stages == other.stages &&
           overlapSoftmax == other.overlapSoftmax &&
           atomicDq == other.atomicDq && pingPong == other.pingPong;
  }
  /// "64x64, 4 warps" (", 2 stages" when pipelined, ", softmax overlapped",
  /// ", dq added atomically", ", products in turns").
  std::string str() const;
};

/// The key of a tuned choice.
std::string tuningKey(const std::string &device, const ProblemClass &problem,
                      const ProblemSizes &sizes);

class Autotuner {
public:
  /// False when FLASH_AUTOTUNE=0.
  static bool enabled();
  /// The process-wide tuner, persisting in <cache dir>/autotune.json.
  static Autotuner &get();

  /// The choice recorded for `key`, if any.
  std::optional<TileConfig> lookup(const std::string &key);

  /// Median milliseconds of a candidate; an error skips the candidate.
  using Measure = llvm::function_ref<Status(const TileConfig &, double &ms)>;
  /// Called after each candidate: how many are done of how many, the
  /// candidate and its time (negative when it failed), the best so far.
  using Progress = llvm::function_ref<void(size_t done, size_t total,
                                           const TileConfig &candidate,
                                           double ms, const TileConfig &best,
                                           double bestMs)>;
  /// Times every candidate, then those within 5% of the fastest twice more
  /// in turns (their medians deciding); records and returns the fastest;
  /// fails when none runs (with the first failure's message). `progress`
  /// follows the first timings.
  Status tune(const std::string &key, const std::vector<TileConfig> &candidates,
              Measure measure, TileConfig &best, Progress progress = nullptr);

  struct Entry {
    TileConfig config;
    double ms = 0;
  };
  /// Every recorded choice, by key.
  std::map<std::string, Entry> entries();

private:
  void load();  // once, lazily; callers hold `mutex`
  Status save(); // atomically; callers hold `mutex`
  std::string path;
  bool loaded = false;
  std::map<std::string, Entry> choices;
  std::mutex mutex;
};

/// Picks the tile configuration of a call's `problem` per `tuning` and sets
/// it on `problem`: a recorded choice, or (Auto, Force) the fastest of
/// `candidates`, each run once by `runOnce` (compiling, warming up) and then
/// timed by `timeOnce` (milliseconds, median kept): 3 launches, or more up
/// to 50 until they add up to 10 ms. When it tunes, `prepare` (if given)
/// first receives every candidate's class, at once (the CUDA backend
/// compiles them several at a time).
Status chooseTiles(
    Tuning tuning, const std::string &device, ProblemClass &problem,
    const ProblemSizes &sizes, const std::vector<TileConfig> &candidates,
    llvm::function_ref<Status(const ProblemClass &)> runOnce,
    llvm::function_ref<Status(const ProblemClass &, double &)> timeOnce,
    Autotuner::Progress progress,
    llvm::function_ref<void(const std::vector<ProblemClass> &)> prepare = {});

} // namespace flash

#endif // FLASH_RUNTIME_AUTOTUNER_H
