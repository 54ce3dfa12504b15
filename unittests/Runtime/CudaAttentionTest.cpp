//===- CudaAttentionTest.cpp - Attention on the GPU vs the oracle ----------===//
//
// The CPU backend's feature matrix on the cuda backend, plus GPU-specific
// properties: the dropout mask is the documented Philox mapping (hence the
// same as the CPU backend's), the same seed gives the same bits, and bad
// device arguments are named. Skipped without a usable GPU.
//
//===----------------------------------------------------------------------===//

#include "flash/Reference/AttentionReference.h"
#include "flash/Runtime/CudaBackend.h"
#include "flash/Testing/AttentionWorkload.h"

#include "AttentionCases.h"

#include "gtest/gtest.h"

#include <cmath>
#include <map>
#include <memory>
#include <tuple>

using namespace flash;
using namespace flash::testing;

namespace {

/// Backends shared by the tests (one per tile configuration), torn down
/// before static destruction.
class CudaBackends : public ::testing::Environment {
public:
  void TearDown() override { backends.clear(); }
  static CudaBackend &get(int64_t blockM, int64_t blockN, int64_t warps = 4,
                          int64_t stages = 1, bool tma = true,
                          bool warpSpecialize = true, bool pingPong = false,
                          bool overlapSoftmax = false, bool atomicDq = false,
                          int64_t persistentPrograms = -1,
                          bool transposedGrad = true,
                          bool backwardTiles = false) {
    auto &slot = backends[{blockM, blockN, warps, stages, tma, warpSpecialize,
                           pingPong, overlapSoftmax, atomicDq,
                           persistentPrograms, transposedGrad, backwardTiles}];
    if (!slot) {
      CudaBackend::Options options{blockM, blockN, warps, 0};
      // The tiles for the backward only: the forward at 64x64, 4 warps.
      if (backwardTiles) {
        options.backwardBlockM = blockM;
        options.backwardBlockN = blockN;
        options.backwardNumWarps = warps;
        options.blockM = options.blockN = 64;
        options.numWarps = 4;
      }
      options.stages = stages;
      options.tma = tma;
      options.warpSpecialize = warpSpecialize;
      options.pingPong = pingPong;
      options.overlapSoftmax = overlapSoftmax;
      options.atomicDq = atomicDq;
      options.persistent = persistentPrograms >= 0;
      options.persistentPrograms = std::max<int64_t>(persistentPrograms, 0);
      options.transposedGrad = transposedGrad;
      slot = std::make_unique<CudaBackend>(options);
    }
    return *slot;
  }
  using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, bool, bool, bool,
                         bool, bool, int64_t, bool, bool>;
  static std::map<Key, std::unique_ptr<CudaBackend>> backends;
};
std::map<CudaBackends::Key, std::unique_ptr<CudaBackend>> CudaBackends::backends;
[[maybe_unused]] ::testing::Environment *const cudaBackends =
    ::testing::AddGlobalTestEnvironment(new CudaBackends);

struct GpuCase {
  Case base;
  int64_t blockM, blockN, warps = 4, stages = 1;
  // On sm_90a with 8 warps: TMA copies where the tiles allow them, issued
  // by a producer warpgroup; with pingPong, its two consumer warpgroups
  // take turns at their products; with overlapSoftmax, a key block's
  // softmax runs beside the products around it.
  bool tma = true, warpSpecialize = true, pingPong = false,
       overlapSoftmax = false;
  // Forward persistent with at most this many programs (few, so that each
  // loops over several tiles; 0: as many as the GPU holds, the runtime's
  // default; -1: a program a tile).
  int64_t persistentPrograms = -1;
  // Backward: the dK/dV kernel on transposed scores (Sᵀ = K Qᵀ, the
  // runtime's default), else on S = Q Kᵀ.
  bool transposedGrad = true;
  // Tiles only the backward takes (64 queries over 8 warps): the backend's
  // backward tiles (Options::backwardBlockM...), the forward at 64x64 with
  // 4 warps, as a tuned runtime would pick them apart.
  bool backwardTiles = false;
};

std::string nameOf(const GpuCase &c) {
  return std::string(c.base.name) + "_m" + std::to_string(c.blockM) + "_n" +
         std::to_string(c.blockN) + (c.warps != 4 ? "_w" + std::to_string(c.warps) : "") +
         (c.stages != 1 ? "_s" + std::to_string(c.stages) : "") +
         (c.tma ? "" : "_notma") + (c.warpSpecialize ? "" : "_nows") + (c.pingPong ? "_pingpong" : "") +
         (c.overlapSoftmax ? "_overlap" : "") +
         (c.persistentPrograms < 0 ? ""
          : c.persistentPrograms == 0
              ? "_persistent"
              : "_persistent" + std::to_string(c.persistentPrograms)) +
         (c.transposedGrad ? "" : "_rowmajor") +
         (c.backwardTiles ? "_bwdtiles" : "");
}

void PrintTo(const GpuCase &c, std::ostream *os) { *os << nameOf(c); }

std::vector<GpuCase> gpuCases() {
  std::vector<GpuCase> all;
  for (const Case &c : attentionCases())
    all.push_back({c, 64, 64});
  // Two 16-row blocks per warp.
  for (const Case &c : attentionCases())
    if (std::string(c.name).find("causal") != std::string::npos)
      all.push_back({c, 128, 64});
  // Two warpgroups of 64 rows (wgmma on sm_90a); larger head dims need more
  // shared memory in the backward than a GPU has at these tiles.
  for (const Case &c : attentionCases())
    if (c.spec.headDim == 64 || c.spec.headDim == 128)
      all.push_back({c, 128, 128, 8});
  // Two pipeline stages (the next K/V block copied during this one).
  for (const Case &c : attentionCases())
    if (std::string(c.name).find("causal") != std::string::npos)
      all.push_back({c, 64, 64, 4, 2});
  // Two warpgroups with the copies issued by the consumers (TMA, no
  // producer), with cp.async (TMA off), and with a producer and the
  // consumers taking turns (ping-pong); else as the 128x128 set.
  for (const Case &c : attentionCases())
    if (std::string(c.name).find("causal") != std::string::npos &&
        (c.spec.headDim == 64 || c.spec.headDim == 128)) {
      all.push_back({c, 128, 128, 8, 1, true, false});
      all.push_back({c, 128, 128, 8, 1, false, true});
      all.push_back({c, 128, 128, 8, 1, true, true, true});
      all.push_back({c, 128, 128, 8, 1, true, true, false, true});
      all.push_back({c, 128, 128, 8, 1, true, true, true, true});
    }
  // Persistent forward kernels (fixed lengths, no causal mask; the runtime
  // makes them persistent where they have a producer warpgroup), a few
  // programs each looping over several tiles, in order and overlapped (the
  // copies' executions counted across tiles); and with as many programs as
  // the GPU holds (the default), also with 2 stages.
  for (const Case &c : attentionCases())
    if (!c.spec.causal && !c.spec.isVarlen()) {
      if (c.spec.headDim == 64 || c.spec.headDim == 128) {
        all.push_back({c, 128, 128, 8, 1, true, true, false, false, 3});
        all.push_back({c, 128, 128, 8, 1, true, true, false, true, 2});
        all.push_back({c, 128, 128, 8, 1, true, true, false, true, 0});
        all.push_back({c, 128, 128, 8, 2, true, true, false, false, 0});
      }
    }
  // Persistent causal forward kernels: the tiles in pairs of a long and a
  // short one (few programs, so that programs take several pairs and some
  // programs one fewer).
  for (const Case &c : attentionCases())
    if (c.spec.causal && !c.spec.isVarlen() &&
        (c.spec.headDim == 64 || c.spec.headDim == 128)) {
      all.push_back({c, 128, 128, 8, 1, true, true, false, false, 3});
      all.push_back({c, 128, 128, 8, 1, true, true, false, true, 0});
    }
  // 256-key blocks at d=64 (a forward autotuner candidate), persistent and
  // causal; forward only, as the tuner uses them. Causal, the diagonal loop
  // takes 128 keys a block, sharing the 256-key loop's stage buffers.
  for (Case c : attentionCases())
    if (c.spec.headDim == 64 && !c.spec.isVarlen() &&
        c.spec.kvHeads == c.spec.heads) {
      c.spec.backward = false;
      all.push_back({c, 128, 256, 8});
      if (c.spec.causal) {
        all.push_back({c, 128, 256, 8, 1, true, true, false, false, 3});
        all.push_back({c, 128, 256, 8, 1, true, true, false, false, 0});
      }
    }
  // Nine tiles a program, each with an unmasked and a masked key loop.
  WorkloadSpec ragged;
  ragged.dtype = DType::BF16;
  ragged.headDim = 128;
  ragged.batch = 2;
  ragged.heads = ragged.kvHeads = 3;
  ragged.seqlenQ = 300;
  ragged.seqlenK = 520;
  Case many{"bf16_d128_ragged_many_tiles", ragged, 128, 128, false};
  all.push_back({many, 128, 128, 8, 1, true, true, false, false, 2});
  all.push_back({many, 128, 128, 8, 1, true, true, false, true, 2});
  // With a causal mask: 18 tiles over 5 programs, three full rounds (the
  // second reversed) and a last one of three tiles.
  ragged.causal = true;
  Case manyCausal{"bf16_d128_causal_ragged_many_tiles", ragged, 128, 128,
                  false};
  all.push_back({manyCausal, 128, 128, 8, 1, true, true, false, false, 5});
  all.push_back({manyCausal, 128, 128, 8, 1, true, true, false, true, 5});
  // FlashAttention 3's backward block at d=128 (the autotuner's candidate):
  // 64 queries beside 128 keys over two warpgroups and a producer, dq added
  // in bulk from dQᵀ = Kᵀ dSᵀ, transposed into the reduction's buffer.
  for (const Case &c : attentionCases())
    if (c.atomicDq && c.spec.headDim == 128)
      all.push_back({c, 64, 128, 8, 1, true, true, false, false, -1, true,
                     /*backwardTiles=*/true});
  // The backward with its dK/dV kernel on S = Q Kᵀ (P and dS transposed
  // through shared memory): one warpgroup (mma.sync on sm_80, wgmma on
  // sm_90a), two stages, and two warpgroups with a producer.
  for (const Case &c : attentionCases()) {
    if (!c.spec.backward)
      continue;
    all.push_back({c, 64, 64, 4, 1, true, true, false, false, -1, false});
    if (std::string(c.name).find("causal") != std::string::npos)
      all.push_back({c, 64, 64, 4, 2, true, true, false, false, -1, false});
    if (c.spec.headDim == 64 || c.spec.headDim == 128)
      all.push_back({c, 128, 128, 8, 1, true, true, false, false, -1, false});
  }
  return all;
}

class CudaAttention : public ::testing::TestWithParam<GpuCase> {};

TEST_P(CudaAttention, MatchesFloat64Reference) {
  SKIP_WITHOUT_GPU();
  GpuCase c = GetParam();
  c.base.spec.dataSeed = freshSeed();
  Workload w(c.base.spec);
  CudaBackend &backend = CudaBackends::get(
      c.blockM, c.blockN, c.warps, c.stages, c.tma, c.warpSpecialize,
      c.pingPong, c.overlapSoftmax, c.base.atomicDq, c.persistentPrograms,
      c.transposedGrad, c.backwardTiles);
  Status status = runOnGpu(w, backend);
  ASSERT_TRUE(status) << status.message();
  for (const CheckEntry &e : w.check().entries)
    EXPECT_TRUE(e.passed) << c.base.name << ": " << e.name << " error " << e.error
                          << " > tolerance " << e.tolerance << " (naive "
                          << e.baseline << "), data seed " << c.base.spec.dataSeed;
}

INSTANTIATE_TEST_SUITE_P(Features, CudaAttention, ::testing::ValuesIn(gpuCases()),
                         [](const ::testing::TestParamInfo<GpuCase> &info) {
                           return nameOf(info.param);
                         });

TEST(CudaAttentionProperties, DropoutMaskIsThePhiloxMapping) {
  SKIP_WITHOUT_GPU();
  Workload w(dropoutProbeSpec());
  prepareDropoutProbe(w);
  Status status = runOnGpu(w, CudaBackends::get(64, 64));
  ASSERT_TRUE(status) << status.message();
  EXPECT_TRUE(checkDropoutProbe(w));
}

TEST(CudaAttentionProperties, ABackendOutlivesAContextRelease) {
  SKIP_WITHOUT_GPU();
  // Its compiled kernels and kept workspaces (dq's sums) predate the
  // release: it loads the kernels again and allocates afresh.
  CudaBackend::Options options{64, 64, 4, 0};
  options.atomicDq = true;
  CudaBackend backend(options);
  for (int round = 0; round < 2; ++round) {
    WorkloadSpec spec = baseSpec(DType::BF16, 64);
    spec.causal = true;
    spec.dataSeed = freshSeed();
    Workload w(spec);
    ASSERT_TRUE(runOnGpu(w, backend));
    EXPECT_TRUE(w.check().passed()) << "round " << round;
    CudaDriver &driver = CudaDriver::get();
    ASSERT_TRUE(driver.releaseContext(0));
    ASSERT_TRUE(driver.ensureContext(0));
  }
}

TEST(CudaAttentionProperties, SameSeedGivesIdenticalBits) {
  SKIP_WITHOUT_GPU();
  WorkloadSpec spec = baseSpec(DType::F16, 128);
  spec.causal = true;
  spec.dropoutP = 0.2f;
  spec.seed = freshSeed();
  spec.dataSeed = freshSeed();
  Workload w(spec);
  CudaBackend &backend = CudaBackends::get(64, 64);
  ASSERT_TRUE(runOnGpu(w, backend));
  std::vector<float> first;
  for (const HostTensor *t : {&w.out, &w.lse, &w.dq, &w.dk, &w.dv})
    for (int64_t i = 0; i < t->numElements(); ++i)
      first.push_back(t->get(i));
  ASSERT_TRUE(runOnGpu(w, backend));
  size_t index = 0;
  for (const HostTensor *t : {&w.out, &w.lse, &w.dq, &w.dk, &w.dv})
    for (int64_t i = 0; i < t->numElements(); ++i, ++index) {
      float value = t->get(i);
      ASSERT_TRUE(value == first[index] || (std::isinf(value) && std::isinf(first[index])))
          << "element " << index;
    }
}

TEST(CudaAttentionProperties, HostPointersAreRejectedNamingTheArgument) {
  SKIP_WITHOUT_GPU();
  WorkloadSpec spec = baseSpec(DType::BF16, 64);
  Workload w(spec);
  Status status = CudaBackends::get(64, 64).forward(w.forwardArgs());
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("argument 'q': must be in device memory"),
            std::string::npos)
      << status.message();
}

