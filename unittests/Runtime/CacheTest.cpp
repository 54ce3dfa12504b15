//===- CacheTest.cpp - On-disk kernel cache: reuse, corruption, atomicity --===//

#include "CudaKernelCache.h"
#include "flash/Runtime/Autotuner.h"
#include "flash/Runtime/Cache.h"
#include "flash/Runtime/CpuBackend.h"
#include "flash/Runtime/CudaBackend.h"
#include "flash/Testing/AttentionWorkload.h"

#include "AttentionCases.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <thread>

using namespace flash;
using namespace flash::testing;

namespace {

/// Points FLASH_CACHE_DIR at a fresh directory for the test's duration.
class CacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> dir;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("flash-cache-test", dir));
    directory = std::string(dir);
    if (const char *old = std::getenv("FLASH_CACHE_DIR"))
      previous = old;
    setenv("FLASH_CACHE_DIR", directory.c_str(), 1);
  }
  void TearDown() override {
    if (previous)
      setenv("FLASH_CACHE_DIR", previous->c_str(), 1);
    else
      unsetenv("FLASH_CACHE_DIR");
    llvm::sys::fs::remove_directories(directory);
  }
  std::vector<std::string> entries() {
    std::vector<std::string> names;
    std::error_code error;
    llvm::SmallString<128> kernels(directory);
    llvm::sys::path::append(kernels, "kernels");
    for (llvm::sys::fs::directory_iterator it(kernels, error), end;
         it != end && !error; it.increment(error))
      names.push_back(std::string(llvm::sys::path::filename(it->path())));
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string directory;
  std::optional<std::string> previous;
};

/// The configurations a tuning run times (an Autotuner::Progress).
struct TimedConfigs {
  std::vector<TileConfig> configs;
  void operator()(size_t, size_t, const TileConfig &config, double,
                  const TileConfig &, double) {
    configs.push_back(config);
  }
  size_t atomicDq() const {
    return llvm::count_if(configs, [](const TileConfig &c) { return c.atomicDq; });
  }
};

Workload smallProblem(bool causal, bool backward = true) {
  WorkloadSpec spec = baseSpec(DType::BF16, 32);
  spec.backward = backward;
  spec.causal = causal;
  spec.seqlenQ = spec.seqlenK = 40;
  spec.dataSeed = freshSeed();
  return Workload(spec);
}

bool runAndCheck(CpuBackend &backend, Workload &w) {
  w.poisonOutputs();
  return backend.forward(w.forwardArgs()) && backend.backward(w.backwardArgs()) &&
         w.check().passed();
}

TEST_F(CacheTest, FilesAreWrittenAtomicallyAndReadBack) {
  std::string path = directory + "/nested/dir/file.bin";
  std::string bytes("binary\0data", 11);
  ASSERT_TRUE(writeFileAtomically(path, bytes));
  EXPECT_EQ(readFile(path), bytes);
  ASSERT_TRUE(writeFileAtomically(path, "replaced"));
  EXPECT_EQ(readFile(path), std::string("replaced"));
  EXPECT_FALSE(readFile(directory + "/missing").has_value());
  EXPECT_EQ(cacheDirectory(), directory);
}

TEST_F(CacheTest, DigestsAreStableAndDistinct) {
  EXPECT_EQ(digest("flash"), digest("flash"));
  EXPECT_NE(digest("flash"), digest("flash "));
  EXPECT_EQ(digest("").size(), 32u);
}

TEST_F(CacheTest, ALaterBackendReusesTheCompiledKernels) {
  Workload first = smallProblem(true);
  {
    CpuBackend backend;
    ASSERT_TRUE(runAndCheck(backend, first));
  }
  std::vector<std::string> stored = entries();
  ASSERT_EQ(stored.size(), 2u); // the forward and the backward class
  std::string before = *readFile(directory + "/kernels/" + stored[0]);
  // A fresh backend (as in a new process) loads them and computes the same.
  Workload second = smallProblem(true);
  CpuBackend backend;
  ASSERT_TRUE(runAndCheck(backend, second));
  EXPECT_EQ(entries(), stored);
  EXPECT_EQ(*readFile(directory + "/kernels/" + stored[0]), before);
  // Another class compiles and adds its own entries.
  Workload other = smallProblem(false);
  ASSERT_TRUE(runAndCheck(backend, other));
  EXPECT_EQ(entries().size(), 4u);
}

