//===- WarpSpecialization.cpp - A producer warpgroup for TMA copies -----===//
//
// With `warp-specialize` (and `tma`), the TMA copies of a kernel's loop
// bodies are issued ahead by a producer warpgroup, as FlashAttention 3
// does, instead of by the consumers as they reach them:
//
//   if (tid < consumers) {            // the kernel's body, unchanged but:
//     ... wait full[stage]  (parity = round & 1), read buffer[stage] ...
//     ... after the tile's last reader: arrive on empty[stage] ...
//   } else if (tid == consumers) {    // the producer's first thread
//     the same loops: wait empty[stage] (parity = round & 1 ^ 1: a fresh
//     barrier counts as released), arm full[stage], copy into buffer[stage]
//   }
//
// where execution j of a copy uses stage j % 2 in round j / 2. The copies
// of iteration j + 1 land while the consumers compute iteration j. In a
// loop the softmax overlap rotates, whose consumers release V's stage an
// iteration after K's, the producer issues K one iteration ahead of V
// (produceAhead). In a persistent kernel's loop over tiles, the tile loop
// carries a counter of each copy group's executions in earlier tiles, and
// a copy in the tile loop itself (Q) has two stages, or one where two do
// not fit, released after the key loops that read it; the producer
// replays the tile loop once. The producer recomputes the loops' bounds
// and the copies' coordinates from the kernel's arguments (the ops
// computing them are cloned: they are side-effect free). Consumer barriers
// become named barriers over the consumer threads (Utility.cpp's
// barrier()).
//
//===----------------------------------------------------------------------===//

#include "LateWaits.h"
#include "SoftmaxOverlap.h"
#include "TensorCopies.h"
#include "Utility.h"
#include "WarpgroupTurns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// Registers are reallocated (setmaxnreg, WarpRoles) with two consumer
/// warpgroups only. With more no reallocation is asked for: it could not be
/// granted, and setmaxnreg.inc would wait for it forever.
constexpr int64_t kReallocatedConsumers = 256;

