//===- FlashAttrs.td - Attributes of the flash dialect -----*- tablegen -*-===//

#ifndef FLASH_DIALECT_FLASH_IR_FLASHATTRS_TD
#define FLASH_DIALECT_FLASH_IR_FLASHATTRS_TD

include "mlir/IR/EnumAttr.td"

// The axes of a kernel's program grid. By convention the forward kernels use
// `x` for the block of query rows and `y` for the (batch, head) pair.
def Flash_GridAxis : I32EnumAttr<"GridAxis", "axis of the program grid", [
    I32EnumAttrCase<"x", 0>,
    I32EnumAttrCase<"y", 1>,
    I32EnumAttrCase<"z", 2>
  ]> {
  let cppNamespace = "::mlir::flash";
}

#endif // FLASH_DIALECT_FLASH_IR_FLASHATTRS_TD
