//===- DeviceTest.cpp - the executor against a device with its own memory -===//
//
// A fake device whose queue runs only when synchronized: an executor that
// reads device results before waiting for them, or lets a kernel read a
// buffer before its upload ran, gets stale bytes and the test fails. Its
// memory has a budget, for the out-of-memory errors.

#include "kiln/runtime/Communicator.h"
#include "kiln/runtime/Error.h"
#include "kiln/runtime/Runtime.h"

#include "ErrorOf.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <numeric>
#include <thread>
#include <vector>

using namespace kiln::rt;

namespace {

/// Bytes the next queued device may allocate.
std::atomic<uint64_t> queuedBudget = 1 << 20;
/// What queued devices were asked to move, to see which way bytes went
/// (the devices of a mesh's ranks count from their threads).
std::atomic<int> queuedUploads = 0, queuedDownloads = 0, queuedCopies = 0;

class QueuedDevice final : public Device {
public:
  QueuedDevice() { live = this; }
  ~QueuedDevice() override {
    if (live == this)
      live = nullptr;
  }
  std::string_view target() const override { return "queued"; }

  /// Its one kernel, "add": out[i] = a[i] + b[i] for the launch's
  /// grid x workgroup floats, run when the queue drains.
  std::unique_ptr<KernelLibrary> load(std::string_view,
                                      const std::string &) override {
    struct Add final : Kernel {
      QueuedDevice &device;
      explicit Add(QueuedDevice &device) : device(device) {}
      void dispatch(void **bindings, size_t, const Launch &launch) override {
        auto *a = static_cast<const float *>(bindings[0]);
        auto *b = static_cast<const float *>(bindings[1]);
        auto *out = static_cast<float *>(bindings[2]);
        uint64_t n = uint64_t(launch.grid[0]) * launch.workgroup[0];
        device.queue.push_back([=] {
          for (uint64_t i = 0; i < n; ++i)
            out[i] = a[i] + b[i];
        });
      }
    };
    struct Library final : KernelLibrary {
      QueuedDevice &device;
      explicit Library(QueuedDevice &device) : device(device) {}
      std::unique_ptr<Kernel> kernel(const std::string &symbol) override {
        if (symbol != "add")
          throw Error("no kernel '" + symbol + "'");
        return std::make_unique<Add>(device);
      }
    };
    return std::make_unique<Library>(*this);
  }
  void *allocate(uint64_t bytes, uint64_t alignment) override {
    if (bytes > queuedBudget)
      return nullptr;
    queuedBudget -= bytes;
    return std::aligned_alloc(alignment,
                              (bytes + alignment - 1) / alignment * alignment);
  }
  void deallocate(void *memory) override { std::free(memory); }
  void upload(void *device, const void *host, uint64_t bytes) override {
    ++queuedUploads;
    queue.push_back([=] { std::memcpy(device, host, bytes); });
  }
  void download(void *host, const void *device, uint64_t bytes) override {
    ++queuedDownloads;
    queue.push_back([=] { std::memcpy(host, device, bytes); });
  }
  void copy(void *target, const void *source, uint64_t bytes) override {
    ++queuedCopies;
    queue.push_back([=] { std::memcpy(target, source, bytes); });
  }
  void synchronize() override {
    ++synchronizations;
    for (auto &work : queue)
      work();
    queue.clear();
  }
  // Records what is queued meanwhile; a replay queues it again.
  bool beginRecording() override {
    if (!recordable)
      return false;
    recordFrom = queue.size();
    ++recordings;
    return true;
  }
  std::unique_ptr<Replay> endRecording() override {
    if (failRecordings) {
      queue.resize(recordFrom); // What was captured did not run.
      throw Error("cannot record");
    }
    struct Recorded final : Replay {
      QueuedDevice &device;
      std::vector<std::function<void()>> work;
      Recorded(QueuedDevice &device, std::vector<std::function<void()>> work)
          : device(device), work(std::move(work)) {}
      void submit() override {
        device.queue.insert(device.queue.end(), work.begin(), work.end());
      }
    };
    std::vector<std::function<void()>> work(queue.begin() + recordFrom,
                                            queue.end());
    queue.resize(recordFrom);
    return std::make_unique<Recorded>(*this, std::move(work));
  }

