//===- Utility.h - Shared pieces of the NVVM lowering -----------*- C++ -*-===//
//
// Tiles in registers become LLVM structs with one member per slot of the
// thread's mapping (flash/Dialect/Flash/IR/Layouts.h); tiles in shared
// memory become a pointer into the kernel's dynamic shared memory; memrefs
// become {ptr, sizes[rank], strides[rank]} structs. These helpers build the
// thread coordinates, the struct plumbing and the memory accesses that the
// op lowerings share.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_CONVERSION_FLASHTONVVM_UTILITY_H
#define FLASH_LIB_CONVERSION_FLASHTONVVM_UTILITY_H

#include "flash/Dialect/Flash/IR/Layouts.h"

#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::flash::nvvm {

/// Address spaces of NVPTX.
constexpr unsigned kGlobalSpace = 1;
constexpr unsigned kSharedSpace = 3;
constexpr unsigned kSharedClusterSpace = 7;

/// Name of the kernel's dynamic shared memory.
constexpr llvm::StringLiteral kSharedMemoryName = "flash_shared_memory";

/// Converts tiles, memrefs and index for the NVVM lowering.
class TileTypeConverter : public LLVMTypeConverter {
public:
  explicit TileTypeConverter(MLIRContext *context);
};

/// The calling thread's coordinates, as i64.
struct ThreadIds {
  Value tid, warp, lane, group, tig;
};
ThreadIds threadIds(OpBuilder &b, Location loc);

/// i64 and f32 constants.
Value i64Const(OpBuilder &b, Location loc, int64_t value);
Value i32Const(OpBuilder &b, Location loc, int32_t value);
Value f32Const(OpBuilder &b, Location loc, double value);

/// `lo` and `hi` (one type) as a vector of two.
Value pairVector(OpBuilder &b, Location loc, Value lo, Value hi);

/// Two 16-bit values as one 32-bit tensor-core operand register of
/// `operandType` (i32 for bf16, vector<2xf16> for f16).
Value packOperandPair(OpBuilder &b, Location loc, Value lo, Value hi,
                      Type operandType);

/// Volatile inline PTX `text` (AT&T dialect) reading `operands` under
/// `constraints`, with results of `resultType` (none when null).
LLVM::InlineAsmOp inlinePtx(OpBuilder &b, Location loc, Type resultType,
                            ValueRange operands, StringRef text,
                            StringRef constraints);

/// The tile's members, and a struct holding `values`.
SmallVector<Value> unpack(OpBuilder &b, Location loc, Value tile);
Value pack(OpBuilder &b, Location loc, Type structType, ValueRange values);

/// The thread's share of a register-layout tile: its mapping, and the base
/// row / column of the thread (to add to each slot's offsets).
struct ThreadTile {
  ThreadMapping mapping;
  Value baseRow, baseCol;
  Value row(OpBuilder &b, Location loc, unsigned slot) const;
  Value col(OpBuilder &b, Location loc, unsigned slot) const;
  /// In a score tile, the slot's query and key offsets: its row and column,
  /// or its column and row when the tile is transposed (Sᵀ, keys along the
  /// rows).
  Value query(OpBuilder &b, Location loc, unsigned slot, bool transposed) const {
    return transposed ? col(b, loc, slot) : row(b, loc, slot);
  }
  Value key(OpBuilder &b, Location loc, unsigned slot, bool transposed) const {
    return transposed ? row(b, loc, slot) : col(b, loc, slot);
  }
};
FailureOr<ThreadTile> threadTile(OpBuilder &b, Location loc,
                                 RankedTensorType type, const ThreadIds &ids);

/// Descriptor fields of a lowered memref.
Value memrefPointer(OpBuilder &b, Location loc, Value descriptor);
Value memrefSize(OpBuilder &b, Location loc, Value descriptor, int64_t rank,
                 int64_t axis);
Value memrefStride(OpBuilder &b, Location loc, Value descriptor, int64_t rank,
                   int64_t axis);