TEST_F(CacheTest, ACorruptedEntryIsReportedOnceAndRebuilt) {
  {
    CpuBackend backend;
    Workload w = smallProblem(false);
    ASSERT_TRUE(runAndCheck(backend, w));
  }
  std::vector<std::string> stored = entries();
  ASSERT_FALSE(stored.empty());
  std::string path = directory + "/kernels/" + stored[0];
  ASSERT_TRUE(writeFileAtomically(path, "not an object file"));

  ::testing::internal::CaptureStderr();
  CpuBackend backend;
  Workload w = smallProblem(false);
  bool ok = runAndCheck(backend, w);
  std::string messages = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(ok);
  EXPECT_NE(messages.find("cache file " + path + " does not load; rebuilding it"),
            std::string::npos)
      << messages;
  EXPECT_NE(*readFile(path), "not an object file"); // rebuilt
}

TEST(CudaKernelCache, EntriesRoundTripAndMalformedOnesAreRejected) {
  CachedKernels entry;
  entry.kernels = {{"fwd", "q", "q", 64, 0, 18432, {{1, 128, 1}, {2, 64, 1}}, 384,
                    /*persistent=*/true},
                   {"dkdv", "k", "k", 128, 1, 0, {}}};
  entry.image = std::string("\x7f" "ELF\0binary\n\nimage", 19);
  std::optional<CachedKernels> back = deserializeKernels(serializeKernels(entry));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->kernels.size(), 2u);
  EXPECT_EQ(back->kernels[1].name, "dkdv");
  EXPECT_EQ(back->kernels[1].rows, "k");
  EXPECT_EQ(back->kernels[1].block, 128);
  EXPECT_EQ(back->kernels[0].sharedBytes, 18432);
  ASSERT_EQ(back->kernels[0].tensorMaps.size(), 2u);
  EXPECT_EQ(back->kernels[0].tensorMaps[1].arg, 2);
  EXPECT_EQ(back->kernels[0].tensorMaps[0].boxRows, 128);
  EXPECT_EQ(back->kernels[0].tensorMaps[0].along, 1);
  EXPECT_TRUE(back->kernels[1].tensorMaps.empty());
  EXPECT_EQ(back->kernels[0].threads, 384);
  EXPECT_EQ(back->kernels[1].threads, 0);
  EXPECT_TRUE(back->kernels[0].persistent);
  EXPECT_FALSE(back->kernels[1].persistent);
  EXPECT_EQ(back->image, entry.image);
  for (const char *bad : {"", "no newline", "{}\nimage", "[1]\nimage",
                          "{\"kernels\": [{\"name\": \"k\"}]}\nimage",
                          "{\"kernels\": [{\"name\": \"k\", \"rows\": \"q\", "
                          "\"heads\": \"q\", \"block\": 64, \"order\": 0, "
                          "\"shared\": 0}]}\n",
                          "{\"kernels\": [{\"name\": \"k\", \"rows\": \"q\", "
                          "\"heads\": \"q\", \"block\": 64, \"order\": 0, "
                          "\"shared\": 0, \"tensor_maps\": [[1, 64]]}]}\nimage",
                          "{\"kernels\": [{\"name\": \"k\", \"rows\": \"q\", "
                          "\"heads\": \"q\", \"block\": 64, \"order\": 0, "
                          "\"shared\": 0, \"persistent\": 1}]}\nimage"})
    EXPECT_FALSE(deserializeKernels(bad).has_value()) << bad;
}

TEST(Autotuner, KeysNameTheProblemClass) {
  ProblemClass problem;
  problem.dtype = DType::F16;
  problem.headDim = 128;
  problem.causal = true;
  problem.backward = true;
  ProblemSizes sizes;
  sizes.heads = 8;
  sizes.kvHeads = 2;
  sizes.seqlenQ = 3000;
  sizes.seqlenK = 1000;
  EXPECT_EQ(tuningKey("dev", problem, sizes), "dev/bwd-fp16-d128-causal-gqa4-s4096");
  sizes.seqlenQ = sizes.seqlenK = 5;
  problem.causal = false;
  problem.dropoutP = 0.1f;
  EXPECT_EQ(tuningKey("dev", problem, sizes), "dev/bwd-fp16-d128-dropout-gqa4-s128");
  sizes.seqlenQ = 1 << 20;
  EXPECT_EQ(tuningKey("dev", problem, sizes), "dev/bwd-fp16-d128-dropout-gqa4-s16384");
  // Tiles tuned for persistent kernels are not reused for a program a tile.
  problem.backward = false;
  problem.persistent = true;
  EXPECT_EQ(tuningKey("dev", problem, sizes),
            "dev/fwd-fp16-d128-dropout-persistent-gqa4-s16384");
}

