//===- Runtime.h - The FlashMLIR attention API ------------------*- C++ -*-===//
//
// What frameworks call: attention forward and backward on DLPack tensors
// (DLTensor, as PyTorch's and others' to_dlpack hand them over, without
// copies), in FlashAttention's layout: [batch, seqlen, heads, head_dim], or
// [total_tokens, heads, head_dim] with cu_seqlens for variable-length
// batches. Every argument is validated, and a violation reported naming the
// argument, before anything is compiled or launched. The backend follows
// the tensors' device (CPU or CUDA) unless one is asked for.
//
//   flash::AttentionCall call;
//   call.causal = true;
//   flash::Status s = flash::Runtime::get().forward(&q, &k, &v, &out, &lse, call);
//   if (!s) std::cerr << s.message() << "\n";
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_RUNTIME_H
#define FLASH_RUNTIME_RUNTIME_H

#include "flash/Runtime/Attention.h"

#include <dlpack/dlpack.h>

#include <memory>
#include <optional>

namespace flash {

enum class Backend { Auto, Cpu, Cuda };

/// The parameters of one call besides its tensors.
/// A call's options (scale, causal, dropout; see AttentionOptions) and how
/// its tensors are laid out and run.
struct AttentionCall : AttentionOptions {
  /// Variable-length batches: int32 [batch + 1] prefix sums in host memory
  /// (null for dense batches), and the longest sequence of each.
  const DLTensor *cuSeqlensQ = nullptr, *cuSeqlensK = nullptr;
  int64_t maxSeqlenQ = 0, maxSeqlenK = 0;
  Backend backend = Backend::Auto; // Auto: the device of q
  void *stream = nullptr;          // CUstream for the cuda backend
};

class Runtime {
public:
  /// The process-wide runtime; safe to call from several threads at once.
  static Runtime &get();
  Runtime();
  ~Runtime();

  /// out = softmax(q k^T scale) v, and the log-sum-exp per query row
  /// (f32, [batch, heads, seqlen_q] or [heads, total_q]).
  Status forward(const DLTensor *q, const DLTensor *k, const DLTensor *v,
                 DLTensor *out, DLTensor *lse, const AttentionCall &call);

  /// dq, dk, dv from the forward's inputs, output, log-sum-exp and dout.
  Status backward(const DLTensor *q, const DLTensor *k, const DLTensor *v,
                  const DLTensor *out, const DLTensor *dout,
                  const DLTensor *lse, DLTensor *dq, DLTensor *dk,
                  DLTensor *dv, const AttentionCall &call);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// A DLTensor as the runtime's TensorRef (strides in elements, data at
/// byte_offset), or an error naming `name`; `device` gets the device type.
Status fromDLPack(const char *name, const DLTensor *tensor, TensorRef &ref,
                  DLDeviceType *device = nullptr);

} // namespace flash

#endif // FLASH_RUNTIME_RUNTIME_H
