//===- Autotuner.cpp - Choosing tile sizes by timing them -------------------===//

#include "flash/Runtime/Autotuner.h"

#include "flash/Runtime/Cache.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace flash {

std::string TileConfig::str() const {
  return std::to_string(blockM) + "x" + std::to_string(blockN) + ", " +
         std::to_string(numWarps) + " warps" +
         (stages > 1 ? ", " + std::to_string(stages) + " stages" : "") +
         (overlapSoftmax ? ", softmax overlapped" : "") +
         (atomicDq ? ", dq added atomically" : "") +
         (pingPong ? ", products in turns" : "");
}

std::string tuningKey(const std::string &device, const ProblemClass &problem,
                      const ProblemSizes &sizes) {
  // Sequence lengths fall into power-of-two buckets from 128 to 16k.
  int64_t longest = std::max<int64_t>(std::max(sizes.seqlenQ, sizes.seqlenK), 1);
  int64_t bucket = 128;
  while (bucket < longest && bucket < 16384)
    bucket *= 2;
  std::ostringstream os;
  os << device << "/" << (problem.backward ? "bwd" : "fwd") << "-"
     << dtypeName(problem.dtype) << "-d" << problem.headDim
     << (problem.causal ? "-causal" : "") << (problem.varlen ? "-varlen" : "")
     << (problem.dropoutP > 0 ? "-dropout" : "")
     << (problem.atomicDq ? "-atomicdq" : "")
     << (problem.transposedGrad ? "-transposed" : "")
     << (problem.deterministic ? "-deterministic" : "")
     << (problem.persistent ? "-persistent" : "") << "-gqa"
     << (sizes.kvHeads ? sizes.heads / sizes.kvHeads : 1) << "-s" << bucket;
  return os.str();
}

Tuning defaultTuning() { return Autotuner::enabled() ? Tuning::Auto : Tuning::Off; }

constexpr size_t kMinTimings = 3, kMaxTimings = 50;
constexpr double kMinTimedMs = 10;
constexpr double kCloseFraction = 0.05;
constexpr int kRetimeRounds = 2;

double medianOf(std::vector<double> &values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

bool Autotuner::enabled() {
  const char *setting = std::getenv("FLASH_AUTOTUNE");
  return !(setting && std::string(setting) == "0");
}

Autotuner &Autotuner::get() {
  static Autotuner *tuner = new Autotuner();
  return *tuner;
}

void Autotuner::load() {
  llvm::SmallString<256> file(cacheDirectory());
  llvm::sys::path::append(file, "autotune.json");
  // The cache directory may change between calls (FLASH_CACHE_DIR): reload.
  if (loaded && path == std::string(file))
    return;
  path = std::string(file);
  loaded = true;
  choices.clear();
  std::optional<std::string> text = readFile(path);
  if (!text)
    return;
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(*text);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    reportCacheProblem(path, "is not valid JSON");
    return;
  }
  const llvm::json::Object *root = parsed->getAsObject();
  const llvm::json::Object *entries = root ? root->getObject("entries") : nullptr;
  if (!entries) {
    reportCacheProblem(path, "has no entries");
    return;
  }
  if (root->getString("compiler") != llvm::StringRef(compilerVersion())) {
    reportCacheProblem(path, "was written by another compiler version");
    return;
  }
  for (const auto &[key, value] : *entries) {
    const llvm::json::Object *entry = value.getAsObject();
    std::optional<int64_t> m = entry ? entry->getInteger("block_m") : std::nullopt;
    std::optional<int64_t> n = entry ? entry->getInteger("block_n") : std::nullopt;
    std::optional<int64_t> w = entry ? entry->getInteger("num_warps") : std::nullopt;
    std::optional<double> ms = entry ? entry->getNumber("ms") : std::nullopt;
    // Entries from before pipelining was tuned have one stage.
    std::optional<int64_t> stages =
        entry && entry->get("stages") ? entry->getInteger("stages") : 1;
    // ... and none before the softmax overlap was, the overlap off.
    std::optional<bool> overlap = entry && entry->get("overlap_softmax")
                                      ? entry->getBoolean("overlap_softmax")
                                      : false;
    // ... and none before atomic dq was, dq by its own kernel.
    std::optional<bool> atomicDq = entry && entry->get("atomic_dq")
                                       ? entry->getBoolean("atomic_dq")
                                       : false;
    // ... and none before the turns were, no turns.
    std::optional<bool> pingPong = entry && entry->get("ping_pong")
                                       ? entry->getBoolean("ping_pong")
                                       : false;
    if (!m || !n || !w || !ms || !stages || !overlap || !atomicDq ||
        !pingPong || *m <= 0 || *n <= 0 || *w <= 0 || *stages < 1 ||
        *stages > 2) {
      reportCacheProblem(path, "has a malformed entry for " + key.str());
      choices.clear();
      return;
    }
    choices[key.str()] = {{*m, *n, *w, *stages, *overlap, *atomicDq, *pingPong},
                          *ms};
  }
}