// Every option that changes a kernel's code is in the class key, which
// names the compiled kernels in memory and in the kernel cache.
TEST(ProblemClassKey, NamesEveryCodeOption) {
  ProblemClass base;
  std::string baseKey = base.key();
  auto differs = [&](auto change) {
    ProblemClass other = base;
    change(other);
    return other.key() != baseKey;
  };
  EXPECT_TRUE(differs([](ProblemClass &p) { p.pingPong = true; }));
  EXPECT_TRUE(differs([](ProblemClass &p) { p.overlapSoftmax = true; }));
  EXPECT_TRUE(differs([](ProblemClass &p) { p.persistent = true; }));
  EXPECT_TRUE(differs([](ProblemClass &p) { p.producerRegisters = 56; }));
  EXPECT_TRUE(differs([](ProblemClass &p) { p.stages = 2; }));
  EXPECT_TRUE(differs([](ProblemClass &p) { p.atomicDq = true; }));
  EXPECT_TRUE(differs([](ProblemClass &p) { p.transposedGrad = true; }));
  EXPECT_TRUE(differs([](ProblemClass &p) { p.warpSpecialize = false; }));
}

TEST(Autotuner, FlashAutotuneZeroTurnsTuningOff) {
  const char *old = std::getenv("FLASH_AUTOTUNE");
  std::string saved = old ? old : "";
  setenv("FLASH_AUTOTUNE", "0", 1);
  EXPECT_FALSE(Autotuner::enabled());
  EXPECT_EQ(defaultTuning(), Tuning::Off);
  setenv("FLASH_AUTOTUNE", "1", 1);
  EXPECT_TRUE(Autotuner::enabled());
  EXPECT_EQ(defaultTuning(), Tuning::Auto);
  if (old)
    setenv("FLASH_AUTOTUNE", saved.c_str(), 1);
  else
    unsetenv("FLASH_AUTOTUNE");
}

/// Checks a tuning run's progress reports: one a candidate, in order, of
/// `total`; the best so far never slower than a timed candidate (skipped
/// ones report a negative time, allowed only when `maySkip`).
struct ProgressChecks {
  size_t total;
  bool maySkip;
  size_t calls = 0;
  double reportedMs = 0;
  std::vector<std::pair<TileConfig, double>> timed;
  void operator()(size_t done, size_t of, const TileConfig &candidate,
                  double ms, const TileConfig &best, double bestMs) {
    ++calls;
    EXPECT_EQ(done, calls);
    EXPECT_EQ(of, total);
    if (ms < 0)
      EXPECT_TRUE(maySkip);
    else
      EXPECT_LE(bestMs, ms);
    reportedMs = bestMs;
    timed.push_back({candidate, ms});
  }
  /// Whether `chosen` could be the recorded choice: the fastest of the
  /// first timings, or one within 5% of it that won when those close ones
  /// were timed again (Autotuner::tune).
  bool mayChoose(const TileConfig &chosen) const {
    return llvm::any_of(timed, [&](const std::pair<TileConfig, double> &t) {
      return t.first == chosen && t.second >= 0 &&
             t.second <= reportedMs * 1.05;
    });
  }
};

TEST_F(CacheTest, TuningTimesEveryCandidateAndRemembersTheFastest) {
  ProgressChecks checks{CpuBackend::tuningCandidates().size(), /*maySkip=*/false};
  size_t &calls = checks.calls;
  Autotuner::Progress progress = checks;
  CpuBackend tuning(CpuBackend::Options{64, 64, Tuning::Force});
  Workload w = smallProblem(true, /*backward=*/false);
  w.poisonOutputs();
  ASSERT_TRUE(tuning.forward(w.forwardArgs(), progress));
  EXPECT_EQ(calls, CpuBackend::tuningCandidates().size());
  EXPECT_TRUE(w.check().passed()); // the final run wrote the outputs
  std::map<std::string, Autotuner::Entry> entries = Autotuner::get().entries();
  ASSERT_EQ(entries.size(), 1u);
  TileConfig chosen = entries.begin()->second.config;
  EXPECT_TRUE(checks.mayChoose(chosen)) << chosen.str();
  std::string json = *readFile(directory + "/autotune.json");
  EXPECT_NE(json.find("\"block_m\": " + std::to_string(chosen.blockM)),
            std::string::npos)
      << json;

  // Lookup uses the recorded choice without tuning again.
  calls = 0;
  CpuBackend lookup(CpuBackend::Options{64, 64, Tuning::Lookup});
  Workload again = smallProblem(true, /*backward=*/false);
  again.poisonOutputs();
  ASSERT_TRUE(lookup.forward(again.forwardArgs(), progress));
  EXPECT_EQ(calls, 0u);
  EXPECT_TRUE(again.check().passed());
}

