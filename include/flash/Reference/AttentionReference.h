//===- AttentionReference.h - Naive attention, the test oracle --*- C++ -*-===//
//
// Attention and its analytic gradients computed naively (the full score
// matrix, row by row) in float64. It shares no code with the compiled path:
// it is the oracle every backend is checked against. The same code, with
// every intermediate rounded to f16/bf16, models a naive implementation in
// the input precision, whose error sets the tolerance (as FlashAttention's
// tests do).
//
// Tensors are packed along one token axis: q is [total_q, heads, head_dim],
// k and v are [total_k, kv_heads, head_dim], lse is [heads, total_q]; a dense
// batch is the case where every sequence has the same length.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_REFERENCE_ATTENTIONREFERENCE_H
#define FLASH_REFERENCE_ATTENTIONREFERENCE_H

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace flash::reference {

/// Philox4x32-10 (Random123): the 4-word output for a counter and a key.
std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> counter,
                                      std::array<uint32_t, 2> key);

struct Problem {
  int64_t heads = 1, kvHeads = 1, headDim = 64;
  std::vector<int64_t> seqlensQ, seqlensK; // one entry per sequence
  bool causal = false;
  double scale = 0.125;
  double dropoutP = 0.0;
  uint64_t seed = 0, offset = 0;

  int64_t batch() const { return static_cast<int64_t>(seqlensQ.size()); }
  int64_t totalQ() const;
  int64_t totalK() const;
};

/// Whether dropout keeps element (row, col) of sequence `batch`, head `head`
/// (docs/Philox.md).
bool dropoutKeeps(const Problem &problem, int64_t batch, int64_t head,
                  int64_t row, int64_t col);

/// Rounds an intermediate value; identity for the float64 oracle.
using Rounding = std::function<double(double)>;
double exact(double value);

struct Forward {
  std::vector<double> out; // [total_q, heads, head_dim]
  std::vector<double> lse; // [heads, total_q]; +inf for rows with no key
};

struct Gradients {
  std::vector<double> dq; // [total_q, heads, head_dim]
  std::vector<double> dk; // [total_k, kv_heads, head_dim]
  std::vector<double> dv; // [total_k, kv_heads, head_dim]
};

Forward forward(const Problem &problem, const std::vector<double> &q,
                const std::vector<double> &k, const std::vector<double> &v,
                const Rounding &round = exact);

/// With `out` (the forward's output, as stored), the softmax gradient's
/// row term is FlashAttention's D = rowsum(dout * out), computed from it,
/// instead of rowsum(P * dP): equal in exact arithmetic, but the stored
/// output's rounding enters D (and where the exact gradient is zero, e.g.
/// one key with dropout, it is all that is left).
Gradients backward(const Problem &problem, const std::vector<double> &q,
                   const std::vector<double> &k, const std::vector<double> &v,
                   const std::vector<double> &dout,
                   const Rounding &round = exact,
                   const std::vector<double> *out = nullptr);

/// ||a - b|| / ||b|| (0 when both are zero).
double relativeError(const std::vector<double> &a, const std::vector<double> &b);

} // namespace flash::reference

#endif // FLASH_REFERENCE_ATTENTIONREFERENCE_H