Status Autotuner::save() {
  llvm::json::Object entries;
  for (const auto &[key, entry] : choices)
    entries[key] =
        llvm::json::Object{{"block_m", entry.config.blockM},
                           {"block_n", entry.config.blockN},
                           {"num_warps", entry.config.numWarps},
                           {"stages", entry.config.stages},
                           {"overlap_softmax", entry.config.overlapSoftmax},
                           {"atomic_dq", entry.config.atomicDq},
                           {"ping_pong", entry.config.pingPong},
                           {"ms", entry.ms}};
  llvm::json::Object root{{"compiler", compilerVersion()},
                          {"entries", std::move(entries)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return writeFileAtomically(path, text);
}

std::optional<TileConfig> Autotuner::lookup(const std::string &key) {
  std::lock_guard<std::mutex> lock(mutex);
  load();
  auto found = choices.find(key);
  if (found == choices.end())
    return std::nullopt;
  return found->second.config;
}

std::map<std::string, Autotuner::Entry> Autotuner::entries() {
  std::lock_guard<std::mutex> lock(mutex);
  load();
  return choices;
}

Status Autotuner::tune(const std::string &key,
                       const std::vector<TileConfig> &candidates,
                       Measure measure, TileConfig &best, Progress progress) {
  double bestMs = std::numeric_limits<double>::infinity();
  std::optional<std::string> firstFailure;
  std::vector<double> first(candidates.size(), -1);
  for (size_t i = 0; i < candidates.size(); ++i) {
    double &ms = first[i];
    if (Status s = measure(candidates[i], ms); !s) {
      ms = -1;
      if (!firstFailure)
        firstFailure = candidates[i].str() + ": " + s.message();
    } else if (ms < bestMs) {
      bestMs = ms;
      best = candidates[i];
    }
    if (progress)
      progress(i + 1, candidates.size(), candidates[i], ms, best, bestMs);
  }
  if (bestMs == std::numeric_limits<double>::infinity())
    return Status::error("no tile configuration ran for " + key +
                         (firstFailure ? ": " + *firstFailure : ""));
  // Candidates timed one after another also differ by the GPU's state (up
  // to 10% for 0.2 ms kernels: docs/performance.md, step 30). Those within
  // kCloseFraction of the fastest are timed again, in turns, kRetimeRounds
  // times; the median of each one's times decides.
  std::vector<std::pair<size_t, std::vector<double>>> close;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (first[i] >= 0 && first[i] <= bestMs * (1 + kCloseFraction))
      close.push_back({i, {first[i]}});
  if (close.size() > 1) {
    for (int round = 0; round < kRetimeRounds; ++round)
      for (auto &[i, times] : close)
        if (double ms = -1; measure(candidates[i], ms))
          times.push_back(ms);
    bestMs = std::numeric_limits<double>::infinity();
    for (auto &[i, times] : close)
      if (double ms = medianOf(times); ms < bestMs) {
        bestMs = ms;
        best = candidates[i];
      }
  }
  std::lock_guard<std::mutex> lock(mutex);
  load();
  choices[key] = {best, bestMs};
  // An unwritable cache only costs the next process a tuning run.
  (void)save();
  return Status::success();
}

/// Sets a tile configuration on a problem class.
static void applyTiles(const TileConfig &config, ProblemClass &problem) {
  problem.blockM = config.blockM;
  problem.blockN = config.blockN;
  problem.numWarps = config.numWarps;
  problem.stages = config.stages;
  // A class asked for with the overlap (atomic dq, turns) keeps it; the
  // tuner only adds it.
  problem.overlapSoftmax |= config.overlapSoftmax;
  problem.atomicDq |= config.atomicDq;
  problem.pingPong |= config.pingPong;
}

/// The class a candidate configuration makes of `problem`.
static ProblemClass withTiles(ProblemClass problem, const TileConfig &config) {
  applyTiles(config, problem);
  return problem;
}

/// Picks the configuration of `problem` per `tuning` (timing candidates with
/// `runOnce` when it must tune) and sets it on `problem`.
Status chooseTiles(
    Tuning tuning, const std::string &device, ProblemClass &problem,
    const ProblemSizes &sizes, const std::vector<TileConfig> &candidates,
    llvm::function_ref<Status(const ProblemClass &)> runOnce,
    llvm::function_ref<Status(const ProblemClass &, double &)> timeOnce,
    Autotuner::Progress progress,
    llvm::function_ref<void(const std::vector<ProblemClass> &)> prepare) {
  if (tuning == Tuning::Off)
    return Status::success();
  std::string key = tuningKey(device, problem, sizes);
  Autotuner &tuner = Autotuner::get();
  std::optional<TileConfig> chosen;
  if (tuning != Tuning::Force)
    chosen = tuner.lookup(key);
  if (!chosen && (tuning == Tuning::Auto || tuning == Tuning::Force)) {
    if (prepare) {
      std::vector<ProblemClass> classes;
      for (const TileConfig &config : candidates)
        classes.push_back(withTiles(problem, config));
      prepare(classes);
    }
    TileConfig best;
    auto measure = [&](const TileConfig &config, double &ms) -> Status {
      ProblemClass candidate = withTiles(problem, config);
      if (Status s = runOnce(candidate); !s) // compiles and warms up
        return s;
      // A launch of a short kernel varies by several percent (0.2 ms ones
      // by up to 10%, more than between some candidates): time each for
      // kMinTimedMs in all, within kMinTimings..kMaxTimings launches.
      std::vector<double> times;
      double total = 0;
      while (times.size() < kMinTimings ||
             (total < kMinTimedMs && times.size() < kMaxTimings)) {
        double t = 0;
        if (Status s = timeOnce(candidate, t); !s)
          return s;
        times.push_back(t);
        total += t;
      }
      ms = medianOf(times);
      return Status::success();
    };
    // When no candidate runs, the configured tiles are left to report why.
    if (tuner.tune(key, candidates, measure, best, progress))
      chosen = best;
  }
  if (chosen)
    applyTiles(*chosen, problem);
  return Status::success();
}

} // namespace flash
