//===- PTXEmitter.cpp - LLVM/NVVM dialect to PTX and cubin ----------------===//
//
// emitPTX: MLIR (LLVM + NVVM dialects) -> LLVM IR -> O<n> -> NVPTX -> PTX.
// assembleCubin: PTX -> ptxas -> cubin, with ptxas's --verbose report.
//
// Nothing here may take the process down. The NVPTX back end has three ways
// to fail, each handled before or while it runs:
//  - options it cannot honour end in an exit(1) of LLVM's (an unknown chip
//    or feature is only warned about on stderr, a +ptx version below the
//    chip's minimum is fatal): they are checked first, the minimum PTX
//    version found by compiling an empty module for the chip;
//  - errors it reports through the LLVMContext (the default handler exits):
//    a handler collects them and they become diagnostics;
//  - fatal errors (e.g. "Cannot select" for an intrinsic the chip lacks)
//    abort: the LLVM part runs in a CrashRecoveryContext, as mlir-opt's
//    crash reproducer does, and what it was working on is leaked.
//
//===----------------------------------------------------------------------===//

#include "flash/Target/PTX/PTXEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Target/LLVMIR/LLVMTranslationInterface.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/OptimizationLevel.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>
#include <memory>
#include <mutex>

using namespace mlir;
using namespace mlir::flash;

namespace {

constexpr llvm::StringLiteral kTriple = "nvptx64-nvidia-cuda";
constexpr llvm::StringLiteral kDefaultPtxas = "/usr/local/cuda/bin/ptxas";

void initializeNVPTX() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
  });
}

/// Makes sure `context` can translate builtin, LLVM and NVVM to LLVM IR, and
/// that the NVVM dialect is loaded (its `nvvm.kernel` attribute is only
/// translated, into the ptx_kernel calling convention, when it is).
void prepareContext(MLIRContext *context) {
  auto translatable = [&](StringRef ns) {
    Dialect *dialect = context->getLoadedDialect(ns);
    return dialect &&
           dialect->getRegisteredInterface<LLVMTranslationDialectInterface>();
  };
  if (translatable("builtin") && translatable("llvm") && translatable("nvvm"))
    return;
  DialectRegistry registry;
  registerPTXEmitterTranslations(registry);
  context->appendDialectRegistry(registry);
  context->getOrLoadDialect<LLVM::LLVMDialect>();
  context->getOrLoadDialect<NVVM::NVVMDialect>();
}

std::optional<llvm::OptimizationLevel> optimizationLevel(int level) {
  switch (level) {
  case 0:
    return llvm::OptimizationLevel::O0;
  case 1:
    return llvm::OptimizationLevel::O1;
  case 2:
    return llvm::OptimizationLevel::O2;
  case 3:
    return llvm::OptimizationLevel::O3;
  default:
    return std::nullopt;
  }
}

llvm::CodeGenOptLevel codeGenLevel(int level) {
  switch (level) {
  case 0:
    return llvm::CodeGenOptLevel::None;
  case 1:
    return llvm::CodeGenOptLevel::Less;
  case 2:
    return llvm::CodeGenOptLevel::Default;
  default:
    return llvm::CodeGenOptLevel::Aggressive;
  }
}

std::string formatPtxVersion(int version) {
  return std::to_string(version / 10) + "." + std::to_string(version % 10);
}

/// The PTX ISA version (major * 10 + minor) that LLVM uses for `chip` and
/// `features` (which have no +ptx feature): the chip's minimum. Found by
/// compiling an empty module and reading its `.version`; cached.
FailureOr<int> defaultPtxVersion(const llvm::Target &target,
                                 const llvm::Triple &triple, StringRef chip,
                                 StringRef features, std::string &error) {
  static std::mutex mutex;
  static std::map<std::string, int> cache;
  std::string key = (chip + "|" + features).str();
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end())
      return it->second;
  }

  llvm::LLVMContext context;
  llvm::Module module("flash-ptx-version-probe", context);
  std::unique_ptr<llvm::TargetMachine> machine(target.createTargetMachine(
      triple, chip, features, llvm::TargetOptions(), std::nullopt));
  if (!machine) {
    error = "cannot create an NVPTX target machine";
    return failure();
  }
  module.setTargetTriple(triple);
  module.setDataLayout(machine->createDataLayout());
  llvm::SmallString<512> text;
  {
    llvm::raw_svector_ostream os(text);
    llvm::legacy::PassManager pm;
    if (machine->addPassesToEmitFile(pm, os, nullptr,
                                     llvm::CodeGenFileType::AssemblyFile)) {
      error = "the NVPTX target machine cannot emit assembly";
      return failure();
    }
    pm.run(module);
  }
  static const llvm::Regex versionLine("^\\.version ([0-9]+)\\.([0-9])$",
                                       llvm::Regex::Newline);
  SmallVector<StringRef, 3> match;
  int major = 0, minor = 0;
  if (!versionLine.match(text, &match) || match[1].getAsInteger(10, major) ||
      match[2].getAsInteger(10, minor)) {
    error = "cannot find the .version of the PTX LLVM emits for " + chip.str();
    return failure();
  }
  int version = major * 10 + minor;
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(key, version);
  return version;
}

