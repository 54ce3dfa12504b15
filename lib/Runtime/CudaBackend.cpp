//===- CudaBackend.cpp - Attention on NVIDIA GPUs ---------------------------===//

#include "flash/Runtime/CudaBackend.h"

#include "CudaKernelCache.h"
#include "DiagnosticCollector.h"
#include "TensorMaps.h"
#include "flash/Runtime/Cache.h"

#include "flash/Conversion/FlashToNVVM/FlashToNVVM.h"
#include "flash/Conversion/FlashToCPU/FlashToCPU.h"
#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Target/PTX/PTXEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

using namespace mlir;

namespace flash {

namespace {

/// One kernel of a compiled class, in launch order.
/// A kernel of a loaded class.
struct KernelInfo : KernelDescription {
  CUfunction function = nullptr;
  /// Programs the GPU holds at once (persistent kernels' largest grid).
  int64_t residentPrograms = 0;
};

struct CompiledClass {
  CUmodule module = nullptr;
  /// The driver's contextReleases() at the load: a module loaded before a
  /// context was released may have gone with it.
  uint64_t releases = 0;
  std::vector<KernelInfo> kernels;
  /// Local memory per thread of the worst kernel: non-zero means spills.
  int64_t spillBytes = 0;
};

void registerDialects(MLIRContext &context) {
  DialectRegistry registry;
  mlir::flash::registerFlashToCPUDialects(registry);
  registry.insert<NVVM::NVVMDialect>();
  mlir::flash::registerPTXEmitterTranslations(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  context.disableMultithreading();
}

/// Runs the GPU pipeline on the class's problem IR; the module then holds
/// only nvvm.kernel functions.
Status runNVVMPipeline(MLIRContext &context, const ProblemClass &problem,
                       const std::string &chip, ModuleOp module) {
  DiagnosticCollector diagnostics(context);
  PassManager pm(&context);
  mlir::flash::FlashToNVVMOptions options;
  options.blockM = problem.blockM;
  options.blockN = problem.blockN;
  options.numWarps = problem.numWarps;
  options.vectorBytes = problem.alignment;
  options.wgmma = problem.wgmma && chip == "sm_90a";
  // TMA copies pay with a producer warpgroup beside two consumer
  // warpgroups; issued by the consumers themselves (4 warps), they measured
  // slower than cp.async (docs/performance.md, steps 9 and 10).
  options.tma = problem.tma && chip == "sm_90a" && problem.numWarps >= 8;
  options.warpSpecialize = problem.warpSpecialize;
  options.pingPong = problem.pingPong;
  options.overlapSoftmax = problem.overlapSoftmax;
  options.producerRegisters = static_cast<unsigned>(problem.producerRegisters);
  // A persistent program pays with a producer warpgroup, which copies the
  // next tile's blocks during this tile's last product; without one, 4-warp
  // programs measured 21-85% slower (docs/performance.md, step 18).
  options.persistent = problem.persistent && options.tma &&
                       problem.warpSpecialize;
  options.prefetch = problem.stages > 1;
  options.transposedGrad = problem.transposedGrad;
  mlir::flash::buildFlashToNVVMPipeline(pm, options);
  if (failed(pm.run(module)))
    return Status::error("compiling " + problem.key() + " for NVIDIA GPUs failed:\n" +
                         diagnostics.text);
  return Status::success();
}

Status toPTX(MLIRContext &context, ModuleOp module, const std::string &chip,
             std::string &ptx) {
  DiagnosticCollector diagnostics(context);
  mlir::flash::PTXOptions options;
  options.chip = chip;
  FailureOr<std::string> text = mlir::flash::emitPTX(module, options);
  if (failed(text))
    return Status::error("emitting PTX for " + chip + " failed:\n" +
                         diagnostics.text);
  ptx = std::move(*text);
  return Status::success();
}

std::vector<KernelDescription> kernelsOf(ModuleOp module) {
  std::vector<KernelDescription> kernels;
  for (auto function : module.getOps<LLVM::LLVMFuncOp>()) {
    if (!function->hasAttr("nvvm.kernel"))
      continue;
    KernelDescription info;
    info.name = function.getSymName().str();
    if (auto grid = function->getAttrOfType<DictionaryAttr>(
            mlir::flash::FlashDialect::kGridAttrName)) {
      // Runtime-built IR always has these; anything else keeps the defaults.
      if (auto rows = dyn_cast_or_null<StringAttr>(grid.get("rows")))
        info.rows = rows.str();
      if (auto heads = dyn_cast_or_null<StringAttr>(grid.get("heads")))
        info.heads = heads.str();
      if (auto block = dyn_cast_or_null<IntegerAttr>(grid.get("block")))
        info.block = block.getInt();
      if (auto order = dyn_cast_or_null<IntegerAttr>(grid.get("order")))
        info.order = order.getInt();
      info.persistent = grid.contains("persistent");
    }
    if (auto shared = function->getAttrOfType<IntegerAttr>(
            mlir::flash::FlashDialect::kSharedMemoryAttrName))
      info.sharedBytes = shared.getInt();
    if (auto maxntid = function->getAttrOfType<DenseI32ArrayAttr>("nvvm.maxntid"))
      if (!maxntid.empty())
        info.threads = maxntid[0];
    if (auto maps = function->getAttrOfType<ArrayAttr>(
            mlir::flash::FlashDialect::kTensorMapsAttrName))
      for (auto map : maps.getAsRange<DictionaryAttr>()) {
        auto field = [&](StringRef name) {
          auto value = dyn_cast_or_null<IntegerAttr>(map.get(name));
          return value ? value.getInt() : 0;
        };
        info.tensorMaps.push_back(
            {field("arg"), field("box_rows"), field("along")});
      }
    kernels.push_back(info);
  }
  return kernels;
}

/// The flattened kernel parameters: each memref as (pointer, sizes,
/// strides), each scalar as an i64. The arguments are remembered for the
/// TMA tensor maps some kernels take after them.
class KernelParams {
public:
  void addTensor(const TensorRef &t) {
    words.push_back(static_cast<int64_t>(reinterpret_cast<intptr_t>(t.data)));
    words.insert(words.end(), t.shape.begin(), t.shape.end());
    words.insert(words.end(), t.strides.begin(), t.strides.end());
    arguments.push_back(t);
  }
  void addScalar(int64_t value) {
    words.push_back(value);
    arguments.push_back(std::nullopt);
  }
  std::vector<void *> pointers() {
    std::vector<void *> result;
    for (int64_t &word : words)
      result.push_back(&word);
    return result;
  }
  /// The tensor passed as kernel argument `index`, if it is one.
  const TensorRef *tensor(int64_t index) const {
    if (index < 0 || index >= static_cast<int64_t>(arguments.size()) ||
        !arguments[index])
      return nullptr;
    return &*arguments[index];
  }

private:
  std::vector<int64_t> words;
  std::vector<std::optional<TensorRef>> arguments;
};

/// The tensor map `map` describes over the call's argument `map.arg`.
Status encodeTensorMap(const KernelParams &params,
                       const TensorMapDescription &map, CudaTensorMap &out) {
  const TensorRef *t = params.tensor(map.arg);
  if (!t)
    return Status::error("kernel argument " + std::to_string(map.arg) +
                         " is no tensor to build a TMA tensor map of");
  std::optional<CudaTensorMapShape> shape;
  if (Status s = tensorMapShape(*t, map, shape); !s)
    return s;
  out = CudaTensorMap{};
  if (!shape)
    return Status::success();
  return CudaDriver::get().encodeTensorMap(*shape, &out);
}

/// Device memory.
Status checkDeviceTensor(CudaDriver &driver, const char *name, const TensorRef &t) {
  bool device = false;
  if (Status s = driver.isDevicePointer(t.data, &device); !s)
    return s;
  if (!device)
    return Status::error(std::string("argument '") + name +
                         "': must be in device memory for the cuda backend");
  return Status::success();
}

/// The widest access (in bytes, up to 16) that the bases and outer strides
/// of these 16-bit tensors all allow: the kernels' vector copies and their
/// stores of two elements at once. F32 tensors are left out by the caller:
/// the lse is written by rank-1 tiles (never paired), and the f32
/// workspaces (delta, dq's sums) are ours, from cuMemAlloc (256-byte
/// aligned) with rows of head_dim or one float.
int64_t commonAlignment(const std::vector<const TensorRef *> &tensors) {
  int64_t alignment = 16;
  auto fit = [&](uint64_t bytes) {
    while (alignment > 2 && bytes % alignment != 0)
      alignment /= 2;
  };
  for (const TensorRef *t : tensors) {
    fit(reinterpret_cast<uintptr_t>(t->data));
    for (size_t i = 0; i + 1 < t->strides.size(); ++i)
      fit(static_cast<uint64_t>(t->strides[i]) * dtypeSize(t->dtype));
  }
  return alignment;
}

} // namespace

/// The workspaces a class's kernels take after the call's tensors (none
/// for the forward).
using WorkspacesFn = llvm::function_ref<Status(const ProblemClass &,
                                               std::vector<TensorRef> &)>;

struct CudaBackend::Impl {
  explicit Impl(Options options) : options(options) { registerDialects(context); }
  ~Impl() {
    CudaDriver &driver = CudaDriver::get();
    for (auto &entry : compiled)
      if (entry.second->module &&
          entry.second->releases == driver.contextReleases())
        (void)driver.unloadModule(entry.second->module);
  }

