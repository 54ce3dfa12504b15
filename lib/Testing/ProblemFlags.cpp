//===- ProblemFlags.cpp - The problem flags of flash-run and flash-tune ----===//

#include "flash/Testing/ProblemFlags.h"

#include "llvm/ADT/STLExtras.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <random>
#include <sstream>

namespace flash::testing {

const char *const kProblemFlagsHelp = R"(Problem:
  --batch=N            sequences (default 2)
  --heads=N            query heads (default 4)
  --kv-heads=N         key/value heads, dividing --heads (default: --heads)
  --seqlen-q=N         query length (default 128)
  --seqlen-k=N         key length (default: --seqlen-q)
  --head-dim=N         32, 64, 96, 128, 256, or any multiple of 8 up to 256 (default 64)
  --dtype=fp16|bf16    element type (default bf16)
  --causal             causal mask, bottom-right aligned
  --dropout=P          dropout probability in [0, 1) (default 0)
  --seed=N             dropout RNG seed (default 0)
  --offset=N           dropout RNG offset, below 2^32 (default 0)
  --scale=S            softmax scale (default 1/sqrt(head_dim))
  --varlen=L1,L2,...   packed variable-length batch of these query lengths
  --varlen-k=L1,...    key lengths of the packed batch (default: --varlen)
  --backward           also run the backward (dq, dk, dv)
  --data-seed=N        seed of the random inputs (default: fresh)
Backend:
  --backend=cpu|cuda|auto   (default auto: cuda when a GPU is usable, else cpu)
  --block-m=N --block-n=N   tile sizes (default 64, or the tuned ones)
  --num-warps=N        warps per program on the GPU (default 4)
  --bwd-block-m=N --bwd-block-n=N --bwd-num-warps=N   the backward's, where
                       they differ from the forward's (default: the same)
  --stages=1|2         pipeline stages of the K/V tiles on the GPU (default 1,
                       or the tuned ones)
  --wgmma=0|1          on sm_90a, lower matrix products to wgmma (default 1)
  --tma=0|1            on sm_90a, copy K/V tiles with the TMA (default 1)
  --warp-specialize=0|1  with the TMA, a producer warpgroup issues the copies
                       ahead of the consumer warps (default 1)
  --ping-pong=0|1      with a producer warpgroup, the consumer warpgroups take
                       turns issuing their products (default 0)
  --overlap-softmax=0|1  with a producer warpgroup, a key block's softmax runs
                       while the products around it do (default 0)
  --atomic-dq=0|1      backward: the dK/dV kernel adds dq's contributions
                       with atomic additions instead of a dq kernel that
                       recomputes the scores (default 0; the order of the
                       sum varies between runs)
  --deterministic      backward: dq summed in a fixed order, so that runs
                       repeat bit for bit: tuned configurations leave out
                       atomic dq (on the CPU every order is fixed)
  --transposed-grad=0|1  backward: the dK/dV kernel computes Sᵀ = K Qᵀ, keys
                       along the rows (default 1 on the GPU, 0 on the CPU)
  --persistent=0|1     forward of fixed lengths, with a producer warpgroup
                       (sm_90a, 8 warps): as many programs as the GPU holds
                       at once loop over the tiles (default 1)
  --producer-registers=N  with a producer warpgroup and 8 warps, registers a
                       producer thread keeps, a multiple of 8 from 24 to 128;
                       the consumers get the rest (default 56 in the
                       forward, consumers 224; 24 in the backward, 240)
)";

namespace {

bool parseInt(const std::string &flag, const std::string &text, int64_t min,
              int64_t max, int64_t &out, std::string &error) {
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE) {
    error = "--" + flag + " expects an integer, got '" + text + "'";
    return false;
  }
  if (value < min || value > max) {
    error = "--" + flag + " must be in [" + std::to_string(min) + ", " +
            std::to_string(max) + "], got " + text;
    return false;
  }
  out = value;
  return true;
}

bool parseUnsigned(const std::string &flag, const std::string &text,
                   uint64_t &out, std::string &error) {
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE) {
    error = "--" + flag + " expects a non-negative integer, got '" + text + "'";
    return false;
  }
  out = value;
  return true;
}

bool parseFloat(const std::string &flag, const std::string &text, float &out,
                std::string &error) {
  char *end = nullptr;
  float value = std::strtof(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    error = "--" + flag + " expects a number, got '" + text + "'";
    return false;
  }
  out = value;
  return true;
}

bool parseLengths(const std::string &flag, const std::string &text,
                  std::vector<int64_t> &out, std::string &error) {
  out.clear();
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    int64_t length;
    if (!parseInt(flag, item, 0, 1 << 20, length, error))
      return false;
    out.push_back(length);
  }
  if (out.empty() || text.back() == ',') {
    error = "--" + flag + " expects comma-separated lengths, got '" + text + "'";
    return false;
  }
  return true;
}