/// Checks the chip, the features and the PTX version against what LLVM's
/// NVPTX back end accepts, so that it never exits on them.
LogicalResult checkTargetOptions(ModuleOp module, const llvm::Target &target,
                                 const llvm::Triple &triple,
                                 const PTXOptions &options) {
  Location loc = module.getLoc();
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target.createMCSubtargetInfo(triple, "", ""));
  if (!subtarget)
    return emitError(loc) << "cannot create the NVPTX subtarget information";

  if (options.chip.empty() || !subtarget->isCPUStringValid(options.chip)) {
    auto diag = emitError(loc) << "unknown NVPTX chip '" << options.chip
                               << "'; LLVM knows:";
    for (const llvm::SubtargetSubTypeKV &cpu :
         subtarget->getAllProcessorDescriptions())
      diag << " " << cpu.Key;
    return diag;
  }

  llvm::StringSet<> known;
  for (const llvm::SubtargetFeatureKV &feature :
       subtarget->getAllProcessorFeatures())
    known.insert(feature.Key);

  SmallVector<StringRef> tokens;
  StringRef(options.features).split(tokens, ',', -1, /*KeepEmpty=*/false);
  SmallVector<std::string> otherFeatures;
  std::optional<int> lowestPtx;
  for (StringRef token : tokens) {
    token = token.trim();
    if (token.empty())
      continue;
    if (token.front() != '+' && token.front() != '-')
      return emitError(loc) << "NVPTX feature '" << token
                            << "' must start with '+' or '-'";
    StringRef name = token.drop_front();
    if (!known.contains(name))
      return emitError(loc)
             << "unknown NVPTX feature '" << name
             << "' (features are +ptxNN for PTX ISA N.N, and +sm_NN)";
    int version = 0;
    if (token.front() == '+' && name.consume_front("ptx") &&
        !name.getAsInteger(10, version)) {
      lowestPtx = lowestPtx ? std::min(*lowestPtx, version) : version;
      continue;
    }
    if (!token.starts_with("-ptx"))
      otherFeatures.push_back(token.str());
  }

  if (!lowestPtx)
    return success();
  std::string error;
  FailureOr<int> minimum =
      defaultPtxVersion(target, triple, options.chip,
                        llvm::join(otherFeatures, ","), error);
  if (failed(minimum))
    return emitError(loc) << error;
  if (*lowestPtx < *minimum)
    return emitError(loc) << "PTX ISA version " << formatPtxVersion(*lowestPtx)
                          << " (+ptx" << *lowestPtx << ") is too old for "
                          << options.chip << ", which needs at least "
                          << formatPtxVersion(*minimum) << " (+ptx" << *minimum
                          << "); raise it or leave the +ptx feature out";
  return success();
}

/// What the LLVMContext reports while the back end runs.
struct CollectedDiagnostics {
  SmallVector<std::string> errors;
  SmallVector<std::string> warnings;

  static void handle(const llvm::DiagnosticInfo *info, void *self) {
    auto *collected = static_cast<CollectedDiagnostics *>(self);
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::DiagnosticPrinterRawOStream printer(os);
    info->print(printer);
    switch (info->getSeverity()) {
    case llvm::DS_Error:
      collected->errors.push_back(std::move(text));
      break;
    case llvm::DS_Warning:
      collected->warnings.push_back(std::move(text));
      break;
    case llvm::DS_Remark:
    case llvm::DS_Note:
      break;
    }
  }
};

} // namespace

