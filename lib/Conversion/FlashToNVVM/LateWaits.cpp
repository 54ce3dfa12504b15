//===- LateWaits.cpp - A loop body's products awaited late ----------------===//
//
// Each product of the backward's loops used to wait for itself as soon as
// it was issued. In the dK/dV kernel the products dV += Pᵀ·dO,
// dK += dSᵀ·Q and dQ = dS·K then ran one at a time, each waiting for the
// previous to drain, and the conversion of dSᵀ into shared memory waited
// for dK. Awaited where their results are first needed, they run back to
// back (dV's and dK's accumulators are awaited before the loop's yield),
// and the shared-memory work between them overlaps them:
//
//   issue dV += Pᵀ·dO; dSᵀ in bf16; issue dK += dSᵀ·Q
//   dSᵀ into shared memory (dV and dK run); issue dQ = dS·K
//   wait until none is pending; dQ into its reduction's buffer
//
// Above d=64 flash-tile-attention issues dQ before dK, so that dQ's wait
// leaves dK running while dQ goes out. Each wait then counts at most the
// products that can still be pending (after dQ's wait, one), which ptxas
// needs to keep the products asynchronous.
//
// A product's wait also comes before any write to a shared buffer that it
// reads (wgmma reads until then). Products complete in order, so the
// count of products issued after one is how many may still be pending once
// it is done.
//
// Products are not moved: FlashAttention 3 also issues dPᵀ before the
// exponentials, which measured faster at d=64 but made ptxas serialize
// the products for lack of registers at d=128 (docs/performance.md, step
// 28).
//
//===----------------------------------------------------------------------===//

#include "LateWaits.h"
#include "SoftmaxOverlap.h"
#include "Utility.h"

#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Transforms/SharedMemory.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

using ByteRange = std::pair<int64_t, int64_t>; // offset, bytes

/// The shared buffer that `op` writes, if any.
std::optional<ByteRange> writtenBuffer(Operation *op) {
  std::optional<int64_t> bytes = sharedBufferBytes(op);
  auto offset =
      op->getAttrOfType<IntegerAttr>(FlashDialect::kSharedOffsetAttrName);
  if (!bytes || !offset)
    return std::nullopt;
  return ByteRange{offset.getInt(), *bytes};
}

/// Whether `op`, or an op inside it, writes a shared buffer overlapping
/// one of `buffers`.
bool overwrites(Operation *op, ArrayRef<ByteRange> buffers) {
  WalkResult found = op->walk([&](Operation *inner) {
    std::optional<ByteRange> written = writtenBuffer(inner);
    if (written)
      for (auto [offset, bytes] : buffers)
        if (written->first < offset + bytes && offset < written->first + written->second)
          return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return found.wasInterrupted();
}

} // namespace

bool mlir::flash::nvvm::awaitProductsLate(scf::ForOp loop) {
  Block *body = loop.getBody();
  SmallVector<DotOp> products;
  bool unfit = false;
  loop.walk([&](Operation *op) {
    if (auto dot = dyn_cast<DotOp>(op)) {
      unfit |= dot->getBlock() != body || dot->hasAttr(kAsyncProductAttrName);
      products.push_back(dot);
    }
    unfit |= isa<DotWaitOp>(op);
  });
  // Tiles carried in shared memory (prefetched by flash-prefetch-shared-
  // tiles) are rewritten by the body for the next iteration, where no
  // buffer says so: their products keep waiting as they are issued.
  unfit |= llvm::any_of(loop.getRegionIterArgs(), [](BlockArgument arg) {
    return isSharedTile(arg.getType());
  });
  if (unfit || products.empty())
    return false;

  UnitAttr async = UnitAttr::get(loop.getContext());
  for (DotOp product : products) {
    product->setAttr(kAsyncProductAttrName, async);
    SmallVector<ByteRange> read;
    for (Value operand : product->getOperands())
      if (Operation *def = operand.getDefiningOp())
        if (std::optional<ByteRange> buffer = writtenBuffer(def))
          read.push_back(*buffer);
    int64_t pending = 0;
    Operation *op = product->getNextNode();
    for (; !op->hasTrait<OpTrait::IsTerminator>(); op = op->getNextNode()) {
      bool uses = llvm::any_of(product->getUsers(), [&](Operation *user) {
        return op->isAncestor(user);
      });
      if (uses || overwrites(op, read))
        break;
      pending += isa<DotOp>(op);
    }
    OpBuilder b(op);
    auto ready =
        DotWaitOp::create(b, product.getLoc(), product.getResult(), pending);
    product.getResult().replaceAllUsesExcept(ready, ready);
  }
  // A wait never allows more products pending than can be: after dQ's wait
  // (one pending: dK), dV's (issued before both) waits for one, not two.
  // The looser count is as correct, but ptxas then serializes every
  // product of the kernel (C7514; docs/performance.md, step 34). Every
  // product is awaited before the yield, so none is pending on entry.
  int64_t running = 0;
  for (Operation &op : *body) {
    if (isa<DotOp>(op))
      ++running;
    if (auto wait = dyn_cast<DotWaitOp>(op)) {
      running = std::min<int64_t>(running, wait.getPending());
      wait.setPending(running);
    }
  }
  return true;
}