TEST_F(CacheTest, TuningTimesShortKernelsOverMoreLaunches) {
  // 64x64 runs in 0.2 ms but its first three timed launches are slow
  // (0.3 ms); 128x64 runs in 0.25 ms; 128x128 in 5 ms. Three launches each
  // would pick 128x64. Short kernels are timed until their launches add
  // up to 10 ms (at most 50), long ones three times; the median decides.
  std::map<int64_t, int> timed; // launches timed, by blockN * 1000 + blockM
  auto id = [](const ProblemClass &c) { return c.blockN * 1000 + c.blockM; };
  auto runOnce = [](const ProblemClass &) { return Status::success(); };
  auto timeOnce = [&](const ProblemClass &c, double &ms) {
    int launch = timed[id(c)]++;
    ms = c.blockN == 128  ? 5.0
         : c.blockM == 64 ? (launch < 3 ? 0.3 : 0.2)
                          : 0.25;
    return Status::success();
  };
  ProblemClass problem;
  ProblemSizes sizes;
  sizes.batch = sizes.heads = sizes.kvHeads = 1;
  sizes.headDim = 64;
  sizes.seqlenQ = sizes.seqlenK = 1024;
  std::vector<TileConfig> candidates = {
      {128, 64, 4}, {64, 64, 4}, {128, 128, 8}};
  ASSERT_TRUE(chooseTiles(Tuning::Force, "test-device", problem, sizes,
                          candidates, runOnce, timeOnce, nullptr));
  EXPECT_EQ(problem.blockM, 64);
  EXPECT_EQ(problem.blockN, 64);
  EXPECT_EQ(timed[64064], 49); // 3 * 0.3 + 46 * 0.2 = 10.1 ms
  EXPECT_EQ(timed[64128], 40); // 40 * 0.25 = 10 ms
  EXPECT_EQ(timed[128128], 3);
}

TEST_F(CacheTest, TuningPreparesEveryCandidateBeforeRunningAny) {
  // When it tunes, chooseTiles hands every candidate's class to `prepare`
  // before it runs the first (the CUDA backend compiles them then); with
  // a recorded choice it neither prepares nor runs any.
  std::vector<ProblemClass> prepared;
  size_t runs = 0, runsBeforePrepare = 0;
  auto prepare = [&](const std::vector<ProblemClass> &classes) {
    runsBeforePrepare = runs;
    prepared = classes;
  };
  auto runOnce = [&](const ProblemClass &) {
    ++runs;
    return Status::success();
  };
  auto timeOnce = [](const ProblemClass &c, double &ms) {
    ms = 1.0 + 0.001 * double(c.blockM + c.blockN);
    return Status::success();
  };
  ProblemClass problem;
  problem.overlapSoftmax = true; // asked for: kept on every candidate
  ProblemSizes sizes;
  sizes.batch = sizes.heads = sizes.kvHeads = 1;
  sizes.headDim = 64;
  sizes.seqlenQ = sizes.seqlenK = 256;
  std::vector<TileConfig> candidates = {
      {128, 64, 4}, {64, 64, 4, 2}, {128, 128, 8, 1, false, true}};
  ASSERT_TRUE(chooseTiles(Tuning::Auto, "test-device", problem, sizes,
                          candidates, runOnce, timeOnce, nullptr, prepare));
  EXPECT_EQ(runsBeforePrepare, 0u);
  EXPECT_EQ(runs, candidates.size());
  ASSERT_EQ(prepared.size(), candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    EXPECT_EQ(prepared[i].blockM, candidates[i].blockM);
    EXPECT_EQ(prepared[i].blockN, candidates[i].blockN);
    EXPECT_EQ(prepared[i].numWarps, candidates[i].numWarps);
    EXPECT_EQ(prepared[i].stages, candidates[i].stages);
    EXPECT_TRUE(prepared[i].overlapSoftmax);
    EXPECT_EQ(prepared[i].atomicDq, candidates[i].atomicDq);
  }
  EXPECT_EQ(problem.blockM, 64); // the fastest: 64x64, two stages
  EXPECT_EQ(problem.stages, 2);

  prepared.clear();
  runs = 0;
  ProblemClass again;
  again.overlapSoftmax = true;
  ASSERT_TRUE(chooseTiles(Tuning::Auto, "test-device", again, sizes, candidates,
                          runOnce, timeOnce, nullptr, prepare));
  EXPECT_TRUE(prepared.empty());
  EXPECT_EQ(runs, 0u);
  EXPECT_EQ(again.blockM, 64);
}