/// A flag taking an integer in [min, max], and where it goes.
struct IntegerFlag {
  const char *name;
  int64_t min, max;
  void (*set)(ProblemFlags &, int64_t);
};

template <auto Field> void setSpec(ProblemFlags &f, int64_t v) {
  f.spec.*Field = v;
}
template <auto Field> void setField(ProblemFlags &f, int64_t v) {
  f.*Field = v;
}
template <auto Field> void setSwitch(ProblemFlags &f, int64_t v) {
  f.*Field = v == 1;
}
/// A tile flag also says that the user chose the tiles (no tuning).
template <auto Field> void setTile(ProblemFlags &f, int64_t v) {
  f.*Field = v;
  f.blocksGiven = true;
}

const IntegerFlag kIntegerFlags[] = {
    {"batch", 1, 1 << 16, setSpec<&WorkloadSpec::batch>},
    {"heads", 1, 1024, setSpec<&WorkloadSpec::heads>},
    {"kv-heads", 1, 1024, setField<&ProblemFlags::kvHeads>},
    {"seqlen-q", 0, 1 << 20, setSpec<&WorkloadSpec::seqlenQ>},
    {"seqlen-k", 0, 1 << 20, setField<&ProblemFlags::seqlenK>},
    {"head-dim", 1, 1 << 20, setSpec<&WorkloadSpec::headDim>},
    {"block-m", 16, 256, setTile<&ProblemFlags::blockM>},
    {"block-n", 16, 256, setTile<&ProblemFlags::blockN>},
    {"num-warps", 1, 16, setTile<&ProblemFlags::numWarps>},
    {"bwd-block-m", 16, 256, setTile<&ProblemFlags::backwardBlockM>},
    {"bwd-block-n", 16, 256, setTile<&ProblemFlags::backwardBlockN>},
    {"bwd-num-warps", 1, 16, setTile<&ProblemFlags::backwardNumWarps>},
    {"stages", 1, 2, setTile<&ProblemFlags::stages>},
    {"producer-registers", 24, 128, setField<&ProblemFlags::producerRegisters>},
    {"wgmma", 0, 1, setSwitch<&ProblemFlags::wgmma>},
    {"tma", 0, 1, setSwitch<&ProblemFlags::tma>},
    {"warp-specialize", 0, 1, setSwitch<&ProblemFlags::warpSpecialize>},
    {"ping-pong", 0, 1, setSwitch<&ProblemFlags::pingPong>},
    {"overlap-softmax", 0, 1, setSwitch<&ProblemFlags::overlapSoftmax>},
    {"atomic-dq", 0, 1, setSwitch<&ProblemFlags::atomicDq>},
    {"transposed-grad", 0, 1, setSwitch<&ProblemFlags::transposedGrad>},
    {"persistent", 0, 1, setSwitch<&ProblemFlags::persistent>},
};

/// The other flags with a value, each parsed its own way below.
const char *const kOtherFlagsWithValue[] = {"dtype",    "dropout",   "seed",
                                            "offset",   "scale",     "varlen",
                                            "varlen-k", "data-seed", "backend"};
const char *const kFlagsWithoutValue[] = {"causal", "backward",
                                          "deterministic"};

} // namespace

void splitFlag(const std::string &argument, std::string &name, bool &hasValue,
               std::string &value) {
  size_t equals = argument.find('=');
  name = argument.substr(2, equals == std::string::npos ? std::string::npos
                                                        : equals - 2);
  hasValue = equals != std::string::npos;
  value = hasValue ? argument.substr(equals + 1) : "";
}

bool parseProblemFlag(const std::string &flag, bool hasValue,
                      const std::string &value, ProblemFlags &f,
                      std::string &error) {
  const IntegerFlag *integerFlag = nullptr;
  for (const IntegerFlag &candidate : kIntegerFlags)
    if (flag == candidate.name)
      integerFlag = &candidate;
  bool needsValue =
      integerFlag || llvm::is_contained(kOtherFlagsWithValue, flag);
  if (!needsValue && !llvm::is_contained(kFlagsWithoutValue, flag))
    return false;
  if (needsValue && !hasValue) {
    error = "--" + flag + " needs a value (--" + flag + "=...)";
    return true;
  }
  if (!needsValue && hasValue) {
    error = "--" + flag + " takes no value";
    return true;
  }
  WorkloadSpec &s = f.spec;
  int64_t integer = 0;
  if (integerFlag) {
    if (parseInt(flag, value, integerFlag->min, integerFlag->max, integer,
                 error))
      integerFlag->set(f, integer);
  } else if (flag == "dtype") {
    std::optional<DType> dtype = parseDType(value);
    if (!dtype)
      error = "--dtype must be fp16 or bf16, got '" + value + "'";
    else
      s.dtype = *dtype;
  } else if (flag == "causal")
    s.causal = true;
  else if (flag == "dropout")
    parseFloat(flag, value, s.dropoutP, error);
  else if (flag == "seed")
    parseUnsigned(flag, value, s.seed, error);
  else if (flag == "offset")
    parseUnsigned(flag, value, s.offset, error);
  else if (flag == "scale") {
    float scale;
    if (parseFloat(flag, value, scale, error))
      s.scale = scale;
  } else if (flag == "varlen")
    parseLengths(flag, value, s.varlenQ, error);
  else if (flag == "varlen-k")
    parseLengths(flag, value, s.varlenK, error);
  else if (flag == "backward")
    s.backward = true;
  else if (flag == "deterministic")
    f.deterministic = true;
  else if (flag == "data-seed") {
    if (parseUnsigned(flag, value, s.dataSeed, error))
      f.dataSeedGiven = true;
  } else if (flag == "backend") {
    if (value != "cpu" && value != "cuda" && value != "auto")
      error = "--backend must be cpu, cuda or auto, got '" + value + "'";
    else
      f.backend = value;
  }
  return true;
}

