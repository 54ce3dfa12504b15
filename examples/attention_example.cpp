//===- attention_example.cpp - Calling FlashMLIR from C++ -------------------===//
//
// A framework hands its tensors over as DLPack DLTensors (PyTorch:
// torch.utils.dlpack.to_dlpack); this example builds them by hand. It runs
// causal attention with grouped K/V heads forward and backward, then shows
// how a bad argument is reported. The backend follows the tensors' device:
// these live in host memory, so it runs on the CPU backend.
//
//===----------------------------------------------------------------------===//

#include "flash/Runtime/Runtime.h"
#include "flash/Runtime/Tensor.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {

/// A contiguous host tensor and its DLPack description.
struct Tensor {
  Tensor(std::vector<int64_t> shape, DLDataType dtype, int64_t elementBytes)
      : shape(std::move(shape)) {
    int64_t count = 1;
    for (int64_t extent : this->shape)
      count *= extent;
    bytes.assign(count * elementBytes, 0);
    dl.data = bytes.data();
    dl.device = {kDLCPU, 0};
    dl.ndim = static_cast<int32_t>(this->shape.size());
    dl.dtype = dtype;
    dl.shape = this->shape.data();
    dl.strides = nullptr; // contiguous
    dl.byte_offset = 0;
  }
  int64_t count() const { return static_cast<int64_t>(bytes.size()) / (dl.dtype.bits / 8); }
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
  DLTensor dl{};
};

constexpr DLDataType kBF16 = {kDLBfloat, 16, 1};
constexpr DLDataType kF32 = {kDLFloat, 32, 1};

void fillRandom(Tensor &t, std::mt19937 &generator) {
  std::normal_distribution<float> normal;
  auto *values = reinterpret_cast<uint16_t *>(t.bytes.data());
  for (int64_t i = 0; i < t.count(); ++i)
    values[i] = flash::floatToBFloat16(normal(generator));
}

double sumOf(const Tensor &t) {
  double sum = 0;
  for (int64_t i = 0; i < t.count(); ++i)
    sum += t.dl.dtype.bits == 16
               ? flash::bfloat16ToFloat(reinterpret_cast<const uint16_t *>(t.bytes.data())[i])
               : reinterpret_cast<const float *>(t.bytes.data())[i];
  return sum;
}

} // namespace

int main() {
  const int64_t batch = 2, seqlen = 128, heads = 8, kvHeads = 2, headDim = 64;
  std::mt19937 generator(2026);
  Tensor q({batch, seqlen, heads, headDim}, kBF16, 2);
  Tensor k({batch, seqlen, kvHeads, headDim}, kBF16, 2);
  Tensor v({batch, seqlen, kvHeads, headDim}, kBF16, 2);
  Tensor dout({batch, seqlen, heads, headDim}, kBF16, 2);
  for (Tensor *t : {&q, &k, &v, &dout})
    fillRandom(*t, generator);
  Tensor out({batch, seqlen, heads, headDim}, kBF16, 2);
  Tensor lse({batch, heads, seqlen}, kF32, 4);
  Tensor dq(q.shape, kBF16, 2), dk(k.shape, kBF16, 2), dv(v.shape, kBF16, 2);

  flash::AttentionCall call;
  call.causal = true;
  call.dropoutP = 0.1f;
  call.seed = 42;

  flash::Runtime &runtime = flash::Runtime::get();
  if (flash::Status s = runtime.forward(&q.dl, &k.dl, &v.dl, &out.dl, &lse.dl, call); !s) {
    std::fprintf(stderr, "forward failed: %s\n", s.message().c_str());
    return 1;
  }
  if (flash::Status s = runtime.backward(&q.dl, &k.dl, &v.dl, &out.dl, &dout.dl,
                                         &lse.dl, &dq.dl, &dk.dl, &dv.dl, call);
      !s) {
    std::fprintf(stderr, "backward failed: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("out sum %.4f, lse[0] %.4f, dq sum %.4f, dk sum %.4f, dv sum %.4f\n",
              sumOf(out), reinterpret_cast<const float *>(lse.bytes.data())[0],
              sumOf(dq), sumOf(dk), sumOf(dv));
  for (const Tensor *t : {&out, &lse, &dq, &dk, &dv})
    if (!std::isfinite(sumOf(*t))) {
      std::fprintf(stderr, "non-finite result\n");
      return 1;
    }

  // A mistake is reported naming the argument, and nothing runs.
  Tensor wrongLse({batch, seqlen, heads}, kF32, 4);
  flash::Status s = runtime.forward(&q.dl, &k.dl, &v.dl, &out.dl, &wrongLse.dl, call);
  std::printf("a wrongly shaped lse: %s\n", s ? "accepted?!" : s.message().c_str());
  return s ? 1 : 0;
}
