//===- TensorCopies.cpp - Shared tiles copied by the TMA (sm_90a) ---------===//
//
// With `tma`, a load of a swizzled shared tile whose rows are bounded by its
// memref's own size along them is issued by one thread as
// cp.async.bulk.tensor: the tensor memory accelerator copies the tile in
// boxes of 64 columns through a tensor map (built by the runtime, passed as
// a kernel parameter) into the 128-byte swizzle that wgmma reads, fills rows
// past the memref's end with zeros, and completes the load's mbarrier.
//
// A load's k-th execution completes its barrier's phase k, so a reader
// waits for parity k & 1, with k computed from the induction variables of
// the loops around the load (a producer's copies in a persistent kernel's
// key loops, whose trip counts vary between tiles, count earlier tiles'
// executions with a counter their tile loop carries:
// WarpSpecialization.cpp). Planned on the tile IR before conversion:
// which loads qualify (each reader must sit inside the load's loops, so
// that it can name k), their barriers (after the kernel's shared buffers),
// the kernel's tensor maps, the barriers' initialisation, and the waits;
// in a persistent kernel also the TMA stores of its output tiles, whose
// staging buffers follow the pipeline's (TensorStores.cpp).
//
//===----------------------------------------------------------------------===//

#include "TensorCopies.h"

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

#include "flash/Transforms/SharedMemory.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

#include <map>

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// Nanoseconds a waiting thread may be suspended between polls (a hint).
constexpr int32_t kSuspendHint = 0x989680;

/// Whether `load` can be a TMA copy on its own terms: a swizzled tile of
/// 16-bit elements, boxes the TMA takes, rows bounded by the size of the
/// kernel argument it reads along them (the TMA's zero fill then matches),
/// unit-stride columns, and readers that can name its executions.
bool qualifies(LoadOp load, func::FuncOp kernel) {
  RankedTensorType type = load.getResult().getType();
  auto shared = dyn_cast_or_null<SharedEncodingAttr>(type.getEncoding());
  if (!shared || !shared.isSwizzled() || type.getRank() != 2 ||
      type.getElementTypeBitWidth() != 16 ||
      type.getDimSize(1) % kBoxColumns != 0 || type.getDimSize(0) > kMaxBoxRows ||
      type.getDimSize(0) % 8 != 0 || load->use_empty() ||
      !load->hasAttr(FlashDialect::kSharedOffsetAttrName))
    return false; // (whole 8-row swizzle periods keep each box 1024-aligned)
  auto source = dyn_cast<BlockArgument>(load.getSource());
  if (!source || source.getOwner() != &kernel.getBody().front())
    return false;
  if (!hasTensorMapShape(load.getSource().getType(), load.getAlong()) ||
      !boundedBySize(load.getSource(), load.getBound(), load.getAlong()))
    return false;
  // Executions counted from the loops' induction variables, or by a tile
  // loop (then only a producer can issue it: planKernel).
  auto loop = dyn_cast<scf::ForOp>(load->getParentOp());
  if (failed(enclosingLoops(load, kernel)) && !(loop && tileLoopOf(loop)))
    return false;
  Operation *scope = load->getParentOp();
  return llvm::all_of(load->getUsers(), [&](Operation *user) {
    return readsSharedTiles(user) && scope->isAncestor(user);
  });
}

