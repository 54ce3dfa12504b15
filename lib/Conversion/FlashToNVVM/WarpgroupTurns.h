//===- WarpgroupTurns.h - Consumer warpgroups take turns at wgmma -*- C++ -*-===//
//
// FlashAttention 3's "ping-pong" schedule for a warp-specialized kernel's
// consumer warpgroups (WarpgroupTurns.cpp): scheduleWarpgroupTurns marks
// the dots of the consumers' body, and the wgmma lowering brackets each
// marked dot with takeTurn / passTurn.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_CONVERSION_FLASHTONVVM_WARPGROUPTURNS_H
#define FLASH_LIB_CONVERSION_FLASHTONVVM_WARPGROUPTURNS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::flash::nvvm {

/// Marks a flash.dot issued only on its warpgroup's turn; its value is the
/// shared-memory offset of the word that orders the turn (takeTurn).
constexpr llvm::StringLiteral kWarpgroupTurnAttrName = "flash.warpgroup_turn";
/// A dot that keeps its turn for the next one (which holds it): the two
/// are issued in one turn (shareTurns).
constexpr llvm::StringLiteral kTurnKeptAttrName = "flash.warpgroup_turn_kept";
constexpr llvm::StringLiteral kTurnHeldAttrName = "flash.warpgroup_turn_held";

/// With `consumerThreads` of two warpgroups or more, running the block
/// `consumers` of the warp-specialized `kernel`: marks the block's dots,
/// hands the first turn to warpgroup 0 (at the block's start), takes the
/// turn left over at its end, and adds the turns' word to the kernel's
/// shared memory.
void scheduleWarpgroupTurns(func::FuncOp kernel, Block *consumers,
                            int64_t consumerThreads);

/// Once the consumers' loops are rotated (overlap-softmax): an asynchronous
/// dot followed in its block by another, with nothing awaiting a product
/// between them (S_j and P_{j-1}·V_{j-1}), issue both in one turn, as
/// FlashAttention 3 does, so that a warpgroup's softmax runs beside both
/// products of the next warpgroup.
void shareTurns(Block *consumers);

/// The number of consumer warpgroups taking turns in the kernel around the
/// builder's point, or 0 when they take none (no flash.consumer_threads).
int64_t warpgroupsTakingTurns(OpBuilder &b);

/// Waits for this warpgroup's turn, once `operands` (the dot's registers)
/// are computed: they are folded into one word stored to `word` (a shared
/// pointer) first. Register-only work may move across a barrier; a store
/// may not, so the code computing a product's operands (the softmax) stays
/// outside the turn instead of ptxas hoisting the barrier above it.
void takeTurn(OpBuilder &b, Location loc, Value word, ValueRange operands);
/// Hands the turn on to the next of `warpgroups` (does not wait).
void passTurn(OpBuilder &b, Location loc, int64_t warpgroups);

} // namespace mlir::flash::nvvm

#endif // FLASH_LIB_CONVERSION_FLASHTONVVM_WARPGROUPTURNS_H
