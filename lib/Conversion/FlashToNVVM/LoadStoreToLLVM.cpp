//===- LoadStoreToLLVM.cpp - Masked block loads and stores on the GPU ------===//
//
// Register layouts: each thread reads or writes its own slots, masked by
// the row bound. Shared layouts: the program's threads copy the tile into
// its shared buffer in chunks of the widest access the memref's alignment
// allows, up to 16 bytes (rows past the bound become zeros), after a barrier
// so that the buffer is not overwritten while still read. With cp.async the
// copy is asynchronous: one commit group per tile, which readers wait for
// (waitForSharedTile) as late as they can.
//
//===----------------------------------------------------------------------===//

#include "FlashToNVVMPatterns.h"
#include "Utility.h"

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
      if (type.getElementTypeBitWidth() != 16 || type.getRank() != 2 ||
          type.getDimSize(1) % 8 != 0)
        return rewriter.notifyMatchFailure(op, "shared tiles hold 16-bit rows "
                                               "of a multiple of 8 elements");
      int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
      int64_t chunkElements = vectorBytes / 2;
      if (cols % chunkElements != 0)
        chunkElements = 1;
      int64_t chunksPerRow = cols / chunkElements, chunks = rows * chunksPerRow;
      SharedTileAddressing addressing = SharedTileAddressing::of(type);
      Value base = sharedBase(rewriter, loc, op, *offset);
      Type chunkType = chunkElements == 1
                           ? Type(rewriter.getI16Type())
                           : chunkElements == 2
                                 ? Type(rewriter.getI32Type())
                                 : Type(VectorType::get({chunkElements / 2},
                                                        rewriter.getI32Type()));
      // cp.async copies 4, 8 or 16 bytes; narrower rows are copied through
      // registers.
      bool async = chunkElements >= 2;
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
        SmallVector<Value> indices = elementIndices(
            rewriter, loc, adaptor.getIndices(), op.getAlong(), 2, row, col);
        Value valid = inBounds(rewriter, loc, indices[op.getAlong()],
                               adaptor.getBound());
        Value inTile = inBounds(rewriter, loc, chunk, i64Const(rewriter, loc, chunks));
        Value address = elementAddress(rewriter, loc, adaptor.getSource(), rank,
                                       element, indices);
        Value byteOffset = addressing.byteOffset(rewriter, loc, row, col);
        if (async) {
          // Rows past the bound copy 0 bytes and are zero-filled; their
          // source address is never read.
          int64_t bytes = chunkElements * 2;
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

struct StoreLowering : public ConvertOpToLLVMPattern<StoreOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(StoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
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
    if (tile->mapping.replicatedOverTig)
      writer = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq,
                                    ids.tig, i64Const(rewriter, loc, 0));
    if (tile->mapping.replicatedOverWarps)
      writer = LLVM::AndOp::create(
          rewriter, loc, writer,
          LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq, ids.warp,
                               i64Const(rewriter, loc, 0)));
    SmallVector<Value> values = unpack(rewriter, loc, adaptor.getValue());
    for (unsigned slot = 0; slot < values.size(); ++slot) {
      SmallVector<Value> indices = elementIndices(
          rewriter, loc, adaptor.getIndices(), op.getAlong(), type.getRank(),
          tile->row(rewriter, loc, slot), tile->col(rewriter, loc, slot));
      Value valid = LLVM::AndOp::create(
          rewriter, loc, writer,
          inBounds(rewriter, loc, indices[op.getAlong()], adaptor.getBound()));
      Value address = elementAddress(rewriter, loc, adaptor.getDest(), rank,
                                     element, indices);
      Value value = values[slot];
      bool accumulate = op.getAccumulate();
      ifThen(rewriter, loc, valid, [&](OpBuilder &b) {
        if (accumulate)
          LLVM::AtomicRMWOp::create(b, loc, LLVM::AtomicBinOp::fadd, address,
                                    value, LLVM::AtomicOrdering::monotonic);
        else
          LLVM::StoreOp::create(b, loc, value, address);
      });
    }
    rewriter.eraseOp(op);
    return success();
  }
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

void mlir::flash::nvvm::populateLoadStorePatterns(TileTypeConverter &converter,
                                                  RewritePatternSet &patterns,
                                                  unsigned threads,
                                                  unsigned vectorBytes) {
  patterns.add<LoadLowering>(converter, threads, vectorBytes);
  patterns.add<StoreLowering, WaitSharedCopiesLowering>(converter);
}
