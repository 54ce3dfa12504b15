//===- CpuBackend.cpp - Attention on the CPU through MLIR's JIT -------------===//

#include "flash/Runtime/CpuBackend.h"

#include "DiagnosticCollector.h"

#include "MemRefDescriptor.h"
#include "flash/Conversion/FlashToCPU/FlashToCPU.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

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
    DiagnosticCollector diagnostics(context);
    PassManager pm(&context);
    mlir::flash::FlashToCPUOptions pipeline;
    pipeline.blockM = problem.blockM;
    pipeline.blockN = problem.blockN;
    mlir::flash::buildFlashToCPUPipeline(pm, pipeline);
    if (failed(pm.run(*module)))
      return Status::error("compiling " + problem.key() + " for the CPU failed:\n" +
                           diagnostics.text);
    return Status::success();
  }

  Status compiled(const ProblemClass &problem, ExecutionEngine *&engine) {
    std::lock_guard<std::mutex> lock(mutex);
    std::string key = problem.key();
    auto found = engines.find(key);
    if (found != engines.end()) {
      engine = found->second.get();
      return Status::success();
    }
    OwningOpRef<ModuleOp> module;
    if (Status s = lower(problem, module); !s)
      return s;
    ExecutionEngineOptions engineOptions;
    auto transformer = makeOptimizingTransformer(/*optLevel=*/3,
                                                 /*sizeLevel=*/0,
                                                 /*targetMachine=*/nullptr);
    engineOptions.transformer = transformer;
    engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
    auto created = ExecutionEngine::create(*module, engineOptions);
    if (!created)
      return Status::error("JIT compilation of " + key +
                           " failed: " + errorText(created.takeError()));
    (*created)->registerSymbols(cpuRuntimeSymbols);
    engine = created->get();
    engines.emplace(key, std::move(*created));
    return Status::success();
  }

  Status run(const ProblemClass &problem, std::vector<void *> &packedArgs) {
    ExecutionEngine *engine = nullptr;
    if (Status s = compiled(problem, engine); !s)
      return s;
    std::string entry = std::string("_mlir_ciface_") + problem.entryName();
    if (llvm::Error error = engine->invokePacked(entry, packedArgs))
      return Status::error("running " + problem.key() +
                           " failed: " + errorText(std::move(error)));
    return Status::success();
  }

  Options options;
  MLIRContext context;
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<ExecutionEngine>> engines;
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
} // namespace

ProblemClass CpuBackend::classify(const ForwardArgs &args,
                                  const ProblemSizes &sizes) const {
  return classifyProblem(args, sizes, impl->options.blockM, impl->options.blockN);
}

ProblemClass CpuBackend::classify(const BackwardArgs &args,
                                  const ProblemSizes &sizes) const {
  return classifyProblem(args, sizes, impl->options.blockM, impl->options.blockN);
}

Status CpuBackend::prepare(const ProblemClass &problem) {
  ExecutionEngine *engine = nullptr;
  return impl->compiled(problem, engine);
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

Status CpuBackend::forward(const ForwardArgs &args) {
  ProblemSizes sizes;
  if (Status s = validate(args, &sizes); !s)
    return s;
  ProblemClass problem = classify(args, sizes);
  ArgumentPack pack;
  for (const TensorRef *t : {&args.q, &args.k, &args.v, &args.out, &args.lse})
    pack.addMemRef(*t);
  appendOptionalArgs(args, problem, pack);
  return impl->run(problem, pack.pointers());
}

Status CpuBackend::backward(const BackwardArgs &args) {
  ProblemSizes sizes;
  if (Status s = validate(args, &sizes); !s)
    return s;
  ProblemClass problem = classify(args, sizes);
  ArgumentPack pack;
  for (const TensorRef *t : {&args.q, &args.k, &args.v, &args.out, &args.dout,
                             &args.lse, &args.dq, &args.dk, &args.dv})
    pack.addMemRef(*t);
  appendOptionalArgs(args, problem, pack);
  return impl->run(problem, pack.pointers());
}

} // namespace flash
