//===- Runtime.cpp - The FlashMLIR attention API ----------------------------===//

#include "flash/Runtime/Runtime.h"

#include "flash/Runtime/CpuBackend.h"
#include "flash/Runtime/CudaBackend.h"

#include <mutex>
#include <string>
#include <vector>

namespace flash {

Status fromDLPack(const char *name, const DLTensor *tensor, TensorRef &ref,
                  DLDeviceType *device) {
  auto error = [&](const std::string &what) {
    return Status::error("argument '" + std::string(name) + "': " + what);
  };
  if (!tensor)
    return error("is missing (null DLTensor)");
  if (tensor->ndim < 1)
    return error("must have at least one dimension");
  if (tensor->dtype.lanes != 1)
    return error("vector types (lanes " + std::to_string(tensor->dtype.lanes) +
                 ") are not supported");
  DLDataType t = tensor->dtype;
  if (t.code == kDLFloat && t.bits == 16)
    ref.dtype = DType::F16;
  else if (t.code == kDLBfloat && t.bits == 16)
    ref.dtype = DType::BF16;
  else if (t.code == kDLFloat && t.bits == 32)
    ref.dtype = DType::F32;
  else if (t.code == kDLInt && t.bits == 32)
    ref.dtype = DType::I32;
  else
    return error("has an unsupported dtype (code " + std::to_string(t.code) +
                 ", " + std::to_string(t.bits) + " bits)");
  if (tensor->device.device_type != kDLCPU && tensor->device.device_type != kDLCUDA)
    return error("must live on the CPU or a CUDA device, got DLPack device type " +
                 std::to_string(tensor->device.device_type));
  if (device)
    *device = tensor->device.device_type;
  ref.shape.assign(tensor->shape, tensor->shape + tensor->ndim);
  ref.strides = tensor->strides
                    ? std::vector<int64_t>(tensor->strides,
                                           tensor->strides + tensor->ndim)
                    : contiguousStrides(ref.shape);
  ref.data = tensor->data ? static_cast<char *>(tensor->data) + tensor->byte_offset
                          : nullptr;
  return Status::success();
}

namespace {

/// The DLPack tensors of a call, converted; the first error names its
/// argument. All on one device, which picks the backend under Auto.
class Conversion {
public:
  Status add(const char *name, const DLTensor *tensor, TensorRef &ref) {
    DLDeviceType type;
    if (Status s = fromDLPack(name, tensor, ref, &type); !s)
      return s;
    if (!device) {
      device = type;
      firstName = name;
    } else if (*device != type) {
      return Status::error("argument '" + std::string(name) +
                           "': must be on the same device as '" + firstName + "'");
    }
    return Status::success();
  }
  Status varlen(const AttentionCall &call, VarlenArgs &varlen) {
    if (!call.cuSeqlensQ && !call.cuSeqlensK)
      return Status::success();
    if (!call.cuSeqlensQ || !call.cuSeqlensK)
      return Status::error(std::string("argument '") +
                           (call.cuSeqlensQ ? "cu_seqlens_k" : "cu_seqlens_q") +
                           "': varlen needs both cu_seqlens_q and cu_seqlens_k");
    DLDeviceType typeQ, typeK;
    if (Status s = fromDLPack("cu_seqlens_q", call.cuSeqlensQ, varlen.cuSeqlensQ, &typeQ); !s)
      return s;
    if (Status s = fromDLPack("cu_seqlens_k", call.cuSeqlensK, varlen.cuSeqlensK, &typeK); !s)
      return s;
    // The runtime reads them to validate them and to size the grids.
    if (typeQ != kDLCPU)
      return Status::error("argument 'cu_seqlens_q': must be in host memory");
    if (typeK != kDLCPU)
      return Status::error("argument 'cu_seqlens_k': must be in host memory");
    varlen.maxSeqlenQ = call.maxSeqlenQ;
    varlen.maxSeqlenK = call.maxSeqlenK;
    return Status::success();
  }
  std::optional<DLDeviceType> device;
  std::string firstName;
};

} // namespace

struct Runtime::Impl {
  CpuBackend &cpu() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!cpuBackend)
      cpuBackend = std::make_unique<CpuBackend>(
          CpuBackend::Options{64, 64, defaultTuning()});
    return *cpuBackend;
  }
  CudaBackend &cuda() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!cudaBackend)
      cudaBackend = std::make_unique<CudaBackend>(
          CudaBackend::Options{64, 64, 4, 0, defaultTuning()});
    return *cudaBackend;
  }
  /// The backend a call runs on, or an error when it contradicts the
  /// tensors' device.
  Status choose(const AttentionCall &call, DLDeviceType device, Backend &chosen) {
    chosen = call.backend;
    if (chosen == Backend::Auto)
      chosen = device == kDLCUDA ? Backend::Cuda : Backend::Cpu;
    if (chosen == Backend::Cpu && device != kDLCPU)
      return Status::error("argument 'q': the cpu backend needs host tensors");
    if (chosen == Backend::Cuda && device != kDLCUDA)
      return Status::error("argument 'q': the cuda backend needs CUDA tensors");
    return Status::success();
  }

  /// Finishes validating a call (cu_seqlens, backend) and runs `entry`
  /// (forward or backward) on the chosen backend; the cuda backend also
  /// gets the call's stream.
  template <typename Args, typename Entry>
  Status run(const AttentionCall &call, Conversion &convert, Args &args,
             Entry entry) {
    if (Status s = convert.varlen(call, args.varlen); !s)
      return s;
    args.options = call; // the AttentionOptions part
    Backend backend;
    if (Status s = choose(call, *convert.device, backend); !s)
      return s;
    if (backend == Backend::Cuda)
      return entry(cuda(), args, static_cast<CUstream>(call.stream));
    return entry(cpu(), args);
  }

  std::mutex mutex;
  std::unique_ptr<CpuBackend> cpuBackend;
  std::unique_ptr<CudaBackend> cudaBackend;
};