  /// One call (forward or backward) on this device, tuned and cached.
  template <typename Args>
  Status run(const Args &args, const ProblemSizes &sizes,
             WorkspacesFn workspaces, CUstream stream,
             Autotuner::Progress progress);

  Status prepareDevice() {
    CudaDriver &driver = CudaDriver::get();
    if (!driver.available())
      return Status::error("the cuda backend is unavailable: " +
                           driver.unavailableReason());
    if (Status s = driver.ensureContext(options.device); !s)
      return s;
    if (properties.major == 0)
      if (Status s = driver.deviceProperties(options.device, &properties); !s)
        return s;
    if (properties.computeCapability() < 80)
      return Status::error("the cuda backend needs compute capability 8.0 or "
                           "newer; device " + properties.name + " has " +
                           std::to_string(properties.major) + "." +
                           std::to_string(properties.minor));
    return Status::success();
  }

  /// The on-disk kernel cache's key of a class's kernels for `chip`.
  static std::string cacheKeyOf(ModuleOp module, const ProblemClass &problem,
                                const std::string &chip, bool ptxas) {
    std::string ir;
    llvm::raw_string_ostream(ir) << module;
    return "cuda-" +
           digest(ir + "|" + problem.key() + "|" + compilerVersion() + "|" + chip +
                  (ptxas ? "|cubin" : "|ptx")) +
           ".bin";
  }