TEST_F(CacheTest, TuningTimesCloseCandidatesAgainInTurns) {
  // 64x64 is timed slow once (0.22 ms), then 0.20; 128x64 steady at 0.21;
  // 128x128 at 0.5. The first two are within 5%: each is timed twice more
  // and 64x64's median wins; 128x128 is timed once.
  std::map<int64_t, int> measured; // by blockN * 1000 + blockM
  auto measure = [&](const TileConfig &c, double &ms) {
    int call = measured[c.blockN * 1000 + c.blockM]++;
    ms = c.blockN == 128  ? 0.5
         : c.blockM == 64 ? (call == 0 ? 0.22 : 0.20)
                          : 0.21;
    return Status::success();
  };
  TileConfig best;
  ASSERT_TRUE(Autotuner::get().tune(
      "close", {{64, 64, 4}, {128, 64, 8}, {128, 128, 8}}, measure, best));
  EXPECT_EQ(best, (TileConfig{64, 64, 4}));
  EXPECT_EQ(measured[64064], 3);
  EXPECT_EQ(measured[64128], 3);
  EXPECT_EQ(measured[128128], 1);
  EXPECT_DOUBLE_EQ(Autotuner::get().entries()["close"].ms, 0.20);
}

TEST_F(CacheTest, TuningEntriesKeepStagesOverlapAndTurnsWhichOldEntriesLack) {
  std::string path = directory + "/autotune.json";
  ASSERT_TRUE(writeFileAtomically(
      path,
      "{\"compiler\": \"" + compilerVersion() +
          "\", \"entries\": {"
          "\"old\": {\"block_m\": 128, \"block_n\": 64, \"num_warps\": 8, "
          "\"ms\": 1.5},"
          "\"new\": {\"block_m\": 64, \"block_n\": 128, \"num_warps\": 4, "
          "\"stages\": 2, \"ms\": 1.0},"
          "\"overlap\": {\"block_m\": 128, \"block_n\": 128, \"num_warps\": 8, "
          "\"stages\": 1, \"overlap_softmax\": true, \"ms\": 0.5},"
          "\"atomic\": {\"block_m\": 128, \"block_n\": 128, \"num_warps\": 8, "
          "\"stages\": 1, \"overlap_softmax\": false, \"atomic_dq\": true, "
          "\"ms\": 0.7},"
          "\"turns\": {\"block_m\": 128, \"block_n\": 128, \"num_warps\": 8, "
          "\"stages\": 1, \"overlap_softmax\": true, \"atomic_dq\": false, "
          "\"ping_pong\": true, \"ms\": 0.4}}}"));
  Autotuner &tuner = Autotuner::get();
  std::optional<TileConfig> old = tuner.lookup("old");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(*old, (TileConfig{128, 64, 8, 1}));
  std::optional<TileConfig> pipelined = tuner.lookup("new");
  ASSERT_TRUE(pipelined.has_value());
  EXPECT_EQ(*pipelined, (TileConfig{64, 128, 4, 2}));
  EXPECT_EQ(pipelined->str(), "64x128, 4 warps, 2 stages");
  std::optional<TileConfig> overlapped = tuner.lookup("overlap");
  ASSERT_TRUE(overlapped.has_value());
  EXPECT_EQ(*overlapped, (TileConfig{128, 128, 8, 1, true}));
  EXPECT_EQ(overlapped->str(), "128x128, 8 warps, softmax overlapped");
  std::optional<TileConfig> atomic = tuner.lookup("atomic");
  ASSERT_TRUE(atomic.has_value());
  EXPECT_EQ(*atomic, (TileConfig{128, 128, 8, 1, false, true}));
  EXPECT_EQ(atomic->str(), "128x128, 8 warps, dq added atomically");
  EXPECT_FALSE(overlapped->atomicDq);
  EXPECT_FALSE(overlapped->pingPong);
  std::optional<TileConfig> turns = tuner.lookup("turns");
  ASSERT_TRUE(turns.has_value());
  EXPECT_EQ(*turns, (TileConfig{128, 128, 8, 1, true, false, true}));
  EXPECT_EQ(turns->str(),
            "128x128, 8 warps, softmax overlapped, products in turns");

  // A recorded choice is written back with its stages, overlap, dq and
  // turns.
  TileConfig best;
  auto twoMilliseconds = [](const TileConfig &, double &ms) {
    ms = 2.0;
    return Status::success();
  };
  ASSERT_TRUE(tuner.tune("third", {{64, 64, 4, 2}, {128, 128, 8, 1, true}},
                         twoMilliseconds, best));
  ASSERT_TRUE(tuner.tune("fourth", {{128, 128, 8, 1, false, true}},
                         twoMilliseconds, best));
  ASSERT_TRUE(tuner.tune("fifth", {{128, 128, 8, 1, true, false, true}},
                         twoMilliseconds, best));
  std::string json = *readFile(path);
  EXPECT_NE(json.find("\"stages\": 2"), std::string::npos) << json;
  EXPECT_NE(json.find("\"overlap_softmax\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"atomic_dq\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ping_pong\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"old\""), std::string::npos) << json;
}

