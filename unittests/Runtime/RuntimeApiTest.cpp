//===- RuntimeApiTest.cpp - The DLPack API: results, errors, threads -------===//

#include "flash/Runtime/Runtime.h"
#include "flash/Testing/AttentionWorkload.h"

#include "AttentionCases.h"

#include "gtest/gtest.h"

#include <cmath>
#include <thread>

using namespace flash;
using namespace flash::testing;

namespace {

/// A DLTensor viewing a host tensor (which must outlive it).
struct DLView {
  explicit DLView(HostTensor &t, DLDeviceType device = kDLCPU) {
    TensorRef ref = t.ref();
    shape = ref.shape;
    strides = ref.strides;
    tensor.data = ref.data;
    tensor.device = {device, 0};
    tensor.ndim = static_cast<int32_t>(shape.size());
    switch (ref.dtype) {
    case DType::F16: tensor.dtype = {kDLFloat, 16, 1}; break;
    case DType::BF16: tensor.dtype = {kDLBfloat, 16, 1}; break;
    case DType::F32: tensor.dtype = {kDLFloat, 32, 1}; break;
    case DType::I32: tensor.dtype = {kDLInt, 32, 1}; break;
    }
    tensor.shape = shape.data();
    tensor.strides = strides.data();
    tensor.byte_offset = 0;
  }
  DLTensor *operator&() { return &tensor; }
  std::vector<int64_t> shape, strides;
  DLTensor tensor{};
};

AttentionCall callOf(const Workload &w) {
  const WorkloadSpec &s = w.spec();
  AttentionCall call;
  call.scale = s.scale;
  call.causal = s.causal;
  call.dropoutP = s.dropoutP;
  call.seed = s.seed;
  call.offset = s.offset;
  return call;
}

Status runThroughApi(Workload &w, AttentionCall call) {
  DLView q(w.q), k(w.k), v(w.v), out(w.out), lse(w.lse);
  std::unique_ptr<DLView> cuQ, cuK;
  if (w.spec().isVarlen()) {
    cuQ = std::make_unique<DLView>(w.cuSeqlensQ);
    cuK = std::make_unique<DLView>(w.cuSeqlensK);
    call.cuSeqlensQ = &cuQ->tensor;
    call.cuSeqlensK = &cuK->tensor;
    call.maxSeqlenQ = w.forwardArgs().varlen.maxSeqlenQ;
    call.maxSeqlenK = w.forwardArgs().varlen.maxSeqlenK;
  }
  w.poisonOutputs();
  if (Status s = Runtime::get().forward(&q, &k, &v, &out, &lse, call); !s)
    return s;
  if (!w.spec().backward)
    return Status::success();
  DLView dout(w.dout), dq(w.dq), dk(w.dk), dv(w.dv);
  return Runtime::get().backward(&q, &k, &v, &out, &dout, &lse, &dq, &dk, &dv, call);
}

TEST(RuntimeApi, ForwardAndBackwardThroughDLPackMatchTheReference) {
  for (const Case &c : attentionCases()) {
    if (std::string(c.name).find("varlen") == std::string::npos &&
        std::string(c.name).find("strided") == std::string::npos)
      continue; // the layouts DLPack describes: strides, packed batches
    WorkloadSpec spec = c.spec;
    spec.dataSeed = freshSeed();
    Workload w(spec);
    Status status = runThroughApi(w, callOf(w));
    ASSERT_TRUE(status) << c.name << ": " << status.message();
    CheckResult result = w.check();
    EXPECT_TRUE(result.passed()) << c.name;
  }
}

struct BadCall {
  const char *what;
  std::function<void(DLTensor *q, DLTensor *out, AttentionCall &call,
                      DLTensor *cuda)>
      breakIt;
  const char *expected;
};

TEST(RuntimeApi, BadArgumentsAreNamedAndNothingRuns) {
  WorkloadSpec spec = baseSpec(DType::BF16, 32);
  spec.backward = false;
  spec.varlenQ = {5, 9};
  Workload w(spec);
  HostTensor spare(DType::I32, {3});
  std::vector<BadCall> cases = {
      {"null q", [](DLTensor *q, DLTensor *, AttentionCall &, DLTensor *) { q->ndim = 0; },
       "argument 'q': must have at least one dimension"},
      {"f64 out", [](DLTensor *, DLTensor *out, AttentionCall &, DLTensor *) {
         out->dtype = {kDLFloat, 64, 1}; }, "argument 'out': has an unsupported dtype"},
      {"vector lanes", [](DLTensor *q, DLTensor *, AttentionCall &, DLTensor *) {
         q->dtype.lanes = 2; }, "argument 'q': vector types"},
      {"out on another device", [](DLTensor *, DLTensor *out, AttentionCall &, DLTensor *) {
         out->device = {kDLCUDA, 0}; }, "argument 'out': must be on the same device as 'q'"},
      {"cuda backend for host tensors", [](DLTensor *, DLTensor *, AttentionCall &call, DLTensor *) {
         call.backend = Backend::Cuda; }, "argument 'q': the cuda backend needs CUDA tensors"},
      {"cu_seqlens on the device", [](DLTensor *, DLTensor *, AttentionCall &call, DLTensor *cuda) {
         call.cuSeqlensK = cuda; }, "argument 'cu_seqlens_k': must be in host memory"},
      {"one cu_seqlens", [](DLTensor *, DLTensor *, AttentionCall &call, DLTensor *) {
         call.cuSeqlensK = nullptr; }, "argument 'cu_seqlens_k': varlen needs both"},
      {"max_seqlen too small", [](DLTensor *, DLTensor *, AttentionCall &call, DLTensor *) {
         call.maxSeqlenQ = 4; }, "argument 'max_seqlen_q': (4) is smaller"},
      {"dropout of 2", [](DLTensor *, DLTensor *, AttentionCall &call, DLTensor *) {
         call.dropoutP = 2.0f; }, "argument 'dropout_p': must be in [0, 1)"},
  };
  for (const BadCall &bad : cases) {
    w.poisonOutputs();
    DLView q(w.q), k(w.k), v(w.v), out(w.out), lse(w.lse), cuQ(w.cuSeqlensQ),
        cuK(w.cuSeqlensK), onDevice(spare, kDLCUDA);
    AttentionCall call = callOf(w);
    call.cuSeqlensQ = &cuQ;
    call.cuSeqlensK = &cuK;
    call.maxSeqlenQ = 9;
    call.maxSeqlenK = 9;
    bad.breakIt(&q, &out, call, &onDevice);
    Status status = Runtime::get().forward(&q, &k, &v, &out, &lse, call);
    ASSERT_FALSE(status) << bad.what;
    EXPECT_NE(status.message().find(bad.expected), std::string::npos)
        << bad.what << ": got \"" << status.message() << "\"";
    for (int64_t i = 0; i < w.out.numElements(); ++i)
      ASSERT_TRUE(std::isnan(w.out.get(i))) << bad.what << ": output written";
  }
}

TEST(RuntimeApi, ConcurrentCallsFromSeveralThreadsAreCorrect) {
  // Several problem classes at once, each thread checking its own results:
  // compilation (serialised per backend) and execution run concurrently.
  std::vector<Case> all = attentionCases();
  std::vector<Case> chosen(all.begin(), all.begin() + 4);
  std::vector<std::string> failures(chosen.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < chosen.size(); ++t)
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 2; ++repeat) {
        WorkloadSpec spec = chosen[t].spec;
        spec.dataSeed = freshSeed();
        Workload w(spec);
        Status status = runThroughApi(w, callOf(w));
        if (!status) {
          failures[t] = status.message();
          return;
        }
        if (!w.check().passed()) {
          failures[t] = std::string(chosen[t].name) + " failed its check";
          return;
        }
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  for (size_t t = 0; t < chosen.size(); ++t)
    EXPECT_TRUE(failures[t].empty()) << chosen[t].name << ": " << failures[t];
}

} // namespace
