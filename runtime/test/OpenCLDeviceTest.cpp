//===- OpenCLDeviceTest.cpp - the OpenCL device on a real platform --------===//
//
// Runs on the machine's OpenCL platform (PoCL in CI); skips, saying why,
// where there is none. Kernels reach it from the compiler's opencl
// backend; here: its memory, queue and errors.

#include "kiln/runtime/Device.h"
#include "kiln/runtime/Error.h"

#include "DeviceChecks.h"
#include "ErrorOf.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <numeric>
#include <vector>

using namespace kiln::rt;

namespace {

/// The OpenCL device, or null with `why` set when this machine has none.
std::unique_ptr<Device> openCLDevice(std::string &why) {
  try {
    return createDevice("opencl", {});
  } catch (const Error &error) {
    why = error.what();
    return nullptr;
  }
}

} // namespace

TEST(OpenCLDevice, MovesBytesThroughItsQueue) {
  std::string why;
  std::unique_ptr<Device> device = openCLDevice(why);
  if (!device)
    GTEST_SKIP() << why;
  EXPECT_EQ(device->target(), "opencl");
  expectMovesBytes(*device, 128);
}

TEST(OpenCLDevice, ReportsBadBinariesAndNoMemory) {
  std::string why;
  std::unique_ptr<Device> device = openCLDevice(why);
  if (!device)
    GTEST_SKIP() << why;
  std::string error = errorOf([&] { device->load("not a program", "m.kiln"); });
  EXPECT_NE(error.find("the OpenCL kernels of 'm.kiln' "), std::string::npos)
      << error;
  // More than any device has: null, which the executor reports as out of
  // memory (DeviceTest).
  EXPECT_EQ(device->allocate(uint64_t(1) << 52, 128), nullptr);
}

TEST(OpenCLDevice, SaysWhenThereIsNoPlatform) {
  // In a fresh process whose ICD loader finds no vendor.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("OCL_ICD_VENDORS", "/nonexistent-kiln-test", 1);
        std::string why;
        if (!openCLDevice(why)) {
          fprintf(stderr, "%s\n", why.c_str());
          std::exit(3);
        }
        std::exit(0);
      },
      testing::ExitedWithCode(3),
      "the opencl device (found no OpenCL platform|needs an OpenCL ICD)");
}