  /// The class's kernels for `chip` as an earlier process stored them, if
  /// it did and the entry is well formed.
  std::optional<CachedKernels> loadCached(const std::string &cacheKey) {
    KernelCache cache;
    std::optional<std::string> blob = cache.lookup(cacheKey);
    if (!blob)
      return std::nullopt;
    std::optional<CachedKernels> cached = deserializeKernels(*blob);
    if (!cached)
      cache.discard(cacheKey, "is not a compiled class");
    return cached;
  }

  /// Compiles the class's problem IR (built in `context`) for `chip` now
  /// (to cubin with ptxas, else to PTX for the driver's JIT) and stores the
  /// kernels.
  static Status compileAndStore(MLIRContext &context,
                                OwningOpRef<ModuleOp> module,
                                const ProblemClass &problem,
                                const std::string &chip, bool ptxas,
                                const std::string &cacheKey,
                                CachedKernels &kernels) {
    if (Status s = runNVVMPipeline(context, problem, chip, *module); !s)
      return s;
    std::string ptx;
    if (Status s = toPTX(context, *module, chip, ptx); !s)
      return s;
    // ptxas where it is installed (its errors are clearer), else the JIT.
    kernels.image = ptx;
    if (ptxas) {
      std::string log;
      FailureOr<std::string> cubin = mlir::flash::assembleCubin(ptx, chip, log);
      if (failed(cubin))
        return Status::error("ptxas rejected the kernels of " + problem.key() +
                             ":\n" + log);
      kernels.image = std::move(*cubin);
    }
    kernels.kernels = kernelsOf(*module);
    (void)KernelCache().store(cacheKey, serializeKernels(kernels));
    return Status::success();
  }

  /// Loads the class's module: from the kernel cache when it holds a
  /// loadable entry (one that does not load is reported and rebuilt), else
  /// compiled now.
  Status loadClass(const ProblemClass &problem, const std::string &chip,
                   CachedKernels &kernels, CUmodule &loaded) {
    CudaDriver &driver = CudaDriver::get();
    OwningOpRef<ModuleOp> module = buildProblemIR(context, problem);
    // The key says which image the entry holds: cubin or PTX.
    bool ptxas = mlir::flash::findPtxas().has_value();
    std::string cacheKey = cacheKeyOf(*module, problem, chip, ptxas);
    if (std::optional<CachedKernels> cached = loadCached(cacheKey)) {
      if (driver.loadModule(cached->image, &loaded)) {
        kernels = std::move(*cached);
        return Status::success();
      }
      KernelCache().discard(cacheKey, "does not load");
    }
    if (Status s = compileAndStore(context, std::move(module), problem, chip,
                                   ptxas, cacheKey, kernels);
        !s)
      return s;
    return driver.loadModule(kernels.image, &loaded);
  }

  /// Compiles into the kernel cache, several at a time, the kernels of the
  /// `classes` that neither this backend nor the cache holds, so that
  /// tuning loads each candidate instead of compiling it in turn (about a
  /// second each, most of a tuning run). Each thread builds in a context of
  /// its own; a class that fails to compile is left for compiledClass to
  /// report.
  void precompile(const std::vector<ProblemClass> &classes) {
    std::vector<const ProblemClass *> missing;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!prepareDevice())
        return;
      for (const ProblemClass &problem : classes)
        if (!compiled.count(problem.key()))
          missing.push_back(&problem);
    }
    size_t threads =
        std::min<size_t>({missing.size(), kMaxCompileThreads,
                          std::max(1u, std::thread::hardware_concurrency())});
    if (threads < 2)
      return;
    std::string chip = chipFor(properties.computeCapability());
    bool ptxas = mlir::flash::findPtxas().has_value();
    std::atomic<size_t> next{0};
    auto compileSome = [&] {
      MLIRContext context(MLIRContext::Threading::DISABLED);
      registerDialects(context);
      for (size_t i = next++; i < missing.size(); i = next++) {
        OwningOpRef<ModuleOp> module = buildProblemIR(context, *missing[i]);
        std::string cacheKey = cacheKeyOf(*module, *missing[i], chip, ptxas);
        if (KernelCache().lookup(cacheKey))
          continue;
        CachedKernels kernels;
        (void)compileAndStore(context, std::move(module), *missing[i], chip,
                              ptxas, cacheKey, kernels);
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t)
      pool.emplace_back(compileSome);
    for (std::thread &thread : pool)
      thread.join();
  }