  std::vector<std::function<void()>> queue;
  /// The one made last (a test's device), for HostDevice to look at.
  static inline QueuedDevice *live = nullptr;
  /// synchronize() calls, all queued devices together.
  static inline int synchronizations = 0;
  static inline bool recordable = false;
  static inline bool failRecordings = false;
  static inline int recordings = 0;
  size_t recordFrom = 0;
};

/// A device on host memory, as the CPU is: its one kernel, "twice",
/// out[i] = 2 * in[i], runs when dispatched. It notes whether the queued
/// device still had work waiting then: whether the executor let the host
/// compute while a device did.
class HostDevice final : public Device {
public:
  std::string_view target() const override { return "hostcalc"; }
  bool usesHostMemory() const override { return true; }
  std::unique_ptr<KernelLibrary> load(std::string_view,
                                      const std::string &) override {
    struct Twice final : Kernel {
      void dispatch(void **bindings, size_t, const Launch &launch) override {
        auto *in = static_cast<const float *>(bindings[0]);
        auto *out = static_cast<float *>(bindings[1]);
        sawPendingWork =
            QueuedDevice::live && !QueuedDevice::live->queue.empty();
        for (uint64_t i = 0; i < uint64_t(launch.grid[0]) * launch.workgroup[0];
             ++i)
          out[i] = 2 * in[i];
      }
    };
    struct Library final : KernelLibrary {
      std::unique_ptr<Kernel> kernel(const std::string &) override {
        return std::make_unique<Twice>();
      }
    };
    return std::make_unique<Library>();
  }
  void *allocate(uint64_t bytes, uint64_t alignment) override {
    return std::aligned_alloc(alignment,
                              (bytes + alignment - 1) / alignment * alignment);
  }
  void deallocate(void *memory) override { std::free(memory); }
  void upload(void *device, const void *host, uint64_t bytes) override {
    std::memcpy(device, host, bytes);
  }
  void download(void *host, const void *device, uint64_t bytes) override {
    std::memcpy(host, device, bytes);
  }
  void copy(void *target, const void *source, uint64_t bytes) override {
    std::memcpy(target, source, bytes);
  }
  void synchronize() override {}
  static inline bool sawPendingWork = false;
};

/// Registers QueuedDevice under each of `targets`.
void registerQueuedDevices(std::initializer_list<const char *> targets) {
  for (const char *target : targets)
    registerDevice(target, [](const DeviceOptions &) {
      return std::make_unique<QueuedDevice>();
    });
}

/// y = add(x, c) on the device (x transferred in, c a constant in device
/// memory, y transferred out), then z = y copied on the host.
std::shared_ptr<const Model> addOnDevice() {
  registerQueuedDevices({"queued"});
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.memories = {"host", "queued"};
  m.arenas = {{1, 128, 64}};
  float c[4] = {10, 20, 30, 40};
  contents.constants = {std::string(reinterpret_cast<char *>(c), 16)};
  m.constants = {{0, 16}};
  m.buffers = {{BufferKind::input, 0, 16},
               {BufferKind::output, 0, 16},
               {BufferKind::output, 1, 16},
               {BufferKind::constant, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 64, {}, 1}};
  m.inputs = {{"x", DType::f32, {4}, 0}};
  m.outputs = {{"y", DType::f32, {4}, 1}, {"z", DType::f32, {4}, 2}};
  m.libraries = {{"queued", 0}};
  m.kernels = {{0, "add", {{1, 1, 1}, {4, 1, 1}, 0}}};
  m.steps = {{StepKind::transfer, 0, {0, 4}},
             {StepKind::dispatch, 0, {4, 3, 5}},
             {StepKind::transfer, 0, {5, 1}},
             {StepKind::copy, 0, {1, 2}}};
  contents.libraries = {"fake"};
  return Model::fromBytes(encodeArtifact(contents), "q.kiln");
}

std::vector<float> values(const HostTensor &tensor) {
  const auto *data = static_cast<const float *>(tensor.data());
  return std::vector<float>(data, data + 4);
}

} // namespace

