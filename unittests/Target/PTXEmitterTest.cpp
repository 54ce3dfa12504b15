//===- PTXEmitterTest.cpp - LLVM/NVVM dialect to PTX and cubin --------------===//
//
// Tiny LLVM-dialect kernels go through emitPTX for sm_80 and sm_90a and,
// when ptxas is installed, through assembleCubin, whose --verbose report
// parsePtxasVerbose reads. Bad options and modules the back end cannot
// compile must give failure and a diagnostic, never end the process.
//
//===----------------------------------------------------------------------===//

#include "flash/Target/PTX/PTXEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <thread>

using namespace mlir;
using namespace mlir::flash;

namespace {

// One kernel storing its thread index, and one going through shared memory
// (a 256 x f32 buffer in address space 3, 1024 bytes).
constexpr const char *kKernels = R"mlir(
module {
  llvm.func @k(%arg0: !llvm.ptr<1>) attributes {nvvm.kernel} {
    %0 = nvvm.read.ptx.sreg.tid.x : i32
    llvm.store %0, %arg0 : i32, !llvm.ptr<1>
    llvm.return
  }

  llvm.mlir.global internal @smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<256 x f32>

  llvm.func @shared(%arg0: !llvm.ptr<1>) attributes {nvvm.kernel} {
    %tid = nvvm.read.ptx.sreg.tid.x : i32
    %base = llvm.mlir.addressof @smem : !llvm.ptr<3>
    %slot = llvm.getelementptr %base[0, %tid] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, !llvm.array<256 x f32>
    %f = llvm.uitofp %tid : i32 to f32
    llvm.store %f, %slot : f32, !llvm.ptr<3>
    nvvm.barrier0
    %one = llvm.mlir.constant(1 : i32) : i32
    %other = llvm.xor %tid, %one : i32
    %from = llvm.getelementptr %base[0, %other] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, !llvm.array<256 x f32>
    %v = llvm.load %from : !llvm.ptr<3> -> f32
    %to = llvm.getelementptr %arg0[%tid] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, f32
    llvm.store %v, %to : f32, !llvm.ptr<1>
    llvm.return
  }
}
)mlir";

class PTXEmitterTest : public ::testing::Test {
protected:
  PTXEmitterTest() {
    // Only what parsing needs: emitPTX registers the translations to LLVM
    // IR itself (and loads NVVM, whose nvvm.kernel attribute it needs).
    DialectRegistry registry;
    registry.insert<LLVM::LLVMDialect, NVVM::NVVMDialect>();
    context.appendDialectRegistry(registry);
    handler = std::make_unique<ScopedDiagnosticHandler>(
        &context, [this](Diagnostic &diag) {
          if (diag.getSeverity() == DiagnosticSeverity::Error)
            errors.push_back(diag.str());
          return success();
        });
  }

  OwningOpRef<ModuleOp> parse(const char *source) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, ParserConfig(&context));
    EXPECT_TRUE(module) << "the test module does not parse";
    return module;
  }

  /// Whether some error diagnostic contains `text`.
  bool hasError(StringRef text) const {
    for (const std::string &error : errors)
      if (StringRef(error).contains(text))
        return true;
    return false;
  }

  std::string allErrors() const {
    std::string text;
    for (const std::string &error : errors)
      text += error + "\n";
    return text;
  }

  MLIRContext context;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  std::vector<std::string> errors;
};

PTXOptions options(const char *chip, const char *features = "+ptx80") {
  PTXOptions o;
  o.chip = chip;
  o.features = features;
  return o;
}

TEST_F(PTXEmitterTest, EmitsKernelsForSm80AndSm90a) {
  OwningOpRef<ModuleOp> module = parse(kKernels);
  ASSERT_TRUE(module);
  for (const char *chip : {"sm_80", "sm_90a"}) {
    SCOPED_TRACE(chip);
    FailureOr<std::string> ptx = emitPTX(*module, options(chip));
    ASSERT_TRUE(succeeded(ptx)) << allErrors();
    EXPECT_NE(ptx->find(".visible .entry k("), std::string::npos) << *ptx;
    EXPECT_NE(ptx->find(".visible .entry shared("), std::string::npos);
    EXPECT_NE(ptx->find(std::string(".target ") + chip + "\n"),
              std::string::npos)
        << *ptx;
    EXPECT_NE(ptx->find(".version 8.0\n"), std::string::npos);
    EXPECT_NE(ptx->find(".address_size 64"), std::string::npos);
    EXPECT_NE(ptx->find("%tid.x"), std::string::npos);
    EXPECT_NE(ptx->find(".shared .align 16 .b8 smem[1024]"), std::string::npos)
        << *ptx;
  }
  EXPECT_TRUE(errors.empty()) << allErrors();
}

