//===- TensorCopies.h - TMA copies and their pipelining ---------*- C++ -*-===//
//
// What TensorCopies.cpp (which loads become TMA copies, their barriers and
// waits) and WarpSpecialization.cpp (a producer warpgroup issuing the
// copies of loop bodies into multi-stage buffers) share. Both run on the
// tile IR before the conversion.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_CONVERSION_FLASHTONVVM_TENSORCOPIES_H
#define FLASH_LIB_CONVERSION_FLASHTONVVM_TENSORCOPIES_H

#include "FlashToNVVMPatterns.h"

#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::flash::nvvm {

/// A TMA box (of a copy or a store) holds 64 columns of 16-bit elements
/// (128 bytes, the swizzle's row) and at most 256 rows.
constexpr int64_t kBoxColumns = 64;
constexpr int64_t kMaxBoxRows = 256;

/// The scf.for ops around `op` up to `kernel`, outermost first. Failure
/// when an op other than scf.for is inside the outermost loop (an scf.if
/// there would skip executions; outside the loops only scf.if, which runs
/// at most once), or when an inner loop's bounds change between iterations
/// of an outer one: then executions cannot be counted from the induction
/// variables.
FailureOr<SmallVector<scf::ForOp>> enclosingLoops(Operation *op,
                                                  Operation *kernel);

/// How many times the body of the innermost of `loops` ran before the
/// current iteration (0 with no loops), at the builder's point inside them.
Value executionIndex(OpBuilder &b, Location loc, ArrayRef<scf::ForOp> loops);

/// How many iterations a loop with these bounds runs.
Value tripCount(OpBuilder &b, Location loc, Value lb, Value ub, Value step);
/// How many iterations `loop` runs (its bounds available at the builder).
Value tripCount(OpBuilder &b, Location loc, scf::ForOp loop);

/// Blocks until the mbarrier at `barrier` (a shared pointer) has completed
/// the phase of parity `index & 1` (`index` an index value).
void waitForPhase(OpBuilder &b, Location loc, Value barrier, Value index);

/// `base` (a shared pointer) plus `index * stride` bytes.
Value stagedAddress(OpBuilder &b, Location loc, Value base, Value index,
                    int64_t stride);

/// The loop whose iterations carry a count of the executions of copies in
/// `loop`: the loop `loop` sits directly in, when no other loop encloses
/// that one and it carries nothing else (a persistent kernel's loop over
/// tiles, whose key-block loops' trip counts vary from tile to tile).
scf::ForOp tileLoopOf(scf::ForOp loop);

/// The scf.for ops around `op`, outermost first.
SmallVector<scf::ForOp> loopsAround(Operation *op);

/// Whether `bound`, the bound of a load's or store's rows along axis
/// `along` of `memref`, is its size there: the size queried (memref.dim),
/// or the static size as a constant. The TMA's boxes are clipped at the
/// tensor's size, which then agrees with the bound.
bool boundedBySize(Value memref, Value bound, int64_t along);

/// Whether a kernel argument of type `memref` can have a tensor map with
/// rows along `along`: rank 2 to 5, rows not along the last axis, which is
/// contiguous.
bool hasTensorMapShape(MemRefType memref, int64_t along);

/// The tensor map kernel parameter of a TMA copy or store `op` (its
/// flash.tensor_map index into the kernel's flash.tensor_maps), or an error.
FailureOr<Value> tensorMapOf(Operation *op);

/// A tile's TMA coordinates from its indices: innermost axis first, i32.
SmallVector<Value> boxCoordinates(OpBuilder &b, Location loc,
                                  ValueRange indices);

/// Plans the stores of output tiles that sit directly in `tileLoops` (a
/// persistent kernel's loops over tiles) as TMA stores where they qualify
/// (TensorStores.cpp): each gets a staging buffer of its own at the
/// 1024-aligned offset from `end`, while they fit below `limit` bytes, and
/// a tensor map from `tensorMap(argument, box rows, rows' axis)`. Returns
/// the new end.
int64_t planTensorStores(
    func::FuncOp kernel, ArrayRef<scf::ForOp> tileLoops, int64_t end,
    int64_t limit,
    function_ref<int64_t(int64_t arg, int64_t rows, int64_t along)> tensorMap);

