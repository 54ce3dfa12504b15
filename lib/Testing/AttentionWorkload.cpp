//===- AttentionWorkload.cpp - Random problems and their checking -----------===//

#include "flash/Testing/AttentionWorkload.h"

#include "flash/Reference/AttentionReference.h"
#include "flash/Runtime/CudaDriver.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <random>
#include <sstream>

namespace flash::testing {

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape, int64_t padding)
    : dtype_(dtype), shape_(std::move(shape)) {
  strides_.assign(shape_.size(), 1);
  int64_t span = 1;
  for (int64_t i = static_cast<int64_t>(shape_.size()) - 1; i >= 0; --i) {
    strides_[i] = span;
    span = span * shape_[i] + (i > 0 ? padding : 0);
  }
  storage_.assign(std::max<int64_t>(span, 1) * dtypeSize(dtype_), 0);
}

TensorRef HostTensor::ref() {
  TensorRef t;
  t.data = storage_.data();
  t.dtype = dtype_;
  t.shape = shape_;
  t.strides = strides_;
  return t;
}

int64_t HostTensor::numElements() const {
  int64_t count = 1;
  for (int64_t extent : shape_)
    count *= extent;
  return count;
}

int64_t HostTensor::linear(int64_t logical) const {
  int64_t offset = 0;
  for (int64_t i = static_cast<int64_t>(shape_.size()) - 1; i >= 0; --i) {
    offset += (logical % shape_[i]) * strides_[i];
    logical /= shape_[i];
  }
  return offset;
}

float HostTensor::get(int64_t logical) const {
  return loadAsFloat(storage_.data(), dtype_, linear(logical));
}

void HostTensor::set(int64_t logical, float value) {
  storeFromFloat(storage_.data(), dtype_, linear(logical), value);
}

void HostTensor::fill(float value) {
  for (int64_t i = 0, e = numElements(); i < e; ++i)
    set(i, value);
}

//===----------------------------------------------------------------------===//
// WorkloadSpec
//===----------------------------------------------------------------------===//

double WorkloadSpec::flops() const {
  double pairs = 0.0;
  if (isVarlen())
    for (size_t i = 0; i < varlenQ.size(); ++i)
      pairs += static_cast<double>(varlenQ[i]) *
               static_cast<double>(varlenK.empty() ? varlenQ[i] : varlenK[i]);
  else
    pairs = static_cast<double>(batch) * seqlenQ * seqlenK;
  double forward = 4.0 * heads * headDim * pairs * (causal ? 0.5 : 1.0);
  return backward ? 2.5 * forward : forward;
}

std::optional<DType> parseDType(const std::string &text) {
  if (text == "fp16" || text == "f16")
    return DType::F16;
  if (text == "bf16")
    return DType::BF16;
  return std::nullopt;
}

bool CheckResult::passed() const {
  for (const CheckEntry &entry : entries)
    if (!entry.passed)
      return false;
  return !entries.empty();
}

//===----------------------------------------------------------------------===//
// Workload
//===----------------------------------------------------------------------===//

