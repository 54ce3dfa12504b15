//===- CudaDriverTest.cpp - libcuda loaded at run time ----------------------===//
//
// The unavailable path runs everywhere (a driver pointed at a library that
// does not exist, and the process-wide driver on machines without a GPU);
// the rest needs a GPU and is skipped without one.
//
//===----------------------------------------------------------------------===//

#include "flash/Runtime/CudaDriver.h"

#include "gtest/gtest.h"

#include <cstring>
#include <thread>
#include <vector>

using namespace flash;

namespace {

#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    Status status_ = (expr);                                                   \
    ASSERT_TRUE(status_.ok()) << #expr << ": " << status_.message();           \
  } while (0)

#define EXPECT_UNAVAILABLE(expr)                                               \
  do {                                                                         \
    Status status_ = (expr);                                                   \
    EXPECT_FALSE(status_.ok()) << #expr;                                       \
    EXPECT_NE(status_.message().find("CUDA is unavailable"),                   \
              std::string::npos)                                               \
        << #expr << ": " << status_.message();                                 \
  } while (0)

/// Every call of an unavailable driver fails cleanly, dummy handles and all.
void expectEveryCallFails(CudaDriver &driver) {
  EXPECT_FALSE(driver.available());
  EXPECT_FALSE(driver.unavailableReason().empty());
  EXPECT_EQ(driver.deviceCount(), 0);

  CudaDeviceProperties props;
  EXPECT_UNAVAILABLE(driver.deviceProperties(0, &props));
  EXPECT_UNAVAILABLE(driver.ensureContext(0));
  EXPECT_UNAVAILABLE(driver.releaseContext(0));
  CUcontext context = nullptr;
  EXPECT_UNAVAILABLE(driver.currentContext(&context));
  EXPECT_UNAVAILABLE(driver.setCurrentContext(nullptr));

  CUmodule module = nullptr;
  std::string infoLog;
  EXPECT_UNAVAILABLE(driver.loadModule(".version 8.0\n", &module, &infoLog));
  EXPECT_EQ(module, nullptr);
  EXPECT_UNAVAILABLE(driver.unloadModule(nullptr));
  CUfunction function = nullptr;
  EXPECT_UNAVAILABLE(driver.getFunction(nullptr, "k", &function));
  CudaFunctionAttributes attrs;
  EXPECT_UNAVAILABLE(driver.functionAttributes(nullptr, &attrs));
  EXPECT_UNAVAILABLE(driver.setMaxDynamicSharedMemory(nullptr, 1024));
  EXPECT_UNAVAILABLE(
      driver.launch(nullptr, {1, 1, 1}, {32, 1, 1}, 0, nullptr, nullptr));

  CUdeviceptr pointer = 0;
  char host[16] = {};
  EXPECT_UNAVAILABLE(driver.allocate(64, &pointer));
  EXPECT_UNAVAILABLE(driver.deallocate(0));
  EXPECT_UNAVAILABLE(driver.copyHostToDevice(0, host, sizeof(host)));
  EXPECT_UNAVAILABLE(driver.copyDeviceToHost(host, 0, sizeof(host)));
  EXPECT_UNAVAILABLE(driver.copyHostToDeviceAsync(0, host, 16, nullptr));
  EXPECT_UNAVAILABLE(driver.copyDeviceToHostAsync(host, 0, 16, nullptr));
  EXPECT_UNAVAILABLE(driver.memsetD8(0, 0, 16));
  EXPECT_UNAVAILABLE(driver.memsetD32(0, 0, 4));
  bool isDevice = true;
  EXPECT_UNAVAILABLE(driver.isDevicePointer(host, &isDevice));

  CUstream stream = nullptr;
  EXPECT_UNAVAILABLE(driver.createStream(&stream));
  EXPECT_UNAVAILABLE(driver.destroyStream(nullptr));
  EXPECT_UNAVAILABLE(driver.synchronizeStream(nullptr));
  EXPECT_UNAVAILABLE(driver.synchronizeContext());
  CUevent event = nullptr;
  float ms = 0;
  EXPECT_UNAVAILABLE(driver.createEvent(&event));
  EXPECT_UNAVAILABLE(driver.recordEvent(nullptr, nullptr));
  EXPECT_UNAVAILABLE(driver.synchronizeEvent(nullptr));
  EXPECT_UNAVAILABLE(driver.elapsedMilliseconds(nullptr, nullptr, &ms));
  EXPECT_UNAVAILABLE(driver.destroyEvent(nullptr));
}

