//===- flash-run.cpp - Run attention on random data -------------------------===//
//
// Builds a random problem from the command line, runs the forward (and with
// --backward the backward) on the chosen backend, optionally checks the
// results against the float64 oracle, prints throughput, and can save every
// tensor as .npy. Exit status: 0 success, 1 check failed or run error,
// 2 bad arguments.
//
//===----------------------------------------------------------------------===//

#include "flash/Runtime/CpuBackend.h"
#include "flash/Runtime/CudaBackend.h"
#include "flash/Testing/AttentionWorkload.h"
#include "flash/Testing/ProblemFlags.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace flash;
using namespace flash::testing;

namespace {

const char *kUsageHead = R"(usage: flash-run [options]

Runs attention on random data, on the CPU (MLIR JIT) or the GPU.

)";

const char *kUsageTail = R"(Run:
  --emit=ptx           write the PTX of the kernels the problem runs (the
                       backward's with --backward) instead of running; no GPU needed
  --arch=sm_80|sm_90a  target of --emit=ptx (default sm_80)
  -o FILE              where --emit writes (default: standard output)
  --repeats=N          timed runs after the first, reported as the median
                       (default 3; device time with CUDA events on the GPU)
  --check              compare with the float64 reference; exit 1 when over tolerance
  --json               print a JSON report instead of text
  --save=DIR           write q, k, v, out, lse (and do, dq, dk, dv, cu_seqlens) as .npy
)";

struct Options : ProblemFlags {
  int64_t repeats = 3;
  bool check = false, json = false;
  std::string saveDir, emit, arch = "sm_80", output;
};

[[noreturn]] void badArgument(const std::string &message) {
  std::cerr << "flash-run: " << message << "\n"
            << "Run 'flash-run --help' for the options.\n";
  std::exit(2);
}

Options parseOptions(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o") {
      if (i + 1 >= argc)
        badArgument("-o needs a file name");
      o.output = argv[++i];
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsageHead << kProblemFlagsHelp << kUsageTail;
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0)
      badArgument("unexpected argument '" + arg + "'");
    std::string flag, value, error;
    bool hasValue;
    splitFlag(arg, flag, hasValue, value);
    if (parseProblemFlag(flag, hasValue, value, o, error)) {
      if (!error.empty())
        badArgument(error);
      continue;
    }
    auto needValue = [&] {
      if (!hasValue)
        badArgument("--" + flag + " needs a value (--" + flag + "=...)");
    };
    auto noValue = [&] {
      if (hasValue)
        badArgument("--" + flag + " takes no value");
    };
    if (flag == "emit") {
      needValue();
      if (value != "ptx")
        badArgument("--emit must be ptx, got '" + value + "'");
      o.emit = value;
    } else if (flag == "arch") {
      needValue();
      if (value.rfind("sm_", 0) != 0 || value.size() < 5)
        badArgument("--arch must name an NVIDIA architecture such as sm_80 or "
                    "sm_90a, got '" + value + "'");
      o.arch = value;
    } else if (flag == "repeats") {
      needValue();
      char *end = nullptr;
      long long repeats = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || repeats < 0 || repeats > 100000)
        badArgument("--repeats must be in [0, 100000], got '" + value + "'");
      o.repeats = repeats;
    } else if (flag == "check") {
      noValue();
      o.check = true;
    } else if (flag == "json") {
      noValue();
      o.json = true;
    } else if (flag == "save") {
      needValue();
      o.saveDir = value;
    } else {
      badArgument("unknown option '--" + flag + "'");
    }
  }
  if (std::optional<std::string> error = finishProblemFlags(o))
    badArgument(*error);
  if (!o.output.empty() && o.emit.empty())
    badArgument("-o goes with --emit");
  return o;
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// The class of the problem the flags describe, as a backend would see it.
ProblemClass problemClass(const Options &o) {
  const WorkloadSpec &s = o.spec;
  ProblemClass problem;
  problem.dtype = s.dtype;
  problem.headDim = s.headDim;
  problem.varlen = s.isVarlen();
  problem.causal = s.causal;
  problem.backward = s.backward;
  problem.dropoutP = s.dropoutP;
  problem.scale = s.scale ? *s.scale
                          : 1.0f / std::sqrt(static_cast<float>(s.headDim));
  CudaBackend::setCodeOptions(cudaBackendOptions(o, Tuning::Off), problem);
  return problem;
}

int emitPTX(const Options &o) {
  std::string ptx;
  if (Status s = CudaBackend::emitPTX(problemClass(o), o.arch, ptx); !s) {
    std::cerr << "flash-run: " << s.message() << "\n";
    return 1;
  }
  if (o.output.empty()) {
    std::cout << ptx;
    return 0;
  }
  std::ofstream file(o.output);
  file << ptx;
  if (!file) {
    std::cerr << "flash-run: cannot write " << o.output << "\n";
    return 1;
  }
  return 0;
}

/// flash-run uses the configurations flash-tune recorded (unless the flags
/// give the tiles), and never tunes itself.
Tuning tuningOf(const Options &o) {
  return o.blocksGiven || !Autotuner::enabled() ? Tuning::Off : Tuning::Lookup;
}