TEST(Device, TransfersAndWaitsForItsQueue) {
  queuedBudget = 1 << 20;
  Executor executor(addOnDevice());
  EXPECT_EQ(executor.arenaBytes("queued"), 128u);
  EXPECT_EQ(executor.arenaBytes("host"), 0u);
  HostTensor x(DType::f32, {4});
  float input[4] = {1, 2, 3, 4};
  std::memcpy(x.data(), input, sizeof(input));
  for (int run = 0; run < 2; ++run) {
    std::vector<HostTensor> outputs = executor.run({&x});
    EXPECT_EQ(values(outputs[0]), (std::vector<float>{11, 22, 33, 44}));
    EXPECT_EQ(values(outputs[1]), (std::vector<float>{11, 22, 33, 44}));
  }
}

TEST(Device, TransfersBetweenTwoDevices) {
  // y = add(x, c) on the first device, its result moved to a second device
  // (through the host), from there to the output.
  queuedBudget = 1 << 20;
  registerQueuedDevices({"queued", "other"});
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.memories = {"host", "queued", "other"};
  m.arenas = {{1, 128, 64}, {2, 64, 64}};
  float c[4] = {1, 1, 1, 1};
  contents.constants = {std::string(reinterpret_cast<char *>(c), 16)};
  m.constants = {{0, 16}};
  m.buffers = {{BufferKind::input, 0, 16},
               {BufferKind::output, 0, 16},
               {BufferKind::constant, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 64, {}, 1},
               {BufferKind::transient, 1, 16, 0, {}, 2}};
  m.inputs = {{"x", DType::f32, {4}, 0}};
  m.outputs = {{"y", DType::f32, {4}, 1}};
  m.libraries = {{"queued", 0}};
  m.kernels = {{0, "add", {{1, 1, 1}, {4, 1, 1}, 0}}};
  m.steps = {{StepKind::transfer, 0, {0, 3}},
             {StepKind::dispatch, 0, {3, 2, 4}},
             {StepKind::transfer, 0, {4, 5}},
             {StepKind::transfer, 0, {5, 1}}};
  contents.libraries = {"fake"};
  Executor executor(Model::fromBytes(encodeArtifact(contents), "two.kiln"));
  HostTensor x(DType::f32, {4});
  float input[4] = {1, 2, 3, 4};
  std::memcpy(x.data(), input, sizeof(input));
  EXPECT_EQ(values(executor.run({&x})[0]), (std::vector<float>{2, 3, 4, 5}));
}

/// What a model placed on the queued device and a host-memory one has,
/// both devices registered: inputs x and w, outputs y and z, the constant
/// c on the device, the kernels "add" (device) and "twice" (host). The
/// caller adds arenas, buffers (c is constant 0) and steps.
ArtifactContents placedContents() {
  registerQueuedDevices({"queued"});
  registerDevice("hostcalc", [](const DeviceOptions &) {
    return std::make_unique<HostDevice>();
  });
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.memories = {"host", "queued"};
  float c[4] = {10, 20, 30, 40};
  contents.constants = {std::string(reinterpret_cast<char *>(c), 16)};
  m.constants = {{0, 16}};
  m.inputs = {{"x", DType::f32, {4}, 0}, {"w", DType::f32, {4}, 1}};
  m.outputs = {{"y", DType::f32, {4}, 2}, {"z", DType::f32, {4}, 3}};
  m.libraries = {{"queued", 0}, {"hostcalc", 1}};
  m.kernels = {{0, "add", {{1, 1, 1}, {4, 1, 1}, 0}},
               {1, "twice", {{1, 1, 1}, {4, 1, 1}, 0}}};
  contents.libraries = {"fake", "fake"};
  return contents;
}