TEST(CudaDriverUnavailable, MissingLibraryIsReportedNotFatal) {
  CudaDriver driver({"libflash-no-such-cuda.so.1", "libflash-no-such-cuda.so"});
  EXPECT_NE(driver.unavailableReason().find("could not be loaded"),
            std::string::npos)
      << driver.unavailableReason();
  // Each library tried is named, so a user sees what was looked for.
  EXPECT_NE(driver.unavailableReason().find("libflash-no-such-cuda.so.1"),
            std::string::npos);
  expectEveryCallFails(driver);
  int version = 0;
  EXPECT_UNAVAILABLE(driver.driverVersion(&version));
  // Without libcuda the code itself is all there is to say.
  EXPECT_EQ(driver.errorText(218), "CUDA error 218: unknown error");
}

TEST(CudaDriverUnavailable, LibraryWithoutTheDriverApiIsRejected) {
  // libc loads but exports none of the driver API.
  CudaDriver driver({"libc.so.6"});
  EXPECT_NE(driver.unavailableReason().find("lacks cuInit"), std::string::npos)
      << driver.unavailableReason();
  expectEveryCallFails(driver);
}

TEST(CudaDriver, ProcessDriverIsUsableOrSaysWhyNot) {
  CudaDriver &driver = CudaDriver::get();
  EXPECT_EQ(&driver, &CudaDriver::get());
  if (driver.available()) {
    EXPECT_TRUE(driver.unavailableReason().empty());
    EXPECT_GE(driver.deviceCount(), 1);
    return;
  }
  expectEveryCallFails(driver);

  // A buffer of the process driver fails to allocate, and stays empty.
  DeviceBuffer buffer;
  EXPECT_UNAVAILABLE(buffer.allocate(256));
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.size(), 0u);
  ASSERT_OK(buffer.allocate(0)); // nothing to allocate
}

//===----------------------------------------------------------------------===//
// With a GPU
//===----------------------------------------------------------------------===//

// out[i] = i for the global thread index i < n.
const char *const kWriteIndexPtx = R"(
.version 8.0
.target sm_80
.address_size 64

.visible .entry write_index(
    .param .u64 out,
    .param .u32 n)
{
    .reg .pred  %p<2>;
    .reg .b32   %r<6>;
    .reg .b64   %rd<5>;

    ld.param.u64        %rd1, [out];
    ld.param.u32        %r1, [n];
    mov.u32             %r2, %ctaid.x;
    mov.u32             %r3, %ntid.x;
    mov.u32             %r4, %tid.x;
    mad.lo.s32          %r5, %r2, %r3, %r4;
    setp.ge.u32         %p1, %r5, %r1;
    @%p1 bra            DONE;
    cvta.to.global.u64  %rd2, %rd1;
    mul.wide.u32        %rd3, %r5, 4;
    add.s64             %rd4, %rd2, %rd3;
    st.global.u32       [%rd4], %r5;
DONE:
    ret;
}
)";

// out[t] = ntid - 1 - t, passed through dynamic shared memory: thread t
// writes its index to slot t, and after a barrier reads the mirrored slot.
const char *const kReverseSharedPtx = R"(
.version 8.0
.target sm_80
.address_size 64

.extern .shared .align 16 .b8 smem[];

