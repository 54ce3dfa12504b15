//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The runtime reaches NVIDIA GPUs through the driver API of libcuda, which is
// opened with dlopen() on first use rather than linked: FlashMLIR then builds
// without the CUDA toolkit and runs on machines without a GPU, where every
// call returns an error Status saying why CUDA is unavailable. The driver API
// (not cudart) is all a runtime that JIT-loads PTX needs.
//
// Calls that touch memory, modules or streams act on the context current on
// the calling thread; ensureContext() makes a device's primary context
// current. Every failing CUDA call becomes an error Status of the form
// "<what was being done>: <CUDA_ERROR_NAME>: <description>".
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_CUDADRIVER_H
#define FLASH_RUNTIME_CUDADRIVER_H

#include "flash/Runtime/Attention.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// The driver's handle types, spelled as cuda.h spells them: C++ allows a
// typedef to be repeated for the same type, so this header and cuda.h can be
// included together, in either order.
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

namespace flash {

struct CudaDeviceProperties {
  int ordinal = 0;
  std::string name;
  int major = 0, minor = 0; // compute capability
  int multiprocessorCount = 0;
  int maxThreadsPerBlock = 0;
  int sharedMemoryPerBlock = 0;         // bytes, without opting in
  int maxSharedMemoryPerBlockOptin = 0; // bytes, after setMaxDynamicSharedMemory
  int registersPerBlock = 0;            // 32-bit registers

  int computeCapability() const { return major * 10 + minor; } // e.g. 90
};

/// What the JIT made of a kernel: what a tuner checks (spills, occupancy).
struct CudaFunctionAttributes {
  int numRegisters = 0;        // per thread
  int staticSharedBytes = 0;   // declared in the kernel
  int localBytes = 0;          // per thread; non-zero means spills
  int maxThreadsPerBlock = 0;  // the most a launch may use
  int maxDynamicSharedBytes = 0;
};

/// A TMA tensor map (CUtensorMap): opaque, 64-byte aligned, passed to
/// kernels by value.
struct alignas(64) CudaTensorMap {
  uint64_t words[16] = {};
};

/// A tiled tensor map of 16-bit elements with the 128-byte swizzle: the
/// tensor's sizes and byte strides innermost first (strides of dims 1..),
/// and the box the TMA copies.
struct CudaTensorMapShape {
  bool bf16 = true;
  void *base = nullptr;
  std::vector<uint64_t> sizes, byteStrides;
  std::vector<uint32_t> box;
};

class CudaDriver {
public:
  /// The process-wide driver, opened on the first call (thread-safe). It is
  /// never destroyed, so buffers freed from static destructors stay valid.
  static CudaDriver &get();

  /// Opens the first of `libraries` that loads. For tests and tools; the
  /// runtime uses get().
  explicit CudaDriver(const std::vector<std::string> &libraries);
  ~CudaDriver();
  CudaDriver(const CudaDriver &) = delete;
  CudaDriver &operator=(const CudaDriver &) = delete;

  /// Whether libcuda loaded, cuInit succeeded and a device exists; if not,
  /// a sentence saying which of these failed.
  bool available() const;
  const std::string &unavailableReason() const;

  /// "<CUDA_ERROR_NAME>: <description>" for a CUresult value.
  std::string errorText(int result) const;

  /// The number of devices (0 when unavailable).
  int deviceCount() const;
  /// The driver's CUDA version, e.g. 13000 for 13.0.
  Status driverVersion(int *version) const;
  Status deviceProperties(int device, CudaDeviceProperties *properties) const;

  /// Retains `device`'s primary context (once per driver) and makes it
  /// current on the calling thread.
  Status ensureContext(int device);
  /// Drops the primary context reference ensureContext took and unbinds it
  /// from the calling thread. When no other reference remains (another
  /// driver's, a framework's), the context and whatever was allocated or
  /// loaded in it are destroyed. A later ensureContext retains it afresh.
  Status releaseContext(int device);
  /// Counts this driver's releaseContext calls that dropped a context:
  /// memory allocated before the last one may have gone with it.
  uint64_t contextReleases() const;
  Status currentContext(CUcontext *context) const;
  Status setCurrentContext(CUcontext context) const;

