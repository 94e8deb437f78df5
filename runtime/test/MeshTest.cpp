//===- MeshTest.cpp - sharded models on the in-process mesh ---------------===//
//
// Models with no kernels, only collective steps between their input and
// output blocks, so what the output shows is what the collective did: each
// kind along an inner dim (blocks rearranged), device groups of a 2-D
// mesh, per-device constants, and the errors of a mismatched mesh.

#include "kiln/runtime/Error.h"
#include "kiln/runtime/Runtime.h"

#include "ErrorOf.h"

#include <gtest/gtest.h>

#include <functional>
#include <numeric>

using namespace kiln::rt;

namespace {

/// x (whole shape `shape`, split as `inSplit`) → one collective → y
/// (whole `outShape`, split as `outSplit`), on `mesh`.
std::shared_ptr<const Model> oneStep(std::vector<int64_t> mesh,
                                     std::vector<int64_t> shape,
                                     SplitAxes inSplit,
                                     std::vector<int64_t> outShape,
                                     SplitAxes outSplit, StepSpec step) {
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.mesh = mesh;
  for (size_t axis = 0; axis < mesh.size(); ++axis)
    m.meshAxes.push_back(axis ? "tp" : "dp");
  auto bytes = [&](const std::vector<int64_t> &whole, const SplitAxes &split) {
    std::vector<int64_t> block = blockShape(whole, split, mesh);
    return 4 * std::accumulate(block.begin(), block.end(), int64_t(1),
                               std::multiplies<int64_t>());
  };
  m.buffers = {{BufferKind::input, 0, uint64_t(bytes(shape, inSplit))},
               {BufferKind::output, 0, uint64_t(bytes(outShape, outSplit))}};
  m.inputs = {{"x", DType::f32, shape, 0, inSplit}};
  m.outputs = {{"y", DType::f32, outShape, 1, outSplit}};
  step.bindings = {0, 1};
  step.dtype = DType::f32;
  step.shape = blockShape(shape, inSplit, mesh);
  m.steps = {step};
  return Model::fromBytes(encodeArtifact(contents), "mesh.kiln");
}

StepSpec collective(StepKind kind, std::vector<uint16_t> axes, int64_t dim = 0,
                    int64_t dim2 = 0) {
  StepSpec step;
  step.kind = kind;
  step.axes = axes;
  step.dim = dim;
  step.dim2 = dim2;
  return step;
}

HostTensor iota(std::vector<int64_t> shape) {
  HostTensor tensor(DType::f32, shape);
  float *data = static_cast<float *>(tensor.data());
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    data[i] = static_cast<float>(i);
  return tensor;
}

std::vector<float> values(const HostTensor &tensor) {
  const float *data = static_cast<const float *>(tensor.data());
  return std::vector<float>(data, data + tensor.numElements());
}

std::vector<float> runMesh(const std::shared_ptr<const Model> &model,
                           const HostTensor &x) {
  MeshExecutor executor(model);
  std::vector<HostTensor> outputs = executor.run({&x});
  EXPECT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].shape(), model->outputs()[0].shape);
  return values(outputs[0]);
}

} // namespace

TEST(Mesh, AllGatherAlongAnInnerDim) {
  // Each device holds two columns; gathered, every device has all four.
  HostTensor x = iota({2, 4});
  auto model = oneStep({2}, {2, 4}, {{}, {0}}, {2, 4}, {},
                       collective(StepKind::allGather, {0}, 1));
  EXPECT_EQ(runMesh(model, x), values(x));
}

TEST(Mesh, ReduceScatterAlongAnInnerDim) {
  // Both devices hold all of x; each gets its two columns of x + x.
  HostTensor x = iota({2, 4});
  StepSpec step = collective(StepKind::reduceScatter, {0}, 1);
  auto model = oneStep({2}, {2, 4}, {}, {2, 4}, {{}, {0}}, step);
  std::vector<float> doubled = values(x);
  for (float &value : doubled)
    value *= 2;
  EXPECT_EQ(runMesh(model, x), doubled);
}

TEST(Mesh, AllToAllMovesTheSplitToAnotherDim) {
  // Split by rows in, by columns out: the whole tensor is unchanged.
  HostTensor x = iota({4, 2});
  auto model = oneStep({2}, {4, 2}, {{0}}, {4, 2}, {{}, {0}},
                       collective(StepKind::allToAll, {0}, 1, 0));
  EXPECT_EQ(runMesh(model, x), values(x));
}

TEST(Mesh, AllSliceKeepsEachDevicesBlock) {
  HostTensor x = iota({2, 4});
  auto model = oneStep({2}, {2, 4}, {}, {2, 4}, {{}, {0}},
                       collective(StepKind::allSlice, {0}, 1));
  EXPECT_EQ(runMesh(model, x), values(x));
}

