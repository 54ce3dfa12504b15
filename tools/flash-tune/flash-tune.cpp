//===- flash-tune.cpp - Tune problem classes ahead of time ------------------===//
//
// For each problem (given by flash-run's problem flags, or a file of them, a
// problem a line), times the candidate tile configurations on random data
// and records the fastest in the autotune cache, which flash-run and the
// runtime then use. Shows progress while it works and prints the table of
// choices at the end. Exit status: 0 success, 1 a problem failed, 2 bad
// arguments.
//
//===----------------------------------------------------------------------===//

#include "flash/Runtime/Autotuner.h"
#include "flash/Runtime/Cache.h"
#include "flash/Runtime/CpuBackend.h"
#include "flash/Runtime/CudaBackend.h"
#include "flash/Testing/AttentionWorkload.h"
#include "flash/Testing/ProblemFlags.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

using namespace flash;
using namespace flash::testing;

namespace {

const char *kUsageHead = R"(usage: flash-tune [problem flags] [--problems=FILE] [--force]

Tunes the tile sizes of attention problem classes ahead of time and records
them in the autotune cache (FLASH_CACHE_DIR, else ~/.cache/flashmlir), where
flash-run and the runtime find them.

  --problems=FILE      one problem a line, in flash-run's flags (# starts a comment);
                       problem flags on the command line then apply to every
                       line (e.g. --backend=cuda), a line's own flags after them
  --force              tune again classes already recorded

)";

[[noreturn]] void badArgument(const std::string &message) {
  std::cerr << "flash-tune: " << message << "\n"
            << "Run 'flash-tune --help' for the options.\n";
  std::exit(2);
}

/// Parses one problem's flags; "" on success, else the error.
std::string parseProblem(const std::vector<std::string> &arguments,
                         ProblemFlags &flags) {
  for (const std::string &argument : arguments) {
    if (argument.rfind("--", 0) != 0)
      return "unexpected argument '" + argument + "'";
    std::string flag, value, error;
    bool hasValue;
    splitFlag(argument, flag, hasValue, value);
    if (!parseProblemFlag(flag, hasValue, value, flags, error))
      return "unknown option '--" + flag + "'";
    if (!error.empty())
      return error;
  }
  if (std::optional<std::string> error = finishProblemFlags(flags))
    return *error;
  return "";
}

/// Shows each candidate as it finishes; on a terminal, on one line.
class ProgressDisplay {
public:
  explicit ProgressDisplay(std::string label)
      : label(std::move(label)), terminal(isatty(fileno(stderr))),
        start(std::chrono::steady_clock::now()) {}
  void operator()(size_t done, size_t total, const TileConfig &candidate,
                  double ms, const TileConfig &best, double bestMs) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                   start)
                         .count();
    double left = elapsed / done * (total - done);
    std::string result = ms < 0 ? std::string("skipped") : format("%.3f ms", ms);
    std::string bestSoFar = std::isfinite(bestMs)
                                ? best.str() + format(" %.3f ms", bestMs)
                                : std::string("none yet");
    std::fprintf(stderr, "%s  [%zu/%zu] %s: %s  best %s  ~%.0f s left%s",
                 terminal ? "\r" : "", done, total, candidate.str().c_str(),
                 result.c_str(), bestSoFar.c_str(), left,
                 terminal && done < total ? "" : "\n");
    std::fflush(stderr);
  }

private:
  static std::string format(const char *pattern, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
  }
  std::string label;
  bool terminal;
  std::chrono::steady_clock::time_point start;
};

/// Tunes one problem's forward (and backward) classes.
Status tuneProblem(const ProblemFlags &flags, bool force, bool gpu) {
  Workload workload(flags.spec);
  Tuning tuning = force ? Tuning::Force : Tuning::Auto;
  auto progress = [&](const char *direction) {
    return ProgressDisplay(direction);
  };
  if (!gpu) {
    CpuBackend backend(cpuBackendOptions(flags, tuning));
    workload.poisonOutputs();
    ProgressDisplay forward = progress("forward");
    if (Status s = backend.forward(workload.forwardArgs(), forward); !s)
      return s;
    if (!flags.spec.backward)
      return Status::success();
    ProgressDisplay backward = progress("backward");
    return backend.backward(workload.backwardArgs(), backward);
  }
  CudaBackend backend(cudaBackendOptions(flags, tuning));
  DeviceWorkload device;
  workload.poisonOutputs();
  if (Status s = device.upload(workload); !s)
    return s;
  ProgressDisplay forward = progress("forward");
  if (Status s = backend.forward(device.forwardArgs(workload), nullptr, forward); !s)
    return s;
  if (!flags.spec.backward)
    return Status::success();
  ProgressDisplay backward = progress("backward");
  return backend.backward(device.backwardArgs(workload), nullptr, backward);
}

std::vector<std::string> splitWords(const std::string &line) {
  std::vector<std::string> words;
  std::istringstream stream(line);
  std::string word;
  while (stream >> word)
    words.push_back(word);
  return words;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> problemArguments;
  std::string problemsFile;
  bool force = false;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    if (argument == "--help" || argument == "-h") {
      std::cout << kUsageHead << kProblemFlagsHelp;
      return 0;
    }
    if (argument == "--force")
      force = true;
    else if (argument.rfind("--problems=", 0) == 0)
      problemsFile = argument.substr(11);
    else
      problemArguments.push_back(argument);
  }

  // The problems: the command line's, or the file's lines (the command
  // line's flags first, as defaults).
  std::vector<std::pair<std::string, ProblemFlags>> problems;
  if (problemsFile.empty()) {
    ProblemFlags flags;
    if (std::string error = parseProblem(problemArguments, flags); !error.empty())
      badArgument(error);
    problems.push_back({"command line", flags});
  }
  if (!problemsFile.empty()) {
    std::ifstream file(problemsFile);
    if (!file)
      badArgument("cannot read --problems file '" + problemsFile + "'");
    std::string line;
    for (int number = 1; std::getline(file, line); ++number) {
      if (size_t hash = line.find('#'); hash != std::string::npos)
        line.resize(hash);
      std::vector<std::string> words = splitWords(line);
      if (words.empty())
        continue;
      words.insert(words.begin(), problemArguments.begin(), problemArguments.end());
      ProblemFlags flags;
      if (std::string error = parseProblem(words, flags); !error.empty())
        badArgument(problemsFile + ":" + std::to_string(number) + ": " + error);
      problems.push_back({problemsFile + ":" + std::to_string(number), flags});
    }
  }

  std::string why;
  bool gpuUsable = CudaBackend::usable(&why);
  int status = 0;
  for (auto &[where, flags] : problems) {
    bool gpu = flags.backend == "cuda" || (flags.backend == "auto" && gpuUsable);
    if (flags.backend == "cuda" && !gpuUsable) {
      std::cerr << "flash-tune: " << where << ": the cuda backend is unavailable: "
                << why << "\n";
      status = 1;
      continue;
    }
    std::cerr << where << " (" << (gpu ? "cuda" : "cpu") << ")\n";
    if (Status s = tuneProblem(flags, force, gpu); !s) {
      std::cerr << "flash-tune: " << where << ": " << s.message() << "\n";
      status = 1;
    }
  }

  std::printf("%-56s %-20s %10s\n", "problem class", "tiles", "ms");
  for (const auto &[key, entry] : Autotuner::get().entries())
    std::printf("%-56s %-20s %10.3f\n", key.c_str(), entry.config.str().c_str(),
                entry.ms);
  std::printf("(recorded in %s/autotune.json)\n", cacheDirectory().c_str());
  return status;
}