/// A model placed on the queued device and a host-memory one: y = add(x,
/// c) on the device, its result downloaded into the output y, then
/// `hostStep` writes z on the host (buffers: 0 x, 1 w, 2 y, 3 z).
std::shared_ptr<const Model> placedAcrossTwo(StepSpec hostStep) {
  ArtifactContents contents = placedContents();
  Manifest &m = contents.manifest;
  m.arenas = {{1, 128, 64}};
  m.buffers = {{BufferKind::input, 0, 16},
               {BufferKind::input, 1, 16},
               {BufferKind::output, 0, 16},
               {BufferKind::output, 1, 16},
               {BufferKind::constant, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 64, {}, 1}};
  m.steps = {{StepKind::transfer, 0, {0, 5}},
             {StepKind::dispatch, 0, {5, 4, 6}},
             {StepKind::transfer, 0, {6, 2}},
             hostStep};
  return Model::fromBytes(encodeArtifact(contents), "placed.kiln");
}

/// z = twice(w), which the device's work does not touch, or z = twice(y)
/// when `dependent`.
std::shared_ptr<const Model> placedAcrossTwo(bool dependent) {
  return placedAcrossTwo({StepKind::dispatch, 1, {dependent ? 2u : 1u, 3}});
}

TEST(Device, HostComputesWhileADeviceDoes) {
  // The host kernel reads nothing the device's pending work touches: it
  // runs with that work still queued, and every result is right.
  queuedBudget = 1 << 20;
  Executor executor(placedAcrossTwo(/*dependent=*/false));
  HostTensor x(DType::f32, {4}), w(DType::f32, {4});
  float xs[4] = {1, 2, 3, 4}, ws[4] = {5, 6, 7, 8};
  std::memcpy(x.data(), xs, sizeof(xs));
  std::memcpy(w.data(), ws, sizeof(ws));
  HostDevice::sawPendingWork = false;
  std::vector<HostTensor> outputs = executor.run({&x, &w});
  EXPECT_TRUE(HostDevice::sawPendingWork);
  EXPECT_EQ(values(outputs[0]), (std::vector<float>{11, 22, 33, 44}));
  EXPECT_EQ(values(outputs[1]), (std::vector<float>{10, 12, 14, 16}));
}

TEST(Device, HostCopiesWhileADeviceComputes) {
  // A host copy of bytes no device work touches (w into z) runs without
  // waiting: the device is synchronized once, at the end of the run.
  queuedBudget = 1 << 20;
  Executor executor(placedAcrossTwo({StepKind::copy, 0, {1, 3}}));
  HostTensor x(DType::f32, {4}), w(DType::f32, {4});
  float xs[4] = {1, 2, 3, 4}, ws[4] = {5, 6, 7, 8};
  std::memcpy(x.data(), xs, sizeof(xs));
  std::memcpy(w.data(), ws, sizeof(ws));
  QueuedDevice::synchronizations = 0;
  std::vector<HostTensor> outputs = executor.run({&x, &w});
  EXPECT_EQ(QueuedDevice::synchronizations, 1);
  EXPECT_EQ(values(outputs[0]), (std::vector<float>{11, 22, 33, 44}));
  EXPECT_EQ(values(outputs[1]), (std::vector<float>{5, 6, 7, 8}));
}

TEST(Device, HostWaitsForTheDownloadItReads) {
  queuedBudget = 1 << 20;
  Executor executor(placedAcrossTwo(/*dependent=*/true));
  HostTensor x(DType::f32, {4}), w(DType::f32, {4});
  float xs[4] = {1, 2, 3, 4};
  std::memcpy(x.data(), xs, sizeof(xs));
  HostDevice::sawPendingWork = true;
  std::vector<HostTensor> outputs = executor.run({&x, &w});
  EXPECT_FALSE(HostDevice::sawPendingWork);
  EXPECT_EQ(values(outputs[1]), (std::vector<float>{22, 44, 66, 88}));
}

