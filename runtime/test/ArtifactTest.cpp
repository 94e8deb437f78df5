//===- ArtifactTest.cpp - .kiln encoding, decoding and validation ---------===//

#include "kiln/runtime/Artifact.h"
#include "kiln/runtime/Error.h"

#include <gtest/gtest.h>

#include <functional>

#include <string>

using namespace kiln::rt;

namespace {

/// y = kernel(x, w): one input, one constant, one output, one dispatch.
ArtifactContents sample() {
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.arenas = {{0, 128, 64}};
  m.buffers = {{BufferKind::input, 0, 16},
               {BufferKind::constant, 0, 16},
               {BufferKind::output, 0, 16},
               {BufferKind::transient, 0, 16, 64},
               {BufferKind::view, 3, 16}};
  m.inputs = {{"x", DType::f32, {4}, 0}};
  m.outputs = {{"y", DType::f32, {2, 2}, 2}};
  m.constants = {{0, 16}};
  m.libraries = {{"cpu", 0}};
  m.kernels = {{0, "kiln_dispatch_0", {{3, 1, 1}}}};
  m.steps = {{StepKind::dispatch, 0, {0, 1, 3}}, {StepKind::copy, 0, {4, 2}}};
  contents.libraries = {std::string("\x7f"
                                    "ELF fake library",
                                    17)};
  contents.constants = {std::string(16, '\x01')};
  return contents;
}

std::string decodeError(const std::string &bytes) {
  try {
    decodeArtifact(bytes, "m.kiln");
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST(Artifact, RoundTrips) {
  std::string bytes = encodeArtifact(sample());
  ArtifactView view = decodeArtifact(bytes, "m.kiln");
  const Manifest &m = view.manifest;
  EXPECT_EQ(m.entry, "main");
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].name, "x");
  EXPECT_EQ(m.outputs[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(m.kernels[0].symbol, "kiln_dispatch_0");
  EXPECT_EQ(m.kernels[0].launch.grid[0], 3u);
  EXPECT_EQ(m.kernels[0].launch.workgroups(), 3u);
  ASSERT_EQ(m.steps.size(), 2u);
  EXPECT_EQ(m.steps[1].kind, StepKind::copy);
  ASSERT_EQ(m.arenas.size(), 1u);
  EXPECT_EQ(m.memories, (std::vector<std::string>{"host"}));
  EXPECT_EQ(m.arenas[0].memory, 0u);
  EXPECT_EQ(m.arenas[0].bytes, 128u);
  EXPECT_EQ(m.arenas[0].alignment, 64u);
  EXPECT_EQ(m.buffers[3].offset, 64u);
  ASSERT_EQ(view.libraries.size(), 1u);
  EXPECT_EQ(view.libraries[0], sample().libraries[0]);
  EXPECT_EQ(view.constants.substr(m.constants[0].offset, 16),
            std::string(16, '\x01'));
}

TEST(Artifact, ConstantsAndSectionsAreAligned) {
  ArtifactContents contents = sample();
  contents.constants.push_back(std::string(5, '\x02'));
  contents.manifest.constants.push_back({0, 5});
  std::string bytes = encodeArtifact(contents);
  ArtifactView view = decodeArtifact(bytes, "m.kiln");
  for (const ConstantSpec &constant : view.manifest.constants) {
    const char *start = view.constants.data() + constant.offset;
    EXPECT_EQ((start - bytes.data()) % kArtifactAlignment, 0u);
  }
}

TEST(Artifact, DetectsEveryFlippedByte) {
  std::string bytes = encodeArtifact(sample());
  for (size_t i = kArtifactHeaderSize; i < bytes.size(); i += 7) {
    std::string corrupted = bytes;
    corrupted[i] ^= 0x10;
    EXPECT_EQ(decodeError(corrupted),
              "'m.kiln' is corrupted: its checksum does not match its "
              "contents")
        << "byte " << i;
  }
}

TEST(Artifact, RejectsTruncationAndVersion) {
  std::string bytes = encodeArtifact(sample());
  EXPECT_EQ(decodeError(bytes.substr(0, 10)),
            "'m.kiln' is not a Kiln artifact (no KILNART magic)");
  EXPECT_EQ(decodeError(bytes.substr(0, bytes.size() - 1)),
            "'m.kiln' is truncated or padded: its header says " +
                std::to_string(bytes.size()) + " bytes, the file has " +
                std::to_string(bytes.size() - 1));
  bytes[8] = 3; // Before devices had memory of their own.
  EXPECT_EQ(decodeError(bytes),
            "'m.kiln' has artifact format version 3, from an older Kiln; "
            "this runtime reads version 4 (recompile the model)");
  bytes[8] = 5;
  EXPECT_EQ(decodeError(bytes),
            "'m.kiln' has artifact format version 5, from a newer Kiln; "
            "this runtime reads version 4 (recompile the model)");
}

TEST(Artifact, RejectsInconsistentManifests) {
  struct Case {
    std::function<void(ArtifactContents &)> breakIt;
    std::string message;
  };
  std::vector<Case> cases = {
      {[](ArtifactContents &c) { c.manifest.buffers[4].index = 4; },
       "buffer 4 is a bad view"},
      {[](ArtifactContents &c) { c.manifest.steps[0].kernel = 7; },
       "a step dispatches a missing kernel"},
      {[](ArtifactContents &c) { c.manifest.steps[0].bindings.push_back(99); },
       "a step refers to buffer 99 of 5"},
      {[](ArtifactContents &c) { c.manifest.inputs[0].shape = {5}; },
       "tensor 'x' does not fill its buffer"},
      {[](ArtifactContents &c) { c.manifest.kernels[0].launch.grid[1] = 0; },
       "kernel 'kiln_dispatch_0' has no library or an empty launch"},
      {[](ArtifactContents &c) { c.manifest.buffers[1].bytes = 32; },
       "buffer 1 is a missing constant"},
      {[](ArtifactContents &c) { c.manifest.steps[1].bindings = {4}; },
       "a copy step does not copy between two equal buffers"},
      {[](ArtifactContents &c) { c.manifest.buffers[3].index = 1; },
       "buffer 3 is in a missing arena"},
      {[](ArtifactContents &c) { c.manifest.buffers[3].offset = 120; },
       "buffer 3 at offset 120 does not lie aligned within the 128-byte "
       "arena of 'host'"},
      {[](ArtifactContents &c) { c.manifest.buffers[3].offset = 32; },
       "buffer 3 at offset 32 does not lie aligned within the 128-byte "
       "arena of 'host'"},
      {[](ArtifactContents &c) { c.manifest.arenas[0].alignment = 48; },
       "the arena of 'host' has alignment 48, not a power of two"},
      {[](ArtifactContents &c) { c.manifest.memories = {"gpu"}; },
       "its first memory is not the host's"},
      {[](ArtifactContents &c) {
         c.manifest.memories = {"host", "gpu", "gpu"};
       },
       "memory 'gpu' is listed twice"},
      {[](ArtifactContents &c) { c.manifest.buffers[1].memory = 3; },
       "buffer 1 is in memory 3 of 1"},
      {[](ArtifactContents &c) {
         c.manifest.memories.push_back("gpu");
         c.manifest.buffers[0].memory = 1;
       },
       "input buffer 0 is not in host memory"},
      {[](ArtifactContents &c) {
         c.manifest.memories.push_back("gpu");
         c.manifest.buffers[3].memory = 1;
       },
       "buffer 3 at offset 64 does not lie aligned within the 128-byte "
       "arena of 'host'"},
      {[](ArtifactContents &c) {
         // The cpu kernel would bind a buffer in the gpu's memory.
         c.manifest.memories.push_back("gpu");
         c.manifest.arenas[0].memory = 1;
         c.manifest.buffers[3].memory = 1;
         c.manifest.buffers[4].memory = 1;
       },
       "a dispatch of 'kiln_dispatch_0' binds buffers in memory 'gpu', "
       "which its target 'cpu' cannot read"},
      {[](ArtifactContents &c) {
         c.manifest.steps[1].kind = StepKind::transfer;
       },
       "a transfer step does not move bytes between memories"},
  };
  for (Case &c : cases) {
    ArtifactContents contents = sample();
    c.breakIt(contents);
    EXPECT_EQ(decodeError(encodeArtifact(contents)),
              "artifact 'm.kiln' is inconsistent: " + c.message);
  }
}

TEST(Artifact, RejectsInconsistentShardings) {
  // A tp=2 program: x split in two, a per-device constant, an all_reduce.
  auto sharded = [] {
    ArtifactContents contents = sample();
    Manifest &m = contents.manifest;
    m.mesh = {2};
    m.meshAxes = {"tp"};
    m.inputs[0].shape = {8};
    m.inputs[0].split = {{0}};
    m.buffers[1].shards = {0, 0};
    StepSpec reduce;
    reduce.kind = StepKind::allReduce;
    reduce.bindings = {3, 3};
    reduce.shape = {4};
    reduce.axes = {0};
    m.steps.push_back(reduce);
    return contents;
  };
  EXPECT_EQ(decodeError(encodeArtifact(sharded())), "");
  struct Case {
    std::function<void(Manifest &)> breakIt;
    std::string message;
  };
  std::vector<Case> cases = {
      {[](Manifest &m) { m.meshAxes.clear(); },
       "the mesh has 1 axes but 0 names"},
      {[](Manifest &m) { m.mesh = {0}; }, "the mesh has an axis of 0 devices"},
      {[](Manifest &m) { m.inputs[0].split = {{1}}; },
       "tensor 'x' names mesh axis 1 of 1"},
      {[](Manifest &m) {
         m.inputs[0].split = {{0, 0}};
       },
       "tensor 'x' names mesh axis 0 twice"},
      {[](Manifest &m) {
         m.inputs[0].split = {{0}, {}};
       },
       "tensor 'x' splits more dims than it has"},
      {[](Manifest &m) { m.inputs[0].shape = {9}; },
       "tensor 'x' splits a dim of 9 2 ways"},
      {[](Manifest &m) { m.buffers[1].shards = {0}; },
       "buffer 1 has 1 shards for 2 devices"},
      {[](Manifest &m) {
         m.buffers[1].shards = {0, 5};
       },
       "buffer 1 has a missing shard"},
      {[](Manifest &m) { m.steps[2].reduction = 9; },
       "an all_reduce step has unknown reduction 9"},
      {[](Manifest &m) { m.steps[2].bindings = {3}; },
       "an all_reduce step does not have a source and a target"},
      {[](Manifest &m) { m.steps[2].shape = {8}; },
       "an all_reduce step has buffers of 16 and 16 bytes, expected 32 and "
       "32"},
      {[](Manifest &m) { m.steps[2].axes = {1}; },
       "an all_reduce step names mesh axis 1 of 1"},
      {[](Manifest &m) {
         m.steps[2].kind = StepKind::allGather;
         m.steps[2].dim = 3;
       },
       "an all_gather step names dim 3 of a rank-1 tensor"},
      {[](Manifest &m) {
         m.steps[2].kind = StepKind::reduceScatter;
         m.steps[2].shape = {3};
       },
       "a reduce_scatter step splits dim 0 of 3 2 ways"},
  };
  for (Case &c : cases) {
    ArtifactContents contents = sharded();
    c.breakIt(contents.manifest);
    EXPECT_EQ(decodeError(encodeArtifact(contents)),
              "artifact 'm.kiln' is inconsistent: " + c.message);
  }
}
