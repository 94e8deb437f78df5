//===- CudaDeviceTest.cpp - the CUDA device on a real GPU -----------------===//
//
// Runs on the machine's NVIDIA GPU; skips, saying why, where there is none
// (no driver, no GPU). Kernels reach it from the compiler's cuda backend
// (tested end to end by scripts/gpu-check.sh and the Python suite); here:
// its memory, stream, errors, and what it says without a GPU.

#include "kiln/runtime/Device.h"
#include "kiln/runtime/Error.h"

#include "DeviceChecks.h"
#include "ErrorOf.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

using namespace kiln::rt;

namespace {

/// The CUDA device, or null with `why` set when this machine has none.
std::unique_ptr<Device> cudaDevice(std::string &why, unsigned index = 0) {
  try {
    return createDevice("cuda", {.threads = 0, .index = index});
  } catch (const Error &error) {
    why = error.what();
    return nullptr;
  }
}

} // namespace

TEST(CudaDevice, SaysWhyThereIsNone) {
  // Either a GPU, or a reason naming the driver or the GPU: never a crash.
  std::string why;
  std::unique_ptr<Device> device = cudaDevice(why);
  if (device) {
    EXPECT_NE(device->describe().find("sm_"), std::string::npos)
        << device->describe();
    return;
  }
  EXPECT_TRUE(why.find("NVIDIA driver") != std::string::npos ||
              why.find("CUDA GPU") != std::string::npos)
      << why;
}

TEST(CudaDevice, NamesTheGpusThereAre) {
  std::string why;
  if (!cudaDevice(why))
    GTEST_SKIP() << why;
  std::string error = errorOf([] { createDevice("cuda", {.threads = 0, .index = 4096}); });
  EXPECT_NE(error.find("there is no device cuda:4096; this machine has "),
            std::string::npos)
      << error;
}

TEST(CudaDevice, MovesBytesThroughItsStream) {
  std::string why;
  std::unique_ptr<Device> device = cudaDevice(why);
  if (!device)
    GTEST_SKIP() << why;
  EXPECT_EQ(device->target(), "cuda");
  expectMovesBytes(*device, 256);
  // A larger alignment than the driver's 256 bytes is kept too.
  void *wide = device->allocate(4096, 4096);
  ASSERT_NE(wide, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(wide) % 4096, 0u);
  device->deallocate(wide);
}

TEST(CudaDevice, ReportsBadBinariesAndNoMemory) {
  std::string why;
  std::unique_ptr<Device> device = cudaDevice(why);
  if (!device)
    GTEST_SKIP() << why;
  std::string error = errorOf([&] { device->load("not a fatbin", "m.kiln"); });
  EXPECT_NE(error.find("the CUDA kernels of 'm.kiln' are not the cuda "
                       "target's"),
            std::string::npos)
      << error;
  // A header and no fatbin: the driver's refusal names the toolkit and archs.
  error = errorOf([&] {
    device->load("kiln-cuda 1\ntoolkit 13.0\nptx 8.0\narchs sm_80 sm_90\n\n"
                 "garbage",
                 "m.kiln");
  });
  EXPECT_NE(error.find("(toolkit CUDA 13.0, PTX ISA 8.0, archs sm_80 sm_90) "
                       "do not load on CUDA "),
            std::string::npos)
      << error;
  EXPECT_EQ(device->allocate(uint64_t(1) << 52, 256), nullptr);
}
