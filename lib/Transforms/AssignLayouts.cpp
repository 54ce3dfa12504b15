//===- AssignLayouts.cpp - GPU layouts for the tiles of a kernel ------------===//
//
// Tiles get the layout of the tensor cores' accumulators by default (rows
// layouts for per-row vectors); the operands of matrix products get operand
// fragments or shared memory, preferably straight from their loads, else
// through flash.convert_layout; the per-column statistics of transposed
// score tiles are loaded into shared memory and read into their columns
// layout by each use; with shared-reductions, f32 sums of whole rows are
// added from shared memory (a transpose writing them goes straight there).
//
//===----------------------------------------------------------------------===//

#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Dialect/Flash/IR/Layouts.h"
#include "flash/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::flash {
#define GEN_PASS_DEF_FLASHASSIGNLAYOUTS
#include "flash/Transforms/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;

namespace {

/// The layouts one kernel uses.
struct Layouts {
  MmaEncodingAttr mma;
  RowsEncodingAttr rows;
  ColumnsEncodingAttr columns; // statistics of transposed score tiles
  SharedEncodingAttr padded, swizzled; // swizzled is null when not wanted
  SharedEncodingAttr vector;           // rank-1 tiles: consecutive elements
  bool sharedOperandA = false;         // loaded `a` operands stay in shared
  bool sharedReductions = false;       // whole-row f32 sums from shared

  /// The shared layout of a tile: swizzled when asked for and the tile fits
  /// it (16-bit, rows a multiple of 8, columns of 64), else padded rows.
  Attribute shared(Type type) const {
    auto tile = cast<RankedTensorType>(type);
    if (swizzled && tile.getRank() == 2 && tile.getElementTypeBitWidth() == 16 &&
        tile.getDimSize(0) % 8 == 0 && tile.getDimSize(1) % 64 == 0)
      return swizzled;
    return padded;
  }

