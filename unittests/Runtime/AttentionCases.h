//===- AttentionCases.h - The feature matrix the backends are tested on ---===//
//
// Every feature and a sample of their combinations, shared by the CPU and
// GPU tests so that both backends are held to the same cases.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_UNITTESTS_RUNTIME_ATTENTIONCASES_H
#define FLASH_UNITTESTS_RUNTIME_ATTENTIONCASES_H

#include "flash/Runtime/CudaBackend.h"
#include "flash/Testing/AttentionWorkload.h"

#include "gtest/gtest.h"

#include <ostream>
#include <vector>

namespace flash::testing {

struct Case {
  const char *name;
  WorkloadSpec spec;
  int64_t blockM = 64, blockN = 64; // the CPU backend's tiles
  bool atomicDq = false;            // the backend's Options::atomicDq
};

/// A fresh random seed (data or dropout) for each run.
uint64_t freshSeed();

/// A dense backward-and-forward problem of the given type and head dim.
WorkloadSpec baseSpec(DType dtype, int64_t headDim);

std::vector<Case> attentionCases();

inline void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

/// A probe of a backend's dropout mask, not a numerics test: with q = 0
/// every probability of a row is 1/n, and with V the identity
/// out[i, j] = keep(i, j) / (n (1 - p)), which reads the compiled mask
/// element by element. A forward-only problem with fresh seed and offset.
WorkloadSpec dropoutProbeSpec();
void prepareDropoutProbe(Workload &w);
/// Compares the probe's output with the oracle's mask, element by element,
/// and its drop rate with p (within 5 sigma).
::testing::AssertionResult checkDropoutProbe(const Workload &w);

/// Runs forward (and backward when the spec asks) of `w` on the GPU, the
/// outputs poisoned first; they end up in `w`. `progress` sees any tuning.
Status runOnGpu(Workload &w, CudaBackend &backend,
                Autotuner::Progress progress = nullptr);

} // namespace flash::testing

/// Skips a GPU test where no usable GPU is present, saying why.
#define SKIP_WITHOUT_GPU()                                                     \
  do {                                                                         \
    std::string why;                                                           \
    if (!::flash::CudaBackend::usable(&why))                                   \
      GTEST_SKIP() << "no usable GPU: " << why;                                \
  } while (false)

#endif // FLASH_UNITTESTS_RUNTIME_ATTENTIONCASES_H