/// Address of element `indices` of a lowered memref of `elementType`.
Value elementAddress(OpBuilder &b, Location loc, Value descriptor,
                     int64_t rank, Type elementType, ValueRange indices);

/// Where element (row, col) of a tile lives in a shared buffer, in bytes
/// from the buffer's start: row-major with `rowElements` elements a (padded)
/// row, or the 128-byte swizzle of #flash.shared<swizzle = 128> (64-column
/// blocks of 128-byte rows, 16-byte chunk c of row r at chunk c ^ (r % 8)).
/// A banded buffer holds bands of `rows` rows `bandBytes` apart, each laid
/// out as a tile of its own (a TMA store's box: swizzledBands).
struct SharedTileAddressing {
  int64_t rows = 0, rowElements = 0, elementBytes = 2;
  bool swizzled = false;
  int64_t bandBytes = 0; // 0: one band
  /// The addressing of a tile of type `type` with a #flash.shared layout.
  static SharedTileAddressing of(RankedTensorType type);
  /// A row-major buffer of `rowElements` elements a row.
  static SharedTileAddressing rowMajor(int64_t rowElements, int64_t elementBytes);
  /// Bands of `bandRows` rows of 16-bit elements, `cols` a row, each in the
  /// 128-byte swizzle.
  static SharedTileAddressing swizzledBands(int64_t bandRows, int64_t cols);
  Value byteOffset(OpBuilder &b, Location loc, Value row, Value col) const;
};

/// Writes an mma tile of 16-bit elements (`values`, the thread's slots) to
/// shared memory at `buffer` with stmatrix .x4, as `addressing` lays it out.
/// Each warp's rows must be whole 16-row blocks.
void storeMatrices(OpBuilder &b, Location loc, RankedTensorType type,
                   MmaEncodingAttr mma, ArrayRef<Value> values,
                   const ThreadIds &ids, Value buffer,
                   const SharedTileAddressing &addressing);

/// Slot `slot` of the thread's share `tile` of a register tile of type
/// `type`, read from `buffer` (laid out as `addressing` says).
Value readSharedSlot(OpBuilder &b, Location loc, const ThreadTile &tile,
                     RankedTensorType type, unsigned slot, Value buffer,
                     const SharedTileAddressing &addressing, Type element);

/// Whether `type` is a tile in shared memory (#flash.shared).
bool isSharedTile(Type type);

/// Base pointer of the kernel's dynamic shared memory plus `offset` bytes.
Value sharedBase(OpBuilder &b, Location loc, Operation *from, int64_t offset);
/// Byte offset `offset` added to a shared pointer.
Value sharedAddress(OpBuilder &b, Location loc, Value base, Value byteOffset);
/// The `flash.shared_offset` of an op.
FailureOr<int64_t> sharedOffset(Operation *op);

/// Records on each reader of shared tiles (flash.dot, flash.convert_layout)
/// how many asynchronous copies committed after those it reads may still be
/// in flight when it runs; none on a reader that an earlier reader of its
/// block, with no shared load between, waited for already (that one's
/// barrier made the copies visible). Computed on the tile IR before
/// conversion.
constexpr llvm::StringLiteral kSharedWaitAttrName = "flash.shared_wait";
/// Marks readers whose shared tiles all come from TMA copies: their waits
/// are on the copies' barriers (planTensorCopies).
constexpr llvm::StringLiteral kAwaitedOnBarriersAttrName =
    "flash.awaited_on_barriers";
void annotateSharedWaits(Operation *root);
/// Marks shared loads (cp.async or through registers, not TMA copies)
/// that follow another such load with nothing reading shared memory in
/// between: that load's barrier already ordered every earlier reader, so
/// they need none of their own. Set by annotateSharedWaits.
constexpr llvm::StringLiteral kReadersDoneAttrName = "flash.readers_done";

/// Marks each conversion of a shared vector into a register layout (the
/// per-column statistics) whose uses all follow it in its block with no
/// write of a shared tile between: its lowering's users may read the
/// vector from shared memory where they use it rather than all at once at
/// the conversion. Computed on the tile IR before conversion.
constexpr llvm::StringLiteral kReadAtUsesAttrName = "flash.read_at_uses";
void markReadsAtUses(Operation *root);

