//===- DeviceChecks.h - checks every device with its own memory passes ----===//

#ifndef KILN_RUNTIME_TEST_DEVICECHECKS_H
#define KILN_RUNTIME_TEST_DEVICECHECKS_H

#include "kiln/runtime/Device.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace kiln::rt {

/// One arena of `device`'s memory, `alignment`-aligned, buffers at offsets
/// in it as the executor uses them: bytes uploaded, copied on the device and
/// downloaded come back the same.
inline void expectMovesBytes(Device &device, uint64_t alignment) {
  EXPECT_FALSE(device.usesHostMemory());
  void *arena = device.allocate(1 << 20, alignment);
  ASSERT_NE(arena, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arena) % alignment, 0u);
  std::vector<float> in(1000), out(1000, -1.0f);
  std::iota(in.begin(), in.end(), 0.5f);
  char *base = static_cast<char *>(arena);
  device.upload(base + 4096, in.data(), in.size() * sizeof(float));
  device.copy(base + 65536, base + 4096, in.size() * sizeof(float));
  device.download(out.data(), base + 65536, out.size() * sizeof(float));
  device.synchronize();
  EXPECT_EQ(in, out);
  device.deallocate(arena);
}

} // namespace kiln::rt

#endif // KILN_RUNTIME_TEST_DEVICECHECKS_H