TEST_F(PTXEmitterTest, PtxVersionAndOptLevels) {
  OwningOpRef<ModuleOp> module = parse(kKernels);
  ASSERT_TRUE(module);
  // No +ptx feature: LLVM's minimum for the chip.
  FailureOr<std::string> ptx = emitPTX(*module, options("sm_90a", ""));
  ASSERT_TRUE(succeeded(ptx)) << allErrors();
  EXPECT_NE(ptx->find(".version 8.0\n"), std::string::npos);
  ptx = emitPTX(*module, options("sm_80", ""));
  ASSERT_TRUE(succeeded(ptx)) << allErrors();
  EXPECT_NE(ptx->find(".version 7.0\n"), std::string::npos);
  // The newest PTX ISA LLVM 22 knows (CUDA 13.0's).
  ptx = emitPTX(*module, options("sm_90a", "+ptx90"));
  ASSERT_TRUE(succeeded(ptx)) << allErrors();
  EXPECT_NE(ptx->find(".version 9.0\n"), std::string::npos);
  for (int level : {0, 1, 2}) {
    PTXOptions o;
    o.optLevel = level;
    ptx = emitPTX(*module, o);
    ASSERT_TRUE(succeeded(ptx)) << "O" << level << ": " << allErrors();
    EXPECT_NE(ptx->find(".visible .entry k("), std::string::npos);
  }
}

TEST_F(PTXEmitterTest, AssemblesWithPtxas) {
  if (!findPtxas())
    GTEST_SKIP() << "ptxas not found";
  OwningOpRef<ModuleOp> module = parse(kKernels);
  ASSERT_TRUE(module);
  for (const char *chip : {"sm_80", "sm_90a"}) {
    SCOPED_TRACE(chip);
    FailureOr<std::string> ptx = emitPTX(*module, options(chip));
    ASSERT_TRUE(succeeded(ptx)) << allErrors();
    std::string log;
    FailureOr<std::string> cubin = assembleCubin(*ptx, chip, log);
    ASSERT_TRUE(succeeded(cubin)) << log;
    ASSERT_GE(cubin->size(), 4u);
    EXPECT_EQ(cubin->substr(0, 4), "\x7f"
                                   "ELF");
    std::map<std::string, KernelResources> kernels = parsePtxasVerbose(log);
    ASSERT_EQ(kernels.count("k"), 1u) << log;
    EXPECT_GE(kernels["k"].registers, 1) << log;
    EXPECT_EQ(kernels["k"].sharedBytes, 0) << log;
    EXPECT_EQ(kernels["k"].spillStores, 0);
    ASSERT_EQ(kernels.count("shared"), 1u) << log;
    EXPECT_GE(kernels["shared"].registers, 1) << log;
    EXPECT_EQ(kernels["shared"].sharedBytes, 1024) << log;
  }
}

TEST_F(PTXEmitterTest, PtxasErrorsComeBackInTheLog) {
  if (!findPtxas())
    GTEST_SKIP() << "ptxas not found";
  std::string log;
  FailureOr<std::string> cubin = assembleCubin(
      ".version 8.0\n.target sm_80\n.address_size 64\n"
      ".visible .entry broken() { bogus.instruction; }\n",
      "sm_80", log);
  EXPECT_TRUE(failed(cubin));
  EXPECT_NE(log.find("error"), std::string::npos) << log;
  EXPECT_NE(log.find("failed with exit status"), std::string::npos) << log;
}

TEST(PtxasLookup, ExplicitFlashPtxasThatDoesNotExist) {
  const char *saved = std::getenv("FLASH_PTXAS");
  std::string previous = saved ? saved : "";
  ::setenv("FLASH_PTXAS", "/nonexistent/bin/ptxas", 1);
  EXPECT_FALSE(findPtxas().has_value());
  std::string log;
  EXPECT_TRUE(failed(assembleCubin(".version 8.0\n", "sm_80", log)));
  EXPECT_NE(log.find("ptxas not found"), std::string::npos) << log;
  if (saved)
    ::setenv("FLASH_PTXAS", previous.c_str(), 1);
  else
    ::unsetenv("FLASH_PTXAS");
}