TEST(Device, HostWaitsForAnUploadFromBytesItOverwrites) {
  // x is copied into host bytes T and uploaded from there; the host kernel
  // then writes z's bytes U, which memory planning laid over T (T's life
  // ended at the upload). Overwriting U before the queued upload ran would
  // give the device 2 * w instead of x.
  queuedBudget = 1 << 20;
  ArtifactContents contents = placedContents();
  Manifest &m = contents.manifest;
  m.arenas = {{0, 64, 64}, {1, 128, 64}};
  m.buffers = {{BufferKind::input, 0, 16},
               {BufferKind::input, 1, 16},
               {BufferKind::output, 0, 16},
               {BufferKind::output, 1, 16},
               {BufferKind::constant, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 0, {}, 0},   // T
               {BufferKind::transient, 0, 16, 0, {}, 0},   // U, over T
               {BufferKind::transient, 1, 16, 0, {}, 1},   // x on the device
               {BufferKind::transient, 1, 16, 64, {}, 1}}; // y on the device
  m.steps = {
      {StepKind::copy, 0, {0, 5}},     {StepKind::transfer, 0, {5, 7}},
      {StepKind::dispatch, 1, {1, 6}}, {StepKind::dispatch, 0, {7, 4, 8}},
      {StepKind::transfer, 0, {8, 2}}, {StepKind::copy, 0, {6, 3}}};
  Executor executor(Model::fromBytes(encodeArtifact(contents), "war.kiln"));
  HostTensor x(DType::f32, {4}), w(DType::f32, {4});
  float xs[4] = {1, 2, 3, 4}, ws[4] = {5, 6, 7, 8};
  std::memcpy(x.data(), xs, sizeof(xs));
  std::memcpy(w.data(), ws, sizeof(ws));
  std::vector<HostTensor> outputs = executor.run({&x, &w});
  EXPECT_EQ(values(outputs[0]), (std::vector<float>{11, 22, 33, 44}));
  EXPECT_EQ(values(outputs[1]), (std::vector<float>{10, 12, 14, 16}));
}

TEST(Device, ReportsRunningOutOfMemory) {
  // The constants (16 bytes) fit, the 128-byte arena does not.
  queuedBudget = 100;
  Executor executor(addOnDevice());
  HostTensor x(DType::f32, {4});
  EXPECT_EQ(errorOf([&] { executor.run({&x}); }),
            "cannot allocate the 128-byte arena of 'q.kiln' in memory "
            "'queued': it is out of memory");
  queuedBudget = 8;
  EXPECT_EQ(errorOf([&] { Executor tooSmall(addOnDevice()); }),
            "cannot allocate the 16 bytes of constants of 'q.kiln' on device "
            "'queued': it is out of memory");
}

TEST(Device, RunsOnTheCallersDeviceTensors) {
  // x in the device's memory: copied there into the buffer the kernel
  // reads, not through the host. y, an output the host also reads (z is
  // its copy), is written through a host copy and uploaded to the caller's
  // device memory at the end; z stays on the host.
  queuedBudget = 1 << 20;
  Executor executor(addOnDevice());
  QueuedDevice caller;
  float input[4] = {1, 2, 3, 4};
  auto *x = static_cast<float *>(caller.allocate(16, 64));
  auto *y = static_cast<float *>(caller.allocate(16, 64));
  std::memcpy(x, input, sizeof(input));
  HostTensor z(DType::f32, {4});
  int64_t shape[1] = {4};
  queuedUploads = queuedDownloads = queuedCopies = 0;
  executor.run({TensorView{DType::f32, shape, 1, x, "queued"}},
               {TensorView{DType::f32, shape, 1, y, "queued"},
                TensorView{DType::f32, shape, 1, z.data(), kHostMemory}});
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{11, 22, 33, 44}));
  EXPECT_EQ(values(z), (std::vector<float>{11, 22, 33, 44}));
  EXPECT_EQ(queuedCopies.load(), 1);    // x into the kernel's buffer
  EXPECT_EQ(queuedDownloads.load(), 1); // y's result to its host copy
  EXPECT_EQ(queuedUploads.load(), 1);   // y's host copy to the caller's memory
  // A memory the model has no device for is named.
  EXPECT_EQ(errorOf([&] {
              executor.run(
                  {TensorView{DType::f32, shape, 1, x, "cuda"}},
                  {TensorView{DType::f32, shape, 1, y, "queued"},
                   TensorView{DType::f32, shape, 1, z.data(), kHostMemory}});
            }),
            "input #0 is in memory 'cuda', but 'q.kiln' runs on no device "
            "with that memory (its memories: host, queued)");
  // Shapes are checked as for host tensors.
  int64_t wrong[1] = {5};
  EXPECT_NE(errorOf([&] {
              executor.run(
                  {TensorView{DType::f32, wrong, 1, x, "queued"}},
                  {TensorView{DType::f32, shape, 1, y, "queued"},
                   TensorView{DType::f32, shape, 1, z.data(), kHostMemory}});
            }).find("expected f32 [4], got f32 [5]"),
            std::string::npos);
  caller.deallocate(x);
  caller.deallocate(y);
}

