//===- CpuBackend.cpp - Attention on the CPU through MLIR's JIT -------------===//

#include "flash/Runtime/CpuBackend.h"

#include "DiagnosticCollector.h"
#include "flash/Runtime/Cache.h"

#include "MemRefDescriptor.h"
#include "flash/Conversion/FlashToCPU/FlashToCPU.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>

using namespace mlir;

namespace flash {

namespace {

std::string errorText(llvm::Error error) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << error;
  return text;
}

} // namespace

/// A JIT-compiled class: its packed entry point (arguments as an array of
/// pointers) and what owns the code, an ExecutionEngine when compiled in
/// this process or an LLJIT holding the cached object of an earlier one.
using PackedEntry = void (*)(void **);
struct CompiledKernel {
  std::unique_ptr<ExecutionEngine> engine;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  PackedEntry entry = nullptr;
};

/// Links a cached object into a fresh LLJIT, resolving libc, libm and the
/// runtime's own symbols as the ExecutionEngine does.
Status loadObject(const std::string &object, const std::string &symbol,
                  CompiledKernel &kernel) {
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return Status::error(errorText(jit.takeError()));
  llvm::orc::JITDylib &library = (*jit)->getMainJITDylib();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!process)
    return Status::error(errorText(process.takeError()));
  library.addGenerator(std::move(*process));
  llvm::orc::MangleAndInterner mangle(library.getExecutionSession(),
                                      (*jit)->getDataLayout());
  if (llvm::Error error =
          library.define(llvm::orc::absoluteSymbols(cpuRuntimeSymbols(mangle))))
    return Status::error(errorText(std::move(error)));
  if (llvm::Error error = (*jit)->addObjectFile(
          llvm::MemoryBuffer::getMemBufferCopy(object, "cached kernel")))
    return Status::error(errorText(std::move(error)));
  auto address = (*jit)->lookup(symbol);
  if (!address)
    return Status::error(errorText(address.takeError()));
  kernel.entry = address->toPtr<PackedEntry>();
  kernel.jit = std::move(*jit);
  return Status::success();
}

/// Stores the machine code an ExecutionEngine compiled; failures only cost
/// the next process a compilation.
void storeObject(ExecutionEngine &engine, const KernelCache &cache,
                 const std::string &key) {
  llvm::SmallString<128> path;
  if (llvm::sys::fs::createTemporaryFile("flashmlir-kernel", "o", path))
    return;
  engine.dumpToObjectFile(path);
  if (std::optional<std::string> object = readFile(std::string(path)))
    (void)cache.store(key, *object);
  llvm::sys::fs::remove(path);
}

/// The tensors of a call, in the order of the kernel's arguments.
using NamedArgs = std::vector<const TensorRef *>;

struct CpuBackend::Impl {
  explicit Impl(Options options) : options(options) {
    static std::once_flag targetsInitialized;
    std::call_once(targetsInitialized, [] {
      llvm::InitializeNativeTarget();
      llvm::InitializeNativeTargetAsmPrinter();
    });
    DialectRegistry registry;
    mlir::flash::registerFlashToCPUDialects(registry);
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    // Compilation is serialised below; keep MLIR from spawning threads.
    context.disableMultithreading();
  }

  /// Runs the pipeline on the class's problem IR; the result is in LLVM
  /// dialect. Callers hold `mutex`.
  Status lower(const ProblemClass &problem, OwningOpRef<ModuleOp> &module) {
    module = buildProblemIR(context, problem);
    return runPipeline(problem, *module);
  }

  /// Runs the flash-to-cpu pipeline on the class's problem IR.
  Status runPipeline(const ProblemClass &problem, ModuleOp module) {
    DiagnosticCollector diagnostics(context);
    PassManager pm(&context);
    mlir::flash::FlashToCPUOptions pipeline;
    pipeline.blockM = problem.blockM;
    pipeline.blockN = problem.blockN;
    pipeline.persistentPrograms =
        problem.persistent ? options.persistentPrograms : 0;
    pipeline.transposedGrad = problem.transposedGrad;
    mlir::flash::buildFlashToCPUPipeline(pm, pipeline);
    if (failed(pm.run(module)))
      return Status::error("compiling " + problem.key() + " for the CPU failed:\n" +
                           diagnostics.text);
    return Status::success();
  }

