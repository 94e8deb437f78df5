//===- ExecutorTest.cpp - arenas and caller buffers of the executor -------===//
//
// A model with no kernels: its input is copied into a transient buffer in
// the arena and from there into the output, so the arena's placement is
// what the output shows.

#include "kiln/runtime/Error.h"
#include "kiln/runtime/Runtime.h"

#include "ErrorOf.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <functional>

using namespace kiln::rt;

namespace {

std::shared_ptr<const Model> copyThroughArena() {
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.arenas = {{0, 192, 64}};
  m.buffers = {{BufferKind::input, 0, 16},
               {BufferKind::output, 0, 16},
               {BufferKind::transient, 0, 16, 128}};
  m.inputs = {{"x", DType::f32, {4}, 0}};
  m.outputs = {{"y", DType::f32, {4}, 1}};
  m.steps = {{StepKind::copy, 0, {0, 2}}, {StepKind::copy, 0, {2, 1}}};
  return Model::fromBytes(encodeArtifact(contents), "m.kiln");
}

} // namespace

TEST(Executor, RunsThroughItsOwnArenaIntoCallerOutputs) {
  Executor executor(copyThroughArena());
  EXPECT_EQ(executor.arenaBytes("host"), 192u);
  EXPECT_EQ(executor.arenaAlignment("host"), 64u);
  EXPECT_EQ(executor.arenaBytes("gpu"), 0u);
  HostTensor x(DType::f32, {4}), y(DType::f32, {4});
  float values[4] = {1, 2, 3, 4};
  std::memcpy(x.data(), values, sizeof(values));
  executor.run({&x}, {&y});
  EXPECT_EQ(std::memcmp(y.data(), values, sizeof(values)), 0);
  std::vector<HostTensor> outputs = executor.run({&x});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(std::memcmp(outputs[0].data(), values, sizeof(values)), 0);
}

TEST(Executor, UsesTheCallersArena) {
  Executor executor(copyThroughArena());
  void *arena = std::aligned_alloc(64, 192);
  std::memset(arena, 0, 192);
  executor.useArena("host", arena, 192);
  HostTensor x(DType::f32, {4}), y(DType::f32, {4});
  float values[4] = {5, 6, 7, 8};
  std::memcpy(x.data(), values, sizeof(values));
  executor.run({&x}, {&y});
  // The transient buffer sits at offset 128 of the caller's memory.
  EXPECT_EQ(std::memcmp(static_cast<char *>(arena) + 128, values, 16), 0);
  EXPECT_EQ(std::memcmp(y.data(), values, sizeof(values)), 0);
  std::free(arena);
}

TEST(Executor, RejectsBadArenasAndOutputs) {
  Executor executor(copyThroughArena());
  void *arena = std::aligned_alloc(64, 256);
  EXPECT_EQ(errorOf([&] { executor.useArena("host", arena, 100); }),
            "the arena given for memory 'host' of 'm.kiln' must be at least "
            "192 bytes aligned to 64, got 100 bytes at " +
                std::to_string(reinterpret_cast<uintptr_t>(arena)));
  char *misaligned = static_cast<char *>(arena) + 8;
  EXPECT_EQ(errorOf([&] { executor.useArena("host", misaligned, 200); }),
            "the arena given for memory 'host' of 'm.kiln' must be at least "
            "192 bytes aligned to 64, got 200 bytes at " +
                std::to_string(reinterpret_cast<uintptr_t>(misaligned)));
  EXPECT_EQ(errorOf([&] { executor.useArena("gpu", arena, 256); }),
            "'m.kiln' has no arena in memory 'gpu'");
  std::free(arena);

  HostTensor x(DType::f32, {4}), wrong(DType::f32, {5});
  EXPECT_EQ(errorOf([&] { executor.run({&x}, {&wrong}); }),
            "output 'y' (#0): expected f32 [4], got f32 [5]");
  EXPECT_EQ(errorOf([&] { executor.run({&x}, {}); }),
            "'m.kiln' takes 1 output(s), got 0");
  EXPECT_EQ(errorOf([&] { executor.run({&x}, {nullptr}); }),
            "output 'y' (#0) is missing");
}