namespace {

/// y = (x + c) + c on the device: two kernels in a row over the executor's
/// own buffers, which it records on the first run and replays after.
std::shared_ptr<const Model> twoAddsOnDevice() {
  registerQueuedDevices({"queued"});
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.memories = {"host", "queued"};
  m.arenas = {{1, 256, 64}};
  float c[4] = {10, 20, 30, 40};
  contents.constants = {std::string(reinterpret_cast<char *>(c), 16)};
  m.constants = {{0, 16}};
  m.buffers = {{BufferKind::input, 0, 16},
               {BufferKind::output, 0, 16},
               {BufferKind::constant, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 0, {}, 1},
               {BufferKind::transient, 0, 16, 64, {}, 1},
               {BufferKind::transient, 0, 16, 128, {}, 1}};
  m.inputs = {{"x", DType::f32, {4}, 0}};
  m.outputs = {{"y", DType::f32, {4}, 1}};
  m.libraries = {{"queued", 0}};
  m.kernels = {{0, "add", {{1, 1, 1}, {4, 1, 1}, 0}}};
  m.steps = {{StepKind::transfer, 0, {0, 3}},
             {StepKind::dispatch, 0, {3, 2, 4}},
             {StepKind::dispatch, 0, {4, 2, 5}},
             {StepKind::transfer, 0, {5, 1}}};
  contents.libraries = {"fake"};
  return Model::fromBytes(encodeArtifact(contents), "r.kiln");
}

} // namespace

TEST(Device, ReplaysRecordedKernels) {
  queuedBudget = 1 << 20;
  QueuedDevice::recordable = true;
  QueuedDevice::recordings = 0;
  Executor executor(twoAddsOnDevice());
  HostTensor x(DType::f32, {4}), y(DType::f32, {4});
  for (float base : {1.0f, 5.0f, 9.0f}) {
    float input[4] = {base, base + 1, base + 2, base + 3};
    std::memcpy(x.data(), input, sizeof(input));
    executor.run({&x}, {&y});
    EXPECT_EQ(values(y),
              (std::vector<float>{base + 20, base + 41, base + 62, base + 83}));
    LaunchCounts counts = executor.launchCounts();
    EXPECT_EQ(counts.kernels, 2u);
    EXPECT_EQ(counts.replayed, 2u);
    EXPECT_EQ(counts.replays, 1u);
  }
  EXPECT_EQ(QueuedDevice::recordings, 1); // Once, on the first run.
  // A new arena: recorded again.
  void *arena = std::aligned_alloc(64, 256);
  executor.useArena("queued", arena, 256);
  executor.run({&x}, {&y});
  EXPECT_EQ(QueuedDevice::recordings, 2);
  EXPECT_EQ(values(y), (std::vector<float>{29, 50, 71, 92}));
  // Without replays, or on a device that cannot record: one by one.
  Executor plain(twoAddsOnDevice(), {.threads = 0,
                                     .communicator = nullptr,
                                     .devices = {},
                                     .replayKernels = false});
  plain.run({&x}, {&y});
  EXPECT_EQ(plain.launchCounts().replays, 0u);
  EXPECT_EQ(plain.launchCounts().kernels, 2u);
  EXPECT_EQ(values(y), (std::vector<float>{29, 50, 71, 92}));
  QueuedDevice::recordable = false;
  std::free(arena);
}

