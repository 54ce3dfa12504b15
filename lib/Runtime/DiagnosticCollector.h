//===- DiagnosticCollector.h - MLIR diagnostics as an error text -*- C++ -*-===//
//
// The runtime reports compilation failures as Status messages: the
// diagnostics MLIR emits during a compilation are collected here.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_RUNTIME_DIAGNOSTICCOLLECTOR_H
#define FLASH_LIB_RUNTIME_DIAGNOSTICCOLLECTOR_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace flash {

/// The diagnostics MLIR emits while a scope is alive, as one string.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(mlir::MLIRContext &context)
      : handler(&context, [this](mlir::Diagnostic &diag) {
          llvm::raw_string_ostream os(text);
          os << diag.getLocation() << ": " << diag << "\n";
          return mlir::success();
        }) {}
  std::string text;

private:
  mlir::ScopedDiagnosticHandler handler;
};

} // namespace flash

#endif // FLASH_LIB_RUNTIME_DIAGNOSTICCOLLECTOR_H
