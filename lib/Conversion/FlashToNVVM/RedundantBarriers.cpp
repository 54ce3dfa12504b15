//===- RedundantBarriers.cpp - One barrier where two meet ------------------===//
//
// Each lowering puts the barriers it needs around its own shared-memory
// accesses, so that two of them can meet: a layout conversion into shared
// memory ends with a barrier (the buffer is complete), and the wgmma that
// reads it starts with a proxy fence and a barrier, with only the wait for
// a TMA copy between. When nothing between two barriers of the same
// threads involves another thread (no access to shared memory, no product,
// no copy issued, no arrival), every access before the first is also before
// the second, and every access after the second also after the first: the
// first is dropped.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::flash::nvvm;

namespace {

/// Whether `op` is a barrier of all the program's threads, or a named one
/// of a constant id without a reduction. Barriers of computed ids (the
/// warpgroups' turns, WarpgroupTurns.cpp) pair with arrivals of other
/// threads: merging two would leave an arrival without its wait.
bool isBarrier(Operation *op) {
  if (isa<NVVM::Barrier0Op>(op))
    return true;
  auto named = dyn_cast<NVVM::BarrierOp>(op);
  return named && !named.getReductionOp() && !named.getRes() &&
         (!named.getBarrierId() ||
          matchPattern(named.getBarrierId(), m_Constant()));
}

/// Whether two optional operands are both absent or the same constant.
bool sameValue(Value a, Value b) {
  if (!a || !b)
    return !a && !b;
  APInt x, y;
  return matchPattern(a, m_ConstantInt(&x)) &&
         matchPattern(b, m_ConstantInt(&y)) && x == y;
}

/// Whether barriers `a` and `b` synchronize the same threads.
bool sameBarrier(Operation *a, Operation *b) {
  if (isa<NVVM::Barrier0Op>(a) || isa<NVVM::Barrier0Op>(b))
    return isa<NVVM::Barrier0Op>(a) && isa<NVVM::Barrier0Op>(b);
  auto x = cast<NVVM::BarrierOp>(a), y = cast<NVVM::BarrierOp>(b);
  return sameValue(x.getBarrierId(), y.getBarrierId()) &&
         sameValue(x.getNumberOfThreads(), y.getNumberOfThreads());
}

/// Whether `op` involves only its own thread: register arithmetic, a
/// proxy fence (of the thread's own accesses), or a wait for the thread's
/// own copies or for a TMA copy's barrier.
bool isThreadLocal(Operation *op) {
  if (isa<NVVM::FenceProxyOp, NVVM::CpAsyncWaitGroupOp,
          NVVM::MBarrierTryWaitParityOp>(op))
    return true;
  return op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

} // namespace

void mlir::flash::nvvm::dropRedundantBarriers(Operation *kernel) {
  SmallVector<Operation *> redundant;
  kernel->walk([&](Block *block) {
    Operation *previous = nullptr; // the last barrier with only local ops since
    for (Operation &op : *block) {
      if (isBarrier(&op)) {
        if (previous && sameBarrier(previous, &op))
          redundant.push_back(previous);
        previous = &op;
      } else if (!isThreadLocal(&op)) {
        previous = nullptr;
      }
    }
  });
  for (Operation *barrier : redundant)
    barrier->erase();
}