TEST_F(CacheTest, ACorruptedOrStaleTuningFileIsReportedAndRebuilt) {
  int round = 0;
  // Not JSON; another compiler's; entries whose overlap, atomic dq or turns
  // are not a boolean.
  for (const std::string &contents :
       {std::string("{ not json"),
        std::string("{\"compiler\": \"flashmlir-0.0-old\", \"entries\": {}}"),
        "{\"compiler\": \"" + compilerVersion() +
            "\", \"entries\": {\"x\": {\"block_m\": 64, \"block_n\": 64, "
            "\"num_warps\": 4, \"overlap_softmax\": 1, \"ms\": 1.0}}}",
        "{\"compiler\": \"" + compilerVersion() +
            "\", \"entries\": {\"x\": {\"block_m\": 64, \"block_n\": 64, "
            "\"num_warps\": 4, \"atomic_dq\": \"yes\", \"ms\": 1.0}}}",
        "{\"compiler\": \"" + compilerVersion() +
            "\", \"entries\": {\"x\": {\"block_m\": 64, \"block_n\": 64, "
            "\"num_warps\": 4, \"ping_pong\": null, \"ms\": 1.0}}}"}) {
    // A directory each: problems are reported once per file and process.
    std::string dir = directory + "/" + std::to_string(round++);
    setenv("FLASH_CACHE_DIR", dir.c_str(), 1);
    std::string path = dir + "/autotune.json";
    ASSERT_TRUE(writeFileAtomically(path, contents));
    ::testing::internal::CaptureStderr();
    CpuBackend backend(CpuBackend::Options{64, 64, Tuning::Auto});
    Workload w = smallProblem(false, /*backward=*/false);
    w.poisonOutputs();
    Status status = backend.forward(w.forwardArgs());
    std::string messages = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(status) << status.message();
    EXPECT_TRUE(w.check().passed());
    EXPECT_NE(messages.find("cache file " + path), std::string::npos) << messages;
    std::string rebuilt = *readFile(path);
    EXPECT_NE(rebuilt.find(compilerVersion()), std::string::npos) << rebuilt;
  }
}

// The GPU side of the caches (skipped without a usable GPU).

TEST_F(CacheTest, ALaterCudaBackendReusesTheCompiledKernels) {
  SKIP_WITHOUT_GPU();
  {
    CudaBackend backend;
    Workload w = smallProblem(true);
    ASSERT_TRUE(runOnGpu(w, backend));
    EXPECT_TRUE(w.check().passed());
  }
  std::vector<std::string> stored = entries();
  ASSERT_EQ(stored.size(), 2u); // the forward and the backward class
  for (const std::string &name : stored)
    EXPECT_EQ(name.rfind("cuda-", 0), 0u) << name;

  // A fresh backend (as in a new process) reads the entries: one that no
  // longer loads is reported, rebuilt, and the results stay right.
  std::string path = directory + "/kernels/" + stored[0];
  std::string good = *readFile(path);
  std::string broken = good.substr(0, good.find('\n') + 1) + "not a cubin";
  ASSERT_TRUE(writeFileAtomically(path, broken));
  ::testing::internal::CaptureStderr();
  CudaBackend backend;
  Workload w = smallProblem(true);
  Status status = runOnGpu(w, backend);
  std::string messages = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(status) << status.message();
  EXPECT_TRUE(w.check().passed());
  EXPECT_NE(messages.find("cache file " + path + " does not load; rebuilding it"),
            std::string::npos)
      << messages;
  EXPECT_EQ(entries(), stored);
  EXPECT_EQ(*readFile(path), good); // rebuilt: compilation is deterministic
}

