//===- flash-opt.cpp - The FlashMLIR optimizer driver -----------------------===//
//
// mlir-opt for the flash dialect: parses, verifies, transforms and prints IR,
// with the flash dialect, the upstream dialects its kernels use, and the
// passes that lower them registered.
//
//===----------------------------------------------------------------------===//

#include "flash/Dialect/Flash/IR/FlashDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

  mlir::DialectRegistry registry;
  registry.insert<mlir::flash::FlashDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect>();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "FlashMLIR optimizer driver\n", registry));
}
