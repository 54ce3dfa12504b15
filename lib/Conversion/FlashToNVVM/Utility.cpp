//===- Utility.cpp - Shared pieces of the NVVM lowering ---------------------===//

#include "Utility.h"

#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Transforms/SharedMemory.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;

namespace mlir::flash::nvvm {

TileTypeConverter::TileTypeConverter(MLIRContext *context)
    : LLVMTypeConverter(context) {
  addConversion([this](RankedTensorType type) -> std::optional<Type> {
    Attribute encoding = type.getEncoding();
    if (isa_and_nonnull<SharedEncodingAttr>(encoding))
      return LLVM::LLVMPointerType::get(type.getContext(), kSharedSpace);
    FailureOr<ThreadMapping> mapping = getThreadMapping(type);
    if (failed(mapping))
      return std::nullopt;
    Type element = convertType(type.getElementType());
    SmallVector<Type> members(mapping->slots.size(), element);
    return LLVM::LLVMStructType::getLiteral(type.getContext(), members);
  });
  addConversion([this](MemRefType type) -> std::optional<Type> {
    MLIRContext *context = type.getContext();
    SmallVector<Type> members = {
        LLVM::LLVMPointerType::get(context, kGlobalSpace)};
    members.append(2 * type.getRank(), IntegerType::get(context, 64));
    return LLVM::LLVMStructType::getLiteral(context, members);
  });
}

Value i64Const(OpBuilder &b, Location loc, int64_t value) {
  return LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                  b.getI64IntegerAttr(value));
}

Value i32Const(OpBuilder &b, Location loc, int32_t value) {
  return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                  b.getI32IntegerAttr(value));
}

Value f32Const(OpBuilder &b, Location loc, double value) {
  return LLVM::ConstantOp::create(b, loc, b.getF32Type(),
                                  b.getF32FloatAttr(value));
}

ThreadIds threadIds(OpBuilder &b, Location loc) {
  Value tid32 = NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
  Value tid = LLVM::ZExtOp::create(b, loc, b.getI64Type(), tid32);
  ThreadIds ids;
  ids.tid = tid;
  ids.warp = LLVM::LShrOp::create(b, loc, tid, i64Const(b, loc, 5));
  ids.lane = LLVM::AndOp::create(b, loc, tid, i64Const(b, loc, 31));
  ids.group = LLVM::LShrOp::create(b, loc, ids.lane, i64Const(b, loc, 2));
  ids.tig = LLVM::AndOp::create(b, loc, ids.lane, i64Const(b, loc, 3));
  return ids;
}

SmallVector<Value> unpack(OpBuilder &b, Location loc, Value tile) {
  auto type = cast<LLVM::LLVMStructType>(tile.getType());
  SmallVector<Value> values;
  for (int64_t i = 0, e = type.getBody().size(); i < e; ++i)
    values.push_back(LLVM::ExtractValueOp::create(b, loc, tile, i));
  return values;
}

Value pack(OpBuilder &b, Location loc, Type structType, ValueRange values) {
  Value result = LLVM::UndefOp::create(b, loc, structType);
  for (auto [i, value] : llvm::enumerate(values))
    result = LLVM::InsertValueOp::create(b, loc, result, value, i);
  return result;
}

static Value affine(OpBuilder &b, Location loc, ThreadCoefficients c,
                    const ThreadIds &ids) {
  Value sum = i64Const(b, loc, 0);
  auto addTerm = [&](int64_t coefficient, Value id) {
    if (coefficient == 0)
      return;
    Value term = coefficient == 1
                     ? id
                     : Value(LLVM::MulOp::create(b, loc, id,
                                                 i64Const(b, loc, coefficient)));
    sum = LLVM::AddOp::create(b, loc, sum, term);
  };
  addTerm(c.warp, ids.warp);
  addTerm(c.group, ids.group);
  addTerm(c.tig, ids.tig);
  return sum;
}

FailureOr<ThreadTile> threadTile(OpBuilder &b, Location loc,
                                 RankedTensorType type, const ThreadIds &ids) {
  FailureOr<ThreadMapping> mapping = getThreadMapping(type);
  if (failed(mapping))
    return failure();
  ThreadTile tile;
  tile.mapping = *mapping;
  tile.baseRow = affine(b, loc, mapping->row, ids);
  tile.baseCol = affine(b, loc, mapping->col, ids);
  return tile;
}

