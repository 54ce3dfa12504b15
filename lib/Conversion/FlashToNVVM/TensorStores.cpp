//===- TensorStores.cpp - Output tiles stored by the TMA (sm_90a) ---------===//
//
// In a persistent kernel (a producer warpgroup issuing the copies, the
// consumers looping over tiles), a tile's output stored from registers
// keeps the consumers until their global stores have issued: 16 to 32 a
// thread, 4 bytes each, before the next tile's products may start. A TMA
// store instead takes the tile from shared memory in one instruction and
// completes asynchronously, as FlashAttention 3's epilogue does. Each warp
// stores its own rows (a band of whole 16-row blocks, laid out in the
// 128-byte swizzle in boxes of 64 columns): it waits until its previous
// store has read the band, writes the band with stmatrix, fences the
// writes for the async proxy, and its first lane issues the store, all
// with warp-level syncs only. The TMA clips rows past the tensor's size,
// which the store's bound must be (boundedBySize). The kernel's end waits
// for the stores (awaitBulkStores).
//
//===----------------------------------------------------------------------===//

#include "TensorCopies.h"

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// Whether a TMA store takes tiles of `type`: 16-bit mma tiles of whole
/// 64-column boxes, each warp's rows whole 16-row blocks (stmatrix writes
/// them) and at most a box's.
bool storableTile(RankedTensorType type) {
  auto mma = dyn_cast_or_null<MmaEncodingAttr>(type.getEncoding());
  if (!mma || type.getRank() != 2 || type.getElementTypeBitWidth() != 16 ||
      type.getDimSize(1) % kBoxColumns != 0)
    return false;
  int64_t bandRows = rowsPerWarp(mma, type.getDimSize(0));
  return bandRows % 16 == 0 && bandRows <= kMaxBoxRows;
}

/// Whether `store` can be a TMA store: a storable tile written over (not
/// accumulated) into a kernel argument that can have a tensor map, rows
/// bounded by its size.
bool qualifies(StoreOp store, func::FuncOp kernel) {
  if (store.getAccumulate() || !storableTile(store.getValue().getType()))
    return false;
  auto dest = dyn_cast<BlockArgument>(store.getDest());
  return dest && dest.getOwner() == &kernel.getBody().front() &&
         hasTensorMapShape(store.getDest().getType(), store.getAlong()) &&
         boundedBySize(store.getDest(), store.getBound(), store.getAlong());
}

/// A store planned as a TMA store: each warp writes its band of the staging
/// buffer and its first lane stores the band, one box a 64-column block.
struct TensorStoreLowering : public ConvertOpToLLVMPattern<StoreOp> {
  TensorStoreLowering(TileTypeConverter &converter)
      : ConvertOpToLLVMPattern(converter, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(StoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isTensorStore(op))
      return rewriter.notifyMatchFailure(op, "not planned as a TMA store");
    FailureOr<Value> map = tensorMapOf(op);
    FailureOr<int64_t> offset = sharedOffset(op);
    if (failed(map) || failed(offset))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    RankedTensorType type = op.getValue().getType();
    // Planned stores qualify (a guard against planning bugs).
    if (!storableTile(type))
      return op.emitOpError("a TMA store takes a 16-bit mma tile of whole "
                            "64-column boxes, each warp's rows whole 16-row "
                            "blocks");
    auto mma = cast<MmaEncodingAttr>(type.getEncoding());
    int64_t cols = type.getDimSize(1);
    int64_t bandRows = rowsPerWarp(mma, type.getDimSize(0));
    SharedTileAddressing bands =
        SharedTileAddressing::swizzledBands(bandRows, cols);
    Value buffer = sharedBase(rewriter, loc, op, *offset);
    ThreadIds ids = threadIds(rewriter, loc);
    auto syncWarp = [&] {
      NVVM::SyncWarpOp::create(rewriter, loc, i32Const(rewriter, loc, -1));
    };

    // The band is free once the warp's previous store has read it.
    waitBulkGroups(rewriter, loc, /*reads=*/true);
    syncWarp();
    storeMatrices(rewriter, loc, type, mma,
                  unpack(rewriter, loc, adaptor.getValue()), ids, buffer,
                  bands);
    fenceAsyncProxy(rewriter, loc);
    syncWarp();

    // The band's first row: the tile's, plus the warp's rows before it.
    SmallVector<Value> coordinates =
        boxCoordinates(rewriter, loc, adaptor.getIndices());
    Value &row = coordinates[coordinates.size() - 1 - op.getAlong()];
    Value warpRow = LLVM::TruncOp::create(
        rewriter, loc, rewriter.getI32Type(),
        LLVM::MulOp::create(rewriter, loc, ids.warp,
                            i64Const(rewriter, loc, bandRows)));
    row = LLVM::AddOp::create(rewriter, loc, row, warpRow);
    Value band = sharedAddress(
        rewriter, loc, buffer,
        LLVM::MulOp::create(rewriter, loc, ids.warp,
                            i64Const(rewriter, loc, bands.bandBytes)));
    Value firstLane =
        LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq, ids.lane,
                             i64Const(rewriter, loc, 0));
    ifThen(rewriter, loc, firstLane, [&](OpBuilder &b) {
      Value column = coordinates[0];
      for (int64_t box = 0; box < cols / kBoxColumns; ++box) {
        coordinates[0] = LLVM::AddOp::create(
            b, loc, column, i32Const(b, loc, box * kBoxColumns));
        NVVM::CpAsyncBulkTensorSharedCTAToGlobalOp::create(
            b, loc, *map,
            sharedAddress(b, loc, band, i64Const(b, loc, box * bandRows * 128)),
            coordinates, /*l2CacheHint=*/Value(),
            NVVM::TMAStoreModeAttr::get(context, NVVM::TMAStoreMode::TILE),
            /*predicate=*/Value());
      }
      NVVM::CpAsyncBulkCommitGroupOp::create(b, loc);
    });
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

int64_t mlir::flash::nvvm::planTensorStores(
    func::FuncOp kernel, ArrayRef<scf::ForOp> tileLoops, int64_t end,
    int64_t limit,
    function_ref<int64_t(int64_t arg, int64_t rows, int64_t along)> tensorMap) {
  Builder attrs(kernel.getContext());
  kernel.walk([&](StoreOp store) {
    auto loop = dyn_cast<scf::ForOp>(store->getParentOp());
    if (!loop || !llvm::is_contained(tileLoops, loop) ||
        !qualifies(store, kernel))
      return;
    RankedTensorType type = store.getValue().getType();
    int64_t buffer = llvm::alignTo(end, 1024); // the swizzle's period
    if (buffer + type.getNumElements() * 2 > limit)
      return;
    end = buffer + type.getNumElements() * 2;
    int64_t bandRows = rowsPerWarp(cast<MmaEncodingAttr>(type.getEncoding()),
                                   type.getDimSize(0));
    store->setAttr(FlashDialect::kSharedOffsetAttrName,
                   attrs.getI64IntegerAttr(buffer));
    store->setAttr(kTensorMapAttrName,
                   attrs.getI64IntegerAttr(tensorMap(
                       cast<BlockArgument>(store.getDest()).getArgNumber(),
                       bandRows, store.getAlong())));
  });
  return end;
}

bool mlir::flash::nvvm::isTensorStore(Operation *op) {
  return isa_and_nonnull<StoreOp>(op) && op->hasAttr(kTensorMapAttrName);
}

void mlir::flash::nvvm::populateTensorStorePatterns(
    TileTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TensorStoreLowering>(converter);
}