  Status compiledClass(const ProblemClass &problem, CompiledClass *&result) {
    std::lock_guard<std::mutex> lock(mutex);
    if (Status s = prepareDevice(); !s)
      return s;
    std::string key = problem.key();
    auto found = compiled.find(key);
    // Loaded before the context was released: loaded again (the disk cache
    // has the image).
    // (kept: a concurrent call may still hold it).
    if (found != compiled.end() &&
        found->second->releases != CudaDriver::get().contextReleases()) {
      released.push_back(std::move(found->second));
      compiled.erase(found);
      found = compiled.end();
    }
    if (found != compiled.end()) {
      result = found->second.get();
      return Status::success();
    }
    std::string chip = chipFor(properties.computeCapability());
    CachedKernels kernels;
    CompiledClass entry;
    entry.releases = CudaDriver::get().contextReleases();
    if (Status s = loadClass(problem, chip, kernels, entry.module); !s)
      return s;
    CudaDriver &driver = CudaDriver::get();
    for (const KernelDescription &description : kernels.kernels) {
      KernelInfo kernel;
      static_cast<KernelDescription &>(kernel) = description;
      entry.kernels.push_back(kernel);
    }
    std::sort(entry.kernels.begin(), entry.kernels.end(),
              [](const KernelInfo &a, const KernelInfo &b) { return a.order < b.order; });
    for (KernelInfo &kernel : entry.kernels) {
      // A warp-specialized kernel has a producer warpgroup besides its warps.
      if (!kernel.threads)
        kernel.threads = 32 * problem.numWarps;
      if (Status s = driver.getFunction(entry.module, kernel.name, &kernel.function); !s)
        return s;
      CudaFunctionAttributes attributes;
      if (Status s = driver.functionAttributes(kernel.function, &attributes); s)
        entry.spillBytes = std::max<int64_t>(entry.spillBytes, attributes.localBytes);
      if (kernel.sharedBytes > properties.maxSharedMemoryPerBlockOptin)
        return Status::error("the kernels of " + key + " need " +
                             std::to_string(kernel.sharedBytes) +
                             " bytes of shared memory; the device has " +
                             std::to_string(properties.maxSharedMemoryPerBlockOptin));
      if (kernel.sharedBytes > 48 * 1024)
        if (Status s = driver.setMaxDynamicSharedMemory(
                kernel.function, static_cast<int>(kernel.sharedBytes));
            !s)
          return s;
      if (kernel.persistent) {
        int perSM = 0;
        if (Status s = driver.residentPrograms(
                kernel.function, static_cast<int>(kernel.threads),
                static_cast<int>(kernel.sharedBytes), &perSM);
            !s)
          return s;
        kernel.residentPrograms =
            std::max<int64_t>(1, int64_t(perSM) * properties.multiprocessorCount);
      }
    }
    result = compiled
                 .emplace(key, std::make_unique<CompiledClass>(std::move(entry)))
                 .first->second.get();
    return Status::success();
  }

  /// Launches the class's kernels in order over the problem's grids.
  Status launchAll(const CompiledClass &entry, const ProblemSizes &sizes,
                   KernelParams &params, CUstream stream) {
    CudaDriver &driver = CudaDriver::get();
    // Each kernel's tensor maps follow these; the driver copies them at the
    // launch.
    std::vector<void *> pointers = params.pointers();
    size_t common = pointers.size();
    for (const KernelInfo &kernel : entry.kernels) {
      unsigned threads = static_cast<unsigned>(kernel.threads);
      int64_t rows = kernel.rows == "k" ? sizes.seqlenK : sizes.seqlenQ;
      int64_t heads = kernel.heads == "k" ? sizes.kvHeads : sizes.heads;
      int64_t gridX = (rows + kernel.block - 1) / kernel.block;
      int64_t gridY = sizes.batch * heads;
      if (gridX == 0 || gridY == 0)
        continue; // nothing to compute (empty sequences)
      if (kernel.persistent) { // it loops over the x * y tiles
        int64_t programs = kernel.residentPrograms;
        if (options.persistentPrograms > 0)
          programs = std::min(programs, options.persistentPrograms);
        gridX = std::min(gridX * gridY, programs);
        gridY = 1;
      }
      pointers.resize(common);
      std::vector<CudaTensorMap> maps(kernel.tensorMaps.size());
      for (size_t i = 0; i < maps.size(); ++i) {
        if (Status s = encodeTensorMap(params, kernel.tensorMaps[i], maps[i]); !s)
          return Status::error("launching " + kernel.name + ": " + s.message());
        pointers.push_back(&maps[i]);
      }
      if (Status s = driver.launch(
              kernel.function,
              {static_cast<unsigned>(gridX), static_cast<unsigned>(gridY), 1},
              {threads, 1, 1}, static_cast<unsigned>(kernel.sharedBytes), stream,
              pointers.data());
          !s)
        return Status::error("launching " + kernel.name + ": " + s.message());
    }
    return Status::success();
  }