TEST(Mesh, GroupsOfATwoByTwoMesh) {
  // Rows split over dp; each row's two tp devices sum equal blocks: 2x.
  HostTensor x = iota({2, 3});
  StepSpec step = collective(StepKind::allReduce, {1});
  step.reduction = static_cast<uint8_t>(ReduceOp::sum);
  auto model = oneStep({2, 2}, {2, 3}, {{0}}, {2, 3}, {{0}}, step);
  EXPECT_EQ(runMesh(model, x), (std::vector<float>{0, 2, 4, 6, 8, 10}));
  // Over dp instead: each tp device sums the two rows.
  StepSpec overDp = collective(StepKind::allReduce, {0});
  auto summed = oneStep({2, 2}, {2, 3}, {{0}}, {1, 3}, {}, overDp);
  EXPECT_EQ(runMesh(summed, x), (std::vector<float>{3, 5, 7}));
}

TEST(Mesh, EachDeviceHasItsConstantBlock) {
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.mesh = {2};
  m.meshAxes = {"tp"};
  float first[2] = {1, 2}, second[2] = {3, 4};
  contents.constants = {std::string(reinterpret_cast<char *>(first), 8),
                        std::string(reinterpret_cast<char *>(second), 8)};
  m.constants = {{0, 8}, {0, 8}};
  m.buffers = {{BufferKind::constant, 0, 8, 0, {0, 1}},
               {BufferKind::output, 0, 8}};
  m.outputs = {{"y", DType::f32, {4}, 1, {{0}}}};
  m.steps = {{StepKind::copy, 0, {0, 1}}};
  MeshExecutor executor(Model::fromBytes(encodeArtifact(contents), "c.kiln"));
  std::vector<HostTensor> outputs = executor.run({});
  EXPECT_EQ(values(outputs[0]), (std::vector<float>{1, 2, 3, 4}));
}

TEST(Mesh, BlocksOfWholeTensors) {
  Manifest m;
  m.mesh = {2, 2};
  TensorSpec spec{"x", DType::f32, {4, 6}, 0, {{1}, {0}}};
  HostTensor x = iota({4, 6});
  // Device 1 is dp 0, tp 1: rows 2-3 (tp splits dim 0), columns 0-2.
  HostTensor block = sliceBlock(x, spec, m, 1);
  EXPECT_EQ(block.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values(block), (std::vector<float>{12, 13, 14, 18, 19, 20}));
  HostTensor back(DType::f32, {4, 6});
  for (int64_t rank = 0; rank < 4; ++rank)
    placeBlock(sliceBlock(x, spec, m, rank), back, spec, m, rank);
  EXPECT_EQ(values(back), values(x));
}

TEST(Mesh, MismatchedMeshesAreErrors) {
  auto model = oneStep({2, 2}, {2, 4}, {{0}}, {2, 4}, {{0}, {1}},
                       collective(StepKind::allSlice, {1}, 1));
  EXPECT_EQ(errorOf([&] { Executor executor(model); }),
            "'mesh.kiln' is sharded over the mesh dp=2, tp=2 (4 devices): run "
            "it on 4 devices (kiln-run --devices N, or mpirun -np N kiln-run)");
  auto pair = createInProcessCommunicators(2);
  ExecutorOptions options;
  options.communicator = pair[0].get();
  EXPECT_EQ(errorOf([&] { Executor executor(model, options); }),
            "'mesh.kiln' is sharded over the mesh dp=2, tp=2 (4 devices), but "
            "it was given 2 ranks");
  MeshExecutorOptions gpu;
  gpu.communicator = "gpu";
  EXPECT_EQ(errorOf([&] { MeshExecutor executor(model, gpu); }),
            "unknown communicator 'gpu' (in-process, nccl)");
  MeshExecutorOptions three;
  three.devices = 3;
  EXPECT_EQ(errorOf([&] { MeshExecutor executor(model, three); }),
            "'mesh.kiln' is sharded over the mesh dp=2, tp=2: it runs on 4 "
            "devices, not 3");
}

TEST(Mesh, InputsAreCheckedAgainstTheirBlocks) {
  auto model = oneStep({2}, {2, 4}, {{}, {0}}, {2, 4}, {},
                       collective(StepKind::allGather, {0}, 1));
  // The mesh executor takes the whole tensor, not a block.
  MeshExecutor mesh(model);
  HostTensor wrong = iota({2, 2});
  EXPECT_EQ(errorOf([&] { mesh.run({&wrong}); }),
            "input 'x' (#0): expected f32 [2, 4], got f32 [2, 2]");
}

TEST(Mesh, OneDeviceMeshRunsItsCollectivesAlone) {
  // tp=1: a plain executor, no communicator given, runs the all_reduce
  // over the one device.
  HostTensor x = iota({2, 3});
  StepSpec step = collective(StepKind::allReduce, {0});
  auto model = oneStep({1}, {2, 3}, {}, {2, 3}, {}, step);
  Executor executor(model);
  std::vector<HostTensor> outputs = executor.run({&x});
  EXPECT_EQ(values(outputs[0]), values(x));
}
