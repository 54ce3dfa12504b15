//===- ProblemOps.cpp - Verifiers of the problem-level ops ------------------===//
//
// flash.attention and flash.attention_grad share one set of rules about the
// layout of their memrefs; both verifiers describe their operands to
// verifyProblem, which names the offending operand in every diagnostic.
//
//===----------------------------------------------------------------------===//

#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "VerifyUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::detail;

namespace {

/// A named memref operand.
struct NamedMemRef {
  StringRef name;
  Value value;
  MemRefType type() const { return cast<MemRefType>(value.getType()); }
};

/// Everything a problem-level op says about its problem.
struct ProblemDescription {
  NamedMemRef q, k, v;
  SmallVector<NamedMemRef> likeQ;  // memrefs shaped and typed like q
  SmallVector<NamedMemRef> likeKV; // memrefs shaped and typed like k
  NamedMemRef lse;
  Value cuSeqlensQ, cuSeqlensK, maxSeqlenQ, maxSeqlenK, seed, offset;
  std::optional<float> scale;
  float dropoutP;
};

constexpr int64_t kMaxHeadDim = 256;

LogicalResult verifyCuSeqlens(Operation *op, StringRef name, Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || type.getRank() != 1 || !type.getElementType().isInteger(32))
    return op->emitOpError() << "'" << name
                             << "' must be a 1-D memref of i32, got "
                             << value.getType();
  if (!ShapedType::isDynamic(type.getDimSize(0)) && type.getDimSize(0) < 1)
    return op->emitOpError() << "'" << name
                             << "' must hold batch + 1 prefix sums, so at "
                                "least one element, got "
                             << type;
  return success();
}

LogicalResult verifyProblem(Operation *op, const ProblemDescription &p) {
  // Optional operands come in pairs; the custom syntax enforces this, the
  // generic one does not.
  bool varlen = p.cuSeqlensQ != nullptr;
  if (varlen != (p.cuSeqlensK != nullptr) ||
      varlen != (p.maxSeqlenQ != nullptr) ||
      varlen != (p.maxSeqlenK != nullptr))
    return op->emitOpError(
        "variable-length problems need all of cu_seqlens_q, cu_seqlens_k, "
        "max_seqlen_q and max_seqlen_k");
  if ((p.seed != nullptr) != (p.offset != nullptr))
    return op->emitOpError("dropout needs both the seed and the offset");

  // Element types.
  Type elementType = p.q.type().getElementType();
  if (!elementType.isF16() && !elementType.isBF16())
    return op->emitOpError() << "'q' must have f16 or bf16 elements, got "
                             << elementType;
  SmallVector<NamedMemRef> sameElementType = {p.k, p.v};
  llvm::append_range(sameElementType, p.likeQ);
  llvm::append_range(sameElementType, p.likeKV);
  for (const NamedMemRef &m : sameElementType)
    if (m.type().getElementType() != elementType)
      return op->emitOpError() << "'" << m.name << "' must have the element "
                               << "type of 'q' (" << elementType << "), got "
                               << m.type().getElementType();
  if (failed(verifyContiguousLastAxis(op, p.lse.name, p.lse.type())))
    return failure();
  if (!p.lse.type().getElementType().isF32())
    return op->emitOpError() << "'" << p.lse.name
                             << "' must have f32 elements, got "
                             << p.lse.type().getElementType();

  // Ranks: [batch, seqlen, heads, head_dim] or [tokens, heads, head_dim].
  int64_t rank = varlen ? 3 : 4;
  StringRef layout = varlen ? "[total_tokens, heads, head_dim]"
                            : "[batch, seqlen, heads, head_dim]";
  SmallVector<NamedMemRef> tensors = {p.q, p.k, p.v};
  llvm::append_range(tensors, p.likeQ);
  llvm::append_range(tensors, p.likeKV);
  for (const NamedMemRef &m : tensors) {
    if (m.type().getRank() != rank)
      return op->emitOpError()
             << "'" << m.name << "' must have rank " << rank << " " << layout
             << (varlen ? " for a variable-length problem" : "") << ", got "
             << m.type();
    if (failed(verifyContiguousLastAxis(op, m.name, m.type())))
      return failure();
  }

  // Head dim: static, shared, a multiple of 8 up to 256.
  ArrayRef<int64_t> qShape = p.q.type().getShape();
  int64_t headDim = qShape.back();
  if (ShapedType::isDynamic(headDim))
    return op->emitOpError("the head_dim axis of 'q' must be static");
  if (headDim <= 0 || headDim % 8 != 0 || headDim > kMaxHeadDim)
    return op->emitOpError() << "head_dim must be a multiple of 8 in [8, "
                             << kMaxHeadDim << "], got " << headDim;
  for (const NamedMemRef &m : tensors)
    if (m.type().getShape().back() != headDim)
      return op->emitOpError() << "'" << m.name << "' must have head_dim "
                               << headDim << " like 'q', got " << m.type();

  // Shapes: like-q memrefs match q, like-kv memrefs match k, v matches k.
  auto sameShape = [&](const NamedMemRef &m,
                       const NamedMemRef &ref) -> LogicalResult {
    ArrayRef<int64_t> a = m.type().getShape(), b = ref.type().getShape();
    for (auto [x, y] : llvm::zip_equal(a, b))
      if (!extentsCompatible(x, y))
        return op->emitOpError()
               << "'" << m.name << "' must have the shape of '" << ref.name
               << "' (" << formatShape(b) << "), got " << formatShape(a);
    return success();
  };
  for (const NamedMemRef &m : p.likeQ)
    if (failed(sameShape(m, p.q)))
      return failure();
  SmallVector<NamedMemRef> likeK = {p.v};
  llvm::append_range(likeK, p.likeKV);
  for (const NamedMemRef &m : likeK)
    if (failed(sameShape(m, p.k)))
      return failure();

  // Batch (dense only) and heads.
  ArrayRef<int64_t> kShape = p.k.type().getShape();
  if (!varlen && !extentsCompatible(qShape[0], kShape[0]))
    return op->emitOpError() << "'q' and 'k' must have the same batch size, "
                             << "got " << qShape[0] << " and " << kShape[0];
  int64_t heads = qShape[rank - 2], kvHeads = kShape[rank - 2];
  if (!ShapedType::isDynamic(kvHeads) && kvHeads == 0)
    return op->emitOpError("'k' must have at least one head");
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(kvHeads) &&
      heads % kvHeads != 0)
    return op->emitOpError()
           << "the number of query heads (" << heads
           << ") must be a multiple of the number of key/value heads ("
           << kvHeads << ")";

  // Log-sum-exp: [batch, heads, seqlen_q] or [heads, total_q].
  SmallVector<int64_t> lseShape =
      varlen ? SmallVector<int64_t>{heads, qShape[0]}
             : SmallVector<int64_t>{qShape[0], heads, qShape[1]};
  ArrayRef<int64_t> actualLse = p.lse.type().getShape();
  bool lseOk = actualLse.size() == lseShape.size();
  for (size_t i = 0; lseOk && i < lseShape.size(); ++i)
    lseOk = extentsCompatible(actualLse[i], lseShape[i]);
  if (!lseOk)
    return op->emitOpError()
           << "'" << p.lse.name << "' must have shape "
           << (varlen ? "[heads, total_q] = " : "[batch, heads, seqlen_q] = ")
           << formatShape(lseShape) << ", got " << formatShape(actualLse);

  if (varlen) {
    if (failed(verifyCuSeqlens(op, "cu_seqlens_q", p.cuSeqlensQ)) ||
        failed(verifyCuSeqlens(op, "cu_seqlens_k", p.cuSeqlensK)))
      return failure();
    int64_t nq = cast<MemRefType>(p.cuSeqlensQ.getType()).getDimSize(0);
    int64_t nk = cast<MemRefType>(p.cuSeqlensK.getType()).getDimSize(0);
    if (!extentsCompatible(nq, nk))
      return op->emitOpError()
             << "'cu_seqlens_q' and 'cu_seqlens_k' must have the same length "
             << "(batch + 1), got " << nq << " and " << nk;
  }

  // Attributes.
  if (p.scale && failed(verifyPositiveScale(op, "scale", *p.scale)))
    return failure();
  if (!(p.dropoutP >= 0.0f && p.dropoutP < 1.0f))
    return op->emitOpError() << "'dropout_p' must be in [0, 1), got "
                             << p.dropoutP;
  if (p.dropoutP > 0.0f && !p.seed)
    return op->emitOpError("dropout_p > 0 needs the dropout_rng(seed, offset) "
                           "operands");
  if (p.dropoutP == 0.0f && p.seed)
    return op->emitOpError("dropout_rng(seed, offset) given but dropout_p is 0");
  return success();
}