  /// The backward's workspaces (D, dq's sums), kept between calls so that
  /// a call does not pay cuMemAlloc and cuMemFree: a call takes a set
  /// (grown to its sizes) and gives it back once its kernels are done.
  struct Workspaces {
    DeviceBuffer delta, sums;
  };
  std::unique_ptr<Workspaces> takeWorkspaces() {
    std::lock_guard<std::mutex> lock(mutex);
    if (freeWorkspaces.empty())
      return std::make_unique<Workspaces>();
    std::unique_ptr<Workspaces> set = std::move(freeWorkspaces.back());
    freeWorkspaces.pop_back();
    return set;
  }
  void giveBack(std::unique_ptr<Workspaces> set) {
    std::lock_guard<std::mutex> lock(mutex);
    freeWorkspaces.push_back(std::move(set));
  }

  /// Threads precompile uses at most: each holds a context and a module
  /// being compiled (tens of MB).
  static constexpr size_t kMaxCompileThreads = 8;

  Options options;
  MLIRContext context;
  std::mutex mutex;
  CudaDeviceProperties properties;
  std::map<std::string, std::unique_ptr<CompiledClass>> compiled;
  std::vector<std::unique_ptr<CompiledClass>> released; // loaded before a release
  std::vector<std::unique_ptr<Workspaces>> freeWorkspaces;
};

CudaBackend::CudaBackend() : CudaBackend(Options{}) {}
CudaBackend::CudaBackend(Options options) : impl(std::make_unique<Impl>(options)) {}
CudaBackend::~CudaBackend() = default;

bool CudaBackend::usable(std::string *why) {
  CudaDriver &driver = CudaDriver::get();
  if (!driver.available()) {
    if (why)
      *why = driver.unavailableReason();
    return false;
  }
  CudaDeviceProperties properties;
  if (Status s = driver.deviceProperties(0, &properties); !s) {
    if (why)
      *why = s.message();
    return false;
  }
  if (properties.computeCapability() < 80) {
    if (why)
      *why = "device " + properties.name + " is older than compute capability 8.0";
    return false;
  }
  return true;
}

std::string CudaBackend::chipFor(int computeCapability) {
  std::string chip = "sm_" + std::to_string(computeCapability);
  // Hopper's wgmma and TMA need the architecture-specific target.
  if (computeCapability == 90)
    chip += "a";
  return chip;
}

Status CudaBackend::emitPTX(const ProblemClass &problem, const std::string &chip,
                            std::string &ptx) {
  MLIRContext context;
  registerDialects(context);
  OwningOpRef<ModuleOp> module = buildProblemIR(context, problem);
  if (Status s = runNVVMPipeline(context, problem, chip, *module); !s)
    return s;
  return toPTX(context, *module, chip, ptx);
}

namespace {

/// The cu_seqlens of a varlen call, copied to the device.
Status uploadVarlen(const VarlenArgs &varlen, CUstream stream,
                    DeviceBuffer &buffer, TensorRef &cuQ, TensorRef &cuK) {
  if (!varlen.enabled())
    return Status::success();
  size_t bytesQ = varlen.cuSeqlensQ.shape[0] * sizeof(int32_t);
  size_t bytesK = varlen.cuSeqlensK.shape[0] * sizeof(int32_t);
  if (Status s = buffer.allocate(bytesQ + bytesK + 16); !s)
    return s;
  CudaDriver &driver = CudaDriver::get();
  CUdeviceptr base = buffer.devicePointer();
  CUdeviceptr kBase = base + (bytesQ + 15) / 16 * 16;
  if (Status s = driver.copyHostToDeviceAsync(base, varlen.cuSeqlensQ.data, bytesQ, stream); !s)
    return s;
  if (Status s = driver.copyHostToDeviceAsync(kBase, varlen.cuSeqlensK.data, bytesK, stream); !s)
    return s;
  cuQ = varlen.cuSeqlensQ;
  cuK = varlen.cuSeqlensK;
  cuQ.data = reinterpret_cast<void *>(base);
  cuK.data = reinterpret_cast<void *>(kBase);
  cuQ.strides = cuK.strides = {1};
  return Status::success();
}

void addOptionalParams(KernelParams &params, const ProblemClass &problem,
                       const TensorRef &cuQ, const TensorRef &cuK,
                       const AttentionOptions &options) {
  if (problem.varlen) {
    params.addTensor(cuQ);
    params.addTensor(cuK);
  }
  if (problem.dropoutP > 0.0f) {
    params.addScalar(static_cast<int64_t>(options.seed));
    params.addScalar(static_cast<int64_t>(options.offset));
  }
}

} // namespace

namespace {

/// A call's named tensors, in kernel-parameter order.
using NamedTensors = std::vector<std::pair<const char *, const TensorRef *>>;

NamedTensors tensorsOf(const ForwardArgs &a) {
  return {{"q", &a.q}, {"k", &a.k}, {"v", &a.v}, {"out", &a.out}, {"lse", &a.lse}};
}

NamedTensors tensorsOf(const BackwardArgs &a) {
  return {{"q", &a.q},       {"k", &a.k},     {"v", &a.v},
          {"out", &a.out},   {"dout", &a.dout}, {"lse", &a.lse},
          {"dq", &a.dq},     {"dk", &a.dk},   {"dv", &a.dv}};
}

} // namespace

/// Device time in milliseconds of `work` on `stream`, with CUDA events.
static Status timeOnStream(CUstream stream, llvm::function_ref<Status()> work,
                           double &ms) {
  CudaDriver &driver = CudaDriver::get();
  CUevent start = nullptr, stop = nullptr;
  Status status = driver.createEvent(&start);
  if (status)
    status = driver.createEvent(&stop);
  if (status)
    status = driver.recordEvent(start, stream);
  if (status)
    status = work();
  if (status)
    status = driver.recordEvent(stop, stream);
  if (status)
    status = driver.synchronizeEvent(stop);
  float elapsed = 0;
  if (status)
    status = driver.elapsedMilliseconds(start, stop, &elapsed);
  ms = elapsed;
  for (CUevent event : {start, stop})
    if (event)
      (void)driver.destroyEvent(event);
  return status;
}

/// What forward and backward share once the arguments are valid: the
/// device checks, the class (with the tensors' alignment), the tuning among
/// `candidates`, its compiled kernels, the varlen copies and the kernel
/// parameters. Each class's `workspaces` are passed after the call's
/// tensors.
template <typename Args>
static Status launchCall(
    CudaBackend::Options options, Args const &args, const ProblemSizes &sizes,
    WorkspacesFn workspaces, const std::vector<TileConfig> &candidates,
    CUstream stream,
    llvm::function_ref<Status(ProblemClass &, CompiledClass *&)> compile,
    llvm::function_ref<Status(const CompiledClass &, const ProblemSizes &,
                              KernelParams &)>
        launch,
    llvm::function_ref<void(const std::vector<ProblemClass> &)> precompile,
    const std::string &device, Autotuner::Progress progress) {
  CudaDriver &driver = CudaDriver::get();
  NamedTensors tensors = tensorsOf(args);
  std::vector<const TensorRef *> sixteenBit;
  for (auto [name, t] : tensors) {
    if (Status s = checkDeviceTensor(driver, name, *t); !s)
      return s;
    if (t->dtype != DType::F32)
      sixteenBit.push_back(t);
  }
  // mma.sync works on 16-deep k steps: the head dim must be a multiple of 16.
  if (sizes.headDim % 16 != 0)
    return Status::error("argument 'q': head_dim " + std::to_string(sizes.headDim) +
                         " is not supported by the cuda backend (multiples of 16)");
  ProblemClass problem = classifyProblem(args, sizes, options.blockM, options.blockN);
  CudaBackend::setCodeOptions(options, problem);
  problem.tma = problem.tma && CudaDriver::get().hasTensorMaps();
  problem.alignment = commonAlignment(sixteenBit);
  DeviceBuffer varlenBuffer;
  TensorRef cuQ, cuK;
  if (Status s = uploadVarlen(args.varlen, stream, varlenBuffer, cuQ, cuK); !s)
    return s;
  KernelParams tensorParams;
  for (auto [name, t] : tensors)
    tensorParams.addTensor(*t);
  // A class's parameters: the tensors, its workspaces, the optional ones.
  bool anyWorkspace = false;
  auto paramsOf = [&](const ProblemClass &c, KernelParams &params) -> Status {
    std::vector<TensorRef> classWorkspaces;
    if (Status s = workspaces(c, classWorkspaces); !s)
      return s;
    anyWorkspace |= !classWorkspaces.empty();
    params = tensorParams;
    for (const TensorRef &workspace : classWorkspaces)
      params.addTensor(workspace);
    addOptionalParams(params, c, cuQ, cuK, args.options);
    return Status::success();
  };

  // Tuning times candidates on the call's own tensors (inputs are only
  // read; outputs are rewritten by the final launch).
  auto launchClass = [&](const ProblemClass &candidate) -> Status {
    ProblemClass copy = candidate;
    CompiledClass *entry = nullptr;
    if (Status s = compile(copy, entry); !s)
      return s;
    // A few spilled registers may still win (the timing decides); heavy
    // spilling never does and is slow to time.
    if (entry->spillBytes > CudaBackend::kMaxTunedSpillBytes)
      return Status::error("its kernels spill " + std::to_string(entry->spillBytes) +
                           " bytes per thread");
    KernelParams params;
    if (Status s = paramsOf(candidate, params); !s)
      return s;
    return launch(*entry, sizes, params);
  };
  auto runOnce = [&](const ProblemClass &candidate) -> Status {
    if (Status s = launchClass(candidate); !s)
      return s;
    return driver.synchronizeStream(stream);
  };
  auto timeOnce = [&](const ProblemClass &candidate, double &ms) {
    return timeOnStream(stream, [&] { return launchClass(candidate); }, ms);
  };
  if (Status s = chooseTiles(options.tuning, device, problem, sizes, candidates,
                             runOnce, timeOnce, progress, precompile);
      !s)
    return s;
  CompiledClass *entry = nullptr;
  if (Status s = compile(problem, entry); !s)
    return s;
  KernelParams params;
  if (Status s = paramsOf(problem, params); !s)
    return s;
  Status status = launch(*entry, sizes, params);
  // The varlen copies are freed, and the workspaces given back to the
  // backend's pool, on return: wait for the kernels that read them.
  if (varlenBuffer.size() || anyWorkspace) {
    Status synced = driver.synchronizeStream(stream);
    return status ? synced : status;
  }
  return status;
}

void CudaBackend::setCodeOptions(const Options &options, ProblemClass &problem) {
  problem.blockM =
      tileFor(problem.backward, options.backwardBlockM, options.blockM);
  problem.blockN =
      tileFor(problem.backward, options.backwardBlockN, options.blockN);
  problem.numWarps =
      tileFor(problem.backward, options.backwardNumWarps, options.numWarps);
  problem.stages = options.stages;
  problem.wgmma = options.wgmma;
  problem.tma = options.tma;
  problem.warpSpecialize = options.warpSpecialize;
  problem.pingPong = options.pingPong;
  problem.overlapSoftmax = options.overlapSoftmax;
  problem.producerRegisters =
      producerRegistersFor(problem.backward, options.producerRegisters);
  problem.persistent = options.persistent && problem.persistentApplies();
  problem.atomicDq = problem.backward && options.atomicDq;
  problem.deterministic = problem.backward && options.deterministic;
  problem.transposedGrad = problem.backward && options.transposedGrad;
}

std::vector<TileConfig> CudaBackend::tuningCandidates() {
  // 128x256 with 8 warps: 12–15% faster than 128x128 at d=64 without a
  // causal mask (docs/performance.md, step 17); forward only (run()).
  // The backward's dq added by its dK/dV kernel at 128x128 with 8 warps:
  // 9-11% faster than the dQ kernel at d=64 (step 24); and at 64x128 with
  // 8 warps, FlashAttention 3's block for d=128 (step 25); backward only.
  // The overlap with the consumers' turns on top: 1% faster than the
  // overlap alone at d=128 causal, slower elsewhere (step 35); forward only.
  return {{64, 64, 4},
          {128, 64, 4},
          {128, 64, 8},
          {64, 128, 4},
          {128, 128, 8},
          {128, 256, 8},
          {64, 64, 4, 2},
          {64, 128, 4, 2},
          {128, 128, 8, 2},
          {128, 128, 8, 1, true},
          {128, 128, 8, 1, true, false, true},
          {128, 128, 8, 1, false, true},
          {64, 128, 8, 1, false, true}};
}

std::vector<TileConfig> CudaBackend::candidatesFor(const Options &options,
                                                   bool backward, bool sm90a,
                                                   bool tensorMaps,
                                                   int64_t headDim) {
  // The softmax overlap and the turns take effect in a forward with a
  // producer warpgroup on sm_90a only; elsewhere, or when every candidate
  // has them already, they would time 128x128, 8 warps again.
  bool producerForward =
      !backward && sm90a && options.tma && options.warpSpecialize && tensorMaps;
  bool overlapApplies = producerForward && !options.overlapSoftmax;
  bool pingPongApplies = producerForward && !options.pingPong;
  // dq added atomically is a backward candidate where it adds in bulk
  // (sm_90a), unless every candidate has it already or the sums must
  // repeat bit for bit.
  bool atomicDqApplies =
      backward && !options.atomicDq && !options.deterministic && sm90a;
  // dQ's share has block-m rows, 16 a warp, or when computed transposed
  // head-dim ones: else the kernels would not compile.
  auto dqSplits = [&](const TileConfig &c) {
    int64_t rows = 16 * c.numWarps;
    bool transposed =
        options.transposedGrad &&
        mlir::flash::AttentionGradOp::transposesDqShare(c.blockM, headDim);
    return c.blockM % rows == 0 || (transposed && headDim % rows == 0);
  };
  std::vector<TileConfig> candidates = tuningCandidates();
  llvm::erase_if(candidates, [&](const TileConfig &c) {
    // The turns' candidate has the overlap too: the turns alone decide.
    return (c.overlapSoftmax && !c.pingPong && !overlapApplies) ||
           (c.pingPong && !pingPongApplies) ||
           (c.atomicDq && (!atomicDqApplies || !dqSplits(c)));
  });
  // 256-key blocks were measured (and checked) for the forward only.
  if (backward)
    llvm::erase_if(candidates, [](const TileConfig &c) { return c.blockN > 128; });
  return candidates;
}

/// launchCall with this backend's kernel cache, launcher and device name.
template <typename Args>
Status CudaBackend::Impl::run(const Args &args, const ProblemSizes &sizes,
                              WorkspacesFn workspaces, CUstream stream,
                              Autotuner::Progress progress) {
  constexpr bool backward = std::is_same_v<Args, BackwardArgs>;
  bool sm90a =
      options.wgmma && chipFor(properties.computeCapability()) == "sm_90a";
  std::vector<TileConfig> candidates =
      candidatesFor(options, backward, sm90a, CudaDriver::get().hasTensorMaps(),
                    sizes.headDim);
  return launchCall(
      options, args, sizes, workspaces, candidates, stream,
      [&](ProblemClass &problem, CompiledClass *&entry) {
        return compiledClass(problem, entry);
      },
      [&](const CompiledClass &entry, const ProblemSizes &sizes,
          KernelParams &params) {
        return launchAll(entry, sizes, params, stream);
      },
      [&](const std::vector<ProblemClass> &classes) { precompile(classes); },
      "cuda-" + properties.name, progress);
}

Status CudaBackend::forward(const ForwardArgs &args, CUstream stream,
                            Autotuner::Progress progress) {
  ProblemSizes sizes;
  if (Status s = validate(args, &sizes); !s)
    return s;
  if (Status s = impl->prepareDevice(); !s)
    return s;
  return impl->run(
      args, sizes,
      [](const ProblemClass &, std::vector<TensorRef> &) {
        return Status::success();
      },
      stream, progress);
}

Status CudaBackend::backward(const BackwardArgs &args, CUstream stream,
                             Autotuner::Progress progress) {
  if (impl->options.atomicDq && impl->options.deterministic)
    return Status::error("options: atomicDq adds dq in a varying order, which "
                         "deterministic rules out");
  ProblemSizes sizes;
  if (Status s = validate(args, &sizes); !s)
    return s;
  if (Status s = impl->prepareDevice(); !s)
    return s;
  // D = rowsum(dO * O), shaped like the lse; with atomicDq, dq's f32 sums
  // (the order of flash.attention_grad's kernels' workspace arguments),
  // allocated when a class first needs them.
  llvm::SmallVector<int64_t> sumsShape =
      mlir::flash::AttentionGradOp::getDqSumShape(args.q.shape);
  std::unique_ptr<Impl::Workspaces> set = impl->takeWorkspaces();
  TensorRef delta, sums;
  auto allocate = [](llvm::ArrayRef<int64_t> shape, DeviceBuffer &buffer,
                     TensorRef &workspace) -> Status {
    if (workspace.data)
      return Status::success();
    workspace.dtype = DType::F32;
    workspace.shape.assign(shape.begin(), shape.end());
    workspace.strides = contiguousStrides(workspace.shape);
    // Kept from an earlier call unless too small or from a released context.
    size_t bytes = std::max<int64_t>(workspace.numElements(), 1) * 4;
    if (buffer.size() < bytes || buffer.stale())
      if (Status s = buffer.allocate(bytes); !s)
        return s;
    workspace.data = buffer.data();
    return Status::success();
  };
  // run() waits for the kernels when they had workspaces.
  Status status = impl->run(
      args, sizes,
      [&](const ProblemClass &problem, std::vector<TensorRef> &workspaces) {
        if (Status s = allocate(args.lse.shape, set->delta, delta); !s)
          return s;
        workspaces = {delta};
        if (!problem.atomicDq)
          return Status::success();
        if (Status s = allocate(sumsShape, set->sums, sums); !s)
          return s;
        workspaces.push_back(sums);
        return Status::success();
      },
      stream, progress);
  // run() waited for the kernels when it succeeded; an error may leave
  // tuning launches reading the set.
  if (!status)
    (void)CudaDriver::get().synchronizeStream(stream);
  impl->giveBack(std::move(set));
  return status;
}

} // namespace flash