TEST(ParsePtxasVerbose, ReadsEveryKernel) {
  // ptxas 13.0 -arch=sm_80 -O3 --verbose on two kernels and a device
  // function, one kernel spilling under -maxrregcount, followed by an older
  // ptxas's shorter register line.
  constexpr const char *log = R"(ptxas warning : For profile sm_80 adjusting per thread register count of 16 to lower bound of 24
ptxas info    : Overriding maximum register limit 256 for 'attn_fwd' with  24 of maxrregcount option
ptxas info    : 0 bytes gmem
ptxas info    : Function properties for _Z6helperf
    8 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Compiling entry function 'attn_fwd' for 'sm_80'
ptxas info    : Function properties for attn_fwd
    176 bytes stack frame, 172 bytes spill stores, 236 bytes spill loads
ptxas info    : Used 24 registers, used 1 barriers, 49152 bytes smem, 400 bytes cmem[0], 8 bytes cmem[2]
ptxas info    : Compile time = 41.071 ms
ptxas info    : Compiling entry function 'k' for 'sm_80'
ptxas info    : Function properties for k
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 8 registers, used 0 barriers, 360 bytes cmem[0]
ptxas info    : Compile time = 0.905 ms
ptxas info    : Compiling entry function 'old_style' for 'sm_80'
ptxas info    : Function properties for old_style
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 4 registers, 1024 bytes smem, 360 bytes cmem[0]
)";
  std::map<std::string, KernelResources> kernels = parsePtxasVerbose(log);
  ASSERT_EQ(kernels.size(), 4u);

  const KernelResources &fwd = kernels.at("attn_fwd");
  EXPECT_EQ(fwd.registers, 24);
  EXPECT_EQ(fwd.sharedBytes, 49152);
  EXPECT_EQ(fwd.spillStores, 172);
  EXPECT_EQ(fwd.spillLoads, 236);

  const KernelResources &k = kernels.at("k");
  EXPECT_EQ(k.registers, 8);
  EXPECT_EQ(k.sharedBytes, 0);
  EXPECT_EQ(k.spillStores, 0);
  EXPECT_EQ(k.spillLoads, 0);

  const KernelResources &old = kernels.at("old_style");
  EXPECT_EQ(old.registers, 4);
  EXPECT_EQ(old.sharedBytes, 1024);

  // A device function: its frame is reported, its registers are not.
  const KernelResources &helper = kernels.at("_Z6helperf");
  EXPECT_EQ(helper.registers, -1);
  EXPECT_EQ(helper.sharedBytes, -1);
  EXPECT_EQ(helper.spillStores, 0);

  EXPECT_TRUE(parsePtxasVerbose("").empty());
  EXPECT_TRUE(parsePtxasVerbose("ptxas fatal   : Unresolved extern function "
                                "'f'\n")
                  .empty());
}

TEST_F(PTXEmitterTest, UnknownIntrinsicIsADiagnostic) {
  OwningOpRef<ModuleOp> module = parse(R"mlir(
module {
  llvm.func @k(%arg0: !llvm.ptr<1>) attributes {nvvm.kernel} {
    %0 = llvm.call_intrinsic "llvm.nvvm.not.an.intrinsic"() : () -> i32
    llvm.store %0, %arg0 : i32, !llvm.ptr<1>
    llvm.return
  }
}
)mlir");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(emitPTX(*module, PTXOptions())));
  EXPECT_TRUE(hasError("llvm.nvvm.not.an.intrinsic")) << allErrors();
  EXPECT_TRUE(hasError("cannot translate the module to LLVM IR"))
      << allErrors();
}

TEST_F(PTXEmitterTest, OpWithoutTranslationIsADiagnostic) {
  context.allowUnregisteredDialects();
  OwningOpRef<ModuleOp> module = parse(R"mlir(
module {
  llvm.func @k(%arg0: !llvm.ptr<1>) attributes {nvvm.kernel} {
    %0 = "mystery.op"() : () -> i32
    llvm.store %0, %arg0 : i32, !llvm.ptr<1>
    llvm.return
  }
}
)mlir");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(emitPTX(*module, PTXOptions())));
  EXPECT_TRUE(hasError("mystery.op")) << allErrors();
}