/// Lays out, from byte `end` of shared memory, the stage buffers (1024-byte
/// aligned for the swizzle) and then the barriers of the pipelined copies
/// `loads`, a copy in a tile loop itself with `tileCopyStages`; records the
/// barriers to initialise (offset, arrivals) and returns the new end.
int64_t layOutPipeline(func::FuncOp kernel, ArrayRef<LoadOp> loads, int64_t end,
                       int64_t tileCopyStages, int64_t consumerThreads,
                       SmallVector<PipelinedCopy> &pipelined,
                       SmallVector<std::pair<int64_t, int64_t>> &inits) {
  // Loops directly in the kernel's body or branches, or in a tile loop.
  auto atLoopLevel = [&](scf::ForOp loop) {
    FailureOr<SmallVector<scf::ForOp>> loops = enclosingLoops(loop, kernel);
    return (succeeded(loops) && loops->empty()) || tileLoopOf(loop);
  };
  for (LoadOp load : loads) {
    RankedTensorType type = load.getResult().getType();
    auto loop = cast<scf::ForOp>(load->getParentOp());
    PipelinedCopy copy;
    copy.load = load;
    // A copy in a tile loop is read until its tile's last key block: with
    // two stages the next tile's lands while this one's loops run.
    if (llvm::any_of(loads, [&](LoadOp other) {
          return tileLoopOf(cast<scf::ForOp>(other->getParentOp())) == loop;
        }))
      copy.stages = tileCopyStages;
    // A sibling loop's copy of the same tensor and columns, at the kernel's
    // level of loops, shares the buffers when its tile fits them (the
    // forward's causal diagonal loop may take fewer keys a block): this
    // loop's executions follow the last sibling's. Only one such copy in
    // each of the loops: they pair one to one.
    auto sameTensor = [&](LoadOp a, LoadOp c) {
      RankedTensorType at = a.getType(), ct = c.getType();
      return a.getSource() == c.getSource() && a.getAlong() == c.getAlong() &&
             at.getElementType() == ct.getElementType() &&
             at.getShape().drop_front() == ct.getShape().drop_front();
    };
    int64_t bytes = type.getNumElements() * 2;
    auto alone = [&](LoadOp a) {
      return llvm::count_if(loads, [&](LoadOp c) {
               return c->getParentOp() == a->getParentOp() && sameTensor(a, c);
             }) == 1;
    };
    const PipelinedCopy *sibling = nullptr;
    if (atLoopLevel(loop) && alone(load))
      for (const PipelinedCopy &other : pipelined) {
        LoadOp otherLoad = other.load;
        auto otherLoop = cast<scf::ForOp>(otherLoad->getParentOp());
        if (otherLoop != loop && otherLoop->getBlock() == loop->getBlock() &&
            atLoopLevel(otherLoop) && sameTensor(otherLoad, load) &&
            alone(otherLoad))
          sibling = &other;
      }
    // The buffers' stride is their first copy's tile: a larger tile gets
    // buffers (and an execution count) of its own.
    if (sibling && bytes > sibling->bufferStride)
      sibling = nullptr;
    if (sibling) {
      copy.stages = sibling->stages;
      copy.buffers = sibling->buffers;
      copy.bufferStride = sibling->bufferStride;
      copy.fullBarriers = sibling->fullBarriers;
      copy.emptyBarriers = sibling->emptyBarriers;
      copy.earlierLoops = sibling->earlierLoops;
      copy.earlierLoops.push_back(cast<scf::ForOp>(sibling->load->getParentOp()));
      pipelined.push_back(copy);
      continue;
    }
    copy.bufferStride = llvm::alignTo(bytes, 1024);
    copy.buffers = llvm::alignTo(end, 1024);
    end = copy.buffers + copy.stages * copy.bufferStride;
    pipelined.push_back(copy);
  }
  end = llvm::alignTo(end, 8);
  for (PipelinedCopy &copy : pipelined) {
    if (!copy.earlierLoops.empty())
      continue; // shares its sibling's barriers
    copy.fullBarriers = end;
    copy.emptyBarriers = end + 8 * copy.stages;
    end += 16 * copy.stages;
    for (int64_t stage = 0; stage < copy.stages; ++stage) {
      inits.push_back({copy.fullBarriers + 8 * stage, 1});
      inits.push_back({copy.emptyBarriers + 8 * stage, consumerThreads});
    }
  }
  // Copies sharing barriers got their offsets before these were assigned.
  for (PipelinedCopy &copy : pipelined)
    for (const PipelinedCopy &first : pipelined)
      if (first.earlierLoops.empty() && first.buffers == copy.buffers) {
        copy.fullBarriers = first.fullBarriers;
        copy.emptyBarriers = first.emptyBarriers;
      }
  return end;
}