  /// The packed entry point of a class: compiled by an earlier call of this
  /// backend, loaded from the on-disk kernel cache (machine code an earlier
  /// process compiled), or compiled now (and then stored).
  Status compiled(const ProblemClass &problem, PackedEntry &entry) {
    std::lock_guard<std::mutex> lock(mutex);
    std::string classKey = problem.key();
    // The programs of a persistent class are part of its code here.
    if (problem.persistent)
      classKey += "-programs" + std::to_string(options.persistentPrograms);
    auto found = kernels.find(classKey);
    if (found != kernels.end()) {
      entry = found->second.entry;
      return Status::success();
    }
    OwningOpRef<ModuleOp> module = buildProblemIR(context, problem);
    std::string ir;
    llvm::raw_string_ostream(ir) << *module;
    std::string cacheKey =
        "cpu-" + digest(ir + "|" + classKey + "|" + compilerVersion() + "|" +
                        llvm::sys::getHostCPUName().str()) + ".o";
    std::string symbol = std::string("_mlir__mlir_ciface_") + problem.entryName();
    CompiledKernel kernel;
    KernelCache cache;
    if (std::optional<std::string> object = cache.lookup(cacheKey)) {
      if (Status s = loadObject(*object, symbol, kernel); s) {
        entry = kernel.entry;
        kernels.emplace(classKey, std::move(kernel));
        return Status::success();
      }
      cache.discard(cacheKey, "does not load");
    }
    if (Status s = runPipeline(problem, *module); !s)
      return s;
    ExecutionEngineOptions engineOptions;
    auto transformer = makeOptimizingTransformer(/*optLevel=*/3,
                                                 /*sizeLevel=*/0,
                                                 /*targetMachine=*/nullptr);
    engineOptions.transformer = transformer;
    engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
    engineOptions.enableObjectDump = true;
    auto created = ExecutionEngine::create(*module, engineOptions);
    if (!created)
      return Status::error("JIT compilation of " + classKey +
                           " failed: " + errorText(created.takeError()));
    (*created)->registerSymbols(cpuRuntimeSymbols);
    auto packed = (*created)->lookupPacked(
        std::string("_mlir_ciface_") + problem.entryName());
    if (!packed)
      return Status::error("JIT compilation of " + classKey +
                           " failed: " + errorText(packed.takeError()));
    kernel.entry = *packed;
    storeObject(**created, cache, cacheKey);
    kernel.engine = std::move(*created);
    entry = kernel.entry;
    kernels.emplace(classKey, std::move(kernel));
    return Status::success();
  }

  Status run(const ProblemClass &problem, std::vector<void *> &packedArgs) {
    PackedEntry entry = nullptr;
    if (Status s = compiled(problem, entry); !s)
      return s;
    entry(packedArgs.data());
    return Status::success();
  }

  Options options;
  MLIRContext context;
  std::mutex mutex;
  std::map<std::string, CompiledKernel> kernels;
};

CpuBackend::CpuBackend() : CpuBackend(Options{}) {}
CpuBackend::CpuBackend(Options options)
    : impl(std::make_unique<Impl>(options)) {}
CpuBackend::~CpuBackend() = default;

