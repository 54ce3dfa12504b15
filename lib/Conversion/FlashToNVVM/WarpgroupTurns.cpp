//===- WarpgroupTurns.cpp - Consumer warpgroups take turns at wgmma --------===//
//
// Left alone, a warp-specialized kernel's consumer warpgroups move in step:
// released by the same copy, they issue their products together and then
// run their softmax together, and the tensor cores idle meanwhile.
// FlashAttention 3's ping-pong schedule staggers them: warpgroup w issues
// a dot only on its turn (bar.sync on named barrier 2 + w with the next
// warpgroup's arrival, 256 threads) and passes the turn on (bar.arrive on
// 2 + (w + 1) % n) as soon as its wgmma are committed, before waiting for
// them. One warpgroup's softmax then runs while the next one's products
// do, provided the softmax is done before the turn is taken: ptxas moves
// register-only work across barriers (it hoisted the barrier above the
// whole softmax, measured: docs/performance.md, step 11), so the dot's
// operands are folded into a word stored to shared memory before the
// barrier, which a store cannot cross. Tile-level control flow is the same for every consumer thread, so
// every warpgroup takes the same turns: warpgroup n - 1 hands warpgroup 0
// its first turn, and warpgroup 0 takes the one left over at the end, so
// that no barrier is left half-arrived. In loops rotated for the softmax
// overlap, the two products issued back to back share one turn
// (shareTurns): a turn between them made ptxas wait for the first.
//
//===----------------------------------------------------------------------===//

#include "WarpgroupTurns.h"
#include "SoftmaxOverlap.h"
#include "Utility.h"

#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// Named barriers 0 and 1 are the kernel's and the consumers' barrier().
constexpr int32_t kFirstTurnBarrier = 2;
/// Each turn barrier pairs one warpgroup's wait with another's arrival.
constexpr int32_t kTurnThreads = 256;

/// This thread's warpgroup (i32).
Value warpgroup(OpBuilder &b, Location loc) {
  Value tid = NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
  return LLVM::UDivOp::create(b, loc, tid, i32Const(b, loc, 128));
}

/// The turn barrier of warpgroup `index` (i32).
Value turnBarrier(OpBuilder &b, Location loc, Value index) {
  return LLVM::AddOp::create(b, loc, index, i32Const(b, loc, kFirstTurnBarrier));
}

/// Blocks until the previous warpgroup hands this one the turn.
void waitForTurn(OpBuilder &b, Location loc) {
  NVVM::BarrierOp::create(b, loc, /*res=*/Type(),
                          turnBarrier(b, loc, warpgroup(b, loc)),
                          i32Const(b, loc, kTurnThreads),
                          NVVM::BarrierReductionAttr(),
                          /*reductionPredicate=*/Value());
}

} // namespace

void mlir::flash::nvvm::scheduleWarpgroupTurns(func::FuncOp kernel,
                                               Block *consumers,
                                               int64_t consumerThreads) {
  int64_t warpgroups = consumerThreads / 128;
  if (warpgroups < 2)
    return;
  Builder attrs(kernel.getContext());
  auto shared =
      kernel->getAttrOfType<IntegerAttr>(FlashDialect::kSharedMemoryAttrName);
  int64_t word = llvm::alignTo(shared ? shared.getInt() : 0, 4);
  kernel->setAttr(FlashDialect::kSharedMemoryAttrName,
                  attrs.getI64IntegerAttr(word + 4));
  consumers->walk([&](DotOp dot) {
    dot->setAttr(kWarpgroupTurnAttrName, attrs.getI64IntegerAttr(word));
  });
  Location loc = consumers->getParentOp()->getLoc();
  // After the register reallocation, which comes first.
  OpBuilder b = OpBuilder::atBlockBegin(consumers);
  if (isa<NVVM::SetMaxRegisterOp>(consumers->front()))
    b.setInsertionPointAfter(&consumers->front());
  Value isLast = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                      warpgroup(b, loc),
                                      i32Const(b, loc, warpgroups - 1));
  ifThen(b, loc, isLast,
         [&](OpBuilder &then) { passTurn(then, loc, warpgroups); });
  b.setInsertionPoint(consumers->getTerminator());
  Value isFirst = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                       warpgroup(b, loc), i32Const(b, loc, 0));
  ifThen(b, loc, isFirst, [&](OpBuilder &then) { waitForTurn(then, loc); });
}

void mlir::flash::nvvm::shareTurns(Block *consumers) {
  auto issuedInTurn = [](Operation *op) {
    return isa<DotOp>(op) && op->hasAttr(kWarpgroupTurnAttrName) &&
           op->hasAttr(kAsyncProductAttrName);
  };
  auto awaitsOrIssues = [](Operation *op) {
    return op
        ->walk([](Operation *nested) {
          return isa<DotOp, DotWaitOp>(nested) ? WalkResult::interrupt()
                                               : WalkResult::advance();
        })
        .wasInterrupted();
  };
  consumers->walk([&](DotOp first) {
    if (!issuedInTurn(first) || first->hasAttr(kTurnHeldAttrName))
      return;
    for (Operation *op = first->getNextNode(); op; op = op->getNextNode()) {
      if (issuedInTurn(op)) {
        UnitAttr unit = UnitAttr::get(first.getContext());
        first->setAttr(kTurnKeptAttrName, unit);
        op->setAttr(kTurnHeldAttrName, unit);
        return;
      }
      if (awaitsOrIssues(op))
        return;
    }
  });
}

int64_t mlir::flash::nvvm::warpgroupsTakingTurns(OpBuilder &b) {
  int64_t warpgroups = consumerThreads(b) / 128;
  return warpgroups >= 2 ? warpgroups : 0;
}

void mlir::flash::nvvm::takeTurn(OpBuilder &b, Location loc, Value word,
                                 ValueRange operands) {
  Type i32 = b.getI32Type();
  Value folded = i32Const(b, loc, 0);
  for (Value operand : operands) {
    Type type = operand.getType();
    if (type.isF32())
      operand = LLVM::BitcastOp::create(b, loc, i32, operand);
    else if (type.isInteger(64))
      operand = LLVM::TruncOp::create(b, loc, i32, operand);
    else if (!type.isInteger(32))
      continue;
    folded = LLVM::XOrOp::create(b, loc, folded, operand);
  }
  LLVM::StoreOp::create(b, loc, folded, word, /*alignment=*/4,
                        /*isVolatile=*/true);
  waitForTurn(b, loc);
}

void mlir::flash::nvvm::passTurn(OpBuilder &b, Location loc,
                                 int64_t warpgroups) {
  Value next = LLVM::URemOp::create(
      b, loc,
      LLVM::AddOp::create(b, loc, warpgroup(b, loc), i32Const(b, loc, 1)),
      i32Const(b, loc, warpgroups));
  NVVM::BarrierArriveOp::create(b, loc, turnBarrier(b, loc, next),
                                i32Const(b, loc, kTurnThreads));
}