.visible .entry reverse_shared(
    .param .u64 out)
{
    .reg .b32   %r<8>;
    .reg .b64   %rd<5>;

    ld.param.u64        %rd1, [out];
    mov.u32             %r1, %tid.x;
    mov.u32             %r2, %ntid.x;
    mov.u32             %r3, smem;
    shl.b32             %r4, %r1, 2;
    add.s32             %r5, %r3, %r4;
    st.shared.u32       [%r5], %r1;
    bar.sync            0;
    sub.s32             %r6, %r2, %r1;
    sub.s32             %r6, %r6, 1;
    shl.b32             %r6, %r6, 2;
    add.s32             %r6, %r3, %r6;
    ld.shared.u32       %r7, [%r6];
    cvta.to.global.u64  %rd2, %rd1;
    mul.wide.u32        %rd3, %r1, 4;
    add.s64             %rd4, %rd2, %rd3;
    st.global.u32       [%rd4], %r7;
    ret;
}
)";

class CudaDriverGpu : public ::testing::Test {
protected:
  void SetUp() override {
    if (!driver().available())
      GTEST_SKIP() << "no GPU: " << driver().unavailableReason();
    ASSERT_OK(driver().ensureContext(0));
  }
  static CudaDriver &driver() { return CudaDriver::get(); }
};

TEST_F(CudaDriverGpu, DeviceProperties) {
  int version = 0;
  ASSERT_OK(driver().driverVersion(&version));
  EXPECT_GE(version, 12010); // PTX ISA 8.1 (the emitted .version) needs CUDA 12.1

  CudaDeviceProperties props;
  ASSERT_OK(driver().deviceProperties(0, &props));
  EXPECT_EQ(props.ordinal, 0);
  EXPECT_FALSE(props.name.empty());
  EXPECT_GE(props.major, 8) << props.name; // the kernels target sm_80 and up
  EXPECT_EQ(props.computeCapability(), props.major * 10 + props.minor);
  EXPECT_GT(props.multiprocessorCount, 0);
  EXPECT_GE(props.maxThreadsPerBlock, 1024);
  EXPECT_EQ(props.sharedMemoryPerBlock, 48 * 1024);
  EXPECT_GT(props.maxSharedMemoryPerBlockOptin, props.sharedMemoryPerBlock);
  EXPECT_GE(props.registersPerBlock, 64 * 1024);
  RecordProperty("device", props.name);

  Status bad = driver().deviceProperties(driver().deviceCount(), &props);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("there is no device"), std::string::npos)
      << bad.message();
  EXPECT_FALSE(driver().ensureContext(-1).ok());
}

TEST_F(CudaDriverGpu, ErrorTextComesFromTheDriver) {
  EXPECT_EQ(driver().errorText(218).rfind("CUDA_ERROR_INVALID_PTX: ", 0), 0u)
      << driver().errorText(218);
  EXPECT_EQ(driver().errorText(2).rfind("CUDA_ERROR_OUT_OF_MEMORY: ", 0), 0u)
      << driver().errorText(2);
  EXPECT_EQ(driver().errorText(123456), "CUDA error 123456: unknown error");
}