Workload::Workload(const WorkloadSpec &spec) : spec_(spec) {
  if (spec_.isVarlen() && spec_.varlenK.empty())
    spec_.varlenK = spec_.varlenQ;
  const WorkloadSpec &s = spec_;
  int64_t pad = s.stridePadding;
  std::vector<int64_t> qShape, kShape, lseShape;
  if (s.isVarlen()) {
    int64_t totalQ = 0, totalK = 0;
    cuSeqlensQ = HostTensor(DType::I32, {static_cast<int64_t>(s.varlenQ.size()) + 1});
    cuSeqlensK = HostTensor(DType::I32, {static_cast<int64_t>(s.varlenK.size()) + 1});
    auto *cuQ = static_cast<int32_t *>(cuSeqlensQ.ref().data);
    auto *cuK = static_cast<int32_t *>(cuSeqlensK.ref().data);
    cuQ[0] = cuK[0] = 0;
    for (size_t i = 0; i < s.varlenQ.size(); ++i) {
      totalQ += s.varlenQ[i];
      totalK += s.varlenK[i];
      cuQ[i + 1] = static_cast<int32_t>(totalQ);
      cuK[i + 1] = static_cast<int32_t>(totalK);
    }
    qShape = {totalQ, s.heads, s.headDim};
    kShape = {totalK, s.kvHeads, s.headDim};
    lseShape = {s.heads, totalQ};
  } else {
    qShape = {s.batch, s.seqlenQ, s.heads, s.headDim};
    kShape = {s.batch, s.seqlenK, s.kvHeads, s.headDim};
    lseShape = {s.batch, s.heads, s.seqlenQ};
  }
  q = HostTensor(s.dtype, qShape, pad);
  k = HostTensor(s.dtype, kShape, pad);
  v = HostTensor(s.dtype, kShape, pad);
  out = HostTensor(s.dtype, qShape, pad);
  lse = HostTensor(DType::F32, lseShape, pad);
  if (s.backward) {
    dout = HostTensor(s.dtype, qShape, pad);
    dq = HostTensor(s.dtype, qShape, pad);
    dk = HostTensor(s.dtype, kShape, pad);
    dv = HostTensor(s.dtype, kShape, pad);
  }

  std::mt19937_64 generator(s.dataSeed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (HostTensor *t : {&q, &k, &v, &dout})
    for (int64_t i = 0, e = t->numElements(); i < e && !t->shape().empty(); ++i)
      t->set(i, normal(generator));
  poisonOutputs();
}

void Workload::poisonOutputs() {
  float nan = std::numeric_limits<float>::quiet_NaN();
  out.fill(nan);
  lse.fill(nan);
  if (spec_.backward) {
    dq.fill(nan);
    dk.fill(nan);
    dv.fill(nan);
  }
}

ForwardArgs Workload::forwardArgs() {
  ForwardArgs args;
  args.q = q.ref();
  args.k = k.ref();
  args.v = v.ref();
  args.out = out.ref();
  args.lse = lse.ref();
  if (spec_.isVarlen()) {
    args.varlen.cuSeqlensQ = cuSeqlensQ.ref();
    args.varlen.cuSeqlensK = cuSeqlensK.ref();
    args.varlen.maxSeqlenQ = *std::max_element(spec_.varlenQ.begin(), spec_.varlenQ.end());
    args.varlen.maxSeqlenK = *std::max_element(spec_.varlenK.begin(), spec_.varlenK.end());
  }
  args.options.scale = spec_.scale;
  args.options.causal = spec_.causal;
  args.options.dropoutP = spec_.dropoutP;
  args.options.seed = spec_.seed;
  args.options.offset = spec_.offset;
  return args;
}

BackwardArgs Workload::backwardArgs() {
  ForwardArgs forward = forwardArgs();
  BackwardArgs args;
  args.q = forward.q;
  args.k = forward.k;
  args.v = forward.v;
  args.out = forward.out;
  args.lse = forward.lse;
  args.dout = dout.ref();
  args.dq = dq.ref();
  args.dk = dk.ref();
  args.dv = dv.ref();
  args.varlen = forward.varlen;
  args.options = forward.options;
  return args;
}

std::vector<double> Workload::packed(const HostTensor &t) const {
  // [B, S, H, D] flattened row-major is [B * S, H, D]: the logical order is
  // already the packed one.
  std::vector<double> values(t.numElements());
  for (int64_t i = 0, e = t.numElements(); i < e; ++i)
    values[i] = t.get(i);
  return values;
}

namespace {

double roundTo(DType dtype, double value) {
  auto f = static_cast<float>(value);
  if (dtype == DType::BF16)
    return bfloat16ToFloat(floatToBFloat16(f));
  return halfToFloat(floatToHalf(f));
}

/// `naive` holds one or two naive baselines; the one further from `ref`
/// sets the tolerance.
CheckEntry compare(const std::string &name, const std::vector<double> &ours,
                   std::initializer_list<const std::vector<double> *> naive,
                   const std::vector<double> &ref) {
  const std::vector<double> *worst = *naive.begin();
  double worstNorm = -1.0;
  for (const std::vector<double> *candidate : naive) {
    double norm = 0.0;
    for (size_t i = 0; i < ref.size(); ++i)
      if (!std::isinf(ref[i]) && !std::isinf((*candidate)[i]))
        norm += ((*candidate)[i] - ref[i]) * ((*candidate)[i] - ref[i]);
    if (norm > worstNorm) {
      worstNorm = norm;
      worst = candidate;
    }
  }
  // Rows with no visible key have lse = +inf; those positions must agree
  // exactly and are left out of the norms.
  std::vector<double> a, b, c;
  bool infinitiesAgree = true;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isinf(ref[i]) || std::isinf(ours[i])) {
      infinitiesAgree &= ours[i] == ref[i];
      continue;
    }
    a.push_back(ours[i]);
    b.push_back((*worst)[i]);
    c.push_back(ref[i]);
  }
  CheckEntry entry;
  entry.name = name;
  entry.error = infinitiesAgree ? reference::relativeError(a, c)
                                : std::numeric_limits<double>::infinity();
  entry.baseline = reference::relativeError(b, c);
  // FlashAttention's rule: at most twice the naive implementation's error in
  // the input precision, plus a small slack: 1e-4 relative to the
  // reference's norm and 1e-5 per element absolute, so that a reference of
  // exactly zero (e.g. gradients through a single key) still has a bound.
  double refNorm = 0.0, errorNorm = 0.0, baselineNorm = 0.0;
  for (size_t i = 0; i < c.size(); ++i) {
    refNorm += c[i] * c[i];
    errorNorm += (a[i] - c[i]) * (a[i] - c[i]);
    baselineNorm += (b[i] - c[i]) * (b[i] - c[i]);
  }
  refNorm = std::sqrt(refNorm);
  double slack = 1e-4 * refNorm + 1e-5 * std::sqrt(static_cast<double>(c.size()));
  double bound = 2.0 * std::sqrt(baselineNorm) + slack;
  entry.tolerance = refNorm > 0 ? bound / refNorm : bound;
  entry.passed = infinitiesAgree && std::sqrt(errorNorm) <= bound; // false for NaN
  if (refNorm == 0) {
    // Report absolute norms when there is nothing to be relative to.
    entry.error = infinitiesAgree ? std::sqrt(errorNorm)
                                  : std::numeric_limits<double>::infinity();
    entry.baseline = std::sqrt(baselineNorm);
  }
  return entry;
}

} // namespace