/// The lowering of stores planned by planTensorStores.
void populateTensorStorePatterns(TileTypeConverter &converter,
                                 RewritePatternSet &patterns);

/// A TMA copy in a loop body that a producer warpgroup issues ahead of the
/// consumers, into one of `stages` buffers `bufferStride` bytes apart; each
/// buffer has a "full" barrier (its copy landed) and an "empty" one (the
/// consumers are done with it), 8 bytes apart per stage.
/// Copies of the same tensor and box in sibling loops (the forward's
/// masked and unmasked loops) share their buffers and barriers: their
/// executions are counted on, after those of the `earlierLoops`.
/// In a tile loop (tileLoopOf), the executions of earlier tiles are the
/// tile loop's iter_arg `carried`. A copy in the tile loop itself (the
/// forward's Q) is read across the key-block loops; it has two stages where
/// they fit in shared memory (the next tile's lands while this one's loops
/// run), else one, refilled for the next tile once they are done.
struct PipelinedCopy {
  static constexpr int64_t kStages = 2;
  LoadOp load;
  int64_t stages = kStages;
  int64_t buffers = 0, bufferStride = 0, fullBarriers = 0, emptyBarriers = 0;
  SmallVector<scf::ForOp> earlierLoops;
  int64_t carried = -1;
};

/// How many executions of `copy` precede the current one at the builder's
/// point inside `loops` (all the loops around it, outermost first: its
/// earlier sibling loops' and earlier tiles' executions included);
/// `available` gives a loop bound's value there.
Value copyExecution(OpBuilder &b, Location loc, ArrayRef<scf::ForOp> loops,
                    const PipelinedCopy &copy,
                    function_ref<Value(Value)> available);
/// Execution j's stage (j % stages) and round (j / stages).
std::pair<Value, Value> stageAndRound(OpBuilder &b, Location loc,
                                      Value execution, int64_t stages);
/// The consumers' steps of a pipelined copy: wait until `stage`'s buffer
/// holds the round's tile; the buffer as the load's tile; release it to the
/// producer.
void waitUntilFull(OpBuilder &b, Location loc, const PipelinedCopy &copy,
                   Value stage, Value round, Operation *kernel);
Value stageTile(OpBuilder &b, Location loc, const PipelinedCopy &copy,
                Value stage, Operation *kernel);
void releaseStage(OpBuilder &b, Location loc, const PipelinedCopy &copy,
                  Value stage, Operation *kernel);

/// The copies of `copies` that a producer warpgroup can issue: in loops
/// that neither nest nor share an enclosing loop other than their tile loop
/// (copies in which are read anywhere in it), in then-branches, read only
/// in their own block, with loop bounds and coordinates that the
/// producer can compute (side-effect-free ops of the kernel's arguments and
/// the loops' induction variables). All or none: a kernel is specialized
/// only when every copy in a loop qualifies (copies outside loops stay with
/// the consumers).
SmallVector<LoadOp> pipelinableCopies(func::FuncOp kernel,
                                      ArrayRef<LoadOp> copies);

/// Splits `kernel` into `consumerThreads` consumer threads running its body
/// (each pipelined load replaced by a wait on its stage's full barrier, and
/// a release of the stage after its last reader) and a producer warpgroup
/// after them whose first thread runs the loops again issuing the copies.
/// With two consumer warpgroups, setmaxnreg moves registers from the
/// producer to the consumers (as many as `roles` says), which schedule
/// their products as it says. Sets flash.consumer_threads.
void specializeWarps(func::FuncOp kernel, ArrayRef<PipelinedCopy> copies,
                     int64_t consumerThreads, WarpRoles roles);

} // namespace mlir::flash::nvvm

#endif // FLASH_LIB_CONVERSION_FLASHTONVVM_TENSORCOPIES_H
