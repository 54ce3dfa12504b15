//===- Validation.cpp - Checking the arguments of an attention call --------===//

#include "flash/Runtime/Attention.h"

#include <cmath>
#include <sstream>
#include <vector>

namespace flash {

namespace {

std::string shapeText(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

Status argumentError(const char *name, const std::string &what) {
  return Status::error("argument '" + std::string(name) + "': " + what);
}

/// A tensor of the given rank and dtype, with sane strides.
Status checkTensor(const char *name, const TensorRef &t, int64_t rank,
                   DType dtype, bool lastContiguous) {
  if (!t.data)
    return argumentError(name, "is missing (null data pointer)");
  if (t.rank() != rank)
    return argumentError(name, "must have rank " + std::to_string(rank) +
                                   ", got shape " + shapeText(t.shape));
  if (t.strides.size() != t.shape.size())
    return argumentError(name, "has " + std::to_string(t.strides.size()) +
                                   " strides for " +
                                   std::to_string(t.shape.size()) + " axes");
  if (t.dtype != dtype)
    return argumentError(name, std::string("must have dtype ") +
                                   dtypeName(dtype) + ", got " +
                                   dtypeName(t.dtype));
  for (int64_t i = 0; i < rank; ++i) {
    if (t.shape[i] < 0)
      return argumentError(name, "has a negative extent in shape " +
                                     shapeText(t.shape));
    if (t.strides[i] < 0)
      return argumentError(name, "has a negative stride " + shapeText(t.strides));
  }
  if (lastContiguous && rank > 0 && t.shape.back() > 1 && t.strides.back() != 1)
    return argumentError(name, "must be contiguous along its last axis "
                               "(stride 1), got strides " +
                               shapeText(t.strides));
  return Status::success();
}

Status checkShape(const char *name, const TensorRef &t,
                  const std::vector<int64_t> &expected) {
  if (t.shape != expected)
    return argumentError(name, "must have shape " + shapeText(expected) +
                                   ", got " + shapeText(t.shape));
  return Status::success();
}

Status checkCuSeqlens(const char *name, const TensorRef &cu, int64_t batch,
                      int64_t totalTokens, int64_t maxSeqlen,
                      const char *maxName) {
  if (Status s = checkTensor(name, cu, 1, DType::I32, true); !s)
    return s;
  if (cu.shape[0] != batch + 1)
    return argumentError(name, "must have batch + 1 = " +
                                   std::to_string(batch + 1) +
                                   " entries, got " + std::to_string(cu.shape[0]));
  const auto *values = static_cast<const int32_t *>(cu.data);
  if (values[0] != 0)
    return argumentError(name, "must start at 0, got " +
                                   std::to_string(values[0]));
  for (int64_t i = 0; i < batch; ++i)
    if (values[i + 1] < values[i])
      return argumentError(name, "must be non-decreasing, but entry " +
                                     std::to_string(i + 1) + " (" +
                                     std::to_string(values[i + 1]) +
                                     ") is below entry " + std::to_string(i) +
                                     " (" + std::to_string(values[i]) + ")");
  if (values[batch] > totalTokens)
    return argumentError(name, "ends at " + std::to_string(values[batch]) +
                                   ", past the " + std::to_string(totalTokens) +
                                   " tokens of the tensors");
  for (int64_t i = 0; i < batch; ++i) {
    int64_t length = int64_t{values[i + 1]} - values[i];
    if (length > maxSeqlen)
      return argumentError(maxName, "(" + std::to_string(maxSeqlen) +
                                        ") is smaller than sequence " +
                                        std::to_string(i) + "'s length (" +
                                        std::to_string(length) + ")");
  }
  return Status::success();
}

Status checkOptions(const AttentionOptions &o) {
  if (o.scale && !(std::isfinite(*o.scale) && *o.scale > 0.0f))
    return argumentError("scale", "must be finite and positive, got " +
                                      std::to_string(*o.scale));
  if (!(o.dropoutP >= 0.0f && o.dropoutP < 1.0f))
    return argumentError("dropout_p", "must be in [0, 1), got " +
                                          std::to_string(o.dropoutP));
  if (o.offset >= (uint64_t{1} << 32))
    return argumentError("offset", "must be below 2^32, got " +
                                       std::to_string(o.offset));
  return Status::success();
}

/// The rules shared by forward and backward. `likeQ` and `likeK` are the
/// other tensors that must match q's and k's shape and dtype.
Status validateProblem(const TensorRef &q, const TensorRef &k,
                       const TensorRef &v, const TensorRef &lse,
                       const std::vector<std::pair<const char *, const TensorRef *>> &likeQ,
                       const std::vector<std::pair<const char *, const TensorRef *>> &likeK,
                       const VarlenArgs &varlen, const AttentionOptions &options,
                       ProblemSizes *sizes) {
  if (Status s = checkOptions(options); !s)
    return s;
  bool isVarlen = varlen.enabled();
  int64_t rank = isVarlen ? 3 : 4;
  if (q.dtype != DType::F16 && q.dtype != DType::BF16)
    return argumentError("q", std::string("must have dtype fp16 or bf16, got ") +
                                  dtypeName(q.dtype));
  if (Status s = checkTensor("q", q, rank, q.dtype, true); !s)
    return s;
  if (Status s = checkTensor("k", k, rank, q.dtype, true); !s)
    return s;
  if (Status s = checkTensor("v", v, rank, q.dtype, true); !s)
    return s;
  for (auto [name, t] : likeQ)
    if (Status s = checkTensor(name, *t, rank, q.dtype, true); !s)
      return s;
  for (auto [name, t] : likeK)
    if (Status s = checkTensor(name, *t, rank, q.dtype, true); !s)
      return s;

  ProblemSizes p;
  p.headDim = q.shape.back();
  p.heads = q.shape[rank - 2];
  p.kvHeads = k.shape[rank - 2];
  if (!isSupportedHeadDim(p.headDim))
    return argumentError("q", "head_dim " + std::to_string(p.headDim) +
                                  " is not supported (multiples of 8 up to 256)");
  if (Status s = checkShape("v", v, k.shape); !s)
    return s;
  if (k.shape.back() != p.headDim)
    return argumentError("k", "must have head_dim " + std::to_string(p.headDim) +
                                  " like q, got " + std::to_string(k.shape.back()));
  if (p.kvHeads == 0 || p.heads % p.kvHeads != 0)
    return argumentError("k", "has " + std::to_string(p.kvHeads) +
                                  " heads, which must divide q's " +
                                  std::to_string(p.heads));
  for (auto [name, t] : likeQ)
    if (Status s = checkShape(name, *t, q.shape); !s)
      return s;
  for (auto [name, t] : likeK)
    if (Status s = checkShape(name, *t, k.shape); !s)
      return s;

  if (isVarlen) {
    if (varlen.cuSeqlensK.data == nullptr)
      return argumentError("cu_seqlens_k", "is missing while cu_seqlens_q is given");
    p.batch = varlen.cuSeqlensQ.shape.empty() ? 0 : varlen.cuSeqlensQ.shape[0] - 1;
    if (p.batch < 0)
      return argumentError("cu_seqlens_q", "must have batch + 1 >= 1 entries");
    if (Status s = checkCuSeqlens("cu_seqlens_q", varlen.cuSeqlensQ, p.batch,
                                  q.shape[0], varlen.maxSeqlenQ, "max_seqlen_q");
        !s)
      return s;
    if (Status s = checkCuSeqlens("cu_seqlens_k", varlen.cuSeqlensK, p.batch,
                                  k.shape[0], varlen.maxSeqlenK, "max_seqlen_k");
        !s)
      return s;
    p.seqlenQ = varlen.maxSeqlenQ;
    p.seqlenK = varlen.maxSeqlenK;
    if (Status s = checkTensor("lse", lse, 2, DType::F32, true); !s)
      return s;
    if (Status s = checkShape("lse", lse, {p.heads, q.shape[0]}); !s)
      return s;
  } else {
    p.batch = q.shape[0];
    p.seqlenQ = q.shape[1];
    p.seqlenK = k.shape[1];
    if (k.shape[0] != p.batch)
      return argumentError("k", "must have q's batch size " +
                                    std::to_string(p.batch) + ", got " +
                                    std::to_string(k.shape[0]));
    if (Status s = checkTensor("lse", lse, 3, DType::F32, true); !s)
      return s;
    if (Status s = checkShape("lse", lse, {p.batch, p.heads, p.seqlenQ}); !s)
      return s;
  }
  if (sizes)
    *sizes = p;
  return Status::success();
}

} // namespace

bool isSupportedHeadDim(int64_t headDim) {
  return headDim > 0 && headDim <= 256 && headDim % 8 == 0;
}

Status validate(const ForwardArgs &a, ProblemSizes *sizes) {
  return validateProblem(a.q, a.k, a.v, a.lse, {{"out", &a.out}}, {}, a.varlen,
                         a.options, sizes);
}

Status validate(const BackwardArgs &a, ProblemSizes *sizes) {
  return validateProblem(a.q, a.k, a.v, a.lse,
                         {{"out", &a.out}, {"dout", &a.dout}, {"dq", &a.dq}},
                         {{"dk", &a.dk}, {"dv", &a.dv}}, a.varlen, a.options,
                         sizes);
}

} // namespace flash
