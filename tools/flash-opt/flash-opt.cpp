//===- flash-opt.cpp - The FlashMLIR optimizer driver -----------------------===//
//
// mlir-opt for the flash dialect: parses, verifies, transforms and prints IR,
// with the flash dialect, the upstream dialects its lowerings produce, and
// the flash passes and pipelines registered.
//
//===----------------------------------------------------------------------===//

#include "flash/Conversion/FlashToCPU/FlashToCPU.h"
#include "flash/Conversion/FlashToNVVM/FlashToNVVM.h"
#include "flash/Conversion/Passes.h"
#include "flash/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "FlashMLIR flash-opt " << FLASH_VERSION << " (LLVM/MLIR "
       << FLASH_LLVM_VERSION << ")\n";
  });

  mlir::registerTransformsPasses();
  mlir::flash::registerFlashTransformsPasses();
  mlir::flash::registerFlashConversionPasses();
  mlir::flash::registerFlashToCPUPipeline();
  mlir::flash::registerFlashToNVVMPipeline();

  mlir::DialectRegistry registry;
  mlir::flash::registerFlashToCPUDialects(registry);
  registry.insert<mlir::NVVM::NVVMDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "FlashMLIR optimizer driver\n", registry));
}