Value ThreadTile::row(OpBuilder &b, Location loc, unsigned slot) const {
  return LLVM::AddOp::create(b, loc, baseRow,
                             i64Const(b, loc, mapping.slots[slot].row));
}

Value ThreadTile::col(OpBuilder &b, Location loc, unsigned slot) const {
  return LLVM::AddOp::create(b, loc, baseCol,
                             i64Const(b, loc, mapping.slots[slot].col));
}

Value memrefPointer(OpBuilder &b, Location loc, Value descriptor) {
  return LLVM::ExtractValueOp::create(b, loc, descriptor, 0);
}

Value memrefSize(OpBuilder &b, Location loc, Value descriptor, int64_t rank,
                 int64_t axis) {
  return LLVM::ExtractValueOp::create(b, loc, descriptor, 1 + axis);
}

Value memrefStride(OpBuilder &b, Location loc, Value descriptor, int64_t rank,
                   int64_t axis) {
  return LLVM::ExtractValueOp::create(b, loc, descriptor, 1 + rank + axis);
}

Value elementAddress(OpBuilder &b, Location loc, Value descriptor,
                     int64_t rank, Type elementType, ValueRange indices) {
  Value offset = i64Const(b, loc, 0);
  for (int64_t axis = 0; axis < rank; ++axis)
    offset = LLVM::AddOp::create(
        b, loc, offset,
        LLVM::MulOp::create(b, loc, indices[axis],
                            memrefStride(b, loc, descriptor, rank, axis)));
  return LLVM::GEPOp::create(b, loc, memrefPointer(b, loc, descriptor).getType(),
                             elementType, memrefPointer(b, loc, descriptor),
                             ValueRange{offset});
}

Value sharedBase(OpBuilder &b, Location loc, Operation *from, int64_t offset) {
  auto module = from->getParentOfType<ModuleOp>();
  auto global = module.lookupSymbol<LLVM::GlobalOp>(kSharedMemoryName);
  if (!global) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
    global = LLVM::GlobalOp::create(b, loc, arrayType, /*isConstant=*/false,
                                    LLVM::Linkage::External, kSharedMemoryName,
                                    Attribute(), /*alignment=*/1024, kSharedSpace);
  }
  Value base = LLVM::AddressOfOp::create(b, loc, global);
  return sharedAddress(b, loc, base, i64Const(b, loc, offset));
}

/// Per warp and 16x16 block, the matrices (rows 0-7 | 8-15) x (columns 0-7 |
/// 8-15); lane l gives row l % 8 of matrix l / 8.
void storeMatrices(OpBuilder &b, Location loc, RankedTensorType type,
                   MmaEncodingAttr mma, ArrayRef<Value> values,
                   const ThreadIds &ids, Value buffer,
                   const SharedTileAddressing &addressing) {
  Type operandType = type.getElementType().isBF16()
                         ? Type(b.getI32Type())
                         : Type(VectorType::get({2}, b.getF16Type()));
  int64_t warpRows = rowsPerWarp(mma, type.getDimSize(0));
  Value matrix = LLVM::LShrOp::create(b, loc, ids.lane, i64Const(b, loc, 3));
  Value rowInMatrix =
      LLVM::AndOp::create(b, loc, ids.lane, i64Const(b, loc, 7));
  // Row 8 (matrix % 2) + l % 8 and column 8 (matrix / 2) of the block.
  Value blockRow = LLVM::AddOp::create(
      b, loc, rowInMatrix,
      LLVM::MulOp::create(
          b, loc, LLVM::AndOp::create(b, loc, matrix, i64Const(b, loc, 1)),
          i64Const(b, loc, 8)));
  Value blockCol = LLVM::MulOp::create(
      b, loc, LLVM::LShrOp::create(b, loc, matrix, i64Const(b, loc, 1)),
      i64Const(b, loc, 8));
  Value warpRow =
      LLVM::MulOp::create(b, loc, ids.warp, i64Const(b, loc, warpRows));
  for (int64_t i = 0; i < warpRows / 16; ++i)
    for (int64_t jj = 0; jj < type.getDimSize(1) / 16; ++jj) {
      SmallVector<Value> sources;
      for (int64_t half : {0, 1})     // columns 0-7, 8-15 of the block
        for (int64_t rows : {0, 2}) { // rows 0-7 (k 0, 1), 8-15 (k 2, 3)
          Value pair = packOperandPair(
              b, loc,
              values[mmaSlot(type.getShape(), mma, i, 2 * jj + half, rows)],
              values[mmaSlot(type.getShape(), mma, i, 2 * jj + half, rows + 1)],
              operandType);
          if (operandType != b.getI32Type())
            pair = LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
          sources.push_back(pair);
        }
      Value row = LLVM::AddOp::create(
          b, loc, warpRow,
          LLVM::AddOp::create(b, loc, i64Const(b, loc, 16 * i), blockRow));
      Value col =
          LLVM::AddOp::create(b, loc, i64Const(b, loc, 16 * jj), blockCol);
      NVVM::StMatrixOp::create(
          b, loc,
          sharedAddress(b, loc, buffer,
                        addressing.byteOffset(b, loc, row, col)),
          sources, NVVM::MMALayout::row,
          NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
          NVVM::LdStMatrixEltType::B16);
    }
}

