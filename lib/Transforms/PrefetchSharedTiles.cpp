//===- PrefetchSharedTiles.cpp - Prefetch the next iteration's tiles --------===//
//
// The loads of shared tiles at the top of a loop body move to the previous
// iteration, right after the last use of the tile they replace, so that
// the asynchronous copy overlaps the rest of that iteration.
//
//===----------------------------------------------------------------------===//

#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::flash {
#define GEN_PASS_DEF_FLASHPREFETCHSHAREDTILES
#include "flash/Transforms/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;

namespace {

/// Marks the first-iteration loads this pass puts before a loop.
constexpr llvm::StringLiteral kPrefetchedAttr = FlashDialect::kPrefetchedAttrName;

bool isSharedLoad(Operation *op) {
  auto load = dyn_cast<LoadOp>(op);
  return load && isa_and_nonnull<SharedEncodingAttr>(
                     load.getResult().getType().getEncoding());
}

/// The ops of `body` that `load`'s operands are computed from, in block
/// order; failure when one of them may not be recomputed elsewhere (side
/// effects, regions) or depends on a value the loop carries.
FailureOr<SmallVector<Operation *>> operandSlice(LoadOp load, scf::ForOp loop) {
  Block *body = loop.getBody();
  llvm::SetVector<Operation *> slice;
  SmallVector<Value> worklist(load->getOperands());
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    if (value == loop.getInductionVar())
      continue;
    if (auto arg = dyn_cast<BlockArgument>(value)) {
      if (arg.getOwner() == body)
        return failure(); // a loop-carried value
      continue;
    }
    Operation *def = value.getDefiningOp();
    if (def->getBlock() != body) {
      if (loop->isAncestor(def))
        return failure();
      continue; // defined outside the loop
    }
    if (def->getNumRegions() != 0 || !isMemoryEffectFree(def))
      return failure();
    if (slice.insert(def))
      llvm::append_range(worklist, def->getOperands());
  }
  SmallVector<Operation *> ordered(slice.begin(), slice.end());
  llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ordered;
}

/// Clones `slice` and `load` at the builder's point with the induction
/// variable mapped to `iv`.
Value cloneLoad(OpBuilder &b, ArrayRef<Operation *> slice, LoadOp load,
                Value inductionVar, Value iv) {
  IRMapping mapping;
  mapping.map(inductionVar, iv);
  for (Operation *op : slice)
    b.clone(*op, mapping);
  return b.clone(*load, mapping)->getResult(0);
}

/// The op of `block` that holds `op` (op itself or an ancestor).
Operation *inBlock(Block *block, Operation *op) {
  return block->findAncestorOpInBlock(*op);
}

LogicalResult prefetch(scf::ForOp loop) {
  // A loop around loops (a persistent kernel's loop over tiles) is left
  // alone: its next iteration's tiles may lie past the tensors (the tile
  // index beyond the last), and they would be in flight across the inner
  // loops' waits.
  bool holdsLoops = false;
  loop.getBody()->walk([&](scf::ForOp) { holdsLoops = true; });
  if (holdsLoops)
    return success();
  struct Candidate {
    LoadOp load;
    SmallVector<Operation *> slice;
  };
  SmallVector<Candidate> candidates;
  for (Operation &op : loop.getBody()->without_terminator()) {
    // Loads already moved for an inner loop stay where they are.
    if (!isSharedLoad(&op) || op.use_empty() || op.hasAttr(kPrefetchedAttr))
      continue;
    FailureOr<SmallVector<Operation *>> slice =
        operandSlice(cast<LoadOp>(op), loop);
    if (succeeded(slice))
      candidates.push_back({cast<LoadOp>(op), *slice});
  }
  if (candidates.empty())
    return success();

  IRRewriter rewriter(loop.getContext());
  Location loc = loop.getLoc();
  Value inductionVar = loop.getInductionVar();
  Value step = loop.getStep();

  // The first iteration's tiles, before the loop.
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> first;
  for (Candidate &c : candidates) {
    first.push_back(cloneLoad(rewriter, c.slice, c.load, inductionVar,
                              loop.getLowerBound()));
    first.back().getDefiningOp()->setAttr(kPrefetchedAttr,
                                          rewriter.getUnitAttr());
  }

  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, first, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &b, Location yieldLoc, ArrayRef<BlockArgument> carried) {
        // Called before the body moves into the new loop: the old body
        // and induction variable are still the ones to use.
        SmallVector<Value> next;
        Block *body = loop.getBody();
        Value iv = inductionVar;
        for (auto [c, tile] : llvm::zip(candidates, carried)) {
          // The last op of the body that reads this iteration's tile.
          Operation *lastUse = nullptr;
          for (Operation *user : c.load->getUsers()) {
            Operation *op = inBlock(body, user);
            if (!lastUse || lastUse->isBeforeInBlock(op))
              lastUse = op;
          }
          c.load.getResult().replaceAllUsesWith(tile);
          OpBuilder after(b.getContext());
          after.setInsertionPointAfter(lastUse);
          Value nextIv = arith::AddIOp::create(after, yieldLoc, iv, step);
          next.push_back(cloneLoad(after, c.slice, c.load, iv, nextIv));
        }
        return next;
      });
  if (failed(replaced))
    return failure();
  for (Candidate &c : candidates)
    rewriter.eraseOp(c.load);
  // The last iteration's prefetches complete before anything reuses the
  // buffers.
  rewriter.setInsertionPointAfter(replaced->getOperation());
  WaitSharedCopiesOp::create(rewriter, loc);
  return success();
}

struct FlashPrefetchSharedTilesPass
    : public flash::impl::FlashPrefetchSharedTilesBase<
          FlashPrefetchSharedTilesPass> {
  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      if (!kernel->hasAttr(FlashDialect::kKernelAttrName))
        continue;
      SmallVector<scf::ForOp> loops;
      kernel.walk([&](scf::ForOp loop) { loops.push_back(loop); }); // inner first
      for (scf::ForOp loop : loops)
        if (failed(prefetch(loop)))
          return signalPassFailure();
    }
  }
};

} // namespace
