//===- CacheTest.cpp - On-disk kernel cache: reuse, corruption, atomicity --===//

#include "flash/Runtime/Cache.h"
#include "flash/Runtime/CpuBackend.h"
#include "flash/Testing/AttentionWorkload.h"

#include "AttentionCases.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstdlib>

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

Workload smallProblem(bool causal) {
  WorkloadSpec spec = baseSpec(DType::BF16, 32);
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

} // namespace