CheckResult Workload::check() const {
  const WorkloadSpec &s = spec_;
  reference::Problem p;
  p.heads = s.heads;
  p.kvHeads = s.kvHeads;
  p.headDim = s.headDim;
  if (s.isVarlen()) {
    p.seqlensQ = s.varlenQ;
    p.seqlensK = s.varlenK;
  } else {
    p.seqlensQ.assign(s.batch, s.seqlenQ);
    p.seqlensK.assign(s.batch, s.seqlenK);
  }
  p.causal = s.causal;
  p.scale = s.scale ? *s.scale : 1.0 / std::sqrt(static_cast<double>(s.headDim));
  p.dropoutP = s.dropoutP;
  p.seed = s.seed;
  p.offset = s.offset;
  auto lowPrecision = [dtype = s.dtype](double x) { return roundTo(dtype, x); };

  std::vector<double> qv = packed(q), kv = packed(k), vv = packed(v);
  reference::Forward ref = reference::forward(p, qv, kv, vv);
  reference::Forward naive = reference::forward(p, qv, kv, vv, lowPrecision);

  // Our lse is [B, H, S] when dense; the oracle's is [H, B * S].
  std::vector<double> ourLse(ref.lse.size());
  int64_t totalQ = p.totalQ();
  for (int64_t i = 0, e = lse.numElements(); i < e; ++i) {
    int64_t position = i;
    if (!s.isVarlen()) {
      int64_t token = (i / (s.heads * s.seqlenQ)) * s.seqlenQ + i % s.seqlenQ;
      int64_t head = (i / s.seqlenQ) % s.heads;
      position = head * totalQ + token;
    }
    ourLse[position] = lse.get(i);
  }

  CheckResult result;
  result.entries.push_back(compare("out", packed(out), {&naive.out}, ref.out));
  result.entries.push_back(compare("lse", ourLse, {&naive.lse}, ref.lse));
  if (s.backward) {
    std::vector<double> dov = packed(dout);
    reference::Gradients g = reference::backward(p, qv, kv, vv, dov);
    // Two naive baselines: D = rowsum(P * dP), and D from the stored
    // output as the kernels (and FlashAttention) compute it, whose rounding
    // is part of the error a naive implementation of the algorithm makes
    // (all of it where the exact gradient is zero: one key with dropout).
    // The larger error sets the tolerance.
    reference::Gradients gn = reference::backward(p, qv, kv, vv, dov, lowPrecision);
    reference::Gradients gnFromOut =
        reference::backward(p, qv, kv, vv, dov, lowPrecision, &naive.out);
    result.entries.push_back(compare("dq", packed(dq), {&gn.dq, &gnFromOut.dq}, g.dq));
    result.entries.push_back(compare("dk", packed(dk), {&gn.dk, &gnFromOut.dk}, g.dk));
    result.entries.push_back(compare("dv", packed(dv), {&gn.dv, &gnFromOut.dv}, g.dv));
  }
  return result;
}