/// Where the pipelined copies' stage buffers start: after the kernel's
/// buffers, or at the lowest of the pipelined loads' own buffers when
/// nothing else lies at or above it and the buffers account for the
/// kernel's whole shared memory. Those buffers are dead once the producer
/// copies into the stages (the loads become stage tiles), and they sit on
/// top of the stack (a loop's buffers follow the enclosing block's), so the
/// forward reuses K's and V's (64 KiB at d=128, 128x128).
int64_t stageBuffersStart(func::FuncOp kernel, ArrayRef<LoadOp> pipelined,
                          int64_t kernelEnd) {
  llvm::SmallPtrSet<Operation *, 8> loads;
  int64_t lowest = kernelEnd;
  for (LoadOp load : pipelined) {
    loads.insert(load);
    auto offset =
        load->getAttrOfType<IntegerAttr>(FlashDialect::kSharedOffsetAttrName);
    if (!offset)
      return kernelEnd;
    lowest = std::min(lowest, offset.getInt());
  }
  int64_t buffersEnd = 0;
  WalkResult clear = kernel.walk([&](Operation *op) {
    auto offset =
        op->getAttrOfType<IntegerAttr>(FlashDialect::kSharedOffsetAttrName);
    if (!offset)
      return WalkResult::advance();
    std::optional<int64_t> bytes = sharedBufferBytes(op);
    if (!bytes)
      return WalkResult::interrupt();
    buffersEnd = std::max(buffersEnd, offset.getInt() + *bytes);
    return !loads.contains(op) && offset.getInt() + *bytes > lowest
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  return clear.wasInterrupted() || buffersEnd < kernelEnd ? kernelEnd : lowest;
}

/// Plans the TMA copies of one kernel; with `warpSpecialize`, those of loop
/// bodies that a producer warpgroup can issue are pipelined, the consumers
/// sharing the program as `roles` says.
void planKernel(func::FuncOp kernel, bool warpSpecialize, WarpRoles roles,
                int64_t consumerThreads) {
  SmallVector<LoadOp> copies;
  kernel.walk([&](LoadOp load) {
    if (qualifies(load, kernel))
      copies.push_back(load);
  });
  if (copies.empty())
    return;
  // A producer warpgroup pays for itself beside two consumer warpgroups or
  // more; beside one it halves the programs an SM holds (measured:
  // docs/performance.md, step 10).
  SmallVector<LoadOp> pipelinedLoads;
  if (warpSpecialize && consumerThreads >= 256)
    pipelinedLoads = pipelinableCopies(kernel, copies);
  MLIRContext *context = kernel.getContext();
  Builder attrs(context);
  Location loc = kernel.getLoc();

  // After the kernel's shared buffers: the pipelined copies' stage buffers
  // and barriers, then the other copies' barriers, 8 bytes each.
  auto sharedAttr =
      kernel->getAttrOfType<IntegerAttr>(FlashDialect::kSharedMemoryAttrName);
  int64_t end = sharedAttr ? sharedAttr.getInt() : 0;
  // Thread 0 initialises the barriers before anyone uses them: one arrival
  // (the expect_tx of the thread issuing the copy), or every consumer
  // thread's for a stage's "empty" barrier. A pipeline that would not fit
  // the shared memory of an sm_90 SM is given up: the consumers copy.
  // A tile loop's own copy (a persistent forward's Q) gets two stages where
  // they fit, else one.
  SmallVector<PipelinedCopy> pipelined;
  SmallVector<std::pair<int64_t, int64_t>> inits; // offset, arrivals
  int64_t kernelEnd = end;
  auto fits = [&](int64_t tileCopyStages) {
    pipelined.clear();
    inits.clear();
    end = layOutPipeline(kernel, pipelinedLoads,
                         stageBuffersStart(kernel, pipelinedLoads, kernelEnd),
                         tileCopyStages, consumerThreads, pipelined, inits);
    return end + 8 * int64_t(copies.size()) <= kMaxSharedBytesSm90;
  };
  if (!fits(PipelinedCopy::kStages) && !fits(1)) {
    pipelinedLoads.clear();
    pipelined.clear();
    inits.clear();
    end = llvm::alignTo(kernelEnd, 8);
  }
  // Copies whose executions only a tile loop counts are the producer's, or
  // not TMA copies.
  llvm::erase_if(copies, [&](LoadOp load) {
    return failed(enclosingLoops(load, kernel)) &&
           !llvm::is_contained(pipelinedLoads, load);
  });
  if (copies.empty())
    return;

  // One tensor map per (argument, box rows, rows' axis).
  SmallVector<Attribute> maps;
  std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> mapIndex;
  auto tensorMap = [&](int64_t arg, int64_t rows, int64_t along) {
    auto [it, inserted] = mapIndex.try_emplace({arg, rows, along}, maps.size());
    if (inserted)
      maps.push_back(attrs.getDictionaryAttr(
          {attrs.getNamedAttr("arg", attrs.getI64IntegerAttr(arg)),
           attrs.getNamedAttr("box_rows", attrs.getI64IntegerAttr(rows)),
           attrs.getNamedAttr("along", attrs.getI64IntegerAttr(along))}));
    return it->second;
  };
  for (LoadOp load : copies)
    load->setAttr(
        kTensorMapAttrName,
        attrs.getI64IntegerAttr(tensorMap(
            cast<BlockArgument>(load.getSource()).getArgNumber(),
            load.getResult().getType().getDimSize(0), load.getAlong())));
  // A persistent kernel's output tiles are stored by the TMA from staging
  // buffers after the pipeline's, where they fit beside the other copies'
  // barriers.
  SmallVector<scf::ForOp> tileLoops;
  for (const PipelinedCopy &copy : pipelined)
    if (scf::ForOp tiles =
            tileLoopOf(cast<scf::ForOp>(copy.load->getParentOp())))
      if (!llvm::is_contained(tileLoops, tiles))
        tileLoops.push_back(tiles);
  int64_t singleBarriers = 8 * int64_t(copies.size() - pipelinedLoads.size());
  end = planTensorStores(kernel, tileLoops, end,
                         kMaxSharedBytesSm90 - singleBarriers, tensorMap);
  end = llvm::alignTo(end, 8);
  kernel->setAttr(FlashDialect::kTensorMapsAttrName, attrs.getArrayAttr(maps));

  SmallVector<LoadOp> single;
  for (LoadOp load : copies) {
    if (llvm::is_contained(pipelinedLoads, load))
      continue;
    load->setAttr(kBarrierOffsetAttrName, attrs.getI64IntegerAttr(end));
    inits.push_back({end, 1});
    single.push_back(load);
    end += 8;
  }
  kernel->setAttr(FlashDialect::kSharedMemoryAttrName,
                  attrs.getI64IntegerAttr(end));

  OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
  Value tid = NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
  Value first = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, tid,
                                     i32Const(b, loc, 0));
  ifThen(b, loc, first, [&](OpBuilder &then) {
    for (auto [offset, arrivals] : inits)
      NVVM::MBarrierInitOp::create(then, loc, sharedBase(then, loc, kernel, offset),
                                   i32Const(then, loc, arrivals),
                                   /*predicate=*/Value());
    NVVM::FenceMbarrierInitOp::create(then, loc);
  });
  NVVM::Barrier0Op::create(b, loc); // every thread, producers included

  // Each reader waits for the phase of the execution whose tile it reads.
  // When no reader is sure to run after each execution (all of them sit in
  // inner loops or branches), the end of the load's block waits too: a
  // barrier is re-armed, and the kernel exits, only after its copy landed.
  for (LoadOp load : single) {
    SmallVector<scf::ForOp> loops = *enclosingLoops(load, kernel);
    auto wait = [&](Operation *before) {
      OpBuilder at(before);
      Location waitLoc = before->getLoc();
      waitForPhase(at, waitLoc, barrierOf(at, waitLoc, load),
                   executionIndex(at, waitLoc, loops));
    };
    llvm::SmallSetVector<Operation *, 4> readers;
    for (Operation *user : load->getUsers())
      readers.insert(user);
    for (Operation *reader : readers)
      wait(reader);
    if (llvm::none_of(readers, [&](Operation *reader) {
          return reader->getBlock() == load->getBlock();
        }))
      wait(load->getBlock()->getTerminator());
  }
  if (!pipelined.empty())
    specializeWarps(kernel, pipelined, consumerThreads, roles);
}

/// A load of a tile planned as a TMA copy: thread 0 arms the load's barrier
/// with the tile's bytes and issues one cp.async.bulk.tensor a 64-column
/// box, after a proxy fence and a barrier so that earlier accesses of the
/// buffer are done.
struct TensorCopyLowering : public ConvertOpToLLVMPattern<LoadOp> {
  TensorCopyLowering(TileTypeConverter &converter)
      : ConvertOpToLLVMPattern(converter, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(LoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto mapAttr = op->getAttrOfType<IntegerAttr>(kTensorMapAttrName);
    if (!mapAttr)
      return rewriter.notifyMatchFailure(op, "not planned as a TMA copy");
    FailureOr<Value> map = tensorMapOf(op);
    FailureOr<int64_t> offset = sharedOffset(op);
    if (failed(map) || failed(offset))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType type = op.getResult().getType();
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    Value base = sharedBase(rewriter, loc, op, *offset);
    Value bar = barrierOf(rewriter, loc, op);
    SmallVector<Value> indices =
        boxCoordinates(rewriter, loc, adaptor.getIndices());

    auto issue = [&](OpBuilder &b) {
      NVVM::MBarrierArriveExpectTxOp::create(
          b, loc, /*res=*/Type(), bar, i32Const(b, loc, rows * cols * 2),
          NVVM::MemScopeKindAttr::get(b.getContext(), NVVM::MemScopeKind::CTA),
          b.getBoolAttr(false), /*predicate=*/Value());
      auto clusterPointer =
          LLVM::LLVMPointerType::get(b.getContext(), kSharedClusterSpace);
      for (int64_t box = 0; box < cols / kBoxColumns; ++box) {
        SmallVector<Value> coordinates = indices;
        coordinates[0] = LLVM::AddOp::create(
            b, loc, indices[0], i32Const(b, loc, box * kBoxColumns));
        Value destination = LLVM::AddrSpaceCastOp::create(
            b, loc, clusterPointer,
            sharedAddress(b, loc, base, i64Const(b, loc, box * rows * 128)));
        NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
            b, loc, destination, *map, coordinates, bar,
            /*im2colOffsets=*/ValueRange(), /*multicastMask=*/Value(),
            /*l2CacheHint=*/Value(),
            NVVM::TMALoadModeAttr::get(b.getContext(), NVVM::TMALoadMode::TILE),
            b.getBoolAttr(false), /*group=*/NVVM::CTAGroupKindAttr(),
            /*predicate=*/Value());
      }
    };
    if (op->hasAttr(kIssuedByProducerAttrName)) {
      // The producer's one thread, once the stage's consumers released it.
      issue(rewriter);
    } else {
      // Every thread's earlier accesses of the buffer (ldmatrix reads,
      // stmatrix writes of a tile that shared these bytes) are ordered
      // before the async proxy's writes, and done: then one thread issues.
      fenceAsyncProxy(rewriter, loc);
      barrier(rewriter, loc);
      ThreadIds ids = threadIds(rewriter, loc);
      Value first = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq,
                                         ids.tid, i64Const(rewriter, loc, 0));
      ifThen(rewriter, loc, first, issue);
    }
    rewriter.replaceOp(op, base);
    return success();
  }
};

} // namespace