  Attribute byRank(RankedTensorType type) const {
    return type.getRank() == 1 ? Attribute(rows) : Attribute(mma);
  }
  Attribute operand(unsigned index, bool transposed) const {
    return OperandEncodingAttr::get(mma.getContext(), index, transposed, mma);
  }
};

RankedTensorType withEncoding(Type type, Attribute encoding) {
  auto tensor = cast<RankedTensorType>(type);
  return RankedTensorType::get(tensor.getShape(), tensor.getElementType(),
                               encoding);
}

bool isTile(Type type) { return isa<RankedTensorType>(type); }

/// What a use of a tile needs: a specific layout, or (when null) any layout
/// the default rule gives.
/// Whether `use` is the statistics of a transposed score tile (one a
/// column, a query): softmax_recompute's lse or softmax_grad's D.
bool isPerColumnStatistics(OpOperand &use) {
  if (auto recompute = dyn_cast<SoftmaxRecomputeOp>(use.getOwner()))
    return recompute.getTransposed() &&
           use.getOperandNumber() == recompute.getLseMutable().getOperandNumber();
  if (auto grad = dyn_cast<SoftmaxGradOp>(use.getOwner()))
    return grad.getTransposed() &&
           use.getOperandNumber() == grad.getDeltaMutable().getOperandNumber();
  return false;
}

/// With shared-reductions, the layout an accumulating store's f32 tile is
/// added from when the tile is a block of whole rows of its destination
/// (StoreOp::getWholeRowsPadding): rows padded to the destination's, so
/// that the buffer is the bytes of the rows it adds to.
SharedEncodingAttr bulkReductionLayout(StoreOp store, const Layouts &layouts) {
  std::optional<int64_t> padding = store.getWholeRowsPadding();
  if (!layouts.sharedReductions || !padding)
    return {};
  return SharedEncodingAttr::get(store.getContext(), *padding, 0);
}

Attribute requiredLayout(OpOperand &use, const Layouts &layouts) {
  if (isPerColumnStatistics(use))
    return layouts.columns;
  if (auto store = dyn_cast<StoreOp>(use.getOwner()))
    if (use.getOperandNumber() == store.getValueMutable().getOperandNumber())
      if (SharedEncodingAttr shared = bulkReductionLayout(store, layouts))
        return shared;
  auto dot = dyn_cast<DotOp>(use.getOwner());
  if (!dot || use.getOperandNumber() == 2)
    return {};
  if (use.getOperandNumber() == 0 && !dot.getTransposeA())
    return layouts.operand(0, false);
  return layouts.shared(use.get().getType());
}

/// True when an `a` operand can be read from a tile of this layout without a
/// conversion (ldmatrix reads it from shared memory).
bool satisfies(Attribute have, Attribute want) {
  if (have == want)
    return true;
  auto operand = dyn_cast<OperandEncodingAttr>(want);
  return operand && operand.getOperandIndex() == 0 &&
         isa<SharedEncodingAttr>(have);
}

/// Whether wgmma will take `dot` with its `a` read from a shared tile: both
/// operands swizzled and the shape whole warpgroups' (else mma.sync would
/// read `a` with ldmatrix at every use instead of holding its fragments).
bool wgmmaReadsSharedA(DotOp dot, const Layouts &layouts) {
  auto a = cast<RankedTensorType>(dot.getA().getType());
  auto b = cast<RankedTensorType>(dot.getB().getType());
  auto acc = cast<RankedTensorType>(dot.getAcc().getType());
  // shared() gives the padded layout when swizzling is off.
  return layouts.shared(a) == layouts.swizzled &&
         layouts.shared(b) == layouts.swizzled &&
         isWarpgroupProduct(acc.getDimSize(0), acc.getDimSize(1),
                            a.getDimSize(1), layouts.mma.getWarps());
}

/// The layout a load produces: shared when some use needs shared memory,
/// fragments when every use is a non-transposed `a` operand (with
/// sharedOperandA, shared memory when wgmma reads every such use there),
/// shared for the statistics of transposed tiles, else default.
Attribute loadLayout(LoadOp load, const Layouts &layouts) {
  auto type = load.getResult().getType();
  // A thread needs N/4 per-column statistics of an N-column tile (16 of
  // lse and 16 of D at 64 queries): the program copies them once into
  // shared memory, and each use reads its thread's share there (through a
  // conversion to the columns layout), instead of every thread loading its
  // share from global memory and holding it.
  if (type.getRank() == 1 && !load->use_empty() &&
      llvm::all_of(load->getUses(), [&](OpOperand &use) {
        return requiredLayout(use, layouts) == layouts.columns;
      }))
    return layouts.vector;
  if (type.getRank() != 2)
    return layouts.byRank(type);
  bool anyShared = false, allOperandA = !load->use_empty();
  bool allWgmma = layouts.sharedOperandA;
  for (OpOperand &use : load->getUses()) {
    Attribute want = requiredLayout(use, layouts);
    anyShared |= want && isa<SharedEncodingAttr>(want);
    allOperandA &= want && isa<OperandEncodingAttr>(want);
    auto dot = dyn_cast<DotOp>(use.getOwner());
    allWgmma &= dot && wgmmaReadsSharedA(dot, layouts);
  }
  if (anyShared || (allOperandA && allWgmma))
    return layouts.shared(type);
  if (allOperandA)
    return layouts.operand(0, false);
  return layouts.byRank(type);
}

/// The layout a transpose produces: the shared one its uses all need (it
/// writes through shared memory anyway), else the default.
Attribute transposeLayout(TransposeOp transpose, const Layouts &layouts) {
  Attribute shared;
  for (OpOperand &use : transpose->getUses()) {
    Attribute want = requiredLayout(use, layouts);
    if (!want || !isa<SharedEncodingAttr>(want) || (shared && want != shared))
      return layouts.byRank(transpose.getType());
    shared = want;
  }
  return shared ? shared : layouts.byRank(transpose.getType());
}

void retypeConstant(arith::ConstantOp constant, RankedTensorType type) {
  auto value = cast<DenseElementsAttr>(constant.getValue());
  constant.setValueAttr(value.isSplat()
                            ? DenseElementsAttr::get(
                                  type, value.getSplatValue<Attribute>())
                            : value.reshape(type));
  constant.getResult().setType(type);
}

LogicalResult assign(func::FuncOp kernel, const Layouts &layouts) {
  // 1. Every tile gets its layout: loads by their uses, the rest by rank.
  WalkResult walk = kernel.walk<WalkOrder::PreOrder>([&](Operation *op) {
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          if (isTile(arg.getType()))
            arg.setType(withEncoding(
                arg.getType(),
                layouts.byRank(cast<RankedTensorType>(arg.getType()))));
    for (OpResult result : op->getResults()) {
      if (!isTile(result.getType()))
        continue;
      auto type = cast<RankedTensorType>(result.getType());
      if (type.getEncoding()) {
        op->emitError("tile already has a layout: ") << type;
        return WalkResult::interrupt();
      }
      Attribute layout = isa<LoadOp>(op) ? loadLayout(cast<LoadOp>(op), layouts)
                         : isa<TransposeOp>(op)
                             ? transposeLayout(cast<TransposeOp>(op), layouts)
                             : layouts.byRank(type);
      RankedTensorType newType = withEncoding(type, layout);
      if (auto constant = dyn_cast<arith::ConstantOp>(op))
        retypeConstant(constant, newType);
      else
        result.setType(newType);
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  // 2. Uses that need another layout get a conversion.
  SmallVector<std::pair<OpOperand *, Attribute>> mismatched;
  kernel.walk([&](Operation *op) {
    for (OpOperand &use : op->getOpOperands()) {
      auto type = dyn_cast<RankedTensorType>(use.get().getType());
      if (!type)
        continue;
      Attribute have = type.getEncoding();
      Attribute want = requiredLayout(use, layouts);
      if (!want && isa<scf::YieldOp>(op))
        // A loop-carried or yielded tile keeps the layout of its result.
        want = cast<RankedTensorType>(
                   op->getParentOp()->getResult(use.getOperandNumber()).getType())
                   .getEncoding();
      // Shared tiles feed matrix products and conversions; anything else
      // (stores included: they write from registers) reads them in registers.
      if (!want && !isa<ConvertLayoutOp>(op) &&
          isa<SharedEncodingAttr>(have))
        want = layouts.byRank(type);
      if (want && !satisfies(have, want))
        mismatched.push_back({&use, want});
    }
  });
  // Per-column statistics come from shared memory, where their loads put
  // them: converting them from rows would cost a round trip through shared
  // memory and barriers a block.
  for (auto [use, want] : mismatched)
    if (want == layouts.columns &&
        !isa<SharedEncodingAttr>(
            cast<RankedTensorType>(use->get().getType()).getEncoding()))
      return use->getOwner()->emitError()
             << "the per-column statistics of a transposed tile must be "
                "loaded for their transposed uses alone";
  // Every register tile must fit its layout: say which one does not, and
  // why, rather than leave the lowering to fail on it.
  WalkResult fits = kernel.walk([&](Operation *op) {
    for (Value result : op->getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type || isa_and_nonnull<SharedEncodingAttr>(type.getEncoding()))
        continue;
      std::string why;
      if (failed(getThreadMapping(type, &why))) {
        op->emitError() << "tile " << type << " does not fit its GPU layout: "
                        << why;
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  if (fits.wasInterrupted())
    return failure();

  for (auto [use, want] : mismatched) {
    OpBuilder builder(use->getOwner());
    auto convert = ConvertLayoutOp::create(
        builder, use->getOwner()->getLoc(),
        withEncoding(use->get().getType(), want), use->get());
    use->set(convert);
  }
  return success();
}

struct FlashAssignLayoutsPass
    : public flash::impl::FlashAssignLayoutsBase<FlashAssignLayoutsPass> {
  using FlashAssignLayoutsBase::FlashAssignLayoutsBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    if (numWarps == 0 || (numWarps & (numWarps - 1)) != 0) {
      getOperation().emitError() << "flash-assign-layouts: num-warps must be a "
                                    "power of two, got "
                                 << numWarps.getValue();
      return signalPassFailure();
    }
    Layouts layouts;
    layouts.mma = MmaEncodingAttr::get(context, numWarps);
    layouts.rows = RowsEncodingAttr::get(context, layouts.mma);
    layouts.columns = ColumnsEncodingAttr::get(context, layouts.mma);
    layouts.padded = SharedEncodingAttr::get(context, sharedPadding, 0);
    layouts.vector = SharedEncodingAttr::get(context, 0, 0);
    if (swizzleShared)
      layouts.swizzled = SharedEncodingAttr::get(context, 0, 128);
    layouts.sharedOperandA = sharedOperandA;
    layouts.sharedReductions = sharedReductions;
    for (auto kernel : getOperation().getOps<func::FuncOp>())
      if (kernel->hasAttr(FlashDialect::kKernelAttrName))
        if (failed(assign(kernel, layouts)))
          return signalPassFailure();
  }
};

} // namespace