void mlir::flash::registerPTXEmitterTranslations(DialectRegistry &registry) {
  registry.insert<LLVM::LLVMDialect, NVVM::NVVMDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

FailureOr<std::string> mlir::flash::emitPTX(ModuleOp module,
                                            const PTXOptions &options) {
  Location loc = module.getLoc();
  std::optional<llvm::OptimizationLevel> level =
      optimizationLevel(options.optLevel);
  if (!level) {
    emitError(loc) << "PTX optimization level must be 0 to 3, not "
                   << options.optLevel;
    return failure();
  }

  initializeNVPTX();
  llvm::Triple triple(kTriple);
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    emitError(loc) << "NVPTX target unavailable: " << error;
    return failure();
  }
  if (failed(checkTargetOptions(module, *target, triple, options)))
    return failure();

  // Owned by hand: when the back end crashes they are in an unknown state
  // and are leaked rather than destroyed.
  auto llvmContext = std::make_unique<llvm::LLVMContext>();
  CollectedDiagnostics diagnostics;
  llvmContext->setDiagnosticHandlerCallBack(CollectedDiagnostics::handle,
                                            &diagnostics);

  prepareContext(module.getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, *llvmContext, "flash_ptx");
  if (!llvmModule) {
    emitError(loc) << "cannot translate the module to LLVM IR";
    return failure();
  }

  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, options.chip, options.features, llvm::TargetOptions(),
      std::nullopt, std::nullopt, codeGenLevel(options.optLevel)));
  if (!machine) {
    emitError(loc) << "cannot create the NVPTX target machine for "
                   << options.chip;
    return failure();
  }
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());

  static std::once_flag crashRecovery;
  std::call_once(crashRecovery, [] { llvm::CrashRecoveryContext::Enable(); });

  llvm::SmallString<0> ptx;
  bool cannotEmit = false;
  llvm::CrashRecoveryContext crashContext;
  bool finished = crashContext.RunSafely([&] {
    {
      llvm::LoopAnalysisManager lam;
      llvm::FunctionAnalysisManager fam;
      llvm::CGSCCAnalysisManager cgam;
      llvm::ModuleAnalysisManager mam;
      llvm::PassBuilder builder(machine.get());
      builder.registerModuleAnalyses(mam);
      builder.registerCGSCCAnalyses(cgam);
      builder.registerFunctionAnalyses(fam);
      builder.registerLoopAnalyses(lam);
      builder.crossRegisterProxies(lam, fam, cgam, mam);
      llvm::ModulePassManager mpm =
          options.optLevel == 0 ? builder.buildO0DefaultPipeline(*level)
                                : builder.buildPerModuleDefaultPipeline(*level);
      mpm.run(*llvmModule, mam);
    }
    if (!diagnostics.errors.empty())
      return;
    llvm::raw_svector_ostream os(ptx);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                     llvm::CodeGenFileType::AssemblyFile)) {
      cannotEmit = true;
      return;
    }
    codegen.run(*llvmModule);
  });

  if (!finished) {
    // Half-built machine functions may point into all three.
    (void)llvmModule.release();
    (void)machine.release();
    (void)llvmContext.release();
    emitError(loc) << "LLVM's NVPTX back end hit a fatal error compiling for "
                   << options.chip
                   << " (its message, 'LLVM ERROR: ...', went to stderr); "
                      "the module likely uses an intrinsic or operation "
                      "this chip or PTX version lacks";
    return failure();
  }
  for (const std::string &warning : diagnostics.warnings)
    emitWarning(loc) << "NVPTX back end: " << warning;
  if (!diagnostics.errors.empty()) {
    auto diag = emitError(loc) << "NVPTX back end: " << diagnostics.errors[0];
    for (const std::string &more : ArrayRef(diagnostics.errors).drop_front())
      diag.attachNote() << more;
    return failure();
  }
  if (cannotEmit) {
    emitError(loc) << "the NVPTX target machine cannot emit assembly";
    return failure();
  }
  return ptx.str().str();
}