FailureOr<SmallVector<scf::ForOp>>
mlir::flash::nvvm::enclosingLoops(Operation *op, Operation *kernel) {
  SmallVector<scf::ForOp> loops;
  bool outsideLoops = false; // an scf.if was met: no loop may enclose it
  for (Operation *parent = op->getParentOp(); parent != kernel;
       parent = parent->getParentOp()) {
    auto loop = dyn_cast_or_null<scf::ForOp>(parent);
    if (loop && !outsideLoops) {
      loops.push_back(loop);
      continue;
    }
    if (!isa_and_nonnull<scf::IfOp>(parent))
      return failure();
    outsideLoops = true;
  }
  std::reverse(loops.begin(), loops.end());
  if (loops.empty())
    return loops;
  for (scf::ForOp inner : ArrayRef(loops).drop_front())
    for (Value bound :
         {inner.getLowerBound(), inner.getUpperBound(), inner.getStep()})
      if (!loops.front().isDefinedOutsideOfLoop(bound))
        return failure();
  return loops;
}

scf::ForOp mlir::flash::nvvm::tileLoopOf(scf::ForOp loop) {
  auto tiles = dyn_cast_or_null<scf::ForOp>(loop->getParentOp());
  if (!tiles || tiles.getNumRegionIterArgs() != 0)
    return {};
  // Only branches between it and the kernel (whose executions the producer
  // replays: see enclosingLoops).
  for (Operation *parent = tiles->getParentOp();
       parent && !isa<func::FuncOp>(parent); parent = parent->getParentOp())
    if (!isa<scf::IfOp>(parent))
      return {};
  return tiles;
}