  /// Loads PTX text or a cubin/fatbin image. A JIT failure's error log is
  /// part of the message; `infoLog`, when given, receives the JIT's verbose
  /// log (registers, spills).
  Status loadModule(const std::string &image, CUmodule *module,
                    std::string *infoLog = nullptr) const;
  Status unloadModule(CUmodule module) const;
  Status getFunction(CUmodule module, const std::string &name,
                     CUfunction *function) const;
  Status functionAttributes(CUfunction function,
                            CudaFunctionAttributes *attributes) const;
  /// Kernels may use more than 48 KiB of dynamic shared memory only after
  /// opting in, up to CudaDeviceProperties::maxSharedMemoryPerBlockOptin.
  Status setMaxDynamicSharedMemory(CUfunction function, int bytes) const;
  /// How many programs of `function` (`threads` each, with `sharedBytes`
  /// of dynamic shared memory) one SM holds at once.
  Status residentPrograms(CUfunction function, int threads, int sharedBytes,
                          int *programs) const;
  /// Launches asynchronously on `stream` (null: the legacy default stream).
  /// `args` points to each kernel parameter in order. Faults inside the
  /// kernel surface at the next synchronizing call.
  Status launch(CUfunction function, std::array<unsigned, 3> grid,
                std::array<unsigned, 3> block, unsigned sharedBytes,
                CUstream stream, void **args) const;

  /// Whether the driver can encode TMA tensor maps (CUDA 12.0 and newer).
  bool hasTensorMaps() const;
  Status encodeTensorMap(const CudaTensorMapShape &shape,
                         CudaTensorMap *map) const;

  Status allocate(size_t bytes, CUdeviceptr *pointer) const;
  Status deallocate(CUdeviceptr pointer) const;
  Status copyHostToDevice(CUdeviceptr dst, const void *src, size_t bytes) const;
  Status copyDeviceToHost(void *dst, CUdeviceptr src, size_t bytes) const;
  /// Asynchronous with respect to the host only when the host memory is
  /// page-locked; otherwise the driver stages the copy.
  Status copyHostToDeviceAsync(CUdeviceptr dst, const void *src, size_t bytes,
                               CUstream stream) const;
  Status copyDeviceToHostAsync(void *dst, CUdeviceptr src, size_t bytes,
                               CUstream stream) const;
  Status memsetD8(CUdeviceptr dst, uint8_t value, size_t count) const;
  Status memsetD32(CUdeviceptr dst, uint32_t value, size_t count) const;
  /// Whether `pointer` is device (or managed) memory, e.g. to check that a
  /// tensor handed to a GPU backend lives on the GPU. Host memory the driver
  /// does not know of is simply not device memory.
  Status isDevicePointer(const void *pointer, bool *isDevice) const;

  /// A stream that does not synchronize with the legacy default stream.
  Status createStream(CUstream *stream) const;
  Status destroyStream(CUstream stream) const;
  Status synchronizeStream(CUstream stream) const;
  Status synchronizeContext() const;

  Status createEvent(CUevent *event, bool timing = true) const;
  Status recordEvent(CUevent event, CUstream stream) const;
  Status synchronizeEvent(CUevent event) const;
  /// Milliseconds between two recorded, completed timing events.
  Status elapsedMilliseconds(CUevent start, CUevent end, float *ms) const;
  Status destroyEvent(CUevent event) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// Device memory of the process-wide driver, freed when the buffer dies.
/// Allocated in the context current at allocate(); freed in that context,
/// whichever is current then. Memory allocated before the driver released
/// a context is stale: it is forgotten, never freed (it may have gone
/// with the context, and its address may belong to new memory).
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  /// Frees what the buffer held, then allocates `bytes` (none for 0).
  Status allocate(size_t bytes);
  /// Frees the memory now; errors are dropped, as in a destructor.
  void reset();

  CUdeviceptr devicePointer() const { return pointer_; }
  /// The device address as a pointer, e.g. for TensorRef::data.
  void *data() const { return reinterpret_cast<void *>(pointer_); }
  size_t size() const { return size_; }
  bool empty() const { return pointer_ == 0; }
  /// Whether the driver released a context since allocate().
  bool stale() const;

private:
  CUdeviceptr pointer_ = 0;
  size_t size_ = 0;
  CUcontext context_ = nullptr;
  uint64_t releases_ = 0; // the driver's contextReleases() at allocate()
};

} // namespace flash

#endif // FLASH_RUNTIME_CUDADRIVER_H