template <typename OpTy>
ProblemDescription describeOptions(OpTy op, NamedMemRef q, NamedMemRef k,
                                   NamedMemRef v, NamedMemRef lse) {
  ProblemDescription p{q, k, v, {}, {}, lse};
  p.cuSeqlensQ = op.getCuSeqlensQ();
  p.cuSeqlensK = op.getCuSeqlensK();
  p.maxSeqlenQ = op.getMaxSeqlenQ();
  p.maxSeqlenK = op.getMaxSeqlenK();
  p.seed = op.getSeed();
  p.offset = op.getOffset();
  if (std::optional<APFloat> scale = op.getScale())
    p.scale = scale->convertToFloat();
  p.dropoutP = op.getDropoutP().convertToFloat();
  return p;
}

float effectiveScale(std::optional<APFloat> scale, Value q) {
  if (scale)
    return scale->convertToFloat();
  int64_t headDim = cast<MemRefType>(q.getType()).getShape().back();
  return 1.0f / std::sqrt(static_cast<float>(headDim));
}

} // namespace

LogicalResult AttentionOp::verify() {
  ProblemDescription p = describeOptions(
      *this, {"q", getQ()}, {"k", getK()}, {"v", getV()}, {"lse", getLse()});
  p.likeQ.push_back({"out", getOut()});
  return verifyProblem(*this, p);
}

float AttentionOp::getEffectiveScale() {
  return effectiveScale(getScale(), getQ());
}

LogicalResult AttentionGradOp::verify() {
  ProblemDescription p = describeOptions(
      *this, {"q", getQ()}, {"k", getK()}, {"v", getV()}, {"lse", getLse()});
  p.likeQ = {{"out", getOut()}, {"dout", getDout()}, {"dq", getDq()}};
  p.likeKV = {{"dk", getDk()}, {"dv", getDv()}};
  return verifyProblem(*this, p);
}

float AttentionGradOp::getEffectiveScale() {
  return effectiveScale(getScale(), getQ());
}

SmallVector<int64_t> AttentionGradOp::getDqSumShape(ArrayRef<int64_t> qShape) {
  int64_t headDim = qShape.back();
  int64_t width = ShapedType::isDynamic(headDim) ? headDim
                                                 : headDim + kDqSumPadding;
  if (qShape.size() == 3) // [total_tokens, heads, head_dim]
    return {qShape[1], qShape[0], width};
  return {qShape[0], qShape[2], qShape[1], width};
}
