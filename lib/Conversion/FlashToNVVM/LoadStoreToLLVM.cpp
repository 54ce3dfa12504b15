//===- LoadStoreToLLVM.cpp - Masked block loads and stores on the GPU ------===//
//
// Register layouts: each thread reads or writes its own slots, masked by
// the row bound. Shared layouts: the program's threads copy the tile into
// its shared buffer in chunks of the widest access the memref's alignment
// allows, up to 16 bytes (rows past the bound become zeros), after a barrier
// so that the buffer is not overwritten while still read (but for a load
// right after another one: flash.readers_done). With cp.async the
// copy is asynchronous: one commit group per tile, which readers wait for
// (waitForSharedTile) as late as they can. An accumulating store of a
// shared f32 tile (flash-assign-layouts' shared-reductions, sm_90) is one
// bulk reduction of whole rows, issued by thread 0.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::flash;
using namespace mlir::flash::nvvm;

namespace {

/// Memref indices of tile element (row, col).
SmallVector<Value> elementIndices(OpBuilder &b, Location loc, ValueRange origin,
                                  int64_t along, int64_t tileRank, Value row,
                                  Value col) {
  SmallVector<Value> indices(origin.begin(), origin.end());
  indices[along] = LLVM::AddOp::create(b, loc, indices[along], row);
  if (tileRank == 2)
    indices.back() = LLVM::AddOp::create(b, loc, indices.back(), col);
  return indices;
}

Value inBounds(OpBuilder &b, Location loc, Value index, Value bound) {
  return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, index, bound);
}

struct LoadLowering : public ConvertOpToLLVMPattern<LoadOp> {
  LoadLowering(TileTypeConverter &converter, unsigned threads,
               unsigned vectorBytes)
      : ConvertOpToLLVMPattern(converter), threads(threads),
        vectorBytes(vectorBytes) {}