TEST(Device, RunsOneByOneWhatItCannotRecord) {
  // A device whose recording fails (CUDA capture of a library call that
  // allocates): the kernels run one by one, right, this run and after.
  queuedBudget = 1 << 20;
  QueuedDevice::recordable = true;
  QueuedDevice::failRecordings = true;
  Executor executor(twoAddsOnDevice());
  HostTensor x(DType::f32, {4}), y(DType::f32, {4});
  float input[4] = {1, 2, 3, 4};
  std::memcpy(x.data(), input, sizeof(input));
  for (int run = 0; run < 2; ++run) {
    executor.run({&x}, {&y});
    EXPECT_EQ(values(y), (std::vector<float>{21, 42, 63, 84}));
    EXPECT_EQ(executor.launchCounts().replays, 0u);
    EXPECT_EQ(executor.launchCounts().kernels, 2u);
  }
  QueuedDevice::recordable = false;
  QueuedDevice::failRecordings = false;
}

namespace {

/// An in-process communicator that says it takes a queued device's memory
/// (which is host memory): collectives then run on the device's buffers.
class TakesDeviceMemory final : public Communicator {
public:
  explicit TakesDeviceMemory(std::unique_ptr<Communicator> inner)
      : inner_(std::move(inner)) {}
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  void allReduce(const void *send, void *recv, uint64_t count, DType dtype,
                 ReduceOp op) override {
    inner_->allReduce(send, recv, count, dtype, op);
  }
  void allGather(const void *send, void *recv, uint64_t bytes) override {
    inner_->allGather(send, recv, bytes);
  }
  void reduceScatter(const void *send, void *recv, uint64_t count, DType dtype,
                     ReduceOp op) override {
    inner_->reduceScatter(send, recv, count, dtype, op);
  }
  void allToAll(const void *send, void *recv, uint64_t bytes) override {
    inner_->allToAll(send, recv, bytes);
  }
  void barrier() override { inner_->barrier(); }
  void abort(const std::string &reason) override { inner_->abort(reason); }
  std::unique_ptr<Communicator> split(int color, int key) override {
    return std::make_unique<TakesDeviceMemory>(inner_->split(color, key));
  }
  bool takesMemoryOf(const Device &device) const override {
    return device.target() == "queued";
  }

private:
  std::unique_ptr<Communicator> inner_;
};

/// A two-device mesh whose one collective works in the queued device's
/// memory: x (each device's [2, 4] block) transferred there, `step` from it
/// into a device buffer of `outShape`, that transferred to the output.
std::shared_ptr<const Model> collectiveOnDevice(StepSpec step,
                                                std::vector<int64_t> outShape) {
  registerQueuedDevices({"queued"});
  ArtifactContents contents;
  Manifest &m = contents.manifest;
  m.entry = "main";
  m.mesh = {2};
  m.meshAxes = {"tp"};
  m.memories = {"host", "queued"};
  m.arenas = {{1, 256, 64}};
  uint64_t out = 4 * std::accumulate(outShape.begin(), outShape.end(),
                                     int64_t(1), std::multiplies<int64_t>());
  m.buffers = {{BufferKind::input, 0, 32},
               {BufferKind::output, 0, out},
               {BufferKind::transient, 0, 32, 0, {}, 1},
               {BufferKind::transient, 0, out, 128, {}, 1}};
  m.inputs = {{"x", DType::f32, {2, 4}, 0}};
  m.outputs = {{"y", DType::f32, outShape, 1}};
  m.libraries = {{"queued", 0}};
  contents.libraries = {"fake"};
  step.bindings = {2, 3};
  step.axes = {0};
  step.dtype = DType::f32;
  step.shape = {2, 4};
  m.steps = {
      {StepKind::transfer, 0, {0, 2}}, step, {StepKind::transfer, 0, {3, 1}}};
  return Model::fromBytes(encodeArtifact(contents), "mesh.kiln");
}

/// Runs `model` on both devices, device r's x holding 8r, 8r + 1, ...;
/// returns each device's y.
std::vector<std::vector<float>>
runOnBothDevices(const std::shared_ptr<const Model> &model,
                 bool communicatorTakesDeviceMemory) {
  std::vector<std::unique_ptr<Communicator>> communicators =
      createInProcessCommunicators(2);
  if (communicatorTakesDeviceMemory)
    for (auto &communicator : communicators)
      communicator =
          std::make_unique<TakesDeviceMemory>(std::move(communicator));
  std::vector<std::vector<float>> results(2);
  std::vector<std::string> errors(2);
  auto rank = [&](int r) {
    try {
      ExecutorOptions options;
      options.communicator = communicators[r].get();
      Executor executor(model, options);
      HostTensor x(DType::f32, {2, 4});
      auto *data = static_cast<float *>(x.data());
      for (int i = 0; i < 8; ++i)
        data[i] = static_cast<float>(8 * r + i);
      HostTensor y = std::move(executor.run({&x})[0]);
      const auto *values = static_cast<const float *>(y.data());
      results[r].assign(values, values + y.numElements());
    } catch (const std::exception &error) {
      errors[r] = error.what();
      communicators[r]->abort(error.what());
    }
  };
  std::thread other(rank, 1);
  rank(0);
  other.join();
  EXPECT_EQ(errors, (std::vector<std::string>{"", ""}));
  return results;
}

} // namespace