SharedTileAddressing SharedTileAddressing::of(RankedTensorType type) {
  auto shared = cast<SharedEncodingAttr>(type.getEncoding());
  SharedTileAddressing addressing;
  addressing.rows = type.getDimSize(0);
  addressing.elementBytes = type.getElementTypeBitWidth() / 8;
  if (type.getRank() == 1) {
    // Consecutive elements, element i as row i (ThreadTile::row of a
    // rank-1 tile).
    addressing.rowElements = 1;
    return addressing;
  }
  addressing.swizzled = shared.isSwizzled();
  addressing.rowElements =
      addressing.swizzled ? 128 / addressing.elementBytes
                          : type.getDimSize(1) + shared.getPadding();
  return addressing;
}

SharedTileAddressing SharedTileAddressing::rowMajor(int64_t rowElements,
                                                    int64_t elementBytes) {
  SharedTileAddressing addressing;
  addressing.rowElements = rowElements;
  addressing.elementBytes = elementBytes;
  return addressing;
}

SharedTileAddressing SharedTileAddressing::swizzledBands(int64_t bandRows,
                                                         int64_t cols) {
  SharedTileAddressing addressing;
  addressing.rows = bandRows;
  addressing.rowElements = 64;
  addressing.swizzled = true;
  addressing.bandBytes = bandRows * cols * 2;
  return addressing;
}

Value SharedTileAddressing::byteOffset(OpBuilder &b, Location loc, Value row,
                                       Value col) const {
  auto mul = [&](Value x, int64_t c) {
    return LLVM::MulOp::create(b, loc, x, i64Const(b, loc, c)).getResult();
  };
  auto add = [&](Value x, Value y) {
    return LLVM::AddOp::create(b, loc, x, y).getResult();
  };
  if (bandBytes) {
    SharedTileAddressing band = *this;
    band.bandBytes = 0;
    Value index = LLVM::UDivOp::create(b, loc, row, i64Const(b, loc, rows));
    Value rowInBand = LLVM::URemOp::create(b, loc, row, i64Const(b, loc, rows));
    return add(mul(index, bandBytes), band.byteOffset(b, loc, rowInBand, col));
  }
  if (!swizzled)
    return mul(add(mul(row, rowElements), col), elementBytes);
  // Column block, 16-byte chunk in the block's row, element in the chunk.
  int64_t chunkElements = 16 / elementBytes;
  Value block = LLVM::UDivOp::create(b, loc, col, i64Const(b, loc, rowElements));
  Value inBlock = LLVM::URemOp::create(b, loc, col, i64Const(b, loc, rowElements));
  Value chunk = LLVM::UDivOp::create(b, loc, inBlock, i64Const(b, loc, chunkElements));
  Value element = LLVM::URemOp::create(b, loc, inBlock, i64Const(b, loc, chunkElements));
  Value phase = LLVM::AndOp::create(b, loc, row, i64Const(b, loc, 7));
  Value swizzledChunk = LLVM::XOrOp::create(b, loc, chunk, phase);
  Value offset = add(mul(block, rows * 128), mul(row, 128));
  offset = add(offset, mul(swizzledChunk, 16));
  return add(offset, mul(element, elementBytes));
}

Value sharedAddress(OpBuilder &b, Location loc, Value base, Value byteOffset) {
  return LLVM::GEPOp::create(b, loc, base.getType(), b.getI8Type(), base,
                             ValueRange{byteOffset});
}

FailureOr<int64_t> sharedOffset(Operation *op) {
  auto offset = op->getAttrOfType<IntegerAttr>(FlashDialect::kSharedOffsetAttrName);
  if (!offset)
    return op->emitError("has no shared-memory offset; run "
                         "flash-allocate-shared-memory first");
  return offset.getInt();
}

