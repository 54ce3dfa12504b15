//===- AllocateSharedMemory.cpp - Shared-memory buffers of a kernel ---------===//
//
// Each op that puts a tile in shared memory (a load into #flash.shared, a
// conversion into or through shared memory) gets a buffer that lives until
// the end of its block: a value produced in a loop reuses its buffer every
// iteration, no two live values share one, and the buffers of one region
// are free for the next (sequential loops reuse the same bytes). Over
// `max-bytes`, the shared copies of accumulating stores' tiles, which only
// spare the stores' instructions, are dropped (nothing else can be).
//
//===----------------------------------------------------------------------===//

#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Transforms/Passes.h"
#include "flash/Transforms/SharedMemory.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::flash {
#define GEN_PASS_DEF_FLASHALLOCATESHAREDMEMORY
#include "flash/Transforms/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;

namespace {

constexpr int64_t kAlignment = 128;
/// The period of the 128-byte swizzle: swizzled buffers start on it.
constexpr int64_t kSwizzleAlignment = 1024;

/// A buffer's size and the alignment of its start.
struct Buffer {
  int64_t bytes, alignment = kAlignment;
};

/// Bytes of a row-major tile with padded rows; the padding of register
/// layouts converted through shared memory is 16 bytes.
int64_t bufferBytes(RankedTensorType type, unsigned padding) {
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  int64_t rows = type.getRank() == 2 ? type.getDimSize(0) : 1;
  int64_t cols = type.getShape().back();
  return rows * (cols + padding) * elementBytes;
}

/// The shared-memory tile an op writes, if any: loads, conversions and
/// transposes into #flash.shared, and conversions between register layouts
/// and transposes (which go through shared memory unless an mma tile
/// becomes an `a` operand).
std::optional<Buffer> sharedBuffer(Operation *op) {
  if (op->getNumResults() != 1)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type)
    return std::nullopt;
  if (auto shared = dyn_cast_or_null<SharedEncodingAttr>(type.getEncoding()))
    if (isa<LoadOp, ConvertLayoutOp, TransposeOp>(op)) {
      if (shared.isSwizzled())
        return Buffer{bufferBytes(type, 0), kSwizzleAlignment};
      return Buffer{bufferBytes(type, shared.getPadding())};
    }
  // A transpose into registers goes through a scratch buffer.
  if (isa<TransposeOp>(op))
    return Buffer{bufferBytes(type, 16 / (type.getElementTypeBitWidth() / 8))};
  if (auto convert = dyn_cast<ConvertLayoutOp>(op)) {
    Attribute from = convert.getSource().getType().getEncoding();
    Attribute to = type.getEncoding();
    if (isa<SharedEncodingAttr>(from))
      return std::nullopt; // reads the source's buffer
    auto operand = dyn_cast_or_null<OperandEncodingAttr>(to);
    if (isa<MmaEncodingAttr>(from) && operand && operand.getOperandIndex() == 0 &&
        !operand.getTransposed() && type.getElementTypeBitWidth() == 16)
      return std::nullopt; // a register permutation
    int64_t elementBytes = type.getElementTypeBitWidth() / 8;
    return Buffer{bufferBytes(type, 16 / elementBytes)};
  }
  return std::nullopt;
}

/// A tile yielded to the next iteration of a loop takes the buffer of the
/// tile the loop started with (flash-prefetch-shared-tiles), if that one has
/// a buffer already.
IntegerAttr carriedBuffer(Operation *op) {
  for (OpOperand &use : op->getResult(0).getUses()) {
    auto yield = dyn_cast<scf::YieldOp>(use.getOwner());
    auto loop = yield ? dyn_cast<scf::ForOp>(yield->getParentOp()) : scf::ForOp();
    if (!loop)
      continue;
    Value init = loop.getInitArgs()[use.getOperandNumber()];
    if (Operation *def = init.getDefiningOp())
      if (auto offset = def->getAttrOfType<IntegerAttr>(
              FlashDialect::kSharedOffsetAttrName))
        return offset;
  }
  return {};
}

/// Stack allocation by region: a buffer lives from its op to the end of the
/// block holding it, so the buffers of a region (a loop body, a branch) are
/// free again once the op owning the region is done, and sequential loops
/// share the same bytes. Returns the peak end offset.
int64_t allocate(Block &block, int64_t base, Builder &builder) {
  int64_t offset = base, peak = base;
  for (Operation &op : block) {
    if (std::optional<Buffer> buffer = sharedBuffer(&op)) {
      if (IntegerAttr carried = carriedBuffer(&op)) {
        op.setAttr(FlashDialect::kSharedOffsetAttrName, carried);
      } else {
        offset = llvm::alignTo(offset, buffer->alignment);
        op.setAttr(FlashDialect::kSharedOffsetAttrName,
                   builder.getI64IntegerAttr(offset));
        offset += llvm::alignTo(buffer->bytes, kAlignment);
        peak = std::max(peak, offset);
      }
    }
    for (Region &region : op.getRegions())
      for (Block &inner : region)
        peak = std::max(peak, allocate(inner, offset, builder));
  }
  return peak;
}

int64_t allocate(func::FuncOp kernel) {
  Builder builder(kernel.getContext());
  int64_t total = 0;
  for (Block &block : kernel.getBody())
    total = std::max(total, allocate(block, 0, builder));
  kernel->setAttr(FlashDialect::kSharedMemoryAttrName,
                  builder.getI64IntegerAttr(total));
  return total;
}

/// Removes the conversions that put accumulating stores' tiles in shared
/// memory (the stores then read the register tiles); whether any was.
bool dropSharedSums(func::FuncOp kernel) {
  SmallVector<ConvertLayoutOp> conversions;
  kernel.walk([&](StoreOp store) {
    auto convert = store.getValue().getDefiningOp<ConvertLayoutOp>();
    if (store.getAccumulate() && convert && convert->hasOneUse() &&
        isa<SharedEncodingAttr>(convert.getType().getEncoding()))
      conversions.push_back(convert);
  });
  for (ConvertLayoutOp convert : conversions) {
    convert.getResult().replaceAllUsesWith(convert.getSource());
    convert.erase();
  }
  return !conversions.empty();
}

struct FlashAllocateSharedMemoryPass
    : public flash::impl::FlashAllocateSharedMemoryBase<
          FlashAllocateSharedMemoryPass> {
  using FlashAllocateSharedMemoryBase::FlashAllocateSharedMemoryBase;

  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      if (!kernel->hasAttr(FlashDialect::kKernelAttrName))
        continue;
      if (allocate(kernel) > maxBytes && maxBytes > 0 && dropSharedSums(kernel))
        allocate(kernel);
    }
  }
};

} // namespace

std::optional<int64_t> mlir::flash::sharedBufferBytes(Operation *op) {
  if (std::optional<Buffer> buffer = sharedBuffer(op))
    return llvm::alignTo(buffer->bytes, kAlignment);
  return std::nullopt;
}
