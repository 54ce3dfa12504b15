//===- FlashOps.td - Ops of the flash dialect --------------*- tablegen -*-===//

#ifndef FLASH_DIALECT_FLASH_IR_FLASHOPS_TD
#define FLASH_DIALECT_FLASH_IR_FLASHOPS_TD

include "flash/Dialect/Flash/IR/FlashDialect.td"
include "flash/Dialect/Flash/IR/FlashAttrs.td"
include "flash/Dialect/Flash/IR/FlashProblemOps.td"
include "flash/Dialect/Flash/IR/FlashTileOps.td"

#endif // FLASH_DIALECT_FLASH_IR_FLASHOPS_TD