int64_t consumerThreads(OpBuilder &b) {
  Operation *function = b.getInsertionBlock()->getParentOp();
  if (!isa<FunctionOpInterface>(function))
    function = function->getParentOfType<FunctionOpInterface>();
  auto consumers = function ? function->getAttrOfType<IntegerAttr>(
                                  FlashDialect::kConsumerThreadsAttrName)
                            : IntegerAttr();
  return consumers ? consumers.getInt() : 0;
}

void fenceAsyncProxy(OpBuilder &b, Location loc) {
  NVVM::FenceProxyOp::create(
      b, loc,
      NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
      NVVM::SharedSpaceAttr::get(b.getContext(),
                                 NVVM::SharedSpace::shared_cta));
}

void barrier(OpBuilder &b, Location loc) {
  int64_t consumers = consumerThreads(b);
  if (!consumers) {
    NVVM::Barrier0Op::create(b, loc);
    return;
  }
  NVVM::BarrierOp::create(b, loc, /*res=*/Type(), i32Const(b, loc, 1),
                          i32Const(b, loc, consumers),
                          NVVM::BarrierReductionAttr(), /*reductionPredicate=*/Value());
}

void waitBulkGroups(OpBuilder &b, Location loc, bool reads) {
  NVVM::CpAsyncBulkWaitGroupOp::create(
      b, loc, b.getI32IntegerAttr(0), reads ? b.getUnitAttr() : UnitAttr());
}

bool isSharedTile(Type type) {
  auto tile = dyn_cast<RankedTensorType>(type);
  return tile && isa_and_nonnull<SharedEncodingAttr>(tile.getEncoding());
}

Value readSharedSlot(OpBuilder &b, Location loc, const ThreadTile &tile,
                     RankedTensorType type, unsigned slot, Value buffer,
                     const SharedTileAddressing &addressing, Type element) {
  Value row = tile.row(b, loc, slot);
  Value col = type.getRank() == 2 ? tile.col(b, loc, slot) : i64Const(b, loc, 0);
  Value address =
      sharedAddress(b, loc, buffer, addressing.byteOffset(b, loc, row, col));
  return LLVM::LoadOp::create(b, loc, element, address);
}

bool readsSharedTiles(Operation *op) { return isa<DotOp, ConvertLayoutOp>(op); }

bool isBulkReduction(Operation *op) {
  auto store = dyn_cast<StoreOp>(op);
  return store && store.getAccumulate() &&
         isa_and_nonnull<SharedEncodingAttr>(
             store.getValue().getType().getEncoding());
}

bool isAwaitedOnBarrier(Value tile) {
  Operation *def = tile.getDefiningOp();
  if (isTensorCopy(def))
    return true;
  auto cast = dyn_cast_or_null<UnrealizedConversionCastOp>(def);
  if (!cast || cast.getNumOperands() != 1)
    return false;
  auto pointer = dyn_cast<LLVM::LLVMPointerType>(cast.getOperand(0).getType());
  return pointer && pointer.getAddressSpace() == kSharedSpace;
}

/// A load of a shared tile by cp.async (or through registers): one commit
/// group. TMA copies complete on their own barriers instead.
static bool isSharedLoad(Operation *op) {
  auto load = dyn_cast_or_null<LoadOp>(op);
  return load && !isTensorCopy(load) &&
         isa_and_nonnull<SharedEncodingAttr>(
             load.getResult().getType().getEncoding());
}

/// The consumer's operands that are shared tiles.
static SmallVector<Value> sharedOperands(Operation *consumer) {
  SmallVector<Value> tiles;
  for (Value operand : consumer->getOperands())
    if (isSharedTile(operand.getType()))
      tiles.push_back(operand);
  return tiles;
}

/// Shared loads in [begin, end) of a block.
static int64_t countSharedLoads(Block::iterator begin, Block::iterator end) {
  int64_t count = 0;
  for (; begin != end; ++begin)
    count += isSharedLoad(&*begin);
  return count;
}