// Contradicting options are an error before anything is looked at or
// launched (no GPU needed): the outputs keep their poison.
TEST(CudaBackend, DeterministicRejectsAtomicDq) {
  WorkloadSpec spec = baseSpec(DType::BF16, 64);
  spec.backward = true;
  Workload w(spec);
  w.poisonOutputs();
  CudaBackend::Options options;
  options.atomicDq = options.deterministic = true;
  Status status = CudaBackend(options).backward(w.backwardArgs());
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("options: atomicDq adds dq in a varying "
                                  "order, which deterministic rules out"),
            std::string::npos)
      << status.message();
  for (int64_t i = 0; i < w.dq.numElements(); ++i)
    ASSERT_TRUE(std::isnan(w.dq.get(i)));
}

TEST(CudaBackend, EmitsPTXWithoutAGpu) {
  ProblemClass problem;
  problem.dtype = DType::BF16;
  problem.headDim = 128;
  problem.causal = true;
  // sm_90a lowers the forward's products to wgmma and copies K and V with
  // the TMA unless told not to.
  struct Variant {
    const char *chip;
    bool wgmma, tma;
  };
  for (auto [chip, wgmma, tma] :
       {Variant{"sm_80", true, true}, Variant{"sm_90a", false, true},
        Variant{"sm_90a", true, false}, Variant{"sm_90a", true, true}}) {
    problem.wgmma = wgmma;
    problem.tma = tma;
    // TMA copies come with two warpgroups (and a producer warpgroup).
    problem.blockM = problem.blockN = 128;
    problem.numWarps = 8;
    std::string ptx;
    Status status = CudaBackend::emitPTX(problem, chip, ptx);
    ASSERT_TRUE(status) << status.message();
    EXPECT_NE(ptx.find(std::string(".target ") + chip), std::string::npos);
    bool hopper = wgmma && std::string(chip) == "sm_90a";
    EXPECT_EQ(ptx.find("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32") !=
                  std::string::npos,
              !hopper)
        << chip;
    EXPECT_EQ(ptx.find("wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16") !=
                  std::string::npos,
              hopper)
        << chip;
    EXPECT_EQ(ptx.find("cp.async.bulk.tensor.4d.shared::cluster.global") !=
                  std::string::npos,
              hopper && tma)
        << chip;
    EXPECT_EQ(ptx.find("mbarrier.try_wait.parity") != std::string::npos,
              hopper && tma)
        << chip;
    EXPECT_NE(ptx.find("ex2.approx"), std::string::npos);
    EXPECT_NE(ptx.find("shfl.sync.bfly"), std::string::npos);
  }
}

TEST(CudaBackend, ChipNames) {
  EXPECT_EQ(CudaBackend::chipFor(80), "sm_80");
  EXPECT_EQ(CudaBackend::chipFor(86), "sm_86");
  EXPECT_EQ(CudaBackend::chipFor(90), "sm_90a");
}

} // namespace
