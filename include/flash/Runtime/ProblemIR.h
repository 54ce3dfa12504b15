//===- ProblemIR.h - Problem-level IR for a class of problems ---*- C++ -*-===//
//
// A problem class is what a compiled kernel depends on: element type, head
// dim, causal, dropout, variable length, direction, scale and block sizes.
// Shapes, strides and sequence lengths stay dynamic, so one compilation
// serves every problem of the class.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_PROBLEMIR_H
#define FLASH_RUNTIME_PROBLEMIR_H

#include "flash/Runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace flash {

struct ProblemClass {
  DType dtype = DType::BF16;
  int64_t headDim = 64;
  bool varlen = false, causal = false, backward = false;
  float dropoutP = 0.0f;
  float scale = 0.125f;
  /// Backward: dq summed by the dK/dV kernel with atomic additions instead
  /// of by its own kernel (flash.attention_grad's `atomic_dq`; measured
  /// slower: docs/performance.md, step 13).
  bool atomicDq = false;
  /// Backward: the dK/dV kernel works on Sᵀ = K Qᵀ, keys along the rows
  /// (flash-tile-attention's transposed-grad).
  bool transposedGrad = false;
  /// Backward, tuning only: dq must be summed in a fixed order, so the
  /// tuner leaves out atomic dq. Part of the tuning key, not of the code
  /// (key() leaves it out).
  bool deterministic = false;
  int64_t blockM = 64, blockN = 64;
  int64_t numWarps = 4; // GPU only
  int64_t stages = 1;   // GPU only: 2 prefetches the next K/V tiles
  /// The alignment in bytes (2 to 16) of every 16-bit tensor's base and
  /// outer strides: the widest vector access the GPU kernels may use.
  int64_t alignment = 16;
  /// GPU: lower matrix products to wgmma where the chip has it (sm_90a);
  /// false keeps mma.sync everywhere.
  bool wgmma = true;
  /// GPU: copy K/V (and the other swizzled tiles) with the TMA where the
  /// chip has it (sm_90a, with wgmma, 16-byte aligned tensors) and the
  /// program has two warpgroups or more (8 warps); else cp.async.
  bool tma = true;
  /// GPU, with tma: a producer warpgroup issues the loops' copies ahead of
  /// the consumer warps into two-stage buffers.
  bool warpSpecialize = true;
  /// GPU, with warpSpecialize: the consumer warpgroups take turns issuing
  /// their products (measured slower alone: docs/performance.md, step 11).
  bool pingPong = false;
  /// GPU, with warpSpecialize: a key block's softmax overlaps the products
  /// of the blocks around it (rotated loops, deferred wgmma waits).
  bool overlapSoftmax = false;
  /// GPU, with warpSpecialize and 8 warps: registers a producer thread
  /// keeps (the consumers get the rest of the SM's).
  int64_t producerRegisters = 24;
  /// GPU, forward of fixed lengths: as many programs as the GPU holds at
  /// once loop over the (query block, head) tiles. Asked for per class; the
  /// CUDA backend builds the kernels so only where they have a producer
  /// warpgroup (which depends on the chip and the tiles the tuner picks).
  bool persistent = false;
  /// Whether `persistent` can take effect for this class
  /// (flash-tile-attention ignores it for the backward and varlen): set it
  /// only then, so that the key names one class a kernel.
  bool persistentApplies() const { return !backward && !varlen; }

  /// A stable, human-readable identity, e.g. for cache keys.
  std::string key() const;
  /// The entry function of the built module.
  const char *entryName() const {
    return backward ? "flash_attention_grad" : "flash_attention";
  }
};

/// The producer's registers when a caller asks for none (0): 56 in the
/// forward, where ptxas spills none in the producer and the consumers' 224
/// suffice (0-8% faster than 24/240 at 128x128, 8 warps: docs/performance.md,
/// step 19); FlashAttention 3's 24 in the backward, whose consumers use all
/// of their 240.
inline int64_t producerRegistersFor(bool backward, int64_t requested) {
  if (requested)
    return requested;
  return backward ? 24 : 56;
}

/// A tile parameter of a backward's or forward's class: the backends'
/// backward option where one is set (non-zero), else the forward's.
inline int64_t tileFor(bool backward, int64_t backwardValue, int64_t value) {
  return backward && backwardValue ? backwardValue : value;
}

struct ForwardArgs;
struct BackwardArgs;
struct ProblemSizes;

/// The class of a validated call, with the given block sizes.
ProblemClass classifyProblem(const ForwardArgs &args, const ProblemSizes &sizes,
                             int64_t blockM, int64_t blockN);
ProblemClass classifyProblem(const BackwardArgs &args, const ProblemSizes &sizes,
                             int64_t blockM, int64_t blockN);

/// Builds `func.func @<entryName>(...)` holding one flash.attention or
/// flash.attention_grad on dynamically shaped strided memrefs, marked for a
/// C interface. Argument order: the op's memrefs, then (varlen) cu_seqlens_q,
/// cu_seqlens_k, max_seqlen_q, max_seqlen_k, then (dropout) seed, offset.
mlir::OwningOpRef<mlir::ModuleOp> buildProblemIR(mlir::MLIRContext &context,
                                                 const ProblemClass &problem);

} // namespace flash

#endif // FLASH_RUNTIME_PROBLEMIR_H
