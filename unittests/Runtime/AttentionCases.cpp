//===- AttentionCases.cpp - The feature matrix the backends are tested on -===//

#include "AttentionCases.h"

#include "flash/Reference/AttentionReference.h"

#include <cmath>
#include <random>

namespace flash::testing {

uint64_t freshSeed() { return std::random_device{}(); }

WorkloadSpec baseSpec(DType dtype, int64_t headDim) {
  WorkloadSpec s;
  s.dtype = dtype;
  s.headDim = headDim;
  s.batch = 2;
  s.heads = 2;
  s.kvHeads = 2;
  s.seqlenQ = 96;
  s.seqlenK = 96;
  s.backward = true;
  return s;
}

std::vector<Case> attentionCases() {
  std::vector<Case> all;
  auto add = [&](const char *name, WorkloadSpec s, int64_t bm = 64,
                 int64_t bn = 64, bool atomicDq = false) {
    all.push_back({name, s, bm, bn, atomicDq});
  };
  const DType bf16 = DType::BF16, fp16 = DType::F16;

  add("bf16_d64", baseSpec(bf16, 64));
  { auto s = baseSpec(fp16, 64); s.causal = true; add("fp16_d64_causal", s); }
  { auto s = baseSpec(bf16, 32); s.causal = true; s.seqlenQ = 77; s.seqlenK = 131;
    add("bf16_d32_causal_short_q_ragged", s); }
  { auto s = baseSpec(fp16, 96); s.causal = true; s.seqlenQ = 150; s.seqlenK = 45;
    add("fp16_d96_causal_long_q", s); }
  { auto s = baseSpec(bf16, 128); s.dropoutP = 0.17f; s.seed = freshSeed(); s.offset = 3;
    add("bf16_d128_dropout", s); }
  { auto s = baseSpec(fp16, 256); s.seqlenQ = 40; s.seqlenK = 33; add("fp16_d256_ragged", s); }
  { auto s = baseSpec(bf16, 64); s.heads = 8; s.kvHeads = 2; s.causal = true;
    s.dropoutP = 0.25f; s.seed = freshSeed(); add("bf16_d64_gqa_causal_dropout", s); }
  { auto s = baseSpec(fp16, 128); s.varlenQ = {0, 1, 63, 64, 65, 130}; s.causal = true;
    add("fp16_d128_varlen_causal", s); }
  { auto s = baseSpec(bf16, 64); s.heads = 4; s.kvHeads = 2; s.varlenQ = {17, 0, 100};
    s.varlenK = {30, 5, 64}; s.dropoutP = 0.1f; s.seed = freshSeed();
    add("bf16_d64_varlen_gqa_dropout", s); }
  { auto s = baseSpec(bf16, 32); s.heads = 4; s.kvHeads = 1; s.stridePadding = 3;
    add("bf16_d32_mqa_strided", s); }
  { auto s = baseSpec(fp16, 64); s.stridePadding = 5; s.causal = true; s.varlenQ = {1, 90};
    s.varlenK = {1, 120}; s.dropoutP = 0.3f; s.seed = freshSeed();
    add("fp16_d64_strided_varlen_causal_dropout", s); }
  { auto s = baseSpec(bf16, 128); s.batch = 1; s.seqlenQ = 1; s.seqlenK = 1; s.causal = true;
    add("bf16_d128_length_one", s); }
  // One key, seen only by the last query row of each of the group's heads:
  // dV is the sum of their dO rows, rounded once.
  { auto s = baseSpec(fp16, 64); s.heads = 3; s.kvHeads = 1; s.causal = true;
    s.seqlenQ = 85; s.seqlenK = 1; add("fp16_d64_gqa_causal_one_key", s); }
  { auto s = baseSpec(fp16, 64); s.scale = 0.3f; s.seqlenQ = 50; s.seqlenK = 70;
    add("fp16_d64_custom_scale", s); }
  { auto s = baseSpec(bf16, 64); s.causal = true; s.seqlenQ = 70; s.seqlenK = 90;
    add("bf16_d64_causal_small_blocks", s, 32, 16); }
  { auto s = baseSpec(fp16, 96); s.varlenQ = {33, 0, 47}; s.dropoutP = 0.2f;
    s.seed = freshSeed(); add("fp16_d96_varlen_dropout_small_blocks", s, 32, 16); }
  // Key blocks twice the query rows: the diagonal loop takes narrower ones
  // (the diagonal 20 keys off the blocks' grid).
  { auto s = baseSpec(bf16, 64); s.causal = true; s.seqlenQ = 150; s.seqlenK = 170;
    s.dropoutP = 0.1f; s.seed = freshSeed();
    add("bf16_d64_causal_dropout_wide_key_blocks", s, 32, 64); }
  // dq added atomically by the dK/dV kernel.
  add("bf16_d128_atomic_dq", baseSpec(bf16, 128), 64, 64, true);
  { auto s = baseSpec(fp16, 64); s.heads = 4; s.kvHeads = 2; s.causal = true;
    s.varlenQ = {5, 70}; s.varlenK = {9, 64}; s.dropoutP = 0.15f; s.seed = freshSeed();
    add("fp16_d64_varlen_gqa_causal_dropout_atomic_dq", s, 64, 64, true); }
  { auto s = baseSpec(bf16, 64); s.causal = true; s.seqlenQ = 70; s.seqlenK = 90;
    add("bf16_d64_causal_small_blocks_atomic_dq", s, 32, 16, true); }
  { auto s = baseSpec(bf16, 128); s.heads = 4; s.kvHeads = 2; s.causal = true;
    s.varlenQ = {130, 7, 61}; s.dropoutP = 0.1f; s.seed = freshSeed();
    add("bf16_d128_varlen_gqa_causal_dropout_atomic_dq", s, 64, 64, true); }
  return all;
}

namespace {
constexpr int64_t kProbeKeys = 64; // = head_dim, so that V can be I
} // namespace

WorkloadSpec dropoutProbeSpec() {
  WorkloadSpec spec = baseSpec(DType::BF16, kProbeKeys);
  spec.backward = false;
  spec.batch = 2;
  spec.heads = 3;
  spec.kvHeads = 3;
  spec.seqlenQ = 200;
  spec.seqlenK = kProbeKeys;
  spec.dropoutP = 0.3f;
  spec.seed = (freshSeed() << 32) | freshSeed();
  spec.offset = freshSeed() & 0xFFFFFFFF;
  return spec;
}

void prepareDropoutProbe(Workload &w) {
  const WorkloadSpec &spec = w.spec();
  const int64_t n = kProbeKeys;
  w.q.fill(0.0f);
  for (int64_t b = 0; b < spec.batch; ++b)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t h = 0; h < spec.heads; ++h)
        for (int64_t d = 0; d < n; ++d)
          w.v.set(((b * n + j) * spec.heads + h) * n + d, j == d ? 1.0f : 0.0f);
}