/// Device (GPU) or wall-clock (CPU) seconds of one forward and backward.
struct Timing {
  double forward = 0, backward = 0;
};

/// Runs a workload on one backend. prepare() poisons the outputs and puts
/// the inputs where the backend reads them; run() then computes (and may be
/// repeated to time); finish() brings the outputs back for checking.
class Runner {
public:
  virtual ~Runner() = default;
  virtual Status prepare(Workload &w) = 0;
  virtual Status run(Workload &w, Timing &timing) = 0;
  virtual Status finish(Workload &w) = 0;
};

class CpuRunner : public Runner {
public:
  explicit CpuRunner(const Options &o)
      : backend(cpuBackendOptions(o, tuningOf(o))),
        backward(o.spec.backward) {}
  Status prepare(Workload &w) override {
    w.poisonOutputs();
    return Status::success();
  }
  Status run(Workload &w, Timing &timing) override {
    auto t0 = std::chrono::steady_clock::now();
    if (Status s = backend.forward(w.forwardArgs()); !s)
      return s;
    auto t1 = std::chrono::steady_clock::now();
    timing.forward = seconds(t1 - t0);
    if (backward) {
      if (Status s = backend.backward(w.backwardArgs()); !s)
        return s;
      timing.backward = seconds(std::chrono::steady_clock::now() - t1);
    }
    return Status::success();
  }
  Status finish(Workload &) override { return Status::success(); }

private:
  CpuBackend backend;
  bool backward;
};

class CudaRunner : public Runner {
public:
  explicit CudaRunner(const Options &o)
      : backend(cudaBackendOptions(o, tuningOf(o))),
        backward(o.spec.backward) {}
  ~CudaRunner() override {
    for (CUevent event : events)
      if (event)
        (void)CudaDriver::get().destroyEvent(event);
  }
  Status prepare(Workload &w) override {
    CudaDriver &driver = CudaDriver::get();
    if (Status s = driver.ensureContext(0); !s)
      return s;
    for (CUevent &event : events)
      if (!event)
        if (Status s = driver.createEvent(&event); !s)
          return s;
    w.poisonOutputs();
    return device.upload(w);
  }
  Status run(Workload &w, Timing &timing) override {
    CudaDriver &driver = CudaDriver::get();
    if (Status s = driver.recordEvent(events[0], nullptr); !s)
      return s;
    if (Status s = backend.forward(device.forwardArgs(w)); !s)
      return s;
    if (Status s = driver.recordEvent(events[1], nullptr); !s)
      return s;
    if (backward)
      if (Status s = backend.backward(device.backwardArgs(w)); !s)
        return s;
    if (Status s = driver.recordEvent(events[2], nullptr); !s)
      return s;
    if (Status s = driver.synchronizeEvent(events[2]); !s)
      return s;
    float forwardMs = 0, backwardMs = 0;
    if (Status s = driver.elapsedMilliseconds(events[0], events[1], &forwardMs); !s)
      return s;
    if (Status s = driver.elapsedMilliseconds(events[1], events[2], &backwardMs); !s)
      return s;
    timing.forward = forwardMs / 1e3;
    timing.backward = backward ? backwardMs / 1e3 : 0.0;
    return Status::success();
  }
  Status finish(Workload &w) override { return device.download(w); }

private:
  CudaBackend backend;
  DeviceWorkload device;
  bool backward;
  std::array<CUevent, 3> events = {nullptr, nullptr, nullptr};
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  if (!o.emit.empty())
    return emitPTX(o);

  std::string why;
  bool gpu = CudaBackend::usable(&why);
  if (o.backend == "cuda" && !gpu) {
    std::cerr << "flash-run: the cuda backend is unavailable: " << why << "\n";
    return 1;
  }
  std::string backendName = o.backend == "auto" ? (gpu ? "cuda" : "cpu") : o.backend;

  Workload workload(o.spec);
  std::unique_ptr<Runner> runner;
  if (backendName == "cuda")
    runner = std::make_unique<CudaRunner>(o);
  else
    runner = std::make_unique<CpuRunner>(o);

  // The first run compiles; the next `repeats` are timed (median).
  auto fail = [](const Status &status) {
    std::cerr << "flash-run: " << status.message() << "\n";
    return status.message().rfind("argument", 0) == 0 ? 2 : 1;
  };
  auto start = std::chrono::steady_clock::now();
  Timing timing;
  Status status = runner->prepare(workload);
  if (status)
    status = runner->run(workload, timing);
  double firstCall = seconds(std::chrono::steady_clock::now() - start);
  if (!status)
    return fail(status);
  std::vector<double> forwardTimes, backwardTimes;
  for (int64_t i = 0; i < std::max<int64_t>(o.repeats, 1); ++i) {
    if (o.repeats > 0)
      if (Status s = runner->run(workload, timing); !s)
        return fail(s);
    forwardTimes.push_back(timing.forward);
    backwardTimes.push_back(timing.backward);
  }
  if (Status s = runner->finish(workload); !s)
    return fail(s);
  double forwardSeconds = median(forwardTimes);
  double backwardSeconds = median(backwardTimes);

