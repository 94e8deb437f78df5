//===- Runtime.h - load and run compiled models -----------------*- C++ -*-===//
//
// The runtime's C++ API, used by kiln-run and the Python binding:
//
//   auto model = kiln::rt::Model::load("model.kiln");
//   kiln::rt::Executor executor(model, {.threads = 4});
//   std::vector<kiln::rt::HostTensor> outputs = executor.run(inputs);
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_RUNTIME_H
#define KILN_RUNTIME_RUNTIME_H

#include "kiln/runtime/Artifact.h"
#include "kiln/runtime/Communicator.h"
#include "kiln/runtime/Device.h"
#include "kiln/runtime/Tensor.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::rt {

/// A validated artifact, memory-mapped; constants are used in place.
class Model {
public:
  /// Maps and validates `path`; throws Error naming the file and problem.
  static std::shared_ptr<const Model> load(const std::string &path);
  /// Validates artifact bytes held in memory.
  static std::shared_ptr<const Model> fromBytes(std::string bytes,
                                                const std::string &name);
  ~Model();

  const std::string &name() const { return name_; }
  const Manifest &manifest() const { return view_.manifest; }
  const std::vector<TensorSpec> &inputs() const { return manifest().inputs; }
  const std::vector<TensorSpec> &outputs() const { return manifest().outputs; }
  const ArtifactView &contents() const { return view_; }
  /// The whole artifact file, as loaded.
  std::string_view bytes() const {
    return mapping_ ? std::string_view(static_cast<const char *>(mapping_),
                                       mappingSize_)
                    : std::string_view(owned_);
  }

private:
  Model() = default;
  std::string name_;
  std::string owned_;       // bytes read into memory, or
  void *mapping_ = nullptr; // a read-only mapping of the file
  size_t mappingSize_ = 0;
  ArtifactView view_;
};

struct ExecutorOptions {
  /// Worker threads for kernels; 0 means one per hardware thread.
  unsigned threads = 0;
  /// A sharded model (one with a mesh): this executor is the device of the
  /// communicator's rank, which must have one rank per mesh device; it runs
  /// on that device's blocks. Not owned; outlives the executor. Creating
  /// the executors of a mesh is collective: every rank's at once.
  Communicator *communicator = nullptr;
  /// The device that runs each target's kernels, when not the target's
  /// first ("opencl:1"); each must name a target the model's kernels are
  /// compiled for.
  std::vector<DeviceName> devices;
  /// Record each run of consecutive kernels on one device that binds only
  /// the executor's own buffers (arenas, constants) on the first run, and
  /// replay it on later ones (CUDA graphs), where the device can.
  bool replayKernels = true;
  /// Time every kernel launch (kernelProfile): each is waited for before
  /// the next starts, and none is replayed, so runs are slower than
  /// without; for finding where a model's time goes, not for latency.
  bool profileKernels = false;
};

/// Where runs' time went, one dispatch step of the schedule, or one
/// transfer between memories (ExecutorOptions::profileKernels).
struct KernelTime {
  size_t step = 0; ///< Its index in the schedule.
  /// Its kernel: the compile report's dispatch name; for a transfer,
  /// "transfer FROM->TO (N bytes)" naming the two memories.
  std::string symbol;
  /// The target whose device ran it; "transfer" for a transfer.
  std::string target;
  size_t launches = 0;
  double seconds = 0; ///< Over all launches, each from launch to done.
};

/// How a run launches its kernels.
struct LaunchCounts {
  size_t kernels = 0;  ///< Kernel dispatches per run.
  size_t replayed = 0; ///< Of those, the ones inside replays.
  size_t replays = 0;  ///< Replays per run (one submission each).
};

/// An input or output of a run where the caller keeps it: in host memory,
/// or in the memory of the executor's device for target `memory` ("cuda":
/// `data` is then a CUdeviceptr on that GPU's primary context; "opencl":
/// an SVM pointer). The model moves it on that device where its schedule
/// transfers it to or from that device's memory, so nothing crosses the
/// host; where host work reads or writes it instead, it goes through a
/// host copy.
struct TensorView {
  DType dtype = DType::f32;
  const int64_t *shape = nullptr;
  size_t rank = 0;
  void *data = nullptr;
  const char *memory = kHostMemory;
};

/// Runs a model: kernels loaded once, each device's transient arena
/// allocated once (or given by the caller) and reused by every run. Not
/// thread-safe: use one executor per thread.
class Executor {
public:
  Executor(std::shared_ptr<const Model> model, ExecutorOptions options = {});
  ~Executor();

  /// Checks the inputs against the model's (count, dtype, shape: this
  /// device's block of a sharded model's), runs it, returns the outputs.
  /// Throws Error naming a mismatching input.
  std::vector<HostTensor> run(const std::vector<const HostTensor *> &inputs);

  /// Runs into the caller's output tensors (checked like the inputs). With
  /// the arenas allocated (after the first run, or given with useArena), a
  /// run allocates no memory.
  void run(const std::vector<const HostTensor *> &inputs,
           const std::vector<HostTensor *> &outputs);

  /// Runs on the caller's tensors wherever they are (TensorView), checked
  /// like the inputs; throws Error naming a tensor in a memory the model
  /// has no device for.
  void run(const std::vector<TensorView> &inputs,
           const std::vector<TensorView> &outputs);

