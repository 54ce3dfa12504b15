//===- ValidationTest.cpp - Bad arguments are named, nothing runs -----------===//
//
// Each invalid argument gets an error that names it, returned before any
// compilation or launch: the poisoned outputs are still poisoned afterwards.
//
//===----------------------------------------------------------------------===//

#include "flash/Runtime/CpuBackend.h"
#include "flash/Testing/AttentionWorkload.h"

#include "gtest/gtest.h"

#include <cctype>
#include <cmath>
#include <functional>

using namespace flash;
using namespace flash::testing;

namespace {

WorkloadSpec smallSpec(bool varlen) {
  WorkloadSpec s;
  s.batch = 2;
  s.heads = 4;
  s.kvHeads = 2;
  s.seqlenQ = 32;
  s.seqlenK = 48;
  s.headDim = 32;
  s.backward = true;
  if (varlen) {
    s.varlenQ = {10, 20};
    s.varlenK = {12, 30};
  }
  return s;
}

struct BadForward {
  const char *what;
  bool varlen;
  std::function<void(ForwardArgs &, Workload &)> breakIt;
  const char *expected; // substring of the error
};

std::vector<BadForward> badForwards() {
  return {
      {"f32 inputs", false, [](ForwardArgs &a, Workload &) { a.q.dtype = DType::F32; },
       "argument 'q': must have dtype fp16 or bf16"},
      {"k of another dtype", false,
       [](ForwardArgs &a, Workload &) { a.k.dtype = DType::F16; },
       "argument 'k': must have dtype bf16"},
      {"missing v", false, [](ForwardArgs &a, Workload &) { a.v.data = nullptr; },
       "argument 'v': is missing"},
      {"rank-3 q when dense", false,
       [](ForwardArgs &a, Workload &) {
         a.q.shape = {64, 4, 32};
         a.q.strides = {128, 32, 1};
       },
       "argument 'q': must have rank 4"},
      {"strided head dim", false,
       [](ForwardArgs &a, Workload &) { a.out.strides.back() = 2; },
       "argument 'out': must be contiguous along its last axis"},
      {"kv heads not dividing", false,
       [](ForwardArgs &a, Workload &) {
         a.k.shape[2] = 3;
         a.v.shape[2] = 3;
       },
       "argument 'k': has 3 heads, which must divide q's 4"},
      {"v shaped unlike k", false, [](ForwardArgs &a, Workload &) { a.v.shape[1] = 47; },
       "argument 'v': must have shape [2, 48, 2, 32]"},
      {"unsupported head dim", false,
       [](ForwardArgs &a, Workload &) {
         for (TensorRef *t : {&a.q, &a.k, &a.v, &a.out})
           t->shape.back() = 20;
       },
       "argument 'q': head_dim 20 is not supported"},
      {"batch mismatch", false,
       [](ForwardArgs &a, Workload &) {
         a.k.shape[0] = 1;
         a.v.shape[0] = 1;
       },
       "argument 'k': must have q's batch size 2"},
      {"lse of the wrong shape", false,
       [](ForwardArgs &a, Workload &) { a.lse.shape = {2, 32, 4}; },
       "argument 'lse': must have shape [2, 4, 32]"},
      {"lse not f32", false, [](ForwardArgs &a, Workload &) { a.lse.dtype = DType::BF16; },
       "argument 'lse': must have dtype f32"},
      {"dropout of 1", false, [](ForwardArgs &a, Workload &) { a.options.dropoutP = 1.0f; },
       "argument 'dropout_p': must be in [0, 1)"},
      {"negative scale", false, [](ForwardArgs &a, Workload &) { a.options.scale = -1.0f; },
       "argument 'scale': must be finite and positive"},
      {"offset of 2^32", false,
       [](ForwardArgs &a, Workload &) { a.options.offset = uint64_t{1} << 32; },
       "argument 'offset': must be below 2^32"},
      {"cu_seqlens decreasing", true,
       [](ForwardArgs &, Workload &w) {
         static_cast<int32_t *>(w.cuSeqlensQ.ref().data)[1] = 31;
       },
       "argument 'cu_seqlens_q': must be non-decreasing"},
      {"cu_seqlens not starting at 0", true,
       [](ForwardArgs &, Workload &w) {
         static_cast<int32_t *>(w.cuSeqlensK.ref().data)[0] = 1;
       },
       "argument 'cu_seqlens_k': must start at 0"},
      {"cu_seqlens past the tokens", true,
       [](ForwardArgs &, Workload &w) {
         static_cast<int32_t *>(w.cuSeqlensK.ref().data)[2] = 43;
       },
       "argument 'cu_seqlens_k': ends at 43, past the 42 tokens"},
      {"cu_seqlens of another length", true,
       [](ForwardArgs &a, Workload &) { a.varlen.cuSeqlensK.shape = {2}; },
       "argument 'cu_seqlens_k': must have batch + 1 = 3 entries"},
      {"cu_seqlens of int64", true,
       [](ForwardArgs &a, Workload &) { a.varlen.cuSeqlensQ.dtype = DType::F32; },
       "argument 'cu_seqlens_q': must have dtype i32"},
      {"max_seqlen too small", true,
       [](ForwardArgs &a, Workload &) { a.varlen.maxSeqlenK = 17; },
       "argument 'max_seqlen_k': (17) is smaller than sequence 1's length (30)"},
      {"varlen lse of dense shape", true,
       [](ForwardArgs &a, Workload &) {
         a.lse.shape = {2, 4, 15};
         a.lse.strides = {60, 15, 1};
       },
       "argument 'lse': must have rank 2"},
  };
}

void PrintTo(const BadForward &bad, std::ostream *os) { *os << bad.what; }

class InvalidForward : public ::testing::TestWithParam<BadForward> {};

TEST_P(InvalidForward, IsRejectedNamingTheArgument) {
  const BadForward &bad = GetParam();
  Workload w(smallSpec(bad.varlen));
  ForwardArgs args = w.forwardArgs();
  bad.breakIt(args, w);
  CpuBackend backend;
  Status status = backend.forward(args);
  ASSERT_FALSE(status) << bad.what;
  EXPECT_NE(status.message().find(bad.expected), std::string::npos)
      << bad.what << ": got \"" << status.message() << "\"";
  // Nothing ran: the outputs keep their poison.
  for (int64_t i = 0; i < w.out.numElements(); ++i)
    ASSERT_TRUE(std::isnan(w.out.get(i)));
}

INSTANTIATE_TEST_SUITE_P(Arguments, InvalidForward,
                         ::testing::ValuesIn(badForwards()),
                         [](const ::testing::TestParamInfo<BadForward> &info) {
                           std::string name = info.param.what;
                           for (char &c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return name;
                         });

TEST(InvalidBackward, GradientShapedUnlikeItsInputIsNamed) {
  Workload w(smallSpec(false));
  BackwardArgs args = w.backwardArgs();
  args.dk.shape[1] = 47;
  CpuBackend backend;
  Status status = backend.backward(args);
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("argument 'dk': must have shape [2, 48, 2, 32]"),
            std::string::npos)
      << status.message();
  for (int64_t i = 0; i < w.dq.numElements(); ++i)
    ASSERT_TRUE(std::isnan(w.dq.get(i)));
}

TEST(InvalidBackward, DoutOfAnotherDtypeIsNamed) {
  Workload w(smallSpec(true));
  BackwardArgs args = w.backwardArgs();
  args.dout.dtype = DType::F16;
  Status status = CpuBackend().backward(args);
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("argument 'dout': must have dtype bf16"),
            std::string::npos)
      << status.message();
}

} // namespace