TEST_F(CacheTest, CudaTuningTimesCandidatesWithEventsAndRemembersTheFastest) {
  SKIP_WITHOUT_GPU();
  // Candidates that spill heavily are skipped; the softmax overlap and the
  // turns are ones on sm_90a only; atomic dq is the backward's.
  CudaDeviceProperties properties;
  ASSERT_TRUE(CudaDriver::get().deviceProperties(0, &properties));
  bool sm90a = CudaBackend::chipFor(properties.computeCapability()) == "sm_90a";
  size_t candidates =
      llvm::count_if(CudaBackend::tuningCandidates(), [&](const TileConfig &c) {
        return !c.atomicDq && (sm90a || (!c.overlapSoftmax && !c.pingPong));
      });
  ProgressChecks checks{candidates, /*maySkip=*/true};
  size_t &calls = checks.calls;
  // The candidates are compiled, several at a time, before the first is
  // timed: the kernel cache then already holds them all.
  size_t cachedAtFirstReport = 0;
  auto recording = [&](size_t done, size_t of, const TileConfig &candidate,
                       double ms, const TileConfig &best, double bestMs) {
    if (calls == 0)
      cachedAtFirstReport = entries().size();
    checks(done, of, candidate, ms, best, bestMs);
  };
  Autotuner::Progress progress = recording;
  CudaBackend::Options options;
  options.tuning = Tuning::Force;
  CudaBackend tuning(options);
  Workload w = smallProblem(true, /*backward=*/false);
  ASSERT_TRUE(runOnGpu(w, tuning, progress));
  EXPECT_TRUE(w.check().passed()); // the final launch wrote the outputs
  EXPECT_EQ(calls, candidates);
  if (std::thread::hardware_concurrency() >= 2) {
    EXPECT_EQ(cachedAtFirstReport, entries().size());
  }
  std::map<std::string, Autotuner::Entry> recorded = Autotuner::get().entries();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded.begin()->first.rfind("cuda-", 0), 0u) << recorded.begin()->first;
  EXPECT_TRUE(checks.mayChoose(recorded.begin()->second.config))
      << recorded.begin()->second.config.str();

  // Lookup uses the recorded choice without tuning again.
  calls = 0;
  options.tuning = Tuning::Lookup;
  CudaBackend lookup(options);
  Workload again = smallProblem(true, /*backward=*/false);
  ASSERT_TRUE(runOnGpu(again, lookup, progress));
  EXPECT_EQ(calls, 0u);
  EXPECT_TRUE(again.check().passed());
}

TEST(CudaCandidates, OverlapTurnsAndAtomicDqOnlyWhereTheyTakeEffect) {
  using Options = CudaBackend::Options;
  auto count = [](const std::vector<TileConfig> &all, auto which) {
    return llvm::count_if(all, which);
  };
  auto overlapAlone = [](const TileConfig &c) {
    return c.overlapSoftmax && !c.pingPong;
  };
  auto turns = [](const TileConfig &c) { return c.pingPong; };
  auto atomic = [](const TileConfig &c) { return c.atomicDq; };
  auto wide = [](const TileConfig &c) { return c.blockN > 128; };
  auto forward = [](const Options &o, bool sm90a = true, bool maps = true) {
    return CudaBackend::candidatesFor(o, /*backward=*/false, sm90a, maps, 128);
  };
  // sm_90a with tensor maps: the overlap alone and with turns, 256-key
  // blocks, no atomic dq.
  Options options;
  std::vector<TileConfig> all = forward(options);
  EXPECT_EQ(count(all, overlapAlone), 1);
  EXPECT_EQ(count(all, turns), 1);
  EXPECT_EQ(count(all, atomic), 0);
  EXPECT_GT(count(all, wide), 0);
  // The overlap asked for (every candidate has it): the turns on top are
  // still timed; the turns asked for: the overlap's candidate, not theirs.
  options.overlapSoftmax = true;
  EXPECT_EQ(count(forward(options), overlapAlone), 0);
  EXPECT_EQ(count(forward(options), turns), 1);
  options.overlapSoftmax = false;
  options.pingPong = true;
  EXPECT_EQ(count(forward(options), overlapAlone), 1);
  EXPECT_EQ(count(forward(options), turns), 0);
  // No producer warpgroup, no tensor maps or no sm_90a: neither.
  for (auto [producer, maps, sm90a] : {std::tuple{false, true, true},
                                       {true, false, true},
                                       {true, true, false}}) {
    Options o;
    o.warpSpecialize = producer;
    std::vector<TileConfig> some = forward(o, sm90a, maps);
    EXPECT_EQ(count(some, overlapAlone) + count(some, turns), 0)
        << producer << maps << sm90a;
  }
  // The backward: neither, no 256-key blocks; atomic dq on sm_90a where
  // dQ's share splits, not when the sums must repeat bit for bit.
  Options backward;
  std::vector<TileConfig> grads =
      CudaBackend::candidatesFor(backward, true, true, true, 128);
  EXPECT_EQ(count(grads, overlapAlone) + count(grads, turns), 0);
  EXPECT_EQ(count(grads, wide), 0);
  EXPECT_GT(count(grads, atomic), 0);
  backward.deterministic = true;
  EXPECT_EQ(count(CudaBackend::candidatesFor(backward, true, true, true, 128),
                  atomic),
            0);
  EXPECT_EQ(count(CudaBackend::candidatesFor(Options(), true, false, true, 128),
                  atomic),
            0);
}

