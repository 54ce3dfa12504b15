//===- SoftmaxOverlap.cpp - A block's softmax beside the next products ----===//
//
// In the attention loop every product waited for itself: S_j = Q·K_jᵀ,
// wait, softmax, P_j·V_j, wait; the tensor cores idle during the softmax.
// FlashAttention 3 rotates the loop (its "intra-warpgroup overlap"):
//
//   iteration j:  issue S_j = Q·K_jᵀ                  (no wait)
//                 issue acc = P_{j-1}·V_{j-1} + a_{j-1}  (no wait)
//                 wait until one product is pending: S_j is ready
//                 mask, softmax of block j            (P_{j-1}·V_{j-1} runs)
//                 wait for the product (after the row sums); release
//                 V_{j-1}'s stage
//                 a_j = rescale(acc), P_j; wait for V_j's copy
//   after the loop: acc = P_last·V_last + a_last
//
// a_j is the accumulator rescaled by block j's correction before its own
// product lands, which is the original loop's order of operations one
// product later. The first iteration has no previous block: it multiplies
// P = 0 by its own V tile (adding nothing), so that every iteration issues
// two products and the wait counts stay static. V_{j-1} stays in its stage
// buffer until iteration j has used it (its release moves there); the
// producer issues K's copies one iteration ahead of V's
// (WarpSpecialization.cpp), so that K_{j+1} does not wait behind V_j.
//
//===----------------------------------------------------------------------===//

#include "SoftmaxOverlap.h"
#include "Utility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// The loop's parts the rotation moves, when it has the attention loop's
/// shape.
struct AttentionLoop {
  DotOp scores, product;     // S = Q·Kᵀ, then acc = P·V + a
  unsigned accumulator;      // the product's position among the iter_args
  Operation *rescale;        // the one reader of the accumulator iter_arg
  PipelinedCopy *values;     // V's copy, read by the product only
};

std::optional<AttentionLoop> match(scf::ForOp loop,
                                   MutableArrayRef<PipelinedCopy> copies) {
  // A loop continuing an earlier sibling's copies (the forward's diagonal
  // blocks after the unmasked ones) is short: rotated, it would pay one
  // more product for little overlap.
  if (llvm::any_of(copies, [&](const PipelinedCopy &copy) {
        return copy.load && loop->isAncestor(copy.load) &&
               !copy.earlierLoops.empty();
      }))
    return std::nullopt;
  Block *body = loop.getBody();
  SmallVector<DotOp> dots;
  bool nested = false;
  loop.walk([&](DotOp dot) {
    if (dot->getBlock() == body)
      dots.push_back(dot);
    else
      nested = true;
  });
  if (nested || dots.size() != 2)
    return std::nullopt;
  AttentionLoop parts;
  parts.scores = dots[0];
  parts.product = dots[1];
  Operation *yield = body->getTerminator();
  if (!parts.product->hasOneUse() ||
      parts.product->use_begin()->getOwner() != yield)
    return std::nullopt;
  parts.accumulator = parts.product->use_begin()->getOperandNumber();
  BlockArgument iterArg = loop.getRegionIterArg(parts.accumulator);
  if (!iterArg.hasOneUse())
    return std::nullopt;
  parts.rescale = iterArg.use_begin()->getOwner();
  if (parts.rescale->getBlock() != body ||
      !parts.scores->isBeforeInBlock(parts.rescale) ||
      !parts.rescale->isBeforeInBlock(parts.product))
    return std::nullopt;
  auto inBody = [&](Value value) {
    Operation *def = value.getDefiningOp();
    return def && def->getBlock() == body;
  };
  if (!inBody(parts.product.getA()) || !inBody(parts.product.getAcc()))
    return std::nullopt;
  auto load = parts.product.getB().getDefiningOp<LoadOp>();
  if (!load || load->getBlock() != body || !load->hasOneUse())
    return std::nullopt;
  parts.values = nullptr;
  for (PipelinedCopy &copy : copies)
    if (copy.load == load)
      parts.values = &copy;
  // Executions are counted from the induction variable, and by the tile
  // loop's counter when there is one.
  if (!parts.values ||
      (loop->getParentOfType<scf::ForOp>() && parts.values->carried < 0))
    return std::nullopt;
  return parts;
}

/// The new row sums of the online softmax whose correction `rescale`
/// applies, if it is one: the product's wait is ordered after them, else
/// ptxas issues it right after the row maxima, before the exponentials that
/// should run beside the product (docs/performance.md, steps 12 and 15).
Value rowSumsBefore(Operation *rescale) {
  auto scale = dyn_cast<ScaleRowsOp>(rescale);
  auto softmax = scale ? scale.getFactors().getDefiningOp<OnlineSoftmaxOp>()
                       : OnlineSoftmaxOp();
  if (!softmax || scale.getFactors() != softmax.getCorrection())
    return {};
  return softmax.getNewRowSum();
}

} // namespace

PipelinedCopy *
mlir::flash::nvvm::productDeferredCopy(scf::ForOp loop,
                                       MutableArrayRef<PipelinedCopy> copies) {
  std::optional<AttentionLoop> parts = match(loop, copies);
  return parts ? parts->values : nullptr;
}

