//===- Passes.td - FlashMLIR conversion passes -------------*- tablegen -*-===//

#ifndef FLASH_CONVERSION_PASSES_TD
#define FLASH_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// FlashToCPU
//===----------------------------------------------------------------------===//

def FlashLaunchToLoops : Pass<"flash-launch-to-loops", "::mlir::ModuleOp"> {
  let summary = "Run kernel grids as loops of calls (CPU backend)";
  let description = [{
    Makes every `flash.kernel` function an ordinary function that takes its
    program coordinates as three trailing `index` arguments (replacing
    `flash.program_id`), and replaces every `flash.launch` by an
    `scf.parallel` nest over the grid that calls the kernel.
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def ConvertFlashTileToLinalg : Pass<"convert-flash-tile-to-linalg"> {
  let summary = "Lower tile-level flash ops to linalg, tensor and memref ops";
  let description = [{
    Lowers the tile ops of the CPU path: masked loads and stores become
    subviews with `bufferization.to_tensor` + `tensor.pad` and
    `bufferization.materialize_in_destination` (atomic read-modify-writes for
    accumulating stores); matrix products, masks, softmax steps, Philox and
    dropout become `linalg.generic` ops on tensors; `flash.seq_bounds`
    becomes two loads of `cu_seqlens`. `flash.program_id` must already be
    gone (see `flash-launch-to-loops`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // FLASH_CONVERSION_PASSES_TD