/// The region ops from the kernel down to (and with) `loop`, outermost
/// first: scf.if ops, then the loop nest.
SmallVector<Operation *> ancestry(scf::ForOp loop, Operation *kernel) {
  SmallVector<Operation *> chain;
  for (Operation *op = loop; op != kernel; op = op->getParentOp())
    chain.push_back(op);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

/// Whether the producer can compute `value`: a kernel argument, an
/// induction variable of its loops (`ivs`), or the result of a
/// side-effect-free op without regions whose operands it can compute.
bool computable(Value value, Operation *kernel, const DenseSet<Value> &ivs) {
  if (ivs.contains(value))
    return true;
  if (auto arg = dyn_cast<BlockArgument>(value))
    return arg.getOwner()->getParentOp() == kernel;
  Operation *def = value.getDefiningOp();
  if (def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return false;
  return llvm::all_of(def->getOperands(), [&](Value operand) {
    return computable(operand, kernel, ivs);
  });
}

/// `value` recomputed at the builder's point (see computable).
Value recompute(OpBuilder &b, Value value, IRMapping &mapping) {
  if (Value mapped = mapping.lookupOrNull(value))
    return mapped;
  Operation *def = value.getDefiningOp();
  if (!def)
    return value; // a kernel argument
  for (Value operand : def->getOperands())
    recompute(b, operand, mapping);
  b.clone(*def, mapping);
  return mapping.lookup(value);
}

/// The barrier of `stage` among a copy's full or empty barriers (8 bytes
/// a stage from `barriers`).
Value stageBarrier(OpBuilder &b, Location loc, Operation *kernel,
                   int64_t barriers, Value stage) {
  return stagedAddress(b, loc, sharedBase(b, loc, kernel, barriers), stage, 8);
}

/// The producer's steps for execution `execution` of `copy`, whose
/// operands `mapping` recomputes at the builder's point: wait until the
/// stage is released, arm its full barrier and issue the copy into it.
void issueCopy(OpBuilder &b, Location loc, const PipelinedCopy &copy,
               Value execution, IRMapping &mapping, Operation *kernel) {
  LoadOp load = copy.load;
  auto [stage, round] = stageAndRound(b, loc, execution, copy.stages);
  // Released by the consumers' previous round (parity round - 1), or never
  // used: a fresh barrier's preceding phase counts as complete.
  Value previousRound = arith::XOrIOp::create(
      b, loc, round, arith::ConstantIndexOp::create(b, loc, 1));
  waitForPhase(b, loc, stageBarrier(b, loc, kernel, copy.emptyBarriers, stage),
               previousRound);
  SmallVector<Value> operands;
  for (Value operand : load->getOperands())
    operands.push_back(recompute(b, operand, mapping));
  auto issueInto = [&](OpBuilder &at, int64_t s) {
    Operation *issue = at.clone(*load);
    issue->setOperands(operands);
    issue->setAttr(FlashDialect::kSharedOffsetAttrName,
                   at.getI64IntegerAttr(copy.buffers + s * copy.bufferStride));
    issue->setAttr(kBarrierOffsetAttrName,
                   at.getI64IntegerAttr(copy.fullBarriers + 8 * s));
    issue->setAttr(kIssuedByProducerAttrName, at.getUnitAttr());
  };
  if (copy.stages == 1)
    return issueInto(b, 0);
  // One copy op a stage, each with its buffer and full barrier.
  assert(copy.stages == 2 && "a branch a stage");
  Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, stage,
                                        arith::ConstantIndexOp::create(b, loc, 0));
  auto branch = scf::IfOp::create(b, loc, isFirst, /*withElseRegion=*/true);
  for (int64_t s = 0; s < copy.stages; ++s) {
    OpBuilder inner = OpBuilder::atBlockTerminator(
        s == 0 ? branch.thenBlock() : branch.elseBlock());
    issueInto(inner, s);
  }
}

/// The producer's steps for the copies of one loop, issued after `loops`
/// (the producer's copies of the consumers' loops) reach them.
void produce(OpBuilder &b, Location loc, ArrayRef<scf::ForOp> loops,
             const PipelinedCopy &copy, IRMapping &mapping, Operation *kernel) {
  Value execution = copyExecution(b, loc, loops, copy, [&](Value bound) {
    return recompute(b, bound, mapping);
  });
  issueCopy(b, loc, copy, execution, mapping, kernel);
}

/// The producer's steps for `copy` one iteration ahead of the loop's
/// other copies: iteration j issues execution j + 1 (and the first
/// iteration also its own), so that the copy does not queue behind a copy
/// whose stage the consumers release later. `atBodyStart` maps the
/// consumer loop `original`'s induction variable to the producer's and
/// holds nothing computed from it.
void produceAhead(OpBuilder &b, Location loc, ArrayRef<scf::ForOp> loops,
                  scf::ForOp original, const PipelinedCopy &copy,
                  const IRMapping &atBodyStart, Operation *kernel) {
  scf::ForOp loop = loops.back();
  Value iv = loop.getInductionVar();
  IRMapping bounds = atBodyStart;
  Value execution = copyExecution(b, loc, loops, copy, [&](Value bound) {
    return recompute(b, bound, bounds);
  });
  Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, iv,
                                        loop.getLowerBound());
  ifThen(b, loc, isFirst, [&](OpBuilder &then) {
    IRMapping mapping = atBodyStart;
    issueCopy(then, loc, copy, execution, mapping, kernel);
  });
  Value next = arith::AddIOp::create(b, loc, iv, loop.getStep());
  Value hasNext = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, next,
                                        loop.getUpperBound());
  ifThen(b, loc, hasNext, [&](OpBuilder &then) {
    IRMapping mapping = atBodyStart;
    mapping.map(original.getInductionVar(), next);
    Value nextExecution = arith::AddIOp::create(
        then, loc, execution, arith::ConstantIndexOp::create(then, loc, 1));
    issueCopy(then, loc, copy, nextExecution, mapping, kernel);
  });
}