::testing::AssertionResult checkDropoutProbe(const Workload &w) {
  const WorkloadSpec &spec = w.spec();
  const int64_t n = kProbeKeys;
  reference::Problem p;
  p.heads = spec.heads;
  p.dropoutP = spec.dropoutP;
  p.seed = spec.seed;
  p.offset = spec.offset;
  int64_t dropped = 0, total = 0;
  for (int64_t b = 0; b < spec.batch; ++b)
    for (int64_t i = 0; i < spec.seqlenQ; ++i)
      for (int64_t h = 0; h < spec.heads; ++h)
        for (int64_t j = 0; j < n; ++j, ++total) {
          float value = w.out.get(((b * spec.seqlenQ + i) * spec.heads + h) * n + j);
          bool kept = value != 0.0f;
          dropped += !kept;
          if (kept != reference::dropoutKeeps(p, b, h, i, j))
            return ::testing::AssertionFailure()
                   << "b " << b << " h " << h << " row " << i << " col " << j
                   << ": kept " << kept << " but the Philox mapping says "
                   << !kept;
        }
  double rate = static_cast<double>(dropped) / total;
  double sigma = std::sqrt(spec.dropoutP * (1 - spec.dropoutP) / total);
  if (std::abs(rate - spec.dropoutP) > 5 * sigma)
    return ::testing::AssertionFailure()
           << "drop rate " << rate << " is not within 5 sigma of " << spec.dropoutP;
  return ::testing::AssertionSuccess();
}

Status runOnGpu(Workload &w, CudaBackend &backend, Autotuner::Progress progress) {
  DeviceWorkload device;
  w.poisonOutputs();
  if (Status s = device.upload(w); !s)
    return s;
  if (Status s = backend.forward(device.forwardArgs(w), nullptr, progress); !s)
    return s;
  if (w.spec().backward)
    if (Status s = backend.backward(device.backwardArgs(w), nullptr, progress); !s)
      return s;
  return device.download(w);
}

} // namespace flash::testing
