//===- Layouts.cpp - Which thread holds which element of a tile ------------===//

#include "flash/Dialect/Flash/IR/Layouts.h"

using namespace mlir;
using namespace mlir::flash;

namespace mlir::flash {

int64_t rowsPerWarp(MmaEncodingAttr mma, int64_t rows) {
  return rows / mma.getWarps();
}

static MmaEncodingAttr parentMma(Attribute encoding) {
  if (auto mma = dyn_cast<MmaEncodingAttr>(encoding))
    return mma;
  if (auto rowsLayout = dyn_cast<RowsEncodingAttr>(encoding))
    return rowsLayout.getParent();
  if (auto columns = dyn_cast<ColumnsEncodingAttr>(encoding))
    return columns.getParent();
  if (auto operand = dyn_cast<OperandEncodingAttr>(encoding))
    return operand.getParent();
  return {};
}

int64_t threadsPerProgram(Attribute encoding) {
  MmaEncodingAttr mma = parentMma(encoding);
  return mma ? 32 * mma.getWarps() : 0;
}

int64_t mmaSlot(ArrayRef<int64_t> shape, MmaEncodingAttr mma, int64_t i,
                int64_t j, int64_t k) {
  return (i * (shape[1] / 8) + j) * 4 + k;
}

int64_t operandSlot(OperandEncodingAttr operand, ArrayRef<int64_t> shape,
                    int64_t block0, int64_t block1, int64_t r, int64_t e) {
  // Logical operand shape (M x K for a, K x N for b).
  int64_t cols = operand.getTransposed() ? shape[0] : shape[1];
  if (operand.getOperandIndex() == 0)
    return ((block0 * (cols / 16) + block1) * 4 + r) * 2 + e;
  return ((block0 * (cols / 8) + block1) * 2 + r) * 2 + e;
}

static LogicalResult fail(std::string *why, const Twine &message) {
  if (why)
    *why = message.str();
  return failure();
}

FailureOr<ThreadMapping> getThreadMapping(RankedTensorType type,
                                          std::string *why) {
  Attribute encoding = type.getEncoding();
  ArrayRef<int64_t> shape = type.getShape();
  ThreadMapping m;
  if (MmaEncodingAttr mma = encoding ? parentMma(encoding) : MmaEncodingAttr();
      mma && mma.getWarps() == 0)
    return fail(why, "a layout needs at least one warp");

  if (auto rowsLayout = dyn_cast_or_null<RowsEncodingAttr>(encoding)) {
    MmaEncodingAttr mma = rowsLayout.getParent();
    if (type.getRank() != 1 || shape[0] % (16 * mma.getWarps()) != 0)
      return fail(why, "a rows layout needs a rank-1 tile of a multiple of "
                       "16 x warps elements");
    int64_t perWarp = rowsPerWarp(mma, shape[0]);
    m.row = {perWarp, 1, 0};
    m.replicatedOverTig = true;
    for (int64_t i = 0; i < perWarp / 16; ++i)
      for (int64_t h = 0; h < 2; ++h)
        m.slots.push_back({16 * i + 8 * h, 0});
    return m;
  }

  if (isa_and_nonnull<ColumnsEncodingAttr>(encoding)) {
    if (type.getRank() != 1 || shape[0] % 8 != 0)
      return fail(why, "a columns layout needs a rank-1 tile of a multiple "
                       "of 8 elements");
    // The columns a thread holds in every 8-column block of its parent.
    m.row = {0, 0, 2};
    m.replicatedOverGroups = m.replicatedOverWarps = true;
    for (int64_t j = 0; j < shape[0] / 8; ++j)
      for (int64_t e = 0; e < 2; ++e)
        m.slots.push_back({8 * j + e, 0});
    return m;
  }

  if (type.getRank() != 2)
    return fail(why, "register layouts other than rows and columns need "
                     "rank-2 tiles");

  if (auto mma = dyn_cast_or_null<MmaEncodingAttr>(encoding)) {
    if (shape[0] % (16 * mma.getWarps()) != 0 || shape[1] % 8 != 0)
      return fail(why, "an mma layout needs rows a multiple of 16 x warps "
                       "and columns a multiple of 8");
    int64_t perWarp = rowsPerWarp(mma, shape[0]);
    m.row = {perWarp, 1, 0};
    m.col = {0, 0, 2};
    m.slots.resize((perWarp / 16) * (shape[1] / 8) * 4);
    for (int64_t i = 0; i < perWarp / 16; ++i)
      for (int64_t j = 0; j < shape[1] / 8; ++j)
        for (int64_t k = 0; k < 4; ++k)
          m.slots[mmaSlot(shape, mma, i, j, k)] = {16 * i + 8 * (k / 2),
                                                   8 * j + k % 2};
    return m;
  }

  if (auto operand = dyn_cast_or_null<OperandEncodingAttr>(encoding)) {
    bool transposed = operand.getTransposed();
    int64_t rows = transposed ? shape[1] : shape[0];
    int64_t cols = transposed ? shape[0] : shape[1];
    MmaEncodingAttr mma = operand.getParent();
    ThreadCoefficients opRow, opCol; // in operand (not tile) coordinates
    SmallVector<ThreadMapping::Slot> opSlots;
    if (operand.getOperandIndex() == 0) {
      if (rows % (16 * mma.getWarps()) != 0 || cols % 16 != 0)
        return fail(why, "an a operand needs M a multiple of 16 x warps and "
                         "K a multiple of 16");
      int64_t perWarp = rowsPerWarp(mma, rows);
      opRow = {perWarp, 1, 0};
      opCol = {0, 0, 2};
      opSlots.resize(perWarp / 16 * cols / 16 * 8);
      for (int64_t i = 0; i < perWarp / 16; ++i)
        for (int64_t kk = 0; kk < cols / 16; ++kk)
          for (int64_t r = 0; r < 4; ++r)
            for (int64_t e = 0; e < 2; ++e)
              opSlots[operandSlot(operand, shape, i, kk, r, e)] = {
                  16 * i + 8 * (r % 2), 16 * kk + 8 * (r / 2) + e};
    } else {
      if (rows % 16 != 0 || cols % 8 != 0)
        return fail(why, "a b operand needs K a multiple of 16 and N a "
                         "multiple of 8");
      opRow = {0, 0, 2};
      opCol = {0, 1, 0};
      m.replicatedOverWarps = true;
      opSlots.resize(rows / 16 * cols / 8 * 4);
      for (int64_t kk = 0; kk < rows / 16; ++kk)
        for (int64_t j = 0; j < cols / 8; ++j)
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t e = 0; e < 2; ++e)
              opSlots[operandSlot(operand, shape, kk, j, r, e)] = {
                  16 * kk + 8 * r + e, 8 * j};
    }
    m.row = transposed ? opCol : opRow;
    m.col = transposed ? opRow : opCol;
    for (ThreadMapping::Slot s : opSlots)
      m.slots.push_back(transposed ? ThreadMapping::Slot{s.col, s.row} : s);
    return m;
  }
  return fail(why, "the tile has no register layout");
}

bool isWarpgroupProduct(int64_t m, int64_t n, int64_t k, int64_t warps) {
  return warps % 4 == 0 && m == 16 * warps && n % 8 == 0 && n <= 256 &&
         k % 16 == 0;
}

} // namespace mlir::flash
