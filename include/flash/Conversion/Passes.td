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
    `flash.program_id`; then the grid's sizes, replacing
    `flash.num_programs`, when it reads them), and replaces every
    `flash.launch` by an `scf.parallel` nest over the grid that calls the
    kernel. With `persistent-programs=N`, a kernel whose `flash.grid` says
    `persistent` runs as at most N programs along x, each looping over its
    tiles as on a GPU (the tile schedules checked without one).
  }];
  let options = [
    Option<"persistentPrograms", "persistent-programs", "int64_t",
           /*default=*/"0",
           "Programs along x of persistent kernels (0: the launch's grid)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
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

//===----------------------------------------------------------------------===//
// FlashToNVVM
//===----------------------------------------------------------------------===//

def ConvertFlashToNVVM : Pass<"convert-flash-to-nvvm", "::mlir::ModuleOp"> {
  let summary = "Lower tile-level kernels with GPU layouts to LLVM and NVVM";
  let description = [{
    Turns every `flash.kernel` function, whose tiles carry layouts
    (`flash-assign-layouts`) and shared-memory offsets
    (`flash-allocate-shared-memory`), into an `llvm.func` marked
    `nvvm.kernel`: memref arguments become (pointer, sizes, strides)
    parameters, tiles in registers become structs of the thread's elements,
    `flash.dot` becomes `mma.sync.m16n8k16` fed by `ldmatrix` (or, with
    `wgmma`, `wgmma.mma_async` reading swizzled shared tiles; with `tma`,
    tiles copied by `cp.async.bulk.tensor`), row
    statistics reduce with warp shuffles, and exponentials use `ex2`. Scalar
    arith and scf ops are left for the standard conversions. Functions that
    are not kernels (host code holding `flash.launch`) are removed: the GPU
    runtime launches each kernel itself, sizing its grid from the kernel's
    `flash.grid` attribute.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::arith::ArithDialect"
  ];
  let options = [
    Option<"numWarps", "num-warps", "unsigned", /*default=*/"4",
           "Warps per program (as given to flash-assign-layouts)">,
    Option<"vectorBytes", "vector-bytes", "unsigned", /*default=*/"16",
           "Widest global access of a tile row (2 to 16): the alignment, in "
           "bytes, that every memref's base and outer strides have">,
    Option<"wgmma", "wgmma", "bool", /*default=*/"false",
           "sm_90a: lower matrix products whose `b` is a swizzled shared tile "
           "to wgmma.mma_async (the rest stay mma.sync), and write mma tiles "
           "to shared memory with stmatrix">,
    Option<"tma", "tma", "bool", /*default=*/"false",
           "sm_90a: copy swizzled shared tiles bounded by their memref's own "
           "size with the tensor memory accelerator (cp.async.bulk.tensor, "
           "an mbarrier a copy, tensor maps as kernel parameters listed in "
           "flash.tensor_maps); the rest stay cp.async">,
    Option<"warpSpecialize", "warp-specialize", "bool", /*default=*/"false",
           "With tma and two or more warpgroups (num-warps >= 8): a producer "
           "warpgroup after the consumer warps issues the TMA copies of loop "
           "bodies into two-stage buffers ahead of the consumers (full/empty "
           "mbarriers, setmaxnreg); a persistent kernel's output tiles are "
           "stored from shared memory by the TMA where a buffer fits">,
    Option<"pingPong", "ping-pong", "bool", /*default=*/"false",
           "With warp-specialize: the consumer warpgroups take turns issuing "
           "their wgmma products (named barriers), so that one's softmax "
           "overlaps the other's products">,
    Option<"overlapSoftmax", "overlap-softmax", "bool", /*default=*/"false",
           "With warp-specialize: attention loops are rotated so that the "
           "softmax of one key block runs while the wgmma products of the "
           "next (S) and of the previous (P.V) do (deferred "
           "wgmma.wait_group, flash.dot_wait)">,
    Option<"producerRegisters", "producer-registers", "unsigned",
           /*default=*/"24",
           "With warp-specialize and two consumer warpgroups: registers a "
           "producer thread keeps after setmaxnreg (a multiple of 8 from 24 "
           "to 128); the consumers get the rest of the SM's 64K, rounded "
           "down to a multiple of 8 (24: 240 each)">
  ];
}

#endif // FLASH_CONVERSION_PASSES_TD