  LogicalResult
  matchAndRewrite(LoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (isTensorCopy(op))
      return rewriter.notifyMatchFailure(op, "a TMA copy (TensorCopies.cpp)");
    Location loc = op.getLoc();
    RankedTensorType type = op.getResult().getType();
    auto memrefType = op.getSource().getType();
    Type element = getTypeConverter()->convertType(type.getElementType());
    ThreadIds ids = threadIds(rewriter, loc);
    int64_t rank = memrefType.getRank();
    if (isa_and_nonnull<SharedEncodingAttr>(type.getEncoding())) {
      FailureOr<int64_t> offset = sharedOffset(op);
      if (failed(offset))
        return failure();
      // Rank-2 tiles of 16-bit rows, or vectors of 32-bit elements (the
      // per-column statistics of transposed tiles), copied an element a
      // chunk: the bound cuts between any two of them.
      bool vector = type.getRank() == 1;
      if (vector ? type.getElementTypeBitWidth() != 32
                 : type.getElementTypeBitWidth() != 16 || type.getRank() != 2 ||
                       type.getDimSize(1) % 8 != 0)
        return rewriter.notifyMatchFailure(
            op, "shared tiles hold 16-bit rows of a multiple of 8 elements, "
                "or 32-bit vectors");
      int64_t elementBytes = type.getElementTypeBitWidth() / 8;
      int64_t rows = type.getDimSize(0), cols = vector ? 1 : type.getDimSize(1);
      int64_t chunkElements = vector ? 1 : vectorBytes / elementBytes;
      if (cols % chunkElements != 0)
        chunkElements = 1;
      int64_t chunksPerRow = cols / chunkElements, chunks = rows * chunksPerRow;
      int64_t chunkBytes = chunkElements * elementBytes;
      SharedTileAddressing addressing = SharedTileAddressing::of(type);
      Value base = sharedBase(rewriter, loc, op, *offset);
      Type chunkType = chunkBytes == 2
                           ? Type(rewriter.getI16Type())
                           : chunkBytes == 4
                                 ? Type(rewriter.getI32Type())
                                 : Type(VectorType::get({chunkBytes / 4},
                                                        rewriter.getI32Type()));
      // cp.async copies 4, 8 or 16 bytes; narrower rows are copied through
      // registers.
      bool async = chunkBytes >= 4;
      if (!op->hasAttr(kReadersDoneAttrName))
        barrier(rewriter, loc); // earlier readers of the buffer are done
      SmallVector<std::tuple<Value, Value, Value>> pending; // data, offset, inTile
      for (int64_t first = 0; first < chunks; first += threads) {
        Value chunk = LLVM::AddOp::create(rewriter, loc, ids.tid,
                                          i64Const(rewriter, loc, first));
        Value row = LLVM::UDivOp::create(rewriter, loc, chunk,
                                         i64Const(rewriter, loc, chunksPerRow));
        Value col = LLVM::MulOp::create(
            rewriter, loc,
            LLVM::URemOp::create(rewriter, loc, chunk,
                                 i64Const(rewriter, loc, chunksPerRow)),
            i64Const(rewriter, loc, chunkElements));
        SmallVector<Value> indices =
            elementIndices(rewriter, loc, adaptor.getIndices(), op.getAlong(),
                           type.getRank(), row, col);
        Value valid = inBounds(rewriter, loc, indices[op.getAlong()],
                               adaptor.getBound());
        Value inTile = inBounds(rewriter, loc, chunk, i64Const(rewriter, loc, chunks));
        Value address = elementAddress(rewriter, loc, adaptor.getSource(), rank,
                                       element, indices);
        Value byteOffset = addressing.byteOffset(rewriter, loc, row, col);
        if (async) {
          // Rows past the bound copy 0 bytes and are zero-filled; their
          // source address is never read.
          int64_t bytes = chunkBytes;
          Value source = LLVM::SelectOp::create(
              rewriter, loc, valid, address,
              memrefPointer(rewriter, loc, adaptor.getSource()));
          Value sourceBytes = LLVM::SelectOp::create(
              rewriter, loc, valid, i32Const(rewriter, loc, bytes),
              i32Const(rewriter, loc, 0));
          auto copy = [&](OpBuilder &b) {
            NVVM::CpAsyncOp::create(
                b, loc, sharedAddress(b, loc, base, byteOffset), source, bytes,
                bytes == 16 ? NVVM::LoadCacheModifierKind::CG
                            : NVVM::LoadCacheModifierKind::CA,
                sourceBytes);
          };
          if (chunks % threads != 0)
            ifThen(rewriter, loc, inTile, copy);
          else
            copy(rewriter);
          continue;
        }
        if (chunks % threads != 0)
          valid = LLVM::AndOp::create(rewriter, loc, valid, inTile);
        // All loads first, then all stores: the loads overlap.
        pending.push_back(
            {maskedLoad(rewriter, loc, chunkType, address, valid), byteOffset, inTile});
      }
      for (auto [data, byteOffset, inTile] : pending)
        ifThen(rewriter, loc, inTile, [&, data = data, byteOffset = byteOffset](OpBuilder &b) {
          LLVM::StoreOp::create(b, loc, data, sharedAddress(b, loc, base, byteOffset));
        });
      if (async)
        NVVM::CpAsyncCommitGroupOp::create(rewriter, loc);
      else
        barrier(rewriter, loc); // the tile is complete before anyone reads it
      rewriter.replaceOp(op, base);
      return success();
    }

    FailureOr<ThreadTile> tile = threadTile(rewriter, loc, type, ids);
    if (failed(tile))
      return rewriter.notifyMatchFailure(op, "tile has no register layout");
    SmallVector<Value> values;
    for (unsigned slot = 0; slot < tile->mapping.slots.size(); ++slot) {
      SmallVector<Value> indices = elementIndices(
          rewriter, loc, adaptor.getIndices(), op.getAlong(), type.getRank(),
          tile->row(rewriter, loc, slot), tile->col(rewriter, loc, slot));
      Value valid = inBounds(rewriter, loc, indices[op.getAlong()],
                             adaptor.getBound());
      Value address = elementAddress(rewriter, loc, adaptor.getSource(), rank,
                                     element, indices);
      values.push_back(maskedLoad(rewriter, loc, element, address, valid));
    }
    rewriter.replaceOp(op, pack(rewriter, loc,
                                getTypeConverter()->convertType(type), values));
    return success();
  }

  unsigned threads;
  unsigned vectorBytes; // widest aligned global access, 2 to 16
};

/// `red.global.add.v2.f32`: adds two f32 at an 8-byte aligned address
/// (sm_90), half the instructions of two scalar atomic additions.
void addPairAtomically(OpBuilder &b, Location loc, Value address, Value first,
                       Value second) {
  inlinePtx(b, loc, Type(), ValueRange{address, first, second},
            "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f");
}

/// Bytes of two adjacent elements of a tile.
unsigned pairBytes(RankedTensorType type) {
  return 2 * type.getElementTypeBitWidth() / 8;
}

struct StoreLowering : public ConvertOpToLLVMPattern<StoreOp> {
  StoreLowering(TileTypeConverter &converter, unsigned vectorBytes,
                bool pairedReductions)
      : ConvertOpToLLVMPattern(converter), vectorBytes(vectorBytes),
        pairedReductions(pairedReductions) {}

