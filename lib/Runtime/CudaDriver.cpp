//===- CudaDriver.cpp - The CUDA driver API, loaded at run time ------------===//

#include "flash/Runtime/CudaDriver.h"

#include "CudaApi.h"

#include <cstring>
#include <dlfcn.h>
#include <initializer_list>
#include <atomic>
#include <mutex>
#include <utility>

namespace flash {

namespace {

/// Resolves `function` from the first of `names` the library exports. The
/// versioned name comes first: it is the one cuda.h maps the API name to;
/// the unversioned one serves drivers older than that version.
template <typename Function>
bool resolve(void *library, Function &function,
             std::initializer_list<const char *> names) {
  for (const char *name : names) {
    if (void *symbol = dlsym(library, name)) {
      function = reinterpret_cast<Function>(symbol);
      return true;
    }
  }
  return false;
}

/// Resolves every entry point; returns the first one missing, or null.
const char *resolveAll(void *library, CudaApi &api) {
#define FLASH_RESOLVE(member, ...)                                             \
  if (!resolve(library, api.member, {__VA_ARGS__}))                            \
    return #member;
  FLASH_RESOLVE(cuInit, "cuInit")
  FLASH_RESOLVE(cuDriverGetVersion, "cuDriverGetVersion")
  FLASH_RESOLVE(cuGetErrorName, "cuGetErrorName")
  FLASH_RESOLVE(cuGetErrorString, "cuGetErrorString")
  FLASH_RESOLVE(cuDeviceGet, "cuDeviceGet")
  FLASH_RESOLVE(cuDeviceGetCount, "cuDeviceGetCount")
  FLASH_RESOLVE(cuDeviceGetAttribute, "cuDeviceGetAttribute")
  FLASH_RESOLVE(cuDeviceGetName, "cuDeviceGetName")
  FLASH_RESOLVE(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  FLASH_RESOLVE(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2",
                "cuDevicePrimaryCtxRelease")
  FLASH_RESOLVE(cuCtxSetCurrent, "cuCtxSetCurrent")
  FLASH_RESOLVE(cuCtxGetCurrent, "cuCtxGetCurrent")
  FLASH_RESOLVE(cuCtxSynchronize, "cuCtxSynchronize")
  FLASH_RESOLVE(cuModuleLoadDataEx, "cuModuleLoadDataEx")
  FLASH_RESOLVE(cuModuleUnload, "cuModuleUnload")
  FLASH_RESOLVE(cuModuleGetFunction, "cuModuleGetFunction")
  FLASH_RESOLVE(cuFuncSetAttribute, "cuFuncSetAttribute")
  FLASH_RESOLVE(cuFuncGetAttribute, "cuFuncGetAttribute")
  FLASH_RESOLVE(cuOccupancyMaxActiveBlocksPerMultiprocessor,
                "cuOccupancyMaxActiveBlocksPerMultiprocessor")
  FLASH_RESOLVE(cuLaunchKernel, "cuLaunchKernel")
  FLASH_RESOLVE(cuMemAlloc, "cuMemAlloc_v2")
  FLASH_RESOLVE(cuMemFree, "cuMemFree_v2")
  FLASH_RESOLVE(cuMemcpyHtoD, "cuMemcpyHtoD_v2")
  FLASH_RESOLVE(cuMemcpyDtoH, "cuMemcpyDtoH_v2")
  FLASH_RESOLVE(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2")
  FLASH_RESOLVE(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2")
  FLASH_RESOLVE(cuMemsetD8, "cuMemsetD8_v2")
  FLASH_RESOLVE(cuMemsetD32, "cuMemsetD32_v2")
  FLASH_RESOLVE(cuPointerGetAttribute, "cuPointerGetAttribute")
  FLASH_RESOLVE(cuStreamCreate, "cuStreamCreate")
  FLASH_RESOLVE(cuStreamDestroy, "cuStreamDestroy_v2")
  FLASH_RESOLVE(cuStreamSynchronize, "cuStreamSynchronize")
  FLASH_RESOLVE(cuEventCreate, "cuEventCreate")
  FLASH_RESOLVE(cuEventRecord, "cuEventRecord")
  FLASH_RESOLVE(cuEventSynchronize, "cuEventSynchronize")
  FLASH_RESOLVE(cuEventElapsedTime, "cuEventElapsedTime_v2",
                "cuEventElapsedTime")
  FLASH_RESOLVE(cuEventDestroy, "cuEventDestroy_v2")
#undef FLASH_RESOLVE
  // Optional entry points.
  resolve(library, api.cuTensorMapEncodeTiled, {"cuTensorMapEncodeTiled"});
  return nullptr;
}

/// Enough for ptxas's messages on a large kernel; longer logs are cut.
constexpr size_t kJitLogBytes = 64 * 1024;

std::string logText(const std::vector<char> &buffer) {
  std::string text(buffer.data(), strnlen(buffer.data(), buffer.size()));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

std::string dimText(const std::array<unsigned, 3> &dims) {
  return std::to_string(dims[0]) + "x" + std::to_string(dims[1]) + "x" +
         std::to_string(dims[2]);
}

} // namespace

struct CudaDriver::Impl {
  CudaApi api{};
  bool resolved = false; // every entry point found: errorText can ask libcuda
  bool ready = false;    // resolved, initialized, and a device exists
  std::string reason;
  int devices = 0;

  std::mutex mutex;               // guards primary
  std::vector<CUcontext> primary; // retained primary contexts, by ordinal
  std::atomic<uint64_t> releases{0}; // contexts released (contextReleases)

  void open(const std::vector<std::string> &libraries);
  std::string errorText(int result) const;

  Status fail(CUresult result, const std::string &what) const {
    std::string message = what + ": " + errorText(result);
    if (result == CUDA_ERROR_INVALID_CONTEXT)
      message += " (is a context current on this thread? see "
                 "CudaDriver::ensureContext)";
    return Status::error(std::move(message));
  }
  Status unavailable(const std::string &what) const {
    return Status::error(what + ": CUDA is unavailable: " + reason);
  }
  Status checkDevice(int device, const std::string &what) const {
    if (!ready)
      return unavailable(what);
    if (device < 0 || device >= devices)
      return Status::error(what + ": there is no device " +
                           std::to_string(device) + " (the driver found " +
                           std::to_string(devices) + ")");
    return Status::success();
  }
};

void CudaDriver::Impl::open(const std::vector<std::string> &libraries) {
  // The library is never dlclose()d: libcuda does not support being
  // unloaded while the process runs, and its own exit handlers expect it.
  void *library = nullptr;
  std::string loadErrors, libraryName;
  for (const std::string &name : libraries) {
    library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library) {
      libraryName = name;
      break;
    }
    const char *error = dlerror();
    loadErrors += (loadErrors.empty() ? "" : "; ") +
                  std::string(error ? error : name + ": not found");
  }
  if (!library) {
    reason = "the CUDA driver library could not be loaded (is the NVIDIA "
             "driver installed?): " +
             loadErrors;
    return;
  }
  if (const char *missing = resolveAll(library, api)) {
    api = CudaApi{};
    reason = libraryName + " lacks " + missing +
             "; the NVIDIA driver is too old";
    return;
  }
  resolved = true;
  if (CUresult result = api.cuInit(0)) {
    // The stub cannot name its own error code: say what it means.
    if (result == CUDA_ERROR_STUB_LIBRARY)
      reason = libraryName + " is the CUDA toolkit's link-time stub, not the "
                             "NVIDIA driver (CUDA_ERROR_STUB_LIBRARY); take "
                             "the stubs directory off the library path";
    else
      reason = "cuInit failed: " + errorText(result);
    return;
  }
  if (CUresult result = api.cuDeviceGetCount(&devices)) {
    devices = 0;
    reason = "counting devices failed: " + errorText(result);
    return;
  }
  if (devices == 0) {
    reason = "the CUDA driver found no device";
    return;
  }
  primary.assign(devices, nullptr);
  ready = true;
}

std::string CudaDriver::Impl::errorText(int result) const {
  const char *name = nullptr, *description = nullptr;
  if (resolved) {
    // Both leave the string null for a code this driver does not know.
    api.cuGetErrorName(static_cast<CUresult>(result), &name);
    api.cuGetErrorString(static_cast<CUresult>(result), &description);
  }
  std::string text = name ? name : "CUDA error " + std::to_string(result);
  text += ": ";
  text += description ? description : "unknown error";
  return text;
}

//===----------------------------------------------------------------------===//
// CudaDriver
//===----------------------------------------------------------------------===//

CudaDriver &CudaDriver::get() {
  // Leaked on purpose: DeviceBuffers in static storage may be destroyed after
  // any static driver would be, and libcuda tears itself down at exit.
  static CudaDriver *driver = new CudaDriver({"libcuda.so.1", "libcuda.so"});
  return *driver;
}

CudaDriver::CudaDriver(const std::vector<std::string> &libraries)
    : impl(std::make_unique<Impl>()) {
  impl->open(libraries);
}

CudaDriver::~CudaDriver() {
  for (size_t device = 0; device < impl->primary.size(); ++device)
    if (impl->primary[device])
      (void)releaseContext(static_cast<int>(device));
}

bool CudaDriver::available() const { return impl->ready; }

const std::string &CudaDriver::unavailableReason() const {
  return impl->reason;
}

std::string CudaDriver::errorText(int result) const {
  return impl->errorText(result);
}

int CudaDriver::deviceCount() const { return impl->ready ? impl->devices : 0; }

Status CudaDriver::driverVersion(int *version) const {
  const char *what = "querying the driver version";
  if (!impl->resolved)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuDriverGetVersion(version))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::deviceProperties(int device,
                                    CudaDeviceProperties *properties) const {
  std::string what = "querying the properties of device " +
                     std::to_string(device);
  if (Status status = impl->checkDevice(device, what); !status)
    return status;
  const CudaApi &api = impl->api;
  CUdevice handle = 0;
  if (CUresult result = api.cuDeviceGet(&handle, device))
    return impl->fail(result, what);

  char name[256] = {};
  if (CUresult result = api.cuDeviceGetName(name, sizeof(name) - 1, handle))
    return impl->fail(result, what);
  CudaDeviceProperties props;
  props.ordinal = device;
  props.name = name;
  const std::pair<CUdevice_attribute, int *> attributes[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &props.major},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &props.minor},
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &props.multiprocessorCount},
      {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &props.maxThreadsPerBlock},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK,
       &props.sharedMemoryPerBlock},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
       &props.maxSharedMemoryPerBlockOptin},
      {CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, &props.registersPerBlock},
  };
  for (const auto &[attribute, value] : attributes)
    if (CUresult result = api.cuDeviceGetAttribute(value, attribute, handle))
      return impl->fail(result, what + " (attribute " +
                                    std::to_string(attribute) + ")");
  *properties = std::move(props);
  return Status::success();
}