TEST(Device, CollectivesOnDeviceBuffers) {
  // Each kind along the inner dim (blocks rearranged by copies), with a
  // communicator that reads the device's memory (on the buffers, the
  // device's copies settled before it reads) and one that does not
  // (through the host: one download and one upload each).
  StepSpec gather;
  gather.kind = StepKind::allGather;
  gather.dim = 1;
  StepSpec scatter;
  scatter.kind = StepKind::reduceScatter;
  scatter.dim = 1;
  StepSpec reduce;
  reduce.kind = StepKind::allReduce;
  StepSpec exchange;
  exchange.kind = StepKind::allToAll;
  exchange.dim = 1;
  exchange.dim2 = 0;
  // Rows of device 0's x: 0-3, 4-7; device 1's: 8-11, 12-15.
  std::vector<std::vector<float>> gathered = {
      {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15},
      {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15}};
  std::vector<std::vector<float>> scattered = {{8, 10, 16, 18},
                                               {12, 14, 20, 22}};
  std::vector<std::vector<float>> reduced(2, {8, 10, 12, 14, 16, 18, 20, 22});
  // Device r gets every device's columns block r, stacked by device.
  std::vector<std::vector<float>> exchanged = {{0, 1, 4, 5, 8, 9, 12, 13},
                                               {2, 3, 6, 7, 10, 11, 14, 15}};
  for (bool direct : {true, false}) {
    SCOPED_TRACE(direct ? "on the device's buffers" : "through the host");
    queuedBudget = 1 << 20;
    queuedUploads = queuedDownloads = queuedCopies = 0;
    EXPECT_EQ(runOnBothDevices(collectiveOnDevice(gather, {2, 8}), direct),
              gathered);
    // Two transfers a device; staged: the collective's download and upload.
    EXPECT_EQ(queuedUploads.load(), direct ? 2 : 4);
    EXPECT_EQ(queuedDownloads.load(), direct ? 2 : 4);
    // On the device: the gathered blocks unpacked by its copies.
    EXPECT_EQ(queuedCopies.load(), direct ? 2 * 4 : 0);
    EXPECT_EQ(runOnBothDevices(collectiveOnDevice(scatter, {2, 2}), direct),
              scattered);
    EXPECT_EQ(runOnBothDevices(collectiveOnDevice(reduce, {2, 4}), direct),
              reduced);
    EXPECT_EQ(runOnBothDevices(collectiveOnDevice(exchange, {4, 2}), direct),
              exchanged);
  }
}