/// Replaces the consumers' load by a wait on its stage's full barrier and
/// the stage's buffer, and releases the stage after the last reader (an
/// asynchronous product reading until the wait for it; a nested reader
/// until the op of the load's block that holds it).
void consume(const PipelinedCopy &copy, Operation *kernel) {
  LoadOp load = copy.load;
  Location loc = load.getLoc();
  OpBuilder b(load);
  auto [stage, round] = stageAndRound(
      b, loc,
      copyExecution(b, loc, loopsAround(load), copy,
                    [](Value bound) { return bound; }),
      copy.stages);
  waitUntilFull(b, loc, copy, stage, round, kernel);
  Value tile = stageTile(b, loc, copy, stage, kernel);
  Block *block = load->getBlock();
  Operation *lastReader = nullptr;
  for (Operation *user : load->getUsers()) {
    Operation *reader = block->findAncestorOpInBlock(*user);
    // An asynchronous product reads until its wait.
    if (reader->hasAttr(kAsyncProductAttrName))
      for (Operation *wait : reader->getUsers())
        if (isa<DotWaitOp>(wait) && wait->getBlock() == block &&
            reader->isBeforeInBlock(wait))
          reader = wait;
    if (!lastReader || lastReader->isBeforeInBlock(reader))
      lastReader = reader;
  }
  load.getResult().replaceAllUsesWith(tile);
  b.setInsertionPointAfter(lastReader);
  releaseStage(b, loc, copy, stage, kernel);
  load.erase();
}

/// A copy group's executions after a tile: `before` plus the trip counts of
/// the group's `loops` in it (the consumers' loops, or the producer's
/// replays of them).
Value executionsAfterTile(OpBuilder &b, Location loc, Value before,
                          ArrayRef<scf::ForOp> loops) {
  for (scf::ForOp loop : loops)
    before = arith::AddIOp::create(b, loc, before, tripCount(b, loc, loop));
  return before;
}

/// Adds to each tile loop (tileLoopOf) of `copies` an iter_arg per buffer
/// group counting its copies' executions in earlier tiles: each tile adds
/// the trip counts of the group's loops. Sets the copies' `carried`.
void countTileExecutions(MutableArrayRef<PipelinedCopy> copies) {
  // Per tile loop (found before any is replaced: a loop carrying counters
  // is no tile loop any more), its groups by their buffers, in order of
  // their first copy.
  SmallVector<std::pair<scf::ForOp, SmallVector<SmallVector<PipelinedCopy *>>>>
      tileLoops;
  for (PipelinedCopy &copy : copies) {
    scf::ForOp tiles =
        tileLoopOf(cast<scf::ForOp>(copy.load->getParentOp()));
    if (!tiles)
      continue;
    auto *entry = llvm::find_if(tileLoops, [&](auto &e) { return e.first == tiles; });
    if (entry == tileLoops.end()) {
      tileLoops.push_back({tiles, {}});
      entry = std::prev(tileLoops.end());
    }
    auto group = llvm::find_if(entry->second, [&](auto &members) {
      return members.front()->buffers == copy.buffers;
    });
    if (group == entry->second.end())
      entry->second.push_back({&copy});
    else
      group->push_back(&copy);
  }
  for (auto &[tiles, groups] : tileLoops) {
    IRRewriter rewriter(tiles.getContext());
    rewriter.setInsertionPoint(tiles);
    Location loc = tiles.getLoc();
    SmallVector<Value> zeros(groups.size(),
                             arith::ConstantIndexOp::create(rewriter, loc, 0));
    auto counted = cast<scf::ForOp>(*tiles.replaceWithAdditionalYields(
        rewriter, zeros, /*replaceInitOperandUsesInLoop=*/false,
        [&](OpBuilder &b, Location, ArrayRef<BlockArgument> before) {
          SmallVector<Value> after;
          for (auto [members, count] : llvm::zip(groups, before)) {
            SmallVector<scf::ForOp> loops = llvm::map_to_vector(
                members, [](PipelinedCopy *copy) {
                  return cast<scf::ForOp>(copy->load->getParentOp());
                });
            after.push_back(executionsAfterTile(b, loc, count, loops));
          }
          return after;
        }));
    int64_t first = counted.getNumRegionIterArgs() - groups.size();
    for (auto [index, members] : llvm::enumerate(groups))
      for (PipelinedCopy *copy : members)
        copy->carried = first + index;
  }
}

} // namespace