  CheckResult check;
  if (o.check)
    check = workload.check();
  if (!o.saveDir.empty())
    if (Status s = workload.save(o.saveDir); !s) {
      std::cerr << "flash-run: " << s.message() << "\n";
      return 1;
    }

  const WorkloadSpec &s = workload.spec();
  WorkloadSpec forwardOnly = s;
  forwardOnly.backward = false;
  // FlashAttention's count: the backward is 2.5 times the forward's FLOPs.
  double forwardFlops = forwardOnly.flops(), backwardFlops = 2.5 * forwardFlops;
  double forwardTflops = forwardFlops / forwardSeconds / 1e12;
  double backwardTflops =
      s.backward ? backwardFlops / backwardSeconds / 1e12 : 0.0;
  // A packed batch is reported by its sequence count and longest sequences
  // (the max_seqlen it runs with), its lengths listed in the JSON report.
  // The workload's spec lists the key lengths even when only --varlen was given.
  VarlenArgs varlen = workload.forwardArgs().varlen;
  int64_t batch = s.isVarlen() ? static_cast<int64_t>(s.varlenQ.size()) : s.batch;
  int64_t seqlenQ = s.isVarlen() ? varlen.maxSeqlenQ : s.seqlenQ;
  int64_t seqlenK = s.isVarlen() ? varlen.maxSeqlenK : s.seqlenK;
  if (o.json) {
    auto list = [](const std::vector<int64_t> &lengths) {
      std::string text = "[";
      for (size_t i = 0; i < lengths.size(); ++i)
        text += (i ? ", " : "") + std::to_string(lengths[i]);
      return text + "]";
    };
    std::cout << "{\"backend\": \"" << backendName << "\", \"dtype\": \""
              << dtypeName(s.dtype) << "\", \"batch\": " << batch
              << ", \"heads\": " << s.heads << ", \"kv_heads\": " << s.kvHeads
              << ", \"seqlen_q\": " << seqlenQ << ", \"seqlen_k\": " << seqlenK;
    if (s.isVarlen())
      std::cout << ", \"seqlens_q\": " << list(s.varlenQ)
                << ", \"seqlens_k\": " << list(s.varlenK);
    std::cout
              << ", \"head_dim\": " << s.headDim << ", \"causal\": "
              << (s.causal ? "true" : "false") << ", \"dropout\": " << s.dropoutP
              << ", \"varlen\": " << (s.isVarlen() ? "true" : "false")
              << ", \"backward\": " << (s.backward ? "true" : "false")
              << ", \"first_call_s\": " << firstCall
              << ", \"forward_s\": " << forwardSeconds
              << ", \"forward_tflops\": " << forwardTflops;
    if (s.backward)
      std::cout << ", \"backward_s\": " << backwardSeconds
                << ", \"backward_tflops\": " << backwardTflops;
    if (o.check) {
      std::cout << ", \"check\": {\"passed\": "
                << (check.passed() ? "true" : "false") << ", \"outputs\": [";
      for (size_t i = 0; i < check.entries.size(); ++i) {
        const CheckEntry &e = check.entries[i];
        std::cout << (i ? ", " : "") << "{\"name\": \"" << e.name
                  << "\", \"error\": " << e.error << ", \"baseline\": "
                  << e.baseline << ", \"tolerance\": " << e.tolerance
                  << ", \"passed\": " << (e.passed ? "true" : "false") << "}";
      }
      std::cout << "]}";
    }
    std::cout << "}\n";
  } else {
    std::printf("backend %s, %s, batch %lld, heads %lld/%lld, seqlen %lld/%lld, "
                "head_dim %lld%s%s%s%s\n",
                backendName.c_str(), dtypeName(s.dtype), (long long)batch,
                (long long)s.heads, (long long)s.kvHeads, (long long)seqlenQ,
                (long long)seqlenK, (long long)s.headDim,
                s.causal ? ", causal" : "", s.dropoutP > 0 ? ", dropout" : "",
                s.isVarlen() ? ", varlen" : "", s.backward ? ", backward" : "");
    std::printf("first call (compile + run) %.3f s\n", firstCall);
    std::printf("forward %.3f ms, %.2f TFLOP/s", forwardSeconds * 1e3, forwardTflops);
    if (s.backward)
      std::printf("; backward %.3f ms, %.2f TFLOP/s", backwardSeconds * 1e3,
                  backwardTflops);
    std::printf(" (median of %lld)\n", static_cast<long long>(forwardTimes.size()));
    if (o.check) {
      for (const CheckEntry &e : check.entries)
        std::printf("  %-4s rel. error %.3e  naive %.3e  tolerance %.3e  %s\n",
                    e.name.c_str(), e.error, e.baseline, e.tolerance,
                    e.passed ? "ok" : "FAILED");
      std::printf("check: %s\n", check.passed() ? "passed" : "FAILED");
    }
  }
  return o.check && !check.passed() ? 1 : 0;
}