std::optional<std::string> mlir::flash::findPtxas() {
  auto executable = [](StringRef path) {
    return llvm::sys::fs::can_execute(path) &&
           !llvm::sys::fs::is_directory(path);
  };
  if (const char *env = std::getenv("FLASH_PTXAS"); env && *env) {
    StringRef named(env);
    if (named.contains('/'))
      return executable(named) ? std::optional<std::string>(named.str())
                               : std::nullopt;
    if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(named))
      return *found;
    return std::nullopt;
  }
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  if (executable(kDefaultPtxas))
    return kDefaultPtxas.str();
  return std::nullopt;
}

FailureOr<std::string> mlir::flash::assembleCubin(StringRef ptx,
                                                  StringRef chip,
                                                  std::string &log) {
  log.clear();
  auto fail = [&](const Twine &reason) -> FailureOr<std::string> {
    if (!log.empty() && log.back() != '\n')
      log += '\n';
    log += ("flash: " + reason + "\n").str();
    return failure();
  };
  if (chip.empty())
    return fail("no chip to assemble for");
  std::optional<std::string> ptxas = findPtxas();
  if (!ptxas)
    return fail("ptxas not found (set FLASH_PTXAS, put ptxas on PATH or "
                "install CUDA in /usr/local/cuda)");

  SmallString<128> ptxPath, cubinPath, logPath;
  int ptxFd = -1;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "flash-ptxas", "ptx", ptxFd, ptxPath))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removePtx(ptxPath);
  {
    llvm::raw_fd_ostream os(ptxFd, /*shouldClose=*/true);
    os << ptx;
    os.close();
    if (os.has_error())
      return fail("cannot write " + ptxPath + ": " + os.error().message());
  }
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "flash-ptxas", "cubin", cubinPath))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeCubin(cubinPath);
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("flash-ptxas", "log", logPath))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(logPath);

  std::string arch = ("-arch=" + chip).str();
  SmallVector<StringRef> args = {*ptxas, arch,  "-O3",    "--verbose",
                                 ptxPath, "-o", cubinPath};
  // stdin from /dev/null, stdout and stderr together in the log.
  std::optional<StringRef> redirects[] = {StringRef(""), StringRef(logPath),
                                          StringRef(logPath)};
  std::string errorMessage;
  bool executionFailed = false;
  int status = llvm::sys::ExecuteAndWait(
      *ptxas, args, /*Env=*/std::nullopt, redirects, /*SecondsToWait=*/0,
      /*MemoryLimit=*/0, &errorMessage, &executionFailed);

  if (llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> output =
          llvm::MemoryBuffer::getFile(logPath, /*IsText=*/true))
    log = (*output)->getBuffer().str();
  if (executionFailed || status < 0)
    return fail("cannot run " + *ptxas +
                (errorMessage.empty() ? "" : ": " + errorMessage));
  if (status != 0)
    return fail(*ptxas + " failed with exit status " + Twine(status));

  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> cubin =
      llvm::MemoryBuffer::getFile(cubinPath, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!cubin)
    return fail("cannot read the cubin: " + cubin.getError().message());
  if ((*cubin)->getBufferSize() == 0)
    return fail(*ptxas + " wrote an empty cubin");
  return (*cubin)->getBuffer().str();
}

std::map<std::string, KernelResources>
mlir::flash::parsePtxasVerbose(StringRef log) {
  const llvm::Regex compiling("Compiling entry function '([^']+)'");
  const llvm::Regex properties("Function properties for ([^ \t]+)");
  const llvm::Regex spills(
      "([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads");
  const llvm::Regex used("Used ([0-9]+) registers");
  const llvm::Regex smem("([0-9]+) bytes smem");

  std::map<std::string, KernelResources> kernels;
  KernelResources *current = nullptr;
  auto number = [](StringRef text, int &value) {
    int parsed = 0;
    if (!text.getAsInteger(10, parsed))
      value = parsed;
  };
  SmallVector<StringRef> lines;
  log.split(lines, '\n');
  for (StringRef line : lines) {
    SmallVector<StringRef, 3> match;
    if (compiling.match(line, &match))
      current = &kernels[match[1].str()];
    if (properties.match(line, &match))
      current = &kernels[match[1].str()];
    if (!current)
      continue;
    if (spills.match(line, &match)) {
      number(match[1], current->spillStores);
      number(match[2], current->spillLoads);
    }
    if (used.match(line, &match)) {
      number(match[1], current->registers);
      current->sharedBytes = 0;
      if (smem.match(line, &match))
        number(match[1], current->sharedBytes);
    }
  }
  return kernels;
}