  /// The scratch memory runs need in `memory` ("host", or a device's
  /// target): the arena the memory plan laid out (0 when the model has none
  /// there), and its alignment.
  uint64_t arenaBytes(const std::string &memory = kHostMemory) const;
  uint64_t arenaAlignment(const std::string &memory = kHostMemory) const;

  /// Runs use the caller's `bytes` at `at` (aligned to arenaAlignment) as
  /// the arena in `memory` instead of memory of their own (device memory
  /// for a device's: from that device's allocate); it must outlive the
  /// executor's runs. Throws Error when it is too small or misaligned, or
  /// the model has no arena in `memory`.
  void useArena(const std::string &memory, void *at, uint64_t bytes);

  const Model &model() const { return *model_; }
  /// How the last run launched its kernels.
  LaunchCounts launchCounts() const;
  /// Each dispatch step's launches and time over the runs since the
  /// executor was made or the profile reset (empty without
  /// ExecutorOptions::profileKernels).
  std::vector<KernelTime> kernelProfile() const;
  void resetKernelProfile();
  /// This executor's device in the model's mesh (0 without one).
  int64_t rank() const { return rank_; }

private:
  /// Puts the constants that live in device memory there, once.
  void uploadConstants();
  /// A run on tensors already checked.
  void runChecked(const std::vector<TensorView> &inputs,
                  const std::vector<TensorView> &outputs);
  /// The executor's device for `memory`, which the caller's `what` #`index`
  /// is in (null: the host); throws Error when the model has none.
  Device *memoryDevice(const char *memory, const char *what,
                       size_t index) const;
  /// Where a collective's blocks are rearranged, and how: host memory and
  /// memcpy, or a device's memory and its copies.
  struct CollectiveMemory;
  void runCollective(const StepSpec &step, Communicator &group,
                     const void *source, void *target,
                     const CollectiveMemory &memory);
  /// A collective over buffers in `device`'s memory: on them, where the
  /// group's communicator takes that memory, else through host copies.
  void runDeviceCollective(size_t step, Device &device, void *source,
                           void *target);

  struct Impl;
  std::shared_ptr<const Model> model_;
  int64_t rank_ = 0;
  std::unique_ptr<Impl> impl_;
};

/// Copies device `rank`'s block of the tensor `spec` describes (split over
/// `mesh`) out of the whole tensor's bytes into the block's, or back.
void readBlock(const TensorSpec &spec, const std::vector<int64_t> &mesh,
               int64_t rank, const void *whole, void *block);
void writeBlock(const TensorSpec &spec, const std::vector<int64_t> &mesh,
                int64_t rank, const void *block, void *whole);

/// Device `rank`'s block of a whole input or output tensor `spec` of
/// `manifest`, as a new tensor.
HostTensor sliceBlock(const HostTensor &whole, const TensorSpec &spec,
                      const Manifest &manifest, int64_t rank);
/// Writes device `rank`'s `block` of `spec` into its place in `whole`.
void placeBlock(const HostTensor &block, HostTensor &whole,
                const TensorSpec &spec, const Manifest &manifest, int64_t rank);

/// Runs one device's part of a sharded model on whole tensors: slices its
/// blocks of the inputs, runs, and gathers every device's output blocks
/// (through the communicator) into whole outputs on `root` (other ranks
/// return empty outputs). All ranks call it together.
std::vector<HostTensor> runOnMesh(Executor &executor,
                                  Communicator &communicator,
                                  const std::vector<const HostTensor *> &inputs,
                                  int root = 0);

struct MeshExecutorOptions {
  /// Worker threads in all, split evenly between the devices (at least one
  /// each); 0 means one per hardware thread.
  unsigned threads = 0;
  /// The number of devices; must be the model's mesh size (0: that size).
  int64_t devices = 0;
  /// How long a device waits in a collective for the others.
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
  /// Collectives between threads ("in-process") or over NCCL ("nccl": one
  /// GPU per device, loadNcclCommunicators; a model with cuda kernels then
  /// runs rank r on cuda:r, its collectives on the GPUs' buffers).
  std::string communicator = "in-process";
};

/// Runs a model on every device of its mesh inside this process: one
/// executor and thread per CPU device, collectives between threads
/// (createInProcessCommunicators). Takes and returns whole tensors. A model
/// without a mesh runs on one device.
class MeshExecutor {
public:
  MeshExecutor(std::shared_ptr<const Model> model,
               MeshExecutorOptions options = {});
  ~MeshExecutor();
  std::vector<HostTensor> run(const std::vector<const HostTensor *> &inputs);
  int64_t devices() const { return static_cast<int64_t>(executors_.size()); }
  const Model &model() const { return *model_; }

private:
  /// Runs `work(rank)` on every device at once (device 0 on the calling
  /// thread, the others on threads kept for the executor's life); when one
  /// fails, the others are released from their collectives and the first
  /// error is thrown.
  void onEveryDevice(const std::function<void(int64_t)> &work);

  struct Workers;
  std::shared_ptr<const Model> model_;
  std::vector<std::unique_ptr<Communicator>> communicators_;
  std::vector<std::unique_ptr<Executor>> executors_;
  std::unique_ptr<Workers> workers_;
};

/// "f32 [1, 3, 224, 224]".
std::string describe(DType dtype, const std::vector<int64_t> &shape);

} // namespace kiln::rt

#endif // KILN_RUNTIME_RUNTIME_H