Status CudaDriver::ensureContext(int device) {
  std::string what = "making device " + std::to_string(device) + " current";
  if (Status status = impl->checkDevice(device, what); !status)
    return status;
  const CudaApi &api = impl->api;
  CUcontext context = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    context = impl->primary[device];
    if (!context) {
      CUdevice handle = 0;
      if (CUresult result = api.cuDeviceGet(&handle, device))
        return impl->fail(result, what);
      if (CUresult result = api.cuDevicePrimaryCtxRetain(&context, handle))
        return impl->fail(result, what + " (retaining its primary context)");
      impl->primary[device] = context;
    }
  }
  // Binding a context is per thread, so this happens on every thread that
  // calls; the check skips the driver call when it is already bound.
  CUcontext current = nullptr;
  if (CUresult result = api.cuCtxGetCurrent(&current))
    return impl->fail(result, what);
  if (current != context)
    if (CUresult result = api.cuCtxSetCurrent(context))
      return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::releaseContext(int device) {
  std::string what = "releasing the primary context of device " +
                     std::to_string(device);
  if (Status status = impl->checkDevice(device, what); !status)
    return status;
  const CudaApi &api = impl->api;
  std::lock_guard<std::mutex> lock(impl->mutex);
  CUcontext context = impl->primary[device];
  if (!context)
    return Status::success();
  // The release may destroy the context; the calling thread must not keep
  // it bound. Other threads that bound it find it invalid, as documented.
  CUcontext current = nullptr;
  if (api.cuCtxGetCurrent(&current) == CUDA_SUCCESS && current == context)
    api.cuCtxSetCurrent(nullptr);
  impl->primary[device] = nullptr;
  ++impl->releases;
  CUdevice handle = 0;
  if (CUresult result = api.cuDeviceGet(&handle, device))
    return impl->fail(result, what);
  if (CUresult result = api.cuDevicePrimaryCtxRelease(handle))
    return impl->fail(result, what);
  return Status::success();
}