  LogicalResult
  matchAndRewrite(StoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (isBulkReduction(op))
      return addInBulk(op, adaptor, rewriter);
    Location loc = op.getLoc();
    RankedTensorType type = op.getValue().getType();
    int64_t rank = op.getDest().getType().getRank();
    Type element = getTypeConverter()->convertType(type.getElementType());
    ThreadIds ids = threadIds(rewriter, loc);
    FailureOr<ThreadTile> tile = threadTile(rewriter, loc, type, ids);
    if (failed(tile))
      return rewriter.notifyMatchFailure(op, "stores read register layouts");
    // Copies of the same element in several threads are written once.
    Value writer = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI1Type(),
                                            rewriter.getBoolAttr(true));
    bool always = true;
    for (auto [replicated, id] :
         {std::pair{tile->mapping.replicatedOverTig, ids.tig},
          std::pair{tile->mapping.replicatedOverGroups, ids.group},
          std::pair{tile->mapping.replicatedOverWarps, ids.warp}}) {
      if (!replicated)
        continue;
      Value first = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq,
                                         id, i64Const(rewriter, loc, 0));
      writer = always ? first : LLVM::AndOp::create(rewriter, loc, writer, first);
      always = false;
    }
    SmallVector<Value> values = unpack(rewriter, loc, adaptor.getValue());
    bool accumulate = op.getAccumulate();
    auto write = [&](OpBuilder &b, Value address, Value value) {
      if (accumulate)
        LLVM::AtomicRMWOp::create(b, loc, LLVM::AtomicBinOp::fadd, address,
                                  value, LLVM::AtomicOrdering::monotonic);
      else
        LLVM::StoreOp::create(b, loc, value, address);
    };
    // Two adjacent columns in one access: a vector store (the forward's
    // output: 32 stores a thread instead of 64 at d=128), or for f32
    // additions red.global.add.v2.f32.
    auto writePair = [&](OpBuilder &b, Value address, Value first,
                         Value second) {
      if (accumulate)
        return addPairAtomically(b, loc, address, first, second);
      LLVM::StoreOp::create(b, loc, pairVector(b, loc, first, second),
                            address, pairBytes(type));
    };

    // A thread's slots share few rows (an accumulator's: two per 16-row
    // block): one address and one bound check per row, the slots at
    // constant offsets from it (the verifier has the memref's last axis
    // contiguous). Per-slot addresses would keep a register pair each alive
    // across the loops such stores sit in (the backward's dq additions with
    // atomic_dq).
    bool pairs = pairsAligned(op, *tile) &&
                 (!accumulate ||
                  (pairedReductions && type.getElementType().isF32()));
    llvm::MapVector<int64_t, SmallVector<unsigned>> slotsOfRow;
    for (auto [slot, position] : llvm::enumerate(tile->mapping.slots))
      slotsOfRow[position.row].push_back(slot);
    for (auto &[rowOffset, slots] : slotsOfRow) {
      Value row = tile->row(rewriter, loc, slots.front());
      SmallVector<Value> indices =
          elementIndices(rewriter, loc, adaptor.getIndices(), op.getAlong(),
                         type.getRank(), row, tile->baseCol);
      Value valid = LLVM::AndOp::create(
          rewriter, loc, writer,
          inBounds(rewriter, loc, indices[op.getAlong()], adaptor.getBound()));
      Value rowAddress = elementAddress(rewriter, loc, adaptor.getDest(), rank,
                                        element, indices);
      llvm::sort(slots, [&](unsigned a, unsigned b) {
        return tile->mapping.slots[a].col < tile->mapping.slots[b].col;
      });
      ifThen(rewriter, loc, valid, [&](OpBuilder &b) {
        for (size_t i = 0; i < slots.size(); ++i) {
          int64_t col = tile->mapping.slots[slots[i]].col;
          Value address = LLVM::GEPOp::create(
              b, loc, rowAddress.getType(), element, rowAddress,
              ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(col)});
          if (pairs && i + 1 < slots.size() && col % 2 == 0 &&
              tile->mapping.slots[slots[i + 1]].col == col + 1) {
            writePair(b, address, values[slots[i]], values[slots[i + 1]]);
            ++i;
            continue;
          }
          write(b, address, values[slots[i]]);
        }
      });
    }
    rewriter.eraseOp(op);
    return success();
  }

  /// An accumulating store of a shared f32 tile whose padded rows are
  /// whole rows of the destination (row-major, the tile from column 0): its
  /// rows before the bound are one contiguous range of global memory,
  /// which thread 0 adds the buffer to with one bulk reduction
  /// (cp.reduce.async.bulk, asynchronous: the buffer's next writer waits
  /// for its reads, awaitBulkStores for its end).
  LogicalResult addInBulk(StoreOp op, OpAdaptor adaptor,
                          ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    RankedTensorType type = op.getValue().getType();
    auto shared = cast<SharedEncodingAttr>(type.getEncoding());
    int64_t rank = op.getDest().getType().getRank();
    int64_t rowElements = type.getShape().back() + shared.getPadding();
    std::optional<int64_t> padding = op.getWholeRowsPadding();
    if (!pairedReductions || shared.isSwizzled() || !padding ||
        *padding != shared.getPadding())
      return op.emitOpError(
          "a bulk reduction adds f32 rows padded to whole rows of 16-byte "
          "multiples of its row-major destination, from column 0, on sm_90");
    // Rows from the first to the bound, at most the tile's.
    Value first = adaptor.getIndices()[op.getAlong()];
    Value rows = LLVM::SubOp::create(rewriter, loc, adaptor.getBound(), first);
    rows = LLVM::SMaxOp::create(rewriter, loc, rows, i64Const(rewriter, loc, 0));
    rows = LLVM::SMinOp::create(rewriter, loc, rows,
                                i64Const(rewriter, loc, type.getDimSize(0)));
    Value bytes = LLVM::TruncOp::create(
        rewriter, loc, rewriter.getI32Type(),
        LLVM::MulOp::create(rewriter, loc, rows,
                            i64Const(rewriter, loc, rowElements * 4)));
    Value global = elementAddress(rewriter, loc, adaptor.getDest(), rank,
                                  rewriter.getF32Type(), adaptor.getIndices());
    Value sharedStart = LLVM::PtrToIntOp::create(
        rewriter, loc, rewriter.getI32Type(), adaptor.getValue());
    ThreadIds ids = threadIds(rewriter, loc);
    Value issuer = LLVM::AndOp::create(
        rewriter, loc,
        LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq, ids.tid,
                             i64Const(rewriter, loc, 0)),
        LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::sgt, rows,
                             i64Const(rewriter, loc, 0)));
    ifThen(rewriter, loc, issuer, [&](OpBuilder &b) {
      inlinePtx(b, loc, Type(), ValueRange{global, sharedStart, bytes},
                "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 "
                "[$0], [$1], $2;",
                "l,r,r");
      NVVM::CpAsyncBulkCommitGroupOp::create(b, loc);
    });
    rewriter.eraseOp(op);
    return success();
  }

  /// Whether every even column of the thread's share is aligned to two
  /// elements: a memref aligned to `vectorBytes` >= that (base and outer
  /// strides), the tile's first column even, and the threads' columns even.
  bool pairsAligned(StoreOp op, const ThreadTile &tile) const {
    if (vectorBytes < pairBytes(op.getValue().getType()))
      return false;
    APInt firstCol;
    if (!matchPattern(op.getIndices().back(), m_ConstantInt(&firstCol)) ||
        firstCol.getZExtValue() % 2 != 0)
      return false;
    const ThreadCoefficients &col = tile.mapping.col;
    return col.warp % 2 == 0 && col.group % 2 == 0 && col.tig % 2 == 0;
  }

  unsigned vectorBytes;
  bool pairedReductions; // red.global.add.v2.f32 and bulk reductions (sm_90)
};