bool mlir::flash::nvvm::overlapProductsWithSoftmax(
    scf::ForOp loop, MutableArrayRef<PipelinedCopy> copies, Operation *kernel) {
  std::optional<AttentionLoop> parts = match(loop, copies);
  if (!parts)
    return false;
  DotOp scores = parts->scores, product = parts->product;
  PipelinedCopy &values = *parts->values;
  Location loc = loop.getLoc();
  MLIRContext *context = loop.getContext();
  auto identity = [](Value bound) { return bound; };

  // P_{j-1} joins the iter_args, zero before the first block.
  IRRewriter rewriter(context);
  rewriter.setInsertionPoint(loop);
  auto operandType = cast<RankedTensorType>(product.getA().getType());
  Value zeros = arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(operandType,
                             rewriter.getZeroAttr(operandType.getElementType())));
  Value probabilities = product.getA();
  auto rotated = cast<scf::ForOp>(
      *loop.replaceWithAdditionalYields(
          rewriter, zeros, /*replaceInitOperandUsesInLoop=*/false,
          [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
            return SmallVector<Value>{probabilities};
          }));
  // Later sibling loops count their copies' executions on after this one.
  for (PipelinedCopy &copy : copies)
    for (scf::ForOp &earlier : copy.earlierLoops)
      if (earlier == loop)
        earlier = rotated;
  Value accumulator = rotated.getRegionIterArg(parts->accumulator);
  Value previousProbabilities = rotated.getRegionIterArgs().back();
  Value lb = rotated.getLowerBound();

  // After S_j: P_{j-1}·V_{j-1}, reading V_{j-1}'s stage (V_j's in the first
  // iteration, once its copy landed).
  OpBuilder b(scores);
  b.setInsertionPointAfter(scores);
  Value execution =
      copyExecution(b, loc, loopsAround(scores), values, identity);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value hasPrevious = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                            rotated.getInductionVar(), lb);
  Value previous = arith::SelectOp::create(
      b, loc, hasPrevious, arith::SubIOp::create(b, loc, execution, one),
      execution);
  auto [stage, round] = stageAndRound(b, loc, execution, values.stages);
  Value previousStage = stageAndRound(b, loc, previous, values.stages).first;
  Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        rotated.getInductionVar(), lb);
  ifThen(b, loc, isFirst, [&](OpBuilder &then) {
    waitUntilFull(then, loc, values, stage, round, kernel);
  });
  IRMapping operands;
  operands.map(product.getA(), previousProbabilities);
  operands.map(product.getB(), stageTile(b, loc, values, previousStage, kernel));
  operands.map(product.getAcc(), accumulator);
  Operation *previousProduct = b.clone(*product, operands);
  UnitAttr async = UnitAttr::get(context);
  scores->setAttr(kAsyncProductAttrName, async);
  previousProduct->setAttr(kAsyncProductAttrName, async);
  // S_j is ready once at most the product issued after it is pending.
  auto scoresReady = DotWaitOp::create(b, loc, scores.getResult(), 1);
  scores.getResult().replaceAllUsesExcept(scoresReady, scoresReady);

  // The rescale waits for P_{j-1}·V_{j-1}, then V_{j-1}'s stage is free.
  b.setInsertionPoint(parts->rescale);
  auto productReady = DotWaitOp::create(b, loc, previousProduct->getResult(0),
                                        0, rowSumsBefore(parts->rescale));
  parts->rescale->replaceUsesOfWith(accumulator, productReady);
  ifThen(b, loc, hasPrevious, [&](OpBuilder &then) {
    releaseStage(then, loc, values, previousStage, kernel);
  });
  // V_j is read by the next iteration (or after the loop).
  Operation *yield = rotated.getBody()->getTerminator();
  b.setInsertionPoint(yield);
  waitUntilFull(b, loc, values, stage, round, kernel);
  yield->setOperand(parts->accumulator, product.getAcc());

  // After the loop: the last block's product, if there was a block.
  b.setInsertionPointAfter(rotated);
  Value result = rotated.getResult(parts->accumulator);
  Value ran = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lb,
                                    rotated.getUpperBound());
  auto last = scf::IfOp::create(b, loc, TypeRange{result.getType()}, ran,
                                /*withElseRegion=*/true);
  {
    // No earlier sibling loop counts before this one (match()); earlier
    // tiles do.
    OpBuilder then = OpBuilder::atBlockBegin(last.thenBlock());
    Value lastExecution =
        arith::SubIOp::create(then, loc, tripCount(then, loc, rotated),
                              arith::ConstantIndexOp::create(then, loc, 1));
    if (values.carried >= 0)
      lastExecution = arith::AddIOp::create(
          then, loc, lastExecution,
          rotated->getParentOfType<scf::ForOp>().getRegionIterArg(
              values.carried));
    Value lastStage =
        stageAndRound(then, loc, lastExecution, values.stages).first;
    IRMapping lastOperands;
    lastOperands.map(product.getA(), rotated.getResults().back());
    lastOperands.map(product.getB(), stageTile(then, loc, values, lastStage, kernel));
    lastOperands.map(product.getAcc(), result);
    Operation *lastProduct = then.clone(*product, lastOperands);
    releaseStage(then, loc, values, lastStage, kernel);
    scf::YieldOp::create(then, loc, lastProduct->getResult(0));
    OpBuilder otherwise = OpBuilder::atBlockBegin(last.elseBlock());
    scf::YieldOp::create(otherwise, loc, result);
  }
  result.replaceUsesWithIf(last.getResult(0), [&](OpOperand &use) {
    return !last->isAncestor(use.getOwner());
  });
  product.erase();
  values.load.erase();
  parts->values->load = nullptr; // consumed here
  return true;
}
