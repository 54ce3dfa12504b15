//===- PTXEmitter.h - LLVM/NVVM dialect to PTX and cubin --------*- C++ -*-===//
//
// The last step of the GPU path: a module of LLVM-dialect and NVVM-dialect
// functions (kernels are `llvm.func`s with the `nvvm.kernel` unit attribute)
// is translated to LLVM IR, optimised with LLVM's default pipeline and
// compiled to PTX by the NVPTX back end; ptxas then assembles the PTX into a
// cubin, and its --verbose report gives each kernel's registers, static
// shared memory and spills (the autotuner prunes configurations with it).
//
// LLVM 22's NVPTX back end knows the chips sm_20 ... sm_90, sm_90a and
// sm_100 ... sm_121 (with their `a` and `f` variants) and the PTX ISA
// features +ptx32 ... +ptx90; `llc -march=nvptx64 -mcpu=help` lists them.
// A PTX version below a chip's minimum (7.0 for sm_80, 8.0 for sm_90a, 8.6
// for sm_100a) is rejected with a diagnostic.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_TARGET_PTX_PTXEMITTER_H
#define FLASH_TARGET_PTX_PTXEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <map>
#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
namespace flash {

/// How to compile to PTX.
struct PTXOptions {
  /// The NVPTX processor (`sm_80`, `sm_90a`, ...): `.target` of the PTX.
  std::string chip = "sm_80";
  /// Comma-separated NVPTX subtarget features; `+ptxNN` picks the PTX ISA
  /// version (`.version N.N`). +ptx81 suits both sm_80 and sm_90a and has
  /// sm_90's vector reductions (red.global.add.v2.f32); without a `+ptx`
  /// feature LLVM uses the chip's minimum.
  std::string features = "+ptx81";
  /// 0 to 3: LLVM's O<n> pipeline and the code generator's level.
  int optLevel = 3;
};

/// Registers the LLVM IR translations emitPTX needs (builtin, LLVM, NVVM)
/// and the NVVM dialect. emitPTX adds them to the module's context itself
/// when they are missing; a context that runs passes on several threads
/// should get them up front, through this, before it is used.
void registerPTXEmitterTranslations(DialectRegistry &registry);

/// Translates `module` (LLVM and NVVM dialects) to LLVM IR for
/// nvptx64-nvidia-cuda, runs LLVM's O<optLevel> pipeline with the NVPTX
/// target machine and returns the PTX assembly. Every failure (bad options,
/// a module that does not translate or verify, an error of the back end,
/// including a fatal one such as an intrinsic the chip cannot select) is
/// reported as an error diagnostic on the module and gives failure().
/// Safe to call from several threads on modules of different contexts.
FailureOr<std::string> emitPTX(ModuleOp module, const PTXOptions &options);

/// The ptxas to run: $FLASH_PTXAS when set (a path or a name on PATH; when
/// it names nothing executable there is no ptxas, rather than another one),
/// else `ptxas` on PATH, else /usr/local/cuda/bin/ptxas if executable.
std::optional<std::string> findPtxas();

/// Assembles `ptx` with `ptxas -arch=<chip> -O3 --verbose` and returns the
/// cubin's bytes. `log` receives what ptxas printed (its --verbose report
/// included, see parsePtxasVerbose), followed on failure by the reason.
FailureOr<std::string> assembleCubin(StringRef ptx, StringRef chip,
                                     std::string &log);

/// One kernel's resources as ptxas reports them; -1 when not reported.
struct KernelResources {
  int registers = -1;
  /// Static shared memory in bytes (0 when the kernel has a register line
  /// but no `smem` entry).
  int sharedBytes = -1;
  int spillStores = 0;
  int spillLoads = 0;
};

/// Parses ptxas --verbose output: the "Compiling entry function 'X'" /
/// "Function properties for X" lines name the function that the following
/// "N bytes stack frame, N bytes spill stores, N bytes spill loads" and
/// "Used N registers, ..., N bytes smem, ..." lines describe. Keyed by the
/// (mangled) function name; non-kernel functions appear with what was said.
std::map<std::string, KernelResources> parsePtxasVerbose(StringRef log);

} // namespace flash
} // namespace mlir

#endif // FLASH_TARGET_PTX_PTXEMITTER_H