uint64_t CudaDriver::contextReleases() const { return impl->releases; }

Status CudaDriver::currentContext(CUcontext *context) const {
  const char *what = "querying the current context";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuCtxGetCurrent(context))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::setCurrentContext(CUcontext context) const {
  const char *what = "setting the current context";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuCtxSetCurrent(context))
    return impl->fail(result, what);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

Status CudaDriver::loadModule(const std::string &image, CUmodule *module,
                              std::string *infoLog) const {
  // The kind only makes the message clearer; the driver tells them apart.
  const char *kind = "PTX";
  if (image.compare(0, 4, "\x7f" "ELF") == 0)
    kind = "cubin";
  else if (image.compare(0, 4, "\x50\xed\x55\xba") == 0)
    kind = "fatbin";
  std::string what = std::string("loading a ") + kind + " module (" +
                     std::to_string(image.size()) + " bytes)";
  if (!impl->ready)
    return impl->unavailable(what);
  if (image.empty())
    return Status::error(what + ": the image is empty");

  std::vector<char> errorLog(kJitLogBytes, '\0');
  std::vector<char> verboseLog(infoLog ? kJitLogBytes : 0, '\0');
  CUjit_option options[5];
  void *values[5];
  unsigned count = 0;
  auto option = [&](CUjit_option name, void *value) {
    options[count] = name;
    values[count++] = value;
  };
  // Sizes and flags travel as integers in the pointer-sized slots.
  option(CU_JIT_ERROR_LOG_BUFFER, errorLog.data());
  option(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
         reinterpret_cast<void *>(static_cast<uintptr_t>(errorLog.size())));
  if (infoLog) {
    option(CU_JIT_INFO_LOG_BUFFER, verboseLog.data());
    option(CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
           reinterpret_cast<void *>(static_cast<uintptr_t>(verboseLog.size())));
    option(CU_JIT_LOG_VERBOSE, reinterpret_cast<void *>(uintptr_t(1)));
  }

  // c_str(): PTX must be NUL-terminated; binary images ignore the extra byte.
  CUmodule loaded = nullptr;
  CUresult result = impl->api.cuModuleLoadDataEx(&loaded, image.c_str(), count,
                                                 options, values);
  if (infoLog)
    *infoLog = logText(verboseLog);
  if (result != CUDA_SUCCESS) {
    Status status = impl->fail(result, what);
    std::string log = logText(errorLog);
    if (log.empty())
      return status;
    return Status::error(status.message() + "\nJIT error log:\n" + log);
  }
  *module = loaded;
  return Status::success();
}