bool mlir::flash::nvvm::boundedBySize(Value memref, Value bound,
                                      int64_t along) {
  if (auto dim = bound.getDefiningOp<memref::DimOp>())
    return dim.getSource() == memref &&
           dim.getConstantIndex() == std::optional<int64_t>(along);
  int64_t size = cast<MemRefType>(memref.getType()).getDimSize(along);
  std::optional<int64_t> constant = getConstantIntValue(bound);
  return !ShapedType::isDynamic(size) && constant == size;
}

bool mlir::flash::nvvm::hasTensorMapShape(MemRefType memref, int64_t along) {
  int64_t rank = memref.getRank();
  SmallVector<int64_t> strides;
  int64_t offset;
  return rank >= 2 && rank <= 5 && along < rank - 1 &&
         succeeded(memref.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

FailureOr<Value> mlir::flash::nvvm::tensorMapOf(Operation *op) {
  auto index = op->getAttrOfType<IntegerAttr>(kTensorMapAttrName);
  auto function = op->getParentOfType<LLVM::LLVMFuncOp>();
  auto maps = function ? function->getAttrOfType<ArrayAttr>(
                             FlashDialect::kTensorMapsAttrName)
                       : ArrayAttr();
  if (!index || !maps || index.getInt() >= int64_t(maps.size()))
    return op->emitError("TMA copy or store without its kernel's tensor map");
  return function.getArgument(function.getNumArguments() - maps.size() +
                              index.getInt());
}

SmallVector<Value> mlir::flash::nvvm::boxCoordinates(OpBuilder &b, Location loc,
                                                     ValueRange indices) {
  SmallVector<Value> coordinates;
  for (Value index : llvm::reverse(indices))
    coordinates.push_back(LLVM::TruncOp::create(b, loc, b.getI32Type(), index));
  return coordinates;
}

SmallVector<scf::ForOp> mlir::flash::nvvm::loopsAround(Operation *op) {
  SmallVector<scf::ForOp> loops;
  for (auto loop = op->getParentOfType<scf::ForOp>(); loop;
       loop = loop->getParentOfType<scf::ForOp>())
    loops.push_back(loop);
  std::reverse(loops.begin(), loops.end());
  return loops;
}

Value mlir::flash::nvvm::executionIndex(OpBuilder &b, Location loc,
                                        ArrayRef<scf::ForOp> loops) {
  Value index = arith::ConstantIndexOp::create(b, loc, 0);
  for (scf::ForOp loop : loops) {
    Value lb = loop.getLowerBound(), step = loop.getStep();
    Value iteration = arith::DivUIOp::create(
        b, loc, arith::SubIOp::create(b, loc, loop.getInductionVar(), lb), step);
    if (loop == loops.front()) {
      index = iteration;
      continue;
    }
    // Every iteration of the outer loops runs this loop the same number of
    // times (enclosingLoops checked its bounds).
    Value trips = tripCount(b, loc, lb, loop.getUpperBound(), step);
    index = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, index, trips), iteration);
  }
  return index;
}