Value mlir::flash::nvvm::copyExecution(OpBuilder &b, Location loc,
                                       ArrayRef<scf::ForOp> loops,
                                       const PipelinedCopy &copy,
                                       function_ref<Value(Value)> available) {
  Value execution;
  if (copy.carried >= 0) {
    // The tile loop counts earlier tiles; the copy's own loop the rest.
    scf::ForOp tiles = loops.front();
    execution = arith::AddIOp::create(
        b, loc, tiles.getRegionIterArg(copy.carried),
        executionIndex(b, loc, loops.drop_front()));
  } else {
    execution = executionIndex(b, loc, loops);
  }
  for (scf::ForOp earlier : copy.earlierLoops)
    execution = arith::AddIOp::create(
        b, loc, execution,
        tripCount(b, loc, available(earlier.getLowerBound()),
                  available(earlier.getUpperBound()),
                  available(earlier.getStep())));
  return execution;
}

std::pair<Value, Value> mlir::flash::nvvm::stageAndRound(OpBuilder &b,
                                                         Location loc,
                                                         Value execution,
                                                         int64_t stages) {
  Value count = arith::ConstantIndexOp::create(b, loc, stages);
  return {arith::RemUIOp::create(b, loc, execution, count),
          arith::DivUIOp::create(b, loc, execution, count)};
}

void mlir::flash::nvvm::waitUntilFull(OpBuilder &b, Location loc,
                                      const PipelinedCopy &copy, Value stage,
                                      Value round, Operation *kernel) {
  waitForPhase(b, loc, stageBarrier(b, loc, kernel, copy.fullBarriers, stage),
               round);
}

Value mlir::flash::nvvm::stageTile(OpBuilder &b, Location loc,
                                   const PipelinedCopy &copy, Value stage,
                                   Operation *kernel) {
  Value buffer = stagedAddress(b, loc, sharedBase(b, loc, kernel, copy.buffers),
                               stage, copy.bufferStride);
  return UnrealizedConversionCastOp::create(b, loc,
                                            copy.load->getResult(0).getType(),
                                            buffer)
      .getResult(0);
}

void mlir::flash::nvvm::releaseStage(OpBuilder &b, Location loc,
                                     const PipelinedCopy &copy, Value stage,
                                     Operation *kernel) {
  NVVM::MBarrierArriveOp::create(
      b, loc, /*res=*/Type(),
      stageBarrier(b, loc, kernel, copy.emptyBarriers, stage),
      /*count=*/Value());
}

SmallVector<LoadOp>
mlir::flash::nvvm::pipelinableCopies(func::FuncOp kernel,
                                     ArrayRef<LoadOp> copies) {
  // Loops that are some copy's tile loop: their own copies are read
  // anywhere inside them.
  llvm::SmallPtrSet<Operation *, 2> tileLoops;
  for (LoadOp load : copies)
    if (auto loop = dyn_cast<scf::ForOp>(load->getParentOp()))
      if (scf::ForOp tiles = tileLoopOf(loop))
        tileLoops.insert(tiles);
  SmallVector<LoadOp> result;
  for (LoadOp load : copies) {
    auto loop = dyn_cast<scf::ForOp>(load->getParentOp());
    if (!loop)
      continue; // copied once, by the consumers
    if (!tileLoops.contains(loop) &&
        llvm::any_of(load->getUsers(), [&](Operation *user) {
          return user->getBlock() != load->getBlock();
        }))
      return {};
    DenseSet<Value> ivs;
    SmallVector<Value> needed(load->getOperands());
    for (Operation *op : ancestry(loop, kernel)) {
      if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
        // The producer replays then-branches only.
        if (!ifOp.getThenRegion().isAncestor(loop->getParentRegion()))
          return {};
        needed.push_back(ifOp.getCondition());
        continue;
      }
      auto outer = cast<scf::ForOp>(op);
      needed.append({outer.getLowerBound(), outer.getUpperBound(), outer.getStep()});
      ivs.insert(outer.getInductionVar());
    }
    if (!llvm::all_of(needed, [&](Value value) {
          return computable(value, kernel, ivs);
        }))
      return {};
    result.push_back(load);
  }
  // The producer runs each loop's nest once, in order: loops holding
  // copies may not nest or share an enclosing loop (the producer would run
  // ahead by a whole loop while the consumers alternate), except for a
  // tile loop, which the producer replays once around its loops.
  for (LoadOp a : result)
    for (LoadOp c : result) {
      auto loopA = cast<scf::ForOp>(a->getParentOp());
      auto loopC = cast<scf::ForOp>(c->getParentOp());
      if (loopA == loopC || loopC->isProperAncestor(loopA))
        continue; // (the pair is also seen the other way round)
      if (loopA->isProperAncestor(loopC)) {
        if (tileLoopOf(loopC) != loopA)
          return {};
        continue;
      }
      auto outerA = loopA->getParentOfType<scf::ForOp>();
      auto outerC = loopC->getParentOfType<scf::ForOp>();
      if ((outerA || outerC) &&
          (outerA != outerC || tileLoopOf(loopA) != outerA))
        return {};
    }
  return result;
}