Status CudaDriver::unloadModule(CUmodule module) const {
  const char *what = "unloading a module";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuModuleUnload(module))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::getFunction(CUmodule module, const std::string &name,
                               CUfunction *function) const {
  std::string what = "looking up kernel '" + name + "'";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result =
          impl->api.cuModuleGetFunction(function, module, name.c_str()))
    return impl->fail(result, what);
  return Status::success();
}

Status
CudaDriver::functionAttributes(CUfunction function,
                               CudaFunctionAttributes *attributes) const {
  const char *what = "querying kernel attributes";
  if (!impl->ready)
    return impl->unavailable(what);
  CudaFunctionAttributes attrs;
  const std::pair<CUfunction_attribute, int *> queries[] = {
      {CU_FUNC_ATTRIBUTE_NUM_REGS, &attrs.numRegisters},
      {CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, &attrs.staticSharedBytes},
      {CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, &attrs.localBytes},
      {CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &attrs.maxThreadsPerBlock},
      {CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
       &attrs.maxDynamicSharedBytes},
  };
  for (const auto &[attribute, value] : queries)
    if (CUresult result =
            impl->api.cuFuncGetAttribute(value, attribute, function))
      return impl->fail(result, what);
  *attributes = attrs;
  return Status::success();
}

Status CudaDriver::setMaxDynamicSharedMemory(CUfunction function,
                                             int bytes) const {
  if (!impl->ready)
    return impl->unavailable("setting a kernel's dynamic shared memory");
  if (CUresult result = impl->api.cuFuncSetAttribute(
          function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes))
    return impl->fail(result, "allowing a kernel " + std::to_string(bytes) +
                                  " bytes of dynamic shared memory");
  return Status::success();
}

