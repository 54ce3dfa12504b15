//===- LaunchToLoops.cpp - Kernel grids as loops of calls -------------------===//
//
// On the CPU a program of the grid is a call: kernels take their coordinates
// as trailing index arguments (then the grid's sizes, for kernels that read
// them with flash.num_programs) and every flash.launch becomes an
// scf.parallel nest over the grid; a persistent kernel's x extent may be
// capped, as a GPU runtime caps it at the programs it holds.
//
//===----------------------------------------------------------------------===//

#include "flash/Conversion/Passes.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::flash {
#define GEN_PASS_DEF_FLASHLAUNCHTOLOOPS
#include "flash/Conversion/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;

namespace {

constexpr unsigned kGridRank = 3;

/// What a kernel's launches need to know about it, read before its
/// attributes and ops are rewritten.
struct KernelGrid {
  bool readsSizes = false; // it reads flash.num_programs
  bool persistent = false; // its flash.grid allows fewer programs than tiles
};

KernelGrid gridOf(func::FuncOp kernel) {
  KernelGrid grid;
  kernel.walk([&](NumProgramsOp) { grid.readsSizes = true; });
  auto attr = kernel->getAttrOfType<DictionaryAttr>(FlashDialect::kGridAttrName);
  grid.persistent = attr && attr.contains("persistent");
  return grid;
}

/// Appends the three program coordinates to the kernel's arguments (and the
/// grid's three sizes when it reads them) and replaces flash.program_id (and
/// flash.num_programs) by them.
LogicalResult makeCoordinatesArguments(func::FuncOp kernel,
                                       const KernelGrid &grid) {
  OpBuilder builder(kernel.getContext());
  unsigned first = kernel.getNumArguments();
  unsigned count = grid.readsSizes ? 2 * kGridRank : kGridRank;
  SmallVector<unsigned> positions(count, first);
  SmallVector<Type> types(count, builder.getIndexType());
  SmallVector<DictionaryAttr> attrs(count, builder.getDictionaryAttr({}));
  SmallVector<Location> locs(count, kernel.getLoc());
  if (failed(kernel.insertArguments(positions, types, attrs, locs)))
    return kernel.emitError("cannot add the program coordinates");
  auto replace = [&](auto op, unsigned from) {
    op.replaceAllUsesWith(
        kernel.getArgument(from + static_cast<unsigned>(op.getAxis())));
    op.erase();
  };
  kernel.walk([&](ProgramIdOp op) { replace(op, first); });
  kernel.walk([&](NumProgramsOp op) { replace(op, first + kGridRank); });
  kernel->removeAttr(FlashDialect::kKernelAttrName);
  // Its launches are loops now; nothing sizes a grid from it any more.
  kernel->removeAttr(FlashDialect::kGridAttrName);
  return success();
}

/// `programs` > 0 caps the x extent of the grid of a persistent kernel.
void lowerLaunch(LaunchOp launch, const KernelGrid &grid, int64_t programs) {
  OpBuilder builder(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<Value> upper = {launch.getGridX(), launch.getGridY(),
                              launch.getGridZ()};
  if (grid.persistent && programs > 0)
    upper[0] = arith::MinUIOp::create(
        builder, loc, upper[0],
        arith::ConstantIndexOp::create(builder, loc, programs));
  auto parallel = scf::ParallelOp::create(
      builder, loc, SmallVector<Value>(kGridRank, zero), upper,
      SmallVector<Value>(kGridRank, one));
  builder.setInsertionPointToStart(parallel.getBody());
  SmallVector<Value> args(launch.getArgs());
  llvm::append_range(args, parallel.getInductionVars());
  if (grid.readsSizes)
    llvm::append_range(args, upper);
  func::CallOp::create(builder, loc, launch.getKernel(), TypeRange{}, args);
  launch.erase();
}

struct FlashLaunchToLoopsPass
    : public flash::impl::FlashLaunchToLoopsBase<FlashLaunchToLoopsPass> {
  using FlashLaunchToLoopsBase::FlashLaunchToLoopsBase;

  void runOnOperation() override {
    if (persistentPrograms < 0) {
      getOperation().emitError()
          << "flash-launch-to-loops: persistent-programs must be 0 or more, "
             "got "
          << persistentPrograms.getValue();
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    llvm::StringMap<KernelGrid> grids;
    SmallVector<func::FuncOp> kernels;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr(FlashDialect::kKernelAttrName)) {
        kernels.push_back(func);
        grids[func.getSymName()] = gridOf(func);
      }
    for (func::FuncOp kernel : kernels)
      if (failed(makeCoordinatesArguments(kernel, grids[kernel.getSymName()])))
        return signalPassFailure();
    SmallVector<LaunchOp> launches;
    module.walk([&](LaunchOp launch) { launches.push_back(launch); });
    // A launch of a function that is no kernel passes coordinates only.
    for (LaunchOp launch : launches)
      lowerLaunch(launch, grids.lookup(launch.getKernel()), persistentPrograms);
  }
};

} // namespace