TEST_F(CudaDriverGpu, AllocMemsetCopyRoundTrip) {
  constexpr size_t count = 1000;
  DeviceBuffer buffer;
  ASSERT_OK(buffer.allocate(count * sizeof(uint32_t)));
  ASSERT_FALSE(buffer.empty());
  EXPECT_EQ(buffer.size(), count * sizeof(uint32_t));

  std::vector<uint32_t> host(count, 0);
  ASSERT_OK(driver().memsetD32(buffer.devicePointer(), 0xDEADBEEFu, count));
  ASSERT_OK(driver().copyDeviceToHost(host.data(), buffer.devicePointer(),
                                      buffer.size()));
  for (size_t i = 0; i < count; ++i)
    ASSERT_EQ(host[i], 0xDEADBEEFu) << i;

  ASSERT_OK(driver().memsetD8(buffer.devicePointer() + 4, 0x11, 8));
  ASSERT_OK(driver().copyDeviceToHost(host.data(), buffer.devicePointer(),
                                      4 * sizeof(uint32_t)));
  EXPECT_EQ(host[0], 0xDEADBEEFu);
  EXPECT_EQ(host[1], 0x11111111u);
  EXPECT_EQ(host[2], 0x11111111u);
  EXPECT_EQ(host[3], 0xDEADBEEFu);

  std::vector<uint32_t> pattern(count), back(count, 0);
  for (size_t i = 0; i < count; ++i)
    pattern[i] = static_cast<uint32_t>(i * 2654435761u);
  ASSERT_OK(driver().copyHostToDevice(buffer.devicePointer(), pattern.data(),
                                      buffer.size()));
  ASSERT_OK(driver().copyDeviceToHost(back.data(), buffer.devicePointer(),
                                      buffer.size()));
  EXPECT_EQ(back, pattern);

  // The same on a stream of our own.
  CUstream stream = nullptr;
  ASSERT_OK(driver().createStream(&stream));
  std::vector<uint32_t> reversed(pattern.rbegin(), pattern.rend());
  std::fill(back.begin(), back.end(), 0);
  ASSERT_OK(driver().copyHostToDeviceAsync(
      buffer.devicePointer(), reversed.data(), buffer.size(), stream));
  ASSERT_OK(driver().copyDeviceToHostAsync(
      back.data(), buffer.devicePointer(), buffer.size(), stream));
  ASSERT_OK(driver().synchronizeStream(stream));
  ASSERT_OK(driver().destroyStream(stream));
  EXPECT_EQ(back, reversed);

  bool isDevice = false;
  ASSERT_OK(driver().isDevicePointer(buffer.data(), &isDevice));
  EXPECT_TRUE(isDevice);
  ASSERT_OK(driver().isDevicePointer(host.data(), &isDevice));
  EXPECT_FALSE(isDevice);
}

TEST_F(CudaDriverGpu, DeviceBufferIsMoveOnlyAndFreesOnce) {
  DeviceBuffer a;
  ASSERT_OK(a.allocate(4096));
  CUdeviceptr pointer = a.devicePointer();
  DeviceBuffer b(std::move(a));
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(b.devicePointer(), pointer);
  DeviceBuffer c;
  ASSERT_OK(c.allocate(16));
  c = std::move(b); // frees c's own 16 bytes first
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(c.devicePointer(), pointer);
  EXPECT_EQ(c.size(), 4096u);
  ASSERT_OK(driver().memsetD8(c.devicePointer(), 0, c.size()));
  c.reset();
  EXPECT_TRUE(c.empty());
  ASSERT_OK(c.allocate(0));
  EXPECT_TRUE(c.empty());

  // Freed in its own context even when another thread, with none current,
  // drops it.
  DeviceBuffer d;
  ASSERT_OK(d.allocate(1024));
  std::thread([buffer = std::move(d)]() mutable { buffer.reset(); }).join();
  ASSERT_OK(driver().synchronizeContext());
}

TEST_F(CudaDriverGpu, ContextPerThread) {
  CUcontext mine = nullptr;
  ASSERT_OK(driver().currentContext(&mine));
  ASSERT_NE(mine, nullptr);
  std::thread([&] {
    CUcontext theirs = nullptr;
    ASSERT_OK(driver().currentContext(&theirs));
    EXPECT_EQ(theirs, nullptr); // a new thread starts without one
    CUdeviceptr pointer = 0;
    Status noContext = driver().allocate(64, &pointer);
    EXPECT_FALSE(noContext.ok());
    EXPECT_NE(noContext.message().find("ensureContext"), std::string::npos)
        << noContext.message();
    ASSERT_OK(driver().ensureContext(0));
    ASSERT_OK(driver().currentContext(&theirs));
    EXPECT_EQ(theirs, mine); // the same primary context
    ASSERT_OK(driver().allocate(64, &pointer));
    ASSERT_OK(driver().deallocate(pointer));
  }).join();
}