TEST_F(PTXEmitterTest, IntrinsicTheChipLacksIsADiagnostic) {
  // Cluster barriers need sm_90: NVPTX's instruction selection cannot
  // select them for sm_80 and reports a fatal error.
  OwningOpRef<ModuleOp> module = parse(R"mlir(
module {
  llvm.func @k() attributes {nvvm.kernel} {
    nvvm.cluster.arrive
    llvm.return
  }
}
)mlir");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(emitPTX(*module, options("sm_80"))));
  EXPECT_TRUE(hasError("fatal error compiling for sm_80")) << allErrors();
  // The same module is fine for sm_90a, and the emitter still works.
  errors.clear();
  FailureOr<std::string> ptx = emitPTX(*module, options("sm_90a"));
  ASSERT_TRUE(succeeded(ptx)) << allErrors();
  EXPECT_NE(ptx->find("barrier.cluster.arrive"), std::string::npos) << *ptx;
}

TEST_F(PTXEmitterTest, BackEndErrorIsADiagnostic) {
  // Dynamic alloca needs PTX 7.3: the back end reports it through the
  // LLVMContext, whose default handler would exit.
  OwningOpRef<ModuleOp> module = parse(R"mlir(
module {
  llvm.func @k(%arg0: !llvm.ptr<1>, %n: i64) attributes {nvvm.kernel} {
    %one = llvm.mlir.constant(1 : i32) : i32
    %a = llvm.alloca %n x i32 : (i64) -> !llvm.ptr
    llvm.store volatile %one, %a : i32, !llvm.ptr
    llvm.return
  }
}
)mlir");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(emitPTX(*module, options("sm_80", "+ptx70"))));
  EXPECT_TRUE(hasError("dynamic alloca")) << allErrors();
  errors.clear();
  EXPECT_TRUE(succeeded(emitPTX(*module, options("sm_80", "+ptx80"))))
      << allErrors();
}

TEST_F(PTXEmitterTest, BadOptionsAreDiagnostics) {
  OwningOpRef<ModuleOp> module = parse(kKernels);
  ASSERT_TRUE(module);

  EXPECT_TRUE(failed(emitPTX(*module, options("sm_999"))));
  EXPECT_TRUE(hasError("unknown NVPTX chip 'sm_999'")) << allErrors();
  EXPECT_TRUE(hasError("sm_90a")) << allErrors(); // the known chips are listed

  errors.clear();
  EXPECT_TRUE(failed(emitPTX(*module, options("sm_80", "+ptx999"))));
  EXPECT_TRUE(hasError("unknown NVPTX feature 'ptx999'")) << allErrors();

  errors.clear();
  EXPECT_TRUE(failed(emitPTX(*module, options("sm_80", "ptx80"))));
  EXPECT_TRUE(hasError("must start with '+' or '-'")) << allErrors();

  // LLVM would exit: PTX 7.0 cannot target sm_90a.
  errors.clear();
  EXPECT_TRUE(failed(emitPTX(*module, options("sm_90a", "+ptx70"))));
  EXPECT_TRUE(hasError("needs at least 8.0 (+ptx80)")) << allErrors();

  errors.clear();
  EXPECT_TRUE(failed(emitPTX(*module, options("sm_100a", "+ptx80"))));
  EXPECT_TRUE(hasError("needs at least 8.6 (+ptx86)")) << allErrors();

  errors.clear();
  PTXOptions o;
  o.optLevel = 4;
  EXPECT_TRUE(failed(emitPTX(*module, o)));
  EXPECT_TRUE(hasError("optimization level")) << allErrors();
}

TEST(PTXEmitterThreads, ContextsOnSeveralThreads) {
  // Target initialisation, crash recovery and the PTX-version cache are
  // shared; each thread has its own context and module.
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&results, i] {
      MLIRContext context;
      DialectRegistry registry;
      registry.insert<LLVM::LLVMDialect, NVVM::NVVMDialect>();
      context.appendDialectRegistry(registry);
      ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) {
        return success();
      });
      OwningOpRef<ModuleOp> module =
          parseSourceString<ModuleOp>(kKernels, ParserConfig(&context));
      if (!module)
        return;
      FailureOr<std::string> ptx =
          emitPTX(*module, options(i % 2 ? "sm_90a" : "sm_80"));
      if (succeeded(ptx))
        results[i] = *ptx;
    });
  for (std::thread &thread : threads)
    thread.join();
  for (size_t i = 0; i < results.size(); ++i)
    EXPECT_NE(results[i].find(i % 2 ? ".target sm_90a" : ".target sm_80"),
              std::string::npos)
        << "thread " << i;
}

} // namespace