TEST_F(CacheTest, CudaBackwardTuningAlsoTimesAtomicDqOnSm90a) {
  SKIP_WITHOUT_GPU();
  // The forward times neither atomic dq nor (off sm_90a) the overlap and
  // the turns; the backward neither the overlap nor 256-key blocks, and
  // atomic dq only on sm_90a, where it adds dq in bulk, and where dQ's
  // share splits over the warps: at head dim 32 (below every block-m, so
  // never transposed), 16 block-m rows a warp.
  CudaDeviceProperties properties;
  ASSERT_TRUE(CudaDriver::get().deviceProperties(0, &properties));
  bool sm90a = CudaBackend::chipFor(properties.computeCapability()) == "sm_90a";
  size_t forward = 0, backward = 0, atomic = 0;
  for (const TileConfig &c : CudaBackend::tuningCandidates()) {
    bool atomicTimed = sm90a && c.blockM % (16 * c.numWarps) == 0;
    forward += !c.atomicDq && (sm90a || (!c.overlapSoftmax && !c.pingPong));
    backward += !c.overlapSoftmax && !c.pingPong && c.blockN <= 128 &&
                (!c.atomicDq || atomicTimed);
    atomic += c.atomicDq && atomicTimed;
  }
  TimedConfigs timed;
  Autotuner::Progress progress = timed;
  CudaBackend::Options options;
  options.tuning = Tuning::Force;
  CudaBackend tuning(options);
  Workload w = smallProblem(true);
  ASSERT_TRUE(runOnGpu(w, tuning, progress));
  EXPECT_TRUE(w.check().passed()); // with whichever form of dq won
  EXPECT_EQ(timed.configs.size(), forward + backward);
  EXPECT_EQ(timed.atomicDq(), atomic);
  EXPECT_EQ(Autotuner::get().entries().size(), 2u);
}

TEST_F(CacheTest, DeterministicBackwardTuningLeavesOutAtomicDq) {
  SKIP_WITHOUT_GPU();
  // Options::deterministic: the backward's class is tuned apart (its key
  // says so) without the atomic-dq candidates, and repeats bit for bit.
  TimedConfigs timed;
  Autotuner::Progress progress = timed;
  CudaBackend::Options options;
  options.tuning = Tuning::Force;
  options.deterministic = true;
  CudaBackend tuning(options);
  Workload w = smallProblem(true);
  ASSERT_TRUE(runOnGpu(w, tuning, progress));
  EXPECT_TRUE(w.check().passed());
  EXPECT_FALSE(timed.configs.empty());
  EXPECT_EQ(timed.atomicDq(), 0u);
  size_t deterministicKeys = 0;
  for (const auto &[key, entry] : Autotuner::get().entries())
    deterministicKeys += key.find("/bwd-") != std::string::npos &&
                         key.find("-deterministic") != std::string::npos;
  EXPECT_EQ(deterministicKeys, 1u);
  std::vector<float> first;
  for (int64_t i = 0; i < w.dq.numElements(); ++i)
    first.push_back(w.dq.get(i));
  options.tuning = Tuning::Lookup;
  CudaBackend lookup(options);
  ASSERT_TRUE(runOnGpu(w, lookup));
  for (int64_t i = 0; i < w.dq.numElements(); ++i)
    ASSERT_EQ(w.dq.get(i), first[i]) << "dq element " << i;
}

} // namespace