struct WaitSharedCopiesLowering
    : public ConvertOpToLLVMPattern<WaitSharedCopiesOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(WaitSharedCopiesOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::CpAsyncWaitGroupOp>(
        op, rewriter.getI32IntegerAttr(0));
    return success();
  }
};

} // namespace

void mlir::flash::nvvm::awaitBulkStores(ModuleOp module) {
  llvm::SetVector<Operation *> kernels;
  module.walk([&](StoreOp store) {
    bool reduction = isBulkReduction(store);
    if (!reduction && !isTensorStore(store))
      return;
    kernels.insert(store->getParentWithTrait<OpTrait::IsIsolatedFromAbove>());
    // A TMA store's staging buffer is its own (planTensorStores).
    if (!reduction)
      return;
    // The buffer is free for other tiles once the op holding its region is
    // done (flash-allocate-shared-memory): its reads must be done by then.
    Operation *owner = store.getValue().getParentRegion()->getParentOp();
    if (isa<FunctionOpInterface>(owner))
      return;
    OpBuilder b(owner->getContext());
    b.setInsertionPointAfter(owner);
    waitBulkGroups(b, owner->getLoc(), /*reads=*/true);
  });
  // The kernel ends once its stores are done.
  for (Operation *kernel : kernels)
    kernel->walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      waitBulkGroups(b, ret.getLoc(), /*reads=*/false);
    });
}

void mlir::flash::nvvm::populateLoadStorePatterns(TileTypeConverter &converter,
                                                  RewritePatternSet &patterns,
                                                  unsigned threads,
                                                  unsigned vectorBytes,
                                                  bool pairedReductions) {
  patterns.add<LoadLowering>(converter, threads, vectorBytes);
  patterns.add<StoreLowering>(converter, vectorBytes, pairedReductions);
  patterns.add<WaitSharedCopiesLowering>(converter);
}