TEST_F(CudaDriverGpu, LoadLaunchAndTime) {
  CUmodule module = nullptr;
  std::string infoLog;
  ASSERT_OK(driver().loadModule(kWriteIndexPtx, &module, &infoLog));
  CUfunction function = nullptr;
  ASSERT_OK(driver().getFunction(module, "write_index", &function));
  CudaFunctionAttributes attrs;
  ASSERT_OK(driver().functionAttributes(function, &attrs));
  EXPECT_GT(attrs.numRegisters, 0);
  EXPECT_EQ(attrs.localBytes, 0); // nothing spilled
  EXPECT_GE(attrs.maxThreadsPerBlock, 128);

  Status missing = driver().getFunction(module, "no_such_kernel", &function);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("CUDA_ERROR_NOT_FOUND"), std::string::npos)
      << missing.message();
  ASSERT_OK(driver().getFunction(module, "write_index", &function));

  // 3 blocks of 128 threads over 300 elements: the tail stays untouched.
  constexpr unsigned n = 300, total = 384;
  DeviceBuffer out;
  ASSERT_OK(out.allocate(total * sizeof(uint32_t)));
  ASSERT_OK(driver().memsetD32(out.devicePointer(), 0xFFFFFFFFu, total));
  CUdeviceptr outPointer = out.devicePointer();
  unsigned count = n;
  void *args[] = {&outPointer, &count};

  CUevent start = nullptr, end = nullptr;
  ASSERT_OK(driver().createEvent(&start));
  ASSERT_OK(driver().createEvent(&end));
  ASSERT_OK(driver().recordEvent(start, nullptr));
  ASSERT_OK(driver().launch(function, {3, 1, 1}, {128, 1, 1}, 0, nullptr,
                            args));
  ASSERT_OK(driver().recordEvent(end, nullptr));
  ASSERT_OK(driver().synchronizeEvent(end));
  float ms = -1;
  ASSERT_OK(driver().elapsedMilliseconds(start, end, &ms));
  EXPECT_GE(ms, 0.0f);
  EXPECT_LT(ms, 1000.0f);
  ASSERT_OK(driver().destroyEvent(start));
  ASSERT_OK(driver().destroyEvent(end));

  std::vector<uint32_t> host(total);
  ASSERT_OK(driver().copyDeviceToHost(host.data(), out.devicePointer(),
                                      out.size()));
  for (unsigned i = 0; i < total; ++i)
    ASSERT_EQ(host[i], i < n ? i : 0xFFFFFFFFu) << i;

  // A launch the driver refuses: more threads than a block may have.
  Status tooBig = driver().launch(function, {1, 1, 1}, {4096, 1, 1}, 0,
                                  nullptr, args);
  EXPECT_FALSE(tooBig.ok());
  EXPECT_NE(tooBig.message().find("block 4096x1x1"), std::string::npos)
      << tooBig.message();
  ASSERT_OK(driver().synchronizeContext());
  ASSERT_OK(driver().unloadModule(module));
}

TEST_F(CudaDriverGpu, DynamicSharedMemoryNeedsOptIn) {
  CudaDeviceProperties props;
  ASSERT_OK(driver().deviceProperties(0, &props));
  CUmodule module = nullptr;
  ASSERT_OK(driver().loadModule(kReverseSharedPtx, &module));
  CUfunction function = nullptr;
  ASSERT_OK(driver().getFunction(module, "reverse_shared", &function));

  constexpr unsigned threads = 256;
  DeviceBuffer out;
  ASSERT_OK(out.allocate(threads * sizeof(uint32_t)));
  CUdeviceptr outPointer = out.devicePointer();
  void *args[] = {&outPointer};
  // More than the default 48 KiB: refused until the kernel opts in.
  unsigned shared = static_cast<unsigned>(props.maxSharedMemoryPerBlockOptin);
  EXPECT_FALSE(driver()
                   .launch(function, {1, 1, 1}, {threads, 1, 1}, shared,
                           nullptr, args)
                   .ok());
  ASSERT_OK(driver().setMaxDynamicSharedMemory(
      function, props.maxSharedMemoryPerBlockOptin));
  CudaFunctionAttributes attrs;
  ASSERT_OK(driver().functionAttributes(function, &attrs));
  EXPECT_EQ(attrs.maxDynamicSharedBytes, props.maxSharedMemoryPerBlockOptin);
  ASSERT_OK(driver().launch(function, {1, 1, 1}, {threads, 1, 1}, shared,
                            nullptr, args));
  ASSERT_OK(driver().synchronizeContext());

  std::vector<uint32_t> host(threads);
  ASSERT_OK(driver().copyDeviceToHost(host.data(), out.devicePointer(),
                                      out.size()));
  for (unsigned t = 0; t < threads; ++t)
    ASSERT_EQ(host[t], threads - 1 - t) << t;

  EXPECT_FALSE(driver()
                   .setMaxDynamicSharedMemory(
                       function, props.maxSharedMemoryPerBlockOptin + 1)
                   .ok());
  ASSERT_OK(driver().unloadModule(module));
}