/// How many of the consumer's later copies may stay in flight when it reads
/// `tiles`, or none when no tile comes from an asynchronous copy.
static std::optional<int64_t> pendingAllowed(Operation *consumer,
                                             ArrayRef<Value> tiles) {
  // Copies committed after a tile's may stay in flight; count them.
  Block *block = consumer->getBlock();
  std::optional<int64_t> allowed;
  auto allow = [&](int64_t later) {
    allowed = std::min(allowed.value_or(later), later);
  };
  for (Value tile : tiles) {
    if (auto arg = dyn_cast<BlockArgument>(tile)) {
      // A tile carried by a loop: loaded during the previous iteration (or
      // before the first) by the op yielded for it; after that load come
      // the rest of the body's loads and this iteration's loads before the
      // consumer.
      auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
      if (!loop || arg.getArgNumber() == 0 || !isSharedTile(arg.getType()))
        continue;
      Block *body = loop.getBody();
      Operation *next =
          loop.getYieldedValues()[arg.getArgNumber() - 1].getDefiningOp();
      if (block != body || !isSharedLoad(next) || next->getBlock() != body) {
        allow(0);
        continue;
      }
      allow(countSharedLoads(std::next(next->getIterator()), body->end()) +
            countSharedLoads(body->begin(), consumer->getIterator()));
      continue;
    }
    Operation *producer = tile.getDefiningOp();
    if (!isSharedLoad(producer))
      continue;
    // The loads between the producer and the consumer in the consumer's
    // block (all of that block's earlier loads when the producer is outside).
    allow(countSharedLoads(producer->getBlock() == block
                               ? std::next(producer->getIterator())
                               : block->begin(),
                           consumer->getIterator()));
  }
  return allowed;
}

/// Whether `load`'s buffer has no reader left to wait for: an earlier
/// shared load of its block, with only ops that neither read shared memory
/// nor hold regions after it, passed a barrier after every such reader.
static bool followsSharedLoad(Operation *load) {
  for (Operation *op = load->getPrevNode(); op; op = op->getPrevNode()) {
    if (isSharedLoad(op))
      return true;
    if (readsSharedTiles(op) || op->getNumRegions() != 0)
      return false;
  }
  return false;
}

/// Readers of one block with no shared load between them: one that allows
/// no fewer copies in flight than an earlier one waits for nothing the
/// earlier one did not, and that one's barrier already made every thread's
/// copies visible, so it needs neither of its own.
static void shareWaits(Block &block) {
  std::optional<int64_t> awaited; // copies left in flight at the last wait
  for (Operation &op : block) {
    if (isSharedLoad(&op) || op.getNumRegions() != 0) {
      awaited.reset();
      continue;
    }
    auto allowed = op.getAttrOfType<IntegerAttr>(kSharedWaitAttrName);
    // A conversion to its own layout lowers to nothing, its wait included.
    auto conversion = dyn_cast<ConvertLayoutOp>(op);
    if (!allowed ||
        (conversion && conversion.getSource().getType() == conversion.getType()))
      continue;
    if (awaited && allowed.getInt() >= *awaited)
      op.removeAttr(kSharedWaitAttrName);
    else
      awaited = allowed.getInt();
  }
}

void annotateSharedWaits(Operation *root) {
  Builder b(root->getContext());
  root->walk([&](Operation *op) {
    if (isSharedLoad(op) && followsSharedLoad(op))
      op->setAttr(kReadersDoneAttrName, b.getUnitAttr());
  });
  root->walk([&](Operation *op) {
    if (!readsSharedTiles(op))
      return;
    SmallVector<Value> tiles = sharedOperands(op);
    if (std::optional<int64_t> allowed = pendingAllowed(op, tiles))
      op->setAttr(kSharedWaitAttrName, b.getI64IntegerAttr(*allowed));
    // Tiles that only TMA copies wrote were awaited on their barriers
    // (which also makes the async proxy's writes visible).
    if (!tiles.empty() && llvm::all_of(tiles, isAwaitedOnBarrier))
      op->setAttr(kAwaitedOnBarriersAttrName, b.getUnitAttr());
  });
  root->walk([&](Block *block) { shareWaits(*block); });
}

