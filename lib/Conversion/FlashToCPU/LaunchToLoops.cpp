//===- LaunchToLoops.cpp - Kernel grids as loops of calls -------------------===//
//
// On the CPU a program of the grid is a call: kernels take their coordinates
// as trailing index arguments and every flash.launch becomes an scf.parallel
// nest over the grid.
//
//===----------------------------------------------------------------------===//

#include "flash/Conversion/Passes.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::flash {
#define GEN_PASS_DEF_FLASHLAUNCHTOLOOPS
#include "flash/Conversion/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;

namespace {

constexpr unsigned kGridRank = 3;

/// Appends the three program coordinates to the kernel's arguments and
/// replaces flash.program_id by them.
LogicalResult makeCoordinatesArguments(func::FuncOp kernel) {
  OpBuilder builder(kernel.getContext());
  unsigned first = kernel.getNumArguments();
  SmallVector<unsigned> positions(kGridRank, first);
  SmallVector<Type> types(kGridRank, builder.getIndexType());
  SmallVector<DictionaryAttr> attrs(kGridRank, builder.getDictionaryAttr({}));
  SmallVector<Location> locs(kGridRank, kernel.getLoc());
  if (failed(kernel.insertArguments(positions, types, attrs, locs)))
    return kernel.emitError("cannot add the program coordinates");
  kernel.walk([&](ProgramIdOp op) {
    op.replaceAllUsesWith(
        kernel.getArgument(first + static_cast<unsigned>(op.getAxis())));
    op.erase();
  });
  kernel->removeAttr(FlashDialect::kKernelAttrName);
  // Its launches are loops now; nothing sizes a grid from it any more.
  kernel->removeAttr(FlashDialect::kGridAttrName);
  return success();
}

void lowerLaunch(LaunchOp launch) {
  OpBuilder builder(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<Value> upper = {launch.getGridX(), launch.getGridY(),
                              launch.getGridZ()};
  auto parallel = scf::ParallelOp::create(
      builder, loc, SmallVector<Value>(kGridRank, zero), upper,
      SmallVector<Value>(kGridRank, one));
  builder.setInsertionPointToStart(parallel.getBody());
  SmallVector<Value> args(launch.getArgs());
  llvm::append_range(args, parallel.getInductionVars());
  func::CallOp::create(builder, loc, launch.getKernel(), TypeRange{}, args);
  launch.erase();
}

struct FlashLaunchToLoopsPass
    : public flash::impl::FlashLaunchToLoopsBase<FlashLaunchToLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> kernels;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr(FlashDialect::kKernelAttrName))
        kernels.push_back(func);
    for (func::FuncOp kernel : kernels)
      if (failed(makeCoordinatesArguments(kernel)))
        return signalPassFailure();
    SmallVector<LaunchOp> launches;
    module.walk([&](LaunchOp launch) { launches.push_back(launch); });
    for (LaunchOp launch : launches)
      lowerLaunch(launch);
  }
};

} // namespace
