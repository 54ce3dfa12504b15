//===- FlashDialect.cpp - The flash dialect ---------------------------------===//

#include "flash/Dialect/Flash/IR/FlashDialect.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::flash;

#include "flash/Dialect/Flash/IR/FlashDialect.cpp.inc"
#include "flash/Dialect/Flash/IR/FlashEnums.cpp.inc"

void FlashDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "flash/Dialect/Flash/IR/FlashOps.cpp.inc"
      >();
}

LogicalResult FlashDialect::verifyOperationAttribute(Operation *op,
                                                     NamedAttribute attr) {
  if (attr.getName() == kKernelAttrName) {
    if (!isa<UnitAttr>(attr.getValue()))
      return op->emitError() << "'" << kKernelAttrName
                             << "' must be a unit attribute";
    if (!isa<func::FuncOp>(op))
      return op->emitError() << "'" << kKernelAttrName
                             << "' may only mark a func.func";
    if (cast<func::FuncOp>(op).getNumResults() != 0)
      return op->emitError() << "a '" << kKernelAttrName
                             << "' function must return nothing";
    return success();
  }
  return op->emitError() << "unknown flash dialect attribute '"
                         << attr.getName().getValue() << "'";
}

#define GET_OP_CLASSES
#include "flash/Dialect/Flash/IR/FlashOps.cpp.inc"