Value mlir::flash::nvvm::tripCount(OpBuilder &b, Location loc, Value lb,
                                   Value ub, Value step) {
  Value span = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb),
                                      arith::ConstantIndexOp::create(b, loc, 0));
  return arith::DivUIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, span, step),
                            arith::ConstantIndexOp::create(b, loc, 1)),
      step);
}

Value mlir::flash::nvvm::tripCount(OpBuilder &b, Location loc,
                                   scf::ForOp loop) {
  return tripCount(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                   loop.getStep());
}

void mlir::flash::nvvm::waitForPhase(OpBuilder &b, Location loc, Value barrier,
                                     Value index) {
  Value parity = arith::IndexCastOp::create(
      b, loc, b.getI32Type(),
      arith::AndIOp::create(b, loc, index,
                            arith::ConstantIndexOp::create(b, loc, 1)));
  NVVM::MBarrierTryWaitParityOp::create(b, loc, barrier, parity,
                                        i32Const(b, loc, kSuspendHint));
}

Value mlir::flash::nvvm::stagedAddress(OpBuilder &b, Location loc, Value base,
                                       Value index, int64_t stride) {
  Value offset = arith::MulIOp::create(
      b, loc,
      arith::IndexCastOp::create(b, loc, b.getI64Type(), index),
      arith::ConstantIntOp::create(b, loc, stride, 64));
  return sharedAddress(b, loc, base, offset);
}

Value mlir::flash::nvvm::barrierOf(OpBuilder &b, Location loc, Operation *load) {
  auto offset = load->getAttrOfType<IntegerAttr>(kBarrierOffsetAttrName);
  return sharedBase(b, loc, load, offset.getInt());
}

bool mlir::flash::nvvm::isTensorCopy(Operation *op) {
  return isa_and_nonnull<LoadOp>(op) && op->hasAttr(kTensorMapAttrName);
}

void mlir::flash::nvvm::planTensorCopies(ModuleOp module, bool warpSpecialize,
                                         WarpRoles roles,
                                         int64_t consumerThreads) {
  for (auto kernel : module.getOps<func::FuncOp>())
    if (kernel->hasAttr(FlashDialect::kKernelAttrName) && !kernel.isExternal())
      planKernel(kernel, warpSpecialize, roles, consumerThreads);
}

void mlir::flash::nvvm::populateTensorCopyPatterns(TileTypeConverter &converter,
                                                   RewritePatternSet &patterns) {
  patterns.add<TensorCopyLowering>(converter);
  populateTensorStorePatterns(converter, patterns);
}
