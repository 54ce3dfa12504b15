//===- FlashDialect.cpp - The flash dialect ---------------------------------===//

#include "flash/Dialect/Flash/IR/FlashDialect.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::flash;

#include "flash/Dialect/Flash/IR/FlashDialect.cpp.inc"
#include "flash/Dialect/Flash/IR/FlashEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "flash/Dialect/Flash/IR/FlashAttrs.cpp.inc"

void FlashDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "flash/Dialect/Flash/IR/FlashAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "flash/Dialect/Flash/IR/FlashOps.cpp.inc"
      >();
}

// #flash.operand<a, #flash.mma<...>> / #flash.operand<b, transposed, ...>
Attribute OperandEncodingAttr::parse(AsmParser &parser, Type) {
  StringRef which;
  if (parser.parseLess() || parser.parseKeyword(&which))
    return {};
  if (which != "a" && which != "b") {
    parser.emitError(parser.getCurrentLocation(),
                     "expected operand 'a' or 'b'");
    return {};
  }
  if (parser.parseComma())
    return {};
  bool transposed = succeeded(parser.parseOptionalKeyword("transposed"));
  if (transposed && parser.parseComma())
    return {};
  MmaEncodingAttr parent;
  if (parser.parseAttribute(parent) || parser.parseGreater())
    return {};
  return OperandEncodingAttr::get(parser.getContext(), which == "a" ? 0 : 1,
                                  transposed, parent);
}

void OperandEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<" << (getOperandIndex() == 0 ? "a" : "b") << ", ";
  if (getTransposed())
    printer << "transposed, ";
  printer << getParent() << ">";
}

// #flash.shared<padding = 8> / #flash.shared<swizzle = 128>
Attribute SharedEncodingAttr::parse(AsmParser &parser, Type) {
  StringRef which;
  llvm::SMLoc location = parser.getCurrentLocation();
  if (parser.parseLess())
    return {};
  if (failed(parser.parseOptionalKeyword(&which)) ||
      (which != "padding" && which != "swizzle")) {
    parser.emitError(location, "expected 'padding' or 'swizzle'");
    return {};
  }
  unsigned value = 0;
  if (parser.parseEqual() || parser.parseInteger(value) || parser.parseGreater())
    return {};
  return parser.getChecked<SharedEncodingAttr>(
      parser.getContext(), which == "padding" ? value : 0u,
      which == "swizzle" ? value : 0u);
}

void SharedEncodingAttr::print(AsmPrinter &printer) const {
  if (isSwizzled())
    printer << "<swizzle = " << getSwizzle() << ">";
  else
    printer << "<padding = " << getPadding() << ">";
}

LogicalResult
SharedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                           unsigned padding, unsigned swizzle) {
  if (swizzle != 0 && swizzle != 128)
    return emitError() << "#flash.shared swizzle must be 0 or 128 (bytes), got "
                       << swizzle;
  if (swizzle != 0 && padding != 0)
    return emitError() << "#flash.shared cannot both pad and swizzle its rows";
  return success();
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
  // Results of the GPU passes: shared-memory offsets and sizes in bytes.
  if (attr.getName() == kConsumerThreadsAttrName) {
    auto threads = dyn_cast<IntegerAttr>(attr.getValue());
    if (!threads || threads.getInt() <= 0 || threads.getInt() % 128 != 0)
      return op->emitError() << "'" << kConsumerThreadsAttrName
                             << "' must be a positive multiple of 128 (whole "
                                "warpgroups)";
    return success();
  }
  if (attr.getName() == kSharedOffsetAttrName ||
      attr.getName() == kSharedMemoryAttrName) {
    auto bytes = dyn_cast<IntegerAttr>(attr.getValue());
    if (!bytes || bytes.getInt() < 0)
      return op->emitError() << "'" << attr.getName().getValue()
                             << "' must be a non-negative integer";
    return success();
  }
  if (attr.getName() == kPrefetchedAttrName) {
    if (!isa<UnitAttr>(attr.getValue()) || !isa<LoadOp>(op))
      return op->emitError() << "'" << kPrefetchedAttrName
                             << "' is a unit attribute of flash.load";
    return success();
  }
  // Written by convert-flash-to-nvvm{tma}; read by the runtime.
  if (attr.getName() == kTensorMapsAttrName) {
    auto maps = dyn_cast<ArrayAttr>(attr.getValue());
    if (!maps)
      return op->emitError() << "'" << kTensorMapsAttrName
                             << "' must be an array of {arg, box_rows, along} "
                                "dictionaries";
    for (Attribute entry : maps) {
      auto map = dyn_cast<DictionaryAttr>(entry);
      auto field = [&](StringRef name) {
        auto value = map ? dyn_cast_or_null<IntegerAttr>(map.get(name))
                         : IntegerAttr();
        return value ? std::optional<int64_t>(value.getInt()) : std::nullopt;
      };
      std::optional<int64_t> arg = field("arg"), rows = field("box_rows"),
                             along = field("along");
      if (!arg || !rows || !along || map.size() != 3)
        return op->emitError() << "'" << kTensorMapsAttrName
                               << "' entries are {arg, box_rows, along} "
                                  "integer dictionaries, got "
                               << entry;
      if (*arg < 0 || *along < 0 || *rows < 1 || *rows > 256)
        return op->emitError()
               << "'" << kTensorMapsAttrName
               << "' entry " << entry
               << ": arg and along must be non-negative and box_rows 1 to 256";
    }
    return success();
  }
  if (attr.getName() == kGridAttrName) {
    if (!isa<DictionaryAttr>(attr.getValue()))
      return op->emitError() << "'" << kGridAttrName
                             << "' must be a dictionary";
    return success();
  }
  return op->emitError() << "unknown flash dialect attribute '"
                         << attr.getName().getValue() << "'";
}

#define GET_OP_CLASSES
#include "flash/Dialect/Flash/IR/FlashOps.cpp.inc"
