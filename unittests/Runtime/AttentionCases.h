//===- AttentionCases.h - The feature matrix the backends are tested on ---===//
//
// Every feature and a sample of their combinations, shared by the CPU and
// GPU tests so that both backends are held to the same cases.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_UNITTESTS_RUNTIME_ATTENTIONCASES_H
#define FLASH_UNITTESTS_RUNTIME_ATTENTIONCASES_H

#include "flash/Testing/AttentionWorkload.h"

#include <ostream>
#include <vector>

namespace flash::testing {

struct Case {
  const char *name;
  WorkloadSpec spec;
  int64_t blockM = 64, blockN = 64; // the CPU backend's tiles
};

/// A fresh random seed (data or dropout) for each run.
uint64_t freshSeed();

/// A dense backward-and-forward problem of the given type and head dim.
WorkloadSpec baseSpec(DType dtype, int64_t headDim);

std::vector<Case> attentionCases();

inline void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

} // namespace flash::testing

#endif // FLASH_UNITTESTS_RUNTIME_ATTENTIONCASES_H