CpuBackend::Options cpuBackendOptions(const ProblemFlags &f, Tuning tuning) {
  CpuBackend::Options options;
  options.blockM = f.blockM;
  options.blockN = f.blockN;
  options.backwardBlockM = f.backwardBlockM;
  options.backwardBlockN = f.backwardBlockN;
  options.tuning = tuning;
  options.atomicDq = f.atomicDq;
  options.transposedGrad = f.transposedGrad.value_or(options.transposedGrad);
  return options;
}

CudaBackend::Options cudaBackendOptions(const ProblemFlags &f, Tuning tuning) {
  CudaBackend::Options options;
  options.blockM = f.blockM;
  options.blockN = f.blockN;
  options.numWarps = f.numWarps;
  options.backwardBlockM = f.backwardBlockM;
  options.backwardBlockN = f.backwardBlockN;
  options.backwardNumWarps = f.backwardNumWarps;
  options.tuning = tuning;
  options.wgmma = f.wgmma;
  options.stages = f.stages;
  options.tma = f.tma;
  options.warpSpecialize = f.warpSpecialize;
  options.pingPong = f.pingPong;
  options.overlapSoftmax = f.overlapSoftmax;
  options.atomicDq = f.atomicDq;
  options.deterministic = f.deterministic;
  options.transposedGrad = f.transposedGrad.value_or(options.transposedGrad);
  options.persistent = f.persistent;
  options.producerRegisters = f.producerRegisters;
  return options;
}

std::optional<std::string> finishProblemFlags(ProblemFlags &f) {
  WorkloadSpec &s = f.spec;
  s.kvHeads = f.kvHeads.value_or(s.heads);
  s.seqlenK = f.seqlenK.value_or(s.seqlenQ);
  if (s.heads % s.kvHeads != 0)
    return "--kv-heads (" + std::to_string(s.kvHeads) + ") must divide --heads (" +
           std::to_string(s.heads) + ")";
  if (!isSupportedHeadDim(s.headDim))
    return "--head-dim must be a multiple of 8 up to 256, got " +
           std::to_string(s.headDim);
  if (!(s.dropoutP >= 0.0f && s.dropoutP < 1.0f))
    return "--dropout must be in [0, 1), got " + std::to_string(s.dropoutP);
  if (s.offset >= (uint64_t{1} << 32))
    return std::string("--offset must be below 2^32");
  if (s.scale && !(*s.scale > 0.0f && std::isfinite(*s.scale)))
    return std::string("--scale must be finite and positive");
  if (!s.varlenK.empty() && s.varlenQ.empty())
    return std::string("--varlen-k needs --varlen");
  if (!s.varlenK.empty() && s.varlenK.size() != s.varlenQ.size())
    return std::string("--varlen-k must list as many lengths as --varlen");
  if (f.blockM % 16 != 0 || f.blockN % 16 != 0)
    return std::string("--block-m and --block-n must be multiples of 16");
  if (f.backwardBlockM % 16 != 0 || f.backwardBlockN % 16 != 0)
    return std::string("--bwd-block-m and --bwd-block-n must be multiples of 16");
  if ((f.numWarps & (f.numWarps - 1)) != 0)
    return std::string("--num-warps must be a power of two");
  if ((f.backwardNumWarps & (f.backwardNumWarps - 1)) != 0)
    return std::string("--bwd-num-warps must be a power of two");
  if (f.producerRegisters % 8 != 0)
    return "--producer-registers must be a multiple of 8, got " +
           std::to_string(f.producerRegisters);
  if (f.deterministic && f.atomicDq)
    return std::string("--atomic-dq=1 adds dq in a varying order, which "
                       "--deterministic rules out");
  if (!f.dataSeedGiven)
    s.dataSeed = std::random_device{}();
  return std::nullopt;
}

} // namespace flash::testing
