//===- Attention.h - Attention calls: arguments and validation --*- C++ -*-===//
//
// The arguments of one forward or backward call, in FlashAttention's layout
// ([batch, seqlen, heads, head_dim], or [total_tokens, heads, head_dim] with
// cu_seqlens for variable-length batches), and their validation. Every
// violation is reported, naming the argument, before anything is compiled or
// launched.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_ATTENTION_H
#define FLASH_RUNTIME_ATTENTION_H

#include "flash/Runtime/Tensor.h"

#include <optional>
#include <string>

namespace flash {

/// Success, or an error message.
class Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status status;
    status.message_ = std::move(message);
    status.failed_ = true;
    return status;
  }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return message_; }

private:
  bool failed_ = false;
  std::string message_;
};

struct AttentionOptions {
  std::optional<float> scale; // default 1/sqrt(head_dim)
  bool causal = false;        // bottom-right aligned when seqlen_q != seqlen_k
  float dropoutP = 0.0f;      // in [0, 1)
  uint64_t seed = 0;          // Philox key
  uint64_t offset = 0;        // Philox counter offset, below 2^32
};

/// Variable-length batches: sequences packed along the token axis.
struct VarlenArgs {
  TensorRef cuSeqlensQ, cuSeqlensK; // int32 [batch + 1], host memory
  int64_t maxSeqlenQ = 0, maxSeqlenK = 0;
  bool enabled() const { return cuSeqlensQ.data != nullptr; }
};

struct ForwardArgs {
  TensorRef q, k, v; // inputs
  TensorRef out;     // like q
  TensorRef lse;     // f32 [batch, heads, seqlen_q] or [heads, total_q]
  VarlenArgs varlen;
  AttentionOptions options;
};

struct BackwardArgs {
  TensorRef q, k, v, out, dout, lse; // the forward's inputs and outputs
  TensorRef dq, dk, dv;              // like q, k, v
  VarlenArgs varlen;
  AttentionOptions options;
};

/// The problem's sizes, derived from validated arguments.
struct ProblemSizes {
  int64_t batch = 0, heads = 0, kvHeads = 0, headDim = 0;
  int64_t seqlenQ = 0, seqlenK = 0; // max over the batch for varlen
};

/// Checks shapes, strides, dtypes, attributes and (host) cu_seqlens.
Status validate(const ForwardArgs &args, ProblemSizes *sizes = nullptr);
Status validate(const BackwardArgs &args, ProblemSizes *sizes = nullptr);

/// The head dims the kernels are built for.
bool isSupportedHeadDim(int64_t headDim);

} // namespace flash

#endif // FLASH_RUNTIME_ATTENTION_H