TEST_F(CudaDriverGpu, MalformedPtxReportsTheJitLog) {
  std::string ptx = kWriteIndexPtx;
  // An instruction ptxas does not know.
  std::string good = "mad.lo.s32          %r5, %r2, %r3, %r4;";
  size_t at = ptx.find(good);
  ASSERT_NE(at, std::string::npos);
  ptx.replace(at, good.size(), "frobnicate.u32 %r5, %r2;");

  CUmodule module = nullptr;
  Status status = driver().loadModule(ptx, &module);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(module, nullptr);
  const std::string &message = status.message();
  EXPECT_EQ(message.rfind("loading a PTX module (", 0), 0u) << message;
  EXPECT_NE(message.find("CUDA_ERROR_INVALID_PTX"), std::string::npos)
      << message;
  EXPECT_NE(message.find("JIT error log:"), std::string::npos) << message;
  EXPECT_NE(message.find("frobnicate"), std::string::npos) << message;

  Status empty = driver().loadModule("", &module);
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.message().find("empty"), std::string::npos);
}

TEST_F(CudaDriverGpu, ContextsAreReferenceCounted) {
  // A second driver retains the same primary context; dropping it leaves
  // the process driver's reference, and its memory, intact.
  DeviceBuffer buffer;
  ASSERT_OK(buffer.allocate(256));
  CUcontext processContext = nullptr;
  ASSERT_OK(driver().currentContext(&processContext));
  {
    CudaDriver second({"libcuda.so.1", "libcuda.so"});
    ASSERT_TRUE(second.available()) << second.unavailableReason();
    ASSERT_OK(second.ensureContext(0));
    CUcontext context = nullptr;
    ASSERT_OK(second.currentContext(&context));
    EXPECT_EQ(context, processContext);
  }
  ASSERT_OK(driver().ensureContext(0));
  ASSERT_OK(driver().memsetD8(buffer.devicePointer(), 7, buffer.size()));
  ASSERT_OK(driver().synchronizeContext());
  buffer.reset();

  // Releasing the process driver's own reference, then retaining again,
  // leaves a working context.
  ASSERT_OK(driver().releaseContext(0));
  CUcontext none = nullptr;
  ASSERT_OK(driver().currentContext(&none));
  EXPECT_EQ(none, nullptr);
  ASSERT_OK(driver().ensureContext(0));
  ASSERT_OK(buffer.allocate(256));
  ASSERT_OK(driver().memsetD8(buffer.devicePointer(), 0, buffer.size()));
  ASSERT_OK(driver().synchronizeContext());

  // A buffer allocated before a release is stale: forgotten, not freed.
  EXPECT_FALSE(buffer.stale());
  uint64_t releases = driver().contextReleases();
  ASSERT_OK(driver().releaseContext(0));
  EXPECT_EQ(driver().contextReleases(), releases + 1);
  ASSERT_OK(driver().ensureContext(0));
  EXPECT_TRUE(buffer.stale());
  buffer.reset();
  EXPECT_TRUE(buffer.empty());
  ASSERT_OK(buffer.allocate(256));
  EXPECT_FALSE(buffer.stale());
}

} // namespace
