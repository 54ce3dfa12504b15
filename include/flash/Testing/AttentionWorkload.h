//===- AttentionWorkload.h - Random problems and their checking -*- C++ -*-===//
//
// A workload owns the host tensors of one attention problem: fresh random
// inputs, outputs poisoned with NaN before each run, the arguments for a
// backend, and the comparison of the outputs with the float64 oracle under
// FlashAttention's tolerance rule. flash-run and the tests share it.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_TESTING_ATTENTIONWORKLOAD_H
#define FLASH_TESTING_ATTENTIONWORKLOAD_H

#include "flash/Runtime/Attention.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flash::testing {

/// A tensor in host memory that owns its storage.
class HostTensor {
public:
  HostTensor() = default;
  /// `padding` extra elements between rows of every axis but the last make
  /// the strides non-trivial.
  HostTensor(DType dtype, std::vector<int64_t> shape, int64_t padding = 0);

  TensorRef ref();
  const std::vector<int64_t> &shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  int64_t numElements() const;
  /// Element at a row-major logical index, converted to/from float.
  float get(int64_t logical) const;
  void set(int64_t logical, float value);
  void fill(float value);
  /// The storage, strides and padding included.
  void *storage() { return storage_.data(); }
  size_t storageBytes() const { return storage_.size(); }

private:
  int64_t linear(int64_t logical) const;
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_, strides_;
  std::vector<uint8_t> storage_;
};

struct WorkloadSpec {
  int64_t batch = 2, heads = 4, kvHeads = 4, headDim = 64;
  int64_t seqlenQ = 128, seqlenK = 128;
  std::vector<int64_t> varlenQ, varlenK; // lengths; non-empty: varlen
  DType dtype = DType::BF16;
  bool causal = false, backward = false;
  float dropoutP = 0.0f;
  std::optional<float> scale;
  uint64_t seed = 0, offset = 0; // dropout RNG
  uint64_t dataSeed = 1;         // input data
  int64_t stridePadding = 0;     // > 0: non-contiguous outer strides

  bool isVarlen() const { return !varlenQ.empty(); }
  /// FLOPs counted as FlashAttention does (4 b h sq sk d forward, 2.5x that
  /// backward, half when causal), over the real sequence lengths.
  double flops() const;
};

/// The error of one output against the oracle, with the naive baseline.
struct CheckEntry {
  std::string name;
  // Relative to ||ref|| (absolute norms when the reference is all zeros).
  double error = 0.0;    // ||ours - ref|| / ||ref||
  double baseline = 0.0; // ||naive low-precision - ref|| / ||ref||
  double tolerance = 0.0; // 2 * baseline + slack
  bool passed = false;
};

struct CheckResult {
  std::vector<CheckEntry> entries;
  bool passed() const;
};

class Workload {
public:
  explicit Workload(const WorkloadSpec &spec);

  const WorkloadSpec &spec() const { return spec_; }
  ForwardArgs forwardArgs();
  BackwardArgs backwardArgs();
  /// Fills every output with NaN, so that an element a kernel fails to
  /// write cannot pass for a result.
  void poisonOutputs();
  /// Compares out and lse (and with `backward`, dq, dk, dv) with the oracle.
  CheckResult check() const;
  /// Writes every input and output as NumPy .npy files into `dir`.
  Status save(const std::string &dir) const;

  HostTensor q, k, v, out, lse, dout, dq, dk, dv, cuSeqlensQ, cuSeqlensK;

private:
  /// A [batch, seqlen, heads, dim] or [tokens, heads, dim] tensor as the
  /// oracle's packed float64 [tokens, heads, dim].
  std::vector<double> packed(const HostTensor &t) const;
  WorkloadSpec spec_;
};

/// A device copy of a workload's tensors (same shapes and strides), for the
/// cuda backend; cu_seqlens stay on the host, where the runtime reads them.
class DeviceWorkload {
public:
  /// Copies every tensor of `host` (inputs and poisoned outputs) to the GPU.
  Status upload(Workload &host);
  /// Copies the outputs back into `host`.
  Status download(Workload &host);
  ForwardArgs forwardArgs(Workload &host);
  BackwardArgs backwardArgs(Workload &host);

private:
  struct Mirror;
  std::vector<std::shared_ptr<Mirror>> mirrors;
  TensorRef deviceRef(HostTensor &tensor);
};

/// Parses "fp16" / "bf16".
std::optional<DType> parseDType(const std::string &text);

} // namespace flash::testing

#endif // FLASH_TESTING_ATTENTIONWORKLOAD_H