/// Before a reader of shared tiles: waits for the asynchronous copies it
/// needs (cp.async.wait_group with the count annotateSharedWaits recorded,
/// leaving later copies in flight), then a barrier so that every thread's
/// copies are visible.
/// With `asyncProxy` (a reader through the async proxy: wgmma), the
/// copies are also fenced for the async proxy before the barrier, and the
/// barrier is emitted even when no copy is awaited.
void waitForSharedTiles(OpBuilder &b, Location loc, Operation *consumer,
                        bool asyncProxy = false);

/// TMA copies (TensorCopies.cpp): planTensorCopies marks each load it
/// turns into one with its tensor map's index among the kernel's
/// flash.tensor_maps and its mbarrier's shared-memory offset, and each TMA
/// store (TensorStores.cpp) with its map and its staging buffer's offset.
constexpr llvm::StringLiteral kTensorMapAttrName = "flash.tensor_map";
constexpr llvm::StringLiteral kBarrierOffsetAttrName = "flash.barrier_offset";
/// A producer warpgroup's copy (WarpSpecialization.cpp): issued as is by
/// the one thread running it.
constexpr llvm::StringLiteral kIssuedByProducerAttrName = "flash.issued_by_producer";

/// Whether `op` reads shared tiles (flash.dot, flash.convert_layout): the
/// ops that wait for the copies of their tiles.
bool readsSharedTiles(Operation *op);

/// Whether `op` is an accumulating store of a shared tile: added to global
/// memory by one bulk reduction (cp.reduce.async.bulk, sm_90), which reads
/// the buffer asynchronously.
bool isBulkReduction(Operation *op);

/// Whether `op` is a load planned as a TMA copy, and its barrier's address.
bool isTensorCopy(Operation *op);
/// Whether `op` is a store planned as a TMA store (TensorStores.cpp).
bool isTensorStore(Operation *op);
/// Whether the shared tile `tile` was awaited on an mbarrier: a TMA copy,
/// or a pipelined tile (the unrealized cast of its stage's shared buffer
/// that WarpSpecialization.cpp puts in the tile IR).
bool isAwaitedOnBarrier(Value tile);
Value barrierOf(OpBuilder &b, Location loc, Operation *load);

/// The flash.consumer_threads of the kernel around the builder's point: 0
/// unless it is warp-specialized.
int64_t consumerThreads(OpBuilder &b);
/// fence.proxy.async.shared::cta: this thread's shared-memory accesses
/// ordered before the async proxy's (TMA, bulk copies, wgmma operands).
void fenceAsyncProxy(OpBuilder &b, Location loc);
/// A barrier for all threads of the program; in a warp-specialized kernel
/// (flash.consumer_threads), for its consumer threads (named barrier 1).
void barrier(OpBuilder &b, Location loc);
/// Waits until this thread's bulk asynchronous operations (its bulk
/// reductions) have read their shared memory, or with `reads` false until
/// they are complete.
void waitBulkGroups(OpBuilder &b, Location loc, bool reads);

/// `value` combined with the values of the lanes `xor 1` and `xor 2`, i.e.
/// across the four lanes of a group that share a row of an mma tile.
Value groupReduce(OpBuilder &b, Location loc, Value value,
                  llvm::function_ref<Value(Value, Value)> combine);

/// `if (condition) { then(); }` emitted as scf.if.
void ifThen(OpBuilder &b, Location loc, Value condition,
            llvm::function_ref<void(OpBuilder &)> then);
/// `condition ? load : zero`, the load emitted only when `condition` holds.
Value maskedLoad(OpBuilder &b, Location loc, Type type, Value address,
                 Value condition);

/// 2^x and log2(x) with the GPU's fast approximations.
Value exp2(OpBuilder &b, Location loc, Value x);
Value log2(OpBuilder &b, Location loc, Value x);

} // namespace mlir::flash::nvvm

#endif // FLASH_LIB_CONVERSION_FLASHTONVVM_UTILITY_H