void mlir::flash::nvvm::specializeWarps(func::FuncOp kernel,
                                        ArrayRef<PipelinedCopy> copies,
                                        int64_t consumerThreads,
                                        WarpRoles roles) {
  Location loc = kernel.getLoc();
  Block &entry = kernel.getBody().front();
  SmallVector<PipelinedCopy> consumed(copies.begin(), copies.end());
  countTileExecutions(consumed);
  // The producer's loops, one nest per consumer loop, in program order,
  // with the region ops around them (taken before the body moves).
  SmallVector<std::pair<scf::ForOp, SmallVector<Operation *>>> nests;
  kernel->walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
    if (llvm::any_of(consumed, [&](const PipelinedCopy &copy) {
          return copy.load->getParentOp() == loop;
        }))
      nests.push_back({loop, ancestry(loop, kernel)});
  });

  // The body after the barriers' initialisation (which ends with the
  // kernel-wide barrier) goes to the consumers.
  Operation *initialized = nullptr;
  for (Operation &op : entry)
    if (isa<NVVM::Barrier0Op>(op)) {
      initialized = &op;
      break;
    }
  OpBuilder b(kernel.getContext());
  b.setInsertionPointAfter(initialized);
  Value tid = NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
  Value isConsumer = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ult, tid,
      arith::ConstantIntOp::create(b, loc, consumerThreads, 32));
  auto split = scf::IfOp::create(b, loc, isConsumer, /*withElseRegion=*/true);
  Block *consumers = split.thenBlock();
  consumers->getOperations().splice(
      consumers->begin(), entry.getOperations(), std::next(split->getIterator()),
      entry.getTerminator()->getIterator());
  bool reallocate = consumerThreads == kReallocatedConsumers;
  if (reallocate) {
    OpBuilder at = OpBuilder::atBlockBegin(consumers);
    NVVM::SetMaxRegisterOp::create(at, loc, roles.consumerRegisters(),
                                   NVVM::SetMaxRegisterAction::increase);
  }
  if (roles.pingPong)
    scheduleWarpgroupTurns(kernel, consumers, consumerThreads);

  OpBuilder producer = OpBuilder::atBlockTerminator(split.elseBlock());
  if (reallocate)
    NVVM::SetMaxRegisterOp::create(producer, loc, roles.producerRegisters,
                                   NVVM::SetMaxRegisterAction::decrease);
  Value first = arith::CmpIOp::create(
      producer, loc, arith::CmpIPredicate::eq,
      NVVM::ThreadIdXOp::create(producer, loc, producer.getI32Type()),
      arith::ConstantIntOp::create(producer, loc, consumerThreads, 32));
  auto issuer = scf::IfOp::create(producer, loc, first, /*withElseRegion=*/false);
  OpBuilder issue = OpBuilder::atBlockTerminator(issuer.thenBlock());
  // Region ops replayed once for several nests (a tile loop around its
  // key-block loops), and their induction variables and counters.
  DenseMap<Operation *, Operation *> replayed;
  IRMapping replayedValues;
  for (auto &[loop, chain] : nests) {
    IRMapping mapping = replayedValues;
    OpBuilder at = issue;
    SmallVector<scf::ForOp> produced;
    for (Operation *op : chain) {
      Operation *clone = replayed.lookup(op);
      if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
        if (!clone)
          clone = scf::IfOp::create(
              at, loc, recompute(at, ifOp.getCondition(), mapping), false);
        replayed[op] = clone;
        at.setInsertionPoint(cast<scf::IfOp>(clone).thenBlock()->getTerminator());
        continue;
      }
      auto outer = cast<scf::ForOp>(op);
      if (!clone) {
        // A counted tile loop carries its copies' counters (from 0), and
        // only them; the producer drops any other loop's values.
        Value lb = recompute(at, outer.getLowerBound(), mapping);
        Value ub = recompute(at, outer.getUpperBound(), mapping);
        Value step = recompute(at, outer.getStep(), mapping);
        bool counted = llvm::any_of(consumed, [&](const PipelinedCopy &copy) {
          return copy.carried >= 0 &&
                 copy.load->getParentOp()->getParentOp() == outer;
        });
        SmallVector<Value> counters(
            counted ? outer.getNumRegionIterArgs() : 0,
            arith::ConstantIndexOp::create(at, loc, 0));
        auto loopClone = scf::ForOp::create(
            at, loc, lb, ub, step, counters,
            [](OpBuilder &body, Location at, Value, ValueRange carried) {
              scf::YieldOp::create(body, at, carried);
            });
        replayedValues.map(outer.getInductionVar(), loopClone.getInductionVar());
        mapping.map(outer.getInductionVar(), loopClone.getInductionVar());
        if (counted) {
          replayedValues.map(outer.getRegionIterArgs(),
                             loopClone.getRegionIterArgs());
          mapping.map(outer.getRegionIterArgs(), loopClone.getRegionIterArgs());
        }
        clone = loopClone;
        replayed[op] = clone;
      }
      auto loopClone = cast<scf::ForOp>(clone);
      produced.push_back(loopClone);
      at.setInsertionPoint(loopClone.getBody()->getTerminator());
    }
    // In a loop the overlap rotates, the consumers release V's stage an
    // iteration later than K's: K's copies go one iteration ahead, as
    // FlashAttention 3's producer issues them.
    const PipelinedCopy *deferred =
        roles.overlapSoftmax ? productDeferredCopy(loop, consumed) : nullptr;
    IRMapping atBodyStart = mapping;
    for (const PipelinedCopy &copy : consumed)
      if (deferred && copy.load->getParentOp() == loop && &copy != deferred)
        produceAhead(at, loc, produced, loop, copy, atBodyStart, kernel);
    for (const PipelinedCopy &copy : consumed)
      if (copy.load->getParentOp() == loop && (!deferred || &copy == deferred))
        produce(at, loc, produced, copy, mapping, kernel);
  }
  // Each replayed tile loop counts its copies' executions as the
  // consumers' does (countTileExecutions).
  for (auto [op, clone] : replayed) {
    auto loopClone = dyn_cast<scf::ForOp>(clone);
    if (!loopClone || loopClone.getNumRegionIterArgs() == 0)
      continue;
    Operation *yield = loopClone.getBody()->getTerminator();
    OpBuilder at(yield);
    SmallVector<SmallVector<scf::ForOp>> groupLoops(
        loopClone.getNumRegionIterArgs());
    for (const PipelinedCopy &copy : consumed) {
      if (copy.carried < 0)
        continue;
      auto own = cast<scf::ForOp>(replayed.lookup(copy.load->getParentOp()));
      if (own->getParentOp() == loopClone)
        groupLoops[copy.carried].push_back(own);
    }
    SmallVector<Value> next;
    for (auto [count, loops] :
         llvm::zip(loopClone.getRegionIterArgs(), groupLoops))
      next.push_back(executionsAfterTile(at, loc, count, loops));
    scf::YieldOp::create(at, loc, next);
    yield->erase();
  }
  // The consumers' side: loops whose products can overlap their softmax
  // are rotated first (with overlapSoftmax), consuming the copies of the
  // products' `b` tiles; the products of the others are awaited late.
  for (auto &[loop, chain] : nests)
    if (!roles.overlapSoftmax ||
        !overlapProductsWithSoftmax(loop, consumed, kernel))
      awaitProductsLate(loop);
  if (roles.pingPong && roles.overlapSoftmax)
    shareTurns(consumers);
  for (const PipelinedCopy &copy : consumed)
    if (copy.load)
      consume(copy, kernel);
  kernel->setAttr(FlashDialect::kConsumerThreadsAttrName,
                  b.getI64IntegerAttr(consumerThreads));
}
