//===- Layouts.h - Which thread holds which element of a tile ---*- C++ -*-===//
//
// Every register layout of the flash dialect places element (row, col) of a
// tile in a thread as an affine function of the thread's warp, its lane's
// group (lane / 4) and its index in the group (lane % 4), plus a constant
// that depends on the register slot. The GPU lowering reads and writes
// tiles slot by slot through this mapping.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_DIALECT_FLASH_IR_LAYOUTS_H
#define FLASH_DIALECT_FLASH_IR_LAYOUTS_H

#include "flash/Dialect/Flash/IR/FlashOps.h"

namespace mlir::flash {

/// Coefficients of (warp, group, tig) in a row or column coordinate.
struct ThreadCoefficients {
  int64_t warp = 0, group = 0, tig = 0;
};

/// The elements one thread holds: slot s is element
/// (row.warp * warp + row.group * group + row.tig * tig + slots[s].row,
///  col.warp * warp + col.group * group + col.tig * tig + slots[s].col).
/// Rank-1 tiles use rows only (their one coordinate).
struct ThreadMapping {
  struct Slot {
    int64_t row = 0, col = 0;
  };
  ThreadCoefficients row, col;
  SmallVector<Slot> slots;
  /// Threads that hold copies of the same elements: the lanes of a group
  /// (rows layouts), the groups of a warp (columns layouts) or all warps
  /// (b operands, columns layouts).
  bool replicatedOverTig = false, replicatedOverGroups = false,
       replicatedOverWarps = false;
};

/// The mapping of a tile with a register layout; failure (with a message)
/// when the shape does not fit the layout.
FailureOr<ThreadMapping> getThreadMapping(RankedTensorType type,
                                          std::string *why = nullptr);

/// Rows each warp owns in an mma tile of `rows` rows: a multiple of 16.
int64_t rowsPerWarp(MmaEncodingAttr mma, int64_t rows);

/// Slot of element `e` (0/1) of register `r` of the 16x16 (a) or 16x8 (b)
/// fragment block (`block0`, `block1`) of an operand tile. For `a`,
/// block0 indexes 16-row blocks of the warp and block1 16-column k blocks;
/// for `b`, block0 indexes 16-row k blocks and block1 8-column n blocks.
int64_t operandSlot(OperandEncodingAttr operand, ArrayRef<int64_t> shape,
                    int64_t block0, int64_t block1, int64_t r, int64_t e);

/// Slot of accumulator element `k` (0..3) of 16x8 block (i, j) of an mma tile.
int64_t mmaSlot(ArrayRef<int64_t> shape, MmaEncodingAttr mma, int64_t i,
                int64_t j, int64_t k);

/// Threads in a program whose tiles use `encoding`'s warps.
int64_t threadsPerProgram(Attribute encoding);

/// Whether sm_90a's wgmma.mma_async (m64nNk16 a warpgroup) computes an
/// M x N x K product over `warps` warps: whole warpgroups with 16 rows a
/// warp, N a multiple of 8 up to 256, K a multiple of 16.
bool isWarpgroupProduct(int64_t m, int64_t n, int64_t k, int64_t warps);

} // namespace mlir::flash

#endif // FLASH_DIALECT_FLASH_IR_LAYOUTS_H