Status CudaDriver::residentPrograms(CUfunction function, int threads,
                                    int sharedBytes, int *programs) const {
  const char *what = "querying how many programs an SM holds";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuOccupancyMaxActiveBlocksPerMultiprocessor(
          programs, function, threads, static_cast<size_t>(sharedBytes)))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::launch(CUfunction function, std::array<unsigned, 3> grid,
                          std::array<unsigned, 3> block, unsigned sharedBytes,
                          CUstream stream, void **args) const {
  // Built only on failure: launching is on the hot path.
  auto what = [&] {
    return "launching a kernel (grid " + dimText(grid) + ", block " +
           dimText(block) + ", " + std::to_string(sharedBytes) +
           " bytes of dynamic shared memory)";
  };
  if (!impl->ready)
    return impl->unavailable(what());
  if (CUresult result = impl->api.cuLaunchKernel(
          function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
          sharedBytes, stream, args, nullptr))
    return impl->fail(result, what());
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

bool CudaDriver::hasTensorMaps() const {
  return impl->ready && impl->api.cuTensorMapEncodeTiled;
}

Status CudaDriver::encodeTensorMap(const CudaTensorMapShape &shape,
                                   CudaTensorMap *map) const {
  const char *what = "encoding a TMA tensor map";
  if (!impl->ready)
    return impl->unavailable(what);
  if (!impl->api.cuTensorMapEncodeTiled)
    return Status::error(std::string(what) +
                         ": the driver lacks cuTensorMapEncodeTiled (CUDA 12.0+)");
  uint32_t rank = static_cast<uint32_t>(shape.sizes.size());
  if (rank == 0 || shape.byteStrides.size() + 1 != rank || shape.box.size() != rank)
    return Status::error(std::string(what) + ": sizes, strides and box disagree");
  std::vector<uint32_t> elementStrides(rank, 1);
  if (CUresult result = impl->api.cuTensorMapEncodeTiled(
          map->words,
          shape.bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
                     : CU_TENSOR_MAP_DATA_TYPE_FLOAT16,
          rank, shape.base, shape.sizes.data(), shape.byteStrides.data(),
          shape.box.data(), elementStrides.data(), CU_TENSOR_MAP_INTERLEAVE_NONE,
          CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
          CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::allocate(size_t bytes, CUdeviceptr *pointer) const {
  std::string what =
      "allocating " + std::to_string(bytes) + " bytes of device memory";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuMemAlloc(pointer, bytes))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::deallocate(CUdeviceptr pointer) const {
  const char *what = "freeing device memory";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuMemFree(pointer))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::copyHostToDevice(CUdeviceptr dst, const void *src,
                                    size_t bytes) const {
  if (!impl->ready)
    return impl->unavailable("copying to the device");
  if (CUresult result = impl->api.cuMemcpyHtoD(dst, src, bytes))
    return impl->fail(result, "copying " + std::to_string(bytes) +
                                  " bytes to the device");
  return Status::success();
}

Status CudaDriver::copyDeviceToHost(void *dst, CUdeviceptr src,
                                    size_t bytes) const {
  if (!impl->ready)
    return impl->unavailable("copying from the device");
  if (CUresult result = impl->api.cuMemcpyDtoH(dst, src, bytes))
    return impl->fail(result, "copying " + std::to_string(bytes) +
                                  " bytes from the device");
  return Status::success();
}

Status CudaDriver::copyHostToDeviceAsync(CUdeviceptr dst, const void *src,
                                         size_t bytes, CUstream stream) const {
  if (!impl->ready)
    return impl->unavailable("copying to the device");
  if (CUresult result = impl->api.cuMemcpyHtoDAsync(dst, src, bytes, stream))
    return impl->fail(result, "copying " + std::to_string(bytes) +
                                  " bytes to the device on a stream");
  return Status::success();
}

Status CudaDriver::copyDeviceToHostAsync(void *dst, CUdeviceptr src,
                                         size_t bytes, CUstream stream) const {
  if (!impl->ready)
    return impl->unavailable("copying from the device");
  if (CUresult result = impl->api.cuMemcpyDtoHAsync(dst, src, bytes, stream))
    return impl->fail(result, "copying " + std::to_string(bytes) +
                                  " bytes from the device on a stream");
  return Status::success();
}

Status CudaDriver::memsetD8(CUdeviceptr dst, uint8_t value,
                            size_t count) const {
  if (!impl->ready)
    return impl->unavailable("filling device memory");
  if (CUresult result = impl->api.cuMemsetD8(dst, value, count))
    return impl->fail(result, "filling " + std::to_string(count) +
                                  " bytes of device memory");
  return Status::success();
}

Status CudaDriver::memsetD32(CUdeviceptr dst, uint32_t value,
                             size_t count) const {
  if (!impl->ready)
    return impl->unavailable("filling device memory");
  if (CUresult result = impl->api.cuMemsetD32(dst, value, count))
    return impl->fail(result, "filling " + std::to_string(count) +
                                  " 32-bit words of device memory");
  return Status::success();
}

Status CudaDriver::isDevicePointer(const void *pointer, bool *isDevice) const {
  const char *what = "asking where a pointer's memory lives";
  if (!impl->ready)
    return impl->unavailable(what);
  unsigned type = 0;
  CUresult result = impl->api.cuPointerGetAttribute(
      &type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
      static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer)));
  // The driver answers CUDA_ERROR_INVALID_VALUE for memory it never saw:
  // ordinary host memory.
  if (result == CUDA_ERROR_INVALID_VALUE) {
    *isDevice = false;
    return Status::success();
  }
  if (result != CUDA_SUCCESS)
    return impl->fail(result, what);
  *isDevice = type == CU_MEMORYTYPE_DEVICE || type == CU_MEMORYTYPE_UNIFIED;
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

Status CudaDriver::createStream(CUstream *stream) const {
  const char *what = "creating a stream";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result =
          impl->api.cuStreamCreate(stream, CU_STREAM_NON_BLOCKING))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::destroyStream(CUstream stream) const {
  const char *what = "destroying a stream";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuStreamDestroy(stream))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::synchronizeStream(CUstream stream) const {
  const char *what = "waiting for a stream";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuStreamSynchronize(stream))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::synchronizeContext() const {
  const char *what = "waiting for the device";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuCtxSynchronize())
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::createEvent(CUevent *event, bool timing) const {
  const char *what = "creating an event";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuEventCreate(
          event, timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::recordEvent(CUevent event, CUstream stream) const {
  const char *what = "recording an event";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuEventRecord(event, stream))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::synchronizeEvent(CUevent event) const {
  const char *what = "waiting for an event";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuEventSynchronize(event))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::elapsedMilliseconds(CUevent start, CUevent end,
                                       float *ms) const {
  const char *what = "measuring the time between two events";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuEventElapsedTime(ms, start, end))
    return impl->fail(result, what);
  return Status::success();
}

Status CudaDriver::destroyEvent(CUevent event) const {
  const char *what = "destroying an event";
  if (!impl->ready)
    return impl->unavailable(what);
  if (CUresult result = impl->api.cuEventDestroy(event))
    return impl->fail(result, what);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// DeviceBuffer
//===----------------------------------------------------------------------===//

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : pointer_(std::exchange(other.pointer_, 0)),
      size_(std::exchange(other.size_, 0)),
      context_(std::exchange(other.context_, nullptr)),
      releases_(other.releases_) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    reset();
    pointer_ = std::exchange(other.pointer_, 0);
    size_ = std::exchange(other.size_, 0);
    context_ = std::exchange(other.context_, nullptr);
    releases_ = other.releases_;
  }
  return *this;
}

bool DeviceBuffer::stale() const {
  return pointer_ && releases_ != CudaDriver::get().contextReleases();
}

Status DeviceBuffer::allocate(size_t bytes) {
  reset();
  if (bytes == 0)
    return Status::success(); // cuMemAlloc rejects 0; an empty buffer will do
  CudaDriver &driver = CudaDriver::get();
  // Read first: a release during the allocation leaves the buffer stale.
  uint64_t releases = driver.contextReleases();
  CUcontext context = nullptr;
  if (Status status = driver.currentContext(&context); !status)
    return status;
  CUdeviceptr pointer = 0;
  if (Status status = driver.allocate(bytes, &pointer); !status)
    return status;
  pointer_ = pointer;
  size_ = bytes;
  context_ = context;
  releases_ = releases;
  return Status::success();
}

void DeviceBuffer::reset() {
  if (!pointer_)
    return;
  if (stale()) {
    pointer_ = 0;
    size_ = 0;
    context_ = nullptr;
    return;
  }
  // cuMemFree needs a current context; free in the one that allocated, then
  // restore the caller's.
  CudaDriver &driver = CudaDriver::get();
  CUcontext current = nullptr;
  bool switched = driver.currentContext(&current).ok() &&
                  current != context_ &&
                  driver.setCurrentContext(context_).ok();
  (void)driver.deallocate(pointer_);
  if (switched)
    (void)driver.setCurrentContext(current);
  pointer_ = 0;
  size_ = 0;
  context_ = nullptr;
}

} // namespace flash