void markReadsAtUses(Operation *root) {
  root->walk([&](ConvertLayoutOp conversion) {
    RankedTensorType source = conversion.getSource().getType();
    if (source.getRank() != 1 || !isSharedTile(source) ||
        isSharedTile(conversion.getType()) || conversion->use_empty())
      return;
    Block *block = conversion->getBlock();
    Operation *last = conversion;
    for (Operation *user : conversion->getUsers()) {
      if (user->getBlock() != block)
        return;
      if (last->isBeforeInBlock(user))
        last = user;
    }
    // A copy, a conversion through a buffer (scratch ones too) or a region
    // between could write the vector's buffer: a prefetched next block's
    // statistics are copied into it. (Other buffers of the block do not
    // share its bytes today; the check does not rely on that.)
    for (Operation *op = conversion->getNextNode(); op != last;
         op = op->getNextNode())
      if (op->getNumRegions() != 0 || sharedBufferBytes(op) ||
          llvm::any_of(op->getResultTypes(), isSharedTile))
        return;
    conversion->setAttr(kReadAtUsesAttrName, UnitAttr::get(root->getContext()));
  });
}

void waitForSharedTiles(OpBuilder &b, Location loc, Operation *consumer,
                        bool asyncProxy) {
  auto allowed = consumer->getAttrOfType<IntegerAttr>(kSharedWaitAttrName);
  if (!allowed && !asyncProxy)
    return;
  if (consumer->hasAttr(kAwaitedOnBarriersAttrName))
    return;
  if (allowed)
    NVVM::CpAsyncWaitGroupOp::create(b, loc,
                                     b.getI32IntegerAttr(allowed.getInt()));
  if (asyncProxy)
    fenceAsyncProxy(b, loc);
  barrier(b, loc);
}

Value pairVector(OpBuilder &b, Location loc, Value lo, Value hi) {
  auto pairType = VectorType::get({2}, lo.getType());
  Value pair = LLVM::UndefOp::create(b, loc, pairType);
  pair = LLVM::InsertElementOp::create(b, loc, pair, lo, i32Const(b, loc, 0));
  return LLVM::InsertElementOp::create(b, loc, pair, hi, i32Const(b, loc, 1));
}

Value packOperandPair(OpBuilder &b, Location loc, Value lo, Value hi,
                      Type operandType) {
  return LLVM::BitcastOp::create(b, loc, operandType,
                                 pairVector(b, loc, lo, hi));
}

LLVM::InlineAsmOp inlinePtx(OpBuilder &b, Location loc, Type resultType,
                            ValueRange operands, StringRef text,
                            StringRef constraints) {
  return LLVM::InlineAsmOp::create(
      b, loc, resultType, operands, text, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/ArrayAttr());
}

Value groupReduce(OpBuilder &b, Location loc, Value value,
                  llvm::function_ref<Value(Value, Value)> combine) {
  Value all = i32Const(b, loc, -1);
  Value clamp = i32Const(b, loc, 0x1F);
  for (int offset : {1, 2}) {
    Value other = NVVM::ShflOp::create(b, loc, value.getType(), all, value,
                                       i32Const(b, loc, offset), clamp,
                                       NVVM::ShflKind::bfly, UnitAttr());
    value = combine(value, other);
  }
  return value;
}

void ifThen(OpBuilder &b, Location loc, Value condition,
            llvm::function_ref<void(OpBuilder &)> then) {
  auto ifOp = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
  OpBuilder inner = OpBuilder::atBlockBegin(&ifOp.getThenRegion().front());
  inner.setInsertionPoint(ifOp.getThenRegion().front().getTerminator());
  then(inner);
}

Value maskedLoad(OpBuilder &b, Location loc, Type type, Value address,
                 Value condition) {
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{type}, condition,
                                /*withElseRegion=*/true);
  {
    OpBuilder inner = OpBuilder::atBlockBegin(&ifOp.getThenRegion().front());
    Value loaded = LLVM::LoadOp::create(inner, loc, type, address);
    scf::YieldOp::create(inner, loc, loaded);
  }
  {
    OpBuilder inner = OpBuilder::atBlockBegin(&ifOp.getElseRegion().front());
    Value zero = LLVM::ZeroOp::create(inner, loc, type);
    scf::YieldOp::create(inner, loc, zero);
  }
  return ifOp.getResult(0);
}

static Value approx(OpBuilder &b, Location loc, StringRef intrinsic, Value x) {
  return LLVM::CallIntrinsicOp::create(b, loc, b.getF32Type(),
                                       b.getStringAttr(intrinsic), ValueRange{x})
      .getResult(0);
}

Value exp2(OpBuilder &b, Location loc, Value x) {
  return approx(b, loc, "llvm.nvvm.ex2.approx.ftz.f", x);
}

Value log2(OpBuilder &b, Location loc, Value x) {
  return approx(b, loc, "llvm.nvvm.lg2.approx.ftz.f", x);
}

} // namespace mlir::flash::nvvm