namespace {

/// Writes a C-ordered array; bf16 is widened to float32 (exactly), since
/// NumPy has no bfloat16.
Status writeNpy(const std::filesystem::path &path, const HostTensor &t) {
  std::string descr;
  int64_t elementBytes = 4;
  switch (t.dtype()) {
  case DType::F16:
    descr = "<f2";
    elementBytes = 2;
    break;
  case DType::BF16:
  case DType::F32:
    descr = "<f4";
    break;
  case DType::I32:
    descr = "<i4";
    break;
  }
  std::ostringstream header;
  header << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (int64_t extent : t.shape())
    header << extent << ", ";
  header << "), }";
  std::string text = header.str();
  // Magic (6) + version (2) + length (2) + header, padded to 64 bytes.
  size_t total = 10 + text.size() + 1;
  text.append((64 - total % 64) % 64, ' ');
  text.push_back('\n');

  std::ofstream file(path, std::ios::binary);
  if (!file)
    return Status::error("cannot write " + path.string());
  file.write("\x93NUMPY\x01\x00", 8);
  auto length = static_cast<uint16_t>(text.size());
  char lengthBytes[2] = {static_cast<char>(length & 0xFF),
                         static_cast<char>(length >> 8)};
  file.write(lengthBytes, 2);
  file << text;
  for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
    float value = t.get(i);
    if (t.dtype() == DType::F16) {
      uint16_t bits = floatToHalf(value);
      file.write(reinterpret_cast<const char *>(&bits), 2);
    } else if (t.dtype() == DType::I32) {
      auto integer = static_cast<int32_t>(value);
      file.write(reinterpret_cast<const char *>(&integer), elementBytes);
    } else {
      file.write(reinterpret_cast<const char *>(&value), elementBytes);
    }
  }
  return file ? Status::success() : Status::error("cannot write " + path.string());
}

} // namespace

Status Workload::save(const std::string &dir) const {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    return Status::error("cannot create " + dir + ": " + error.message());
  std::vector<std::pair<const char *, const HostTensor *>> tensors = {
      {"q", &q}, {"k", &k}, {"v", &v}, {"out", &out}, {"lse", &lse}};
  if (spec_.backward)
    tensors.insert(tensors.end(),
                   {{"do", &dout}, {"dq", &dq}, {"dk", &dk}, {"dv", &dv}});
  if (spec_.isVarlen())
    tensors.insert(tensors.end(), {{"cu_seqlens_q", &cuSeqlensQ},
                                   {"cu_seqlens_k", &cuSeqlensK}});
  for (auto [name, tensor] : tensors)
    if (Status s = writeNpy(std::filesystem::path(dir) / (std::string(name) + ".npy"),
                            *tensor);
        !s)
      return s;
  return Status::success();
}

//===----------------------------------------------------------------------===//
// DeviceWorkload
//===----------------------------------------------------------------------===//

struct DeviceWorkload::Mirror {
  HostTensor *host;
  DeviceBuffer buffer;
};

Status DeviceWorkload::upload(Workload &w) {
  mirrors.clear();
  CudaDriver &driver = CudaDriver::get();
  if (Status s = driver.ensureContext(0); !s)
    return s;
  for (HostTensor *t : {&w.q, &w.k, &w.v, &w.out, &w.lse, &w.dout, &w.dq, &w.dk,
                        &w.dv}) {
    if (t->shape().empty())
      continue;
    auto mirror = std::make_shared<Mirror>();
    mirror->host = t;
    if (Status s = mirror->buffer.allocate(std::max<size_t>(t->storageBytes(), 16)); !s)
      return s;
    if (Status s = driver.copyHostToDevice(mirror->buffer.devicePointer(),
                                           t->storage(), t->storageBytes());
        !s)
      return s;
    mirrors.push_back(mirror);
  }
  return Status::success();
}

Status DeviceWorkload::download(Workload &w) {
  CudaDriver &driver = CudaDriver::get();
  if (Status s = driver.synchronizeContext(); !s)
    return s;
  for (auto &mirror : mirrors)
    if (Status s = driver.copyDeviceToHost(mirror->host->storage(),
                                           mirror->buffer.devicePointer(),
                                           mirror->host->storageBytes());
        !s)
      return s;
  return Status::success();
}

TensorRef DeviceWorkload::deviceRef(HostTensor &tensor) {
  TensorRef ref = tensor.ref();
  for (auto &mirror : mirrors)
    if (mirror->host == &tensor)
      ref.data = mirror->buffer.data();
  return ref;
}

ForwardArgs DeviceWorkload::forwardArgs(Workload &w) {
  ForwardArgs args = w.forwardArgs();
  args.q = deviceRef(w.q);
  args.k = deviceRef(w.k);
  args.v = deviceRef(w.v);
  args.out = deviceRef(w.out);
  args.lse = deviceRef(w.lse);
  return args;
}

BackwardArgs DeviceWorkload::backwardArgs(Workload &w) {
  BackwardArgs args = w.backwardArgs();
  args.q = deviceRef(w.q);
  args.k = deviceRef(w.k);
  args.v = deviceRef(w.v);
  args.out = deviceRef(w.out);
  args.lse = deviceRef(w.lse);
  args.dout = deviceRef(w.dout);
  args.dq = deviceRef(w.dq);
  args.dk = deviceRef(w.dk);
  args.dv = deviceRef(w.dv);
  return args;
}

} // namespace flash::testing