Runtime &Runtime::get() {
  // Never destroyed: a JIT must not be torn down during static destruction,
  // after LLVM's own globals.
  static Runtime *runtime = new Runtime();
  return *runtime;
}

Runtime::Runtime() : impl(std::make_unique<Impl>()) {}
Runtime::~Runtime() = default;

Status Runtime::forward(const DLTensor *q, const DLTensor *k, const DLTensor *v,
                        DLTensor *out, DLTensor *lse, const AttentionCall &call) {
  ForwardArgs args;
  Conversion convert;
  for (auto [name, tensor, ref] :
       {std::tuple<const char *, const DLTensor *, TensorRef *>{"q", q, &args.q},
        {"k", k, &args.k}, {"v", v, &args.v}, {"out", out, &args.out},
        {"lse", lse, &args.lse}})
    if (Status s = convert.add(name, tensor, *ref); !s)
      return s;
  return impl->run(call, convert, args,
                   [](auto &backend, const ForwardArgs &args, auto... stream) {
                     return backend.forward(args, stream...);
                   });
}

Status Runtime::backward(const DLTensor *q, const DLTensor *k, const DLTensor *v,
                         const DLTensor *out, const DLTensor *dout,
                         const DLTensor *lse, DLTensor *dq, DLTensor *dk,
                         DLTensor *dv, const AttentionCall &call) {
  BackwardArgs args;
  Conversion convert;
  for (auto [name, tensor, ref] :
       {std::tuple<const char *, const DLTensor *, TensorRef *>{"q", q, &args.q},
        {"k", k, &args.k}, {"v", v, &args.v}, {"out", out, &args.out},
        {"dout", dout, &args.dout}, {"lse", lse, &args.lse},
        {"dq", dq, &args.dq}, {"dk", dk, &args.dk}, {"dv", dv, &args.dv}})
    if (Status s = convert.add(name, tensor, *ref); !s)
      return s;
  return impl->run(call, convert, args,
                   [](auto &backend, const BackwardArgs &args, auto... stream) {
                     return backend.backward(args, stream...);
                   });
}

} // namespace flash