namespace {
/// Appends the trailing (varlen, dropout) arguments of a call.
template <typename Args>
void appendOptionalArgs(const Args &args, const ProblemClass &problem,
                        ArgumentPack &pack) {
  if (problem.varlen) {
    pack.addMemRef(args.varlen.cuSeqlensQ);
    pack.addMemRef(args.varlen.cuSeqlensK);
    pack.addScalar(args.varlen.maxSeqlenQ);
    pack.addScalar(args.varlen.maxSeqlenK);
  }
  if (problem.dropoutP > 0.0f) {
    pack.addScalar(static_cast<int64_t>(args.options.seed));
    pack.addScalar(static_cast<int64_t>(args.options.offset));
  }
}

/// The class of a validated call under `options`: its tiles, and the
/// backward's forms or the forward's persistence where they apply.
template <typename Args>
ProblemClass classOf(const CpuBackend::Options &options, const Args &args,
                     const ProblemSizes &sizes) {
  constexpr bool backward = std::is_same_v<Args, BackwardArgs>;
  ProblemClass problem = classifyProblem(
      args, sizes, tileFor(backward, options.backwardBlockM, options.blockM),
      tileFor(backward, options.backwardBlockN, options.blockN));
  problem.atomicDq = problem.backward && options.atomicDq;
  problem.transposedGrad = problem.backward && options.transposedGrad;
  problem.persistent =
      options.persistentPrograms > 0 && problem.persistentApplies();
  return problem;
}
} // namespace

ProblemClass CpuBackend::classify(const ForwardArgs &args,
                                  const ProblemSizes &sizes) const {
  return classOf(impl->options, args, sizes);
}

ProblemClass CpuBackend::classify(const BackwardArgs &args,
                                  const ProblemSizes &sizes) const {
  return classOf(impl->options, args, sizes);
}

Status CpuBackend::prepare(const ProblemClass &problem) {
  PackedEntry entry = nullptr;
  return impl->compiled(problem, entry);
}

Status CpuBackend::lowerToText(const ProblemClass &problem, std::string &text) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  OwningOpRef<ModuleOp> module;
  if (Status s = impl->lower(problem, module); !s)
    return s;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return Status::success();
}

std::vector<TileConfig> CpuBackend::tuningCandidates() {
  return {{32, 16, 4}, {32, 32, 4}, {64, 32, 4}, {64, 64, 4}, {128, 64, 4},
          {64, 128, 4}};
}

template <typename Args>
static Status runCall(CpuBackend::Options options,
                      llvm::function_ref<Status(const ProblemClass &,
                                                std::vector<void *> &)>
                          run,
                      const Args &args, NamedArgs tensors,
                      Autotuner::Progress progress) {
  ProblemSizes sizes;
  if (Status s = validate(args, &sizes); !s)
    return s;
  ProblemClass problem = classOf(options, args, sizes);
  ArgumentPack pack;
  for (const TensorRef *t : tensors)
    pack.addMemRef(*t);
  appendOptionalArgs(args, problem, pack);
  auto runOnce = [&](const ProblemClass &candidate) {
    return run(candidate, pack.pointers());
  };
  auto timeOnce = [&](const ProblemClass &candidate, double &ms) {
    auto start = std::chrono::steady_clock::now();
    Status s = run(candidate, pack.pointers());
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                   start)
             .count();
    return s;
  };
  if (Status s = chooseTiles(options.tuning,
                             "cpu-" + llvm::sys::getHostCPUName().str(), problem,
                             sizes, CpuBackend::tuningCandidates(), runOnce,
                             timeOnce, progress);
      !s)
    return s;
  return run(problem, pack.pointers());
}

Status CpuBackend::forward(const ForwardArgs &args, Autotuner::Progress progress) {
  return runCall(
      impl->options,
      [&](const ProblemClass &problem, std::vector<void *> &packed) {
        return impl->run(problem, packed);
      },
      args, {&args.q, &args.k, &args.v, &args.out, &args.lse}, progress);
}

Status CpuBackend::backward(const BackwardArgs &args,
                            Autotuner::Progress progress) {
  return runCall(
      impl->options,
      [&](const ProblemClass &problem, std::vector<void *> &packed) {
        return impl->run(problem, packed);
      },
      args,
      {&args.q, &args.k, &args.v, &args.out, &args.dout, &args.lse, &args.dq,
       &args.dk, &args.dv},
      progress);
}

} // namespace flash
