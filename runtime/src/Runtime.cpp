//===- Runtime.cpp - models and the executor ------------------------------===//

#include "kiln/runtime/Runtime.h"

#include "kiln/runtime/Error.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace kiln::rt {

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

namespace {
std::map<std::string, DeviceFactory> &devices() {
  static std::map<std::string, DeviceFactory> registry;
  return registry;
}
std::mutex &devicesMutex() {
  static std::mutex mutex;
  return mutex;
}
} // namespace

void registerDevice(const std::string &target, DeviceFactory factory) {
  std::lock_guard<std::mutex> lock(devicesMutex());
  devices()[target] = std::move(factory);
}

// Built-in devices register themselves here, so a static link keeps them.
void registerCpuDevice();
void registerOpenCLDevice();
void registerCudaDevice();

namespace {
void registerBuiltinDevices() {
  static std::once_flag builtins;
  std::call_once(builtins, [] {
    registerCpuDevice();
    registerOpenCLDevice();
    registerCudaDevice();
  });
}
} // namespace

std::unique_ptr<Device> createDevice(const std::string &target,
                                     const DeviceOptions &options) {
  registerBuiltinDevices();
  std::lock_guard<std::mutex> lock(devicesMutex());
  auto it = devices().find(target);
  if (it == devices().end()) {
    std::string known;
    for (const auto &[name, factory] : devices())
      known += (known.empty() ? "" : ", ") + name;
    throw Error("this runtime has no device for target '" + target +
                "' (it has: " + known + ")");
  }
  return it->second(options);
}

std::vector<TargetDevices> listDevices() {
  registerBuiltinDevices();
  std::vector<std::string> targets;
  {
    std::lock_guard<std::mutex> lock(devicesMutex());
    for (const auto &[name, factory] : devices())
      targets.push_back(name);
  }
  std::vector<TargetDevices> listing;
  for (const std::string &target : targets) {
    TargetDevices &entry = listing.emplace_back();
    entry.target = target;
    // Indices are dense: the first that does not exist ends the list.
    for (unsigned index = 0;; ++index) {
      DeviceOptions options;
      options.index = index;
      try {
        entry.devices.push_back(createDevice(target, options)->describe());
      } catch (const Error &error) {
        if (index == 0)
          entry.unavailable = error.what();
        break;
      }
    }
  }
  return listing;
}

DeviceName parseDeviceName(std::string_view text) {
  DeviceName name;
  size_t colon = text.find(':');
  name.target = std::string(text.substr(0, colon));
  bool valid = !name.target.empty();
  if (valid && colon != std::string_view::npos) {
    std::string_view digits = text.substr(colon + 1);
    valid = !digits.empty() && digits.size() <= 9 &&
            std::all_of(digits.begin(), digits.end(),
                        [](char c) { return c >= '0' && c <= '9'; });
    if (valid)
      name.index = static_cast<unsigned>(std::stoul(std::string(digits)));
  }
  if (!valid)
    throw Error("'" + std::string(text) +
                "' is not a device name (TARGET or TARGET:INDEX, e.g. opencl "
                "or opencl:1)");
  return name;
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

std::string describe(DType dtype, const std::vector<int64_t> &shape) {
  std::string text = std::string(dtypeName(dtype)) + " [";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::shared_ptr<const Model> Model::load(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw Error("'" + path + "' is not a regular file");
  }
  std::shared_ptr<Model> model(new Model());
  model->name_ = path;
  model->mappingSize_ = static_cast<size_t>(info.st_size);
  if (model->mappingSize_ > 0) {
    void *mapping =
        ::mmap(nullptr, model->mappingSize_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      ::close(fd);
      throw Error("cannot map '" + path + "': " + std::strerror(errno));
    }
    model->mapping_ = mapping;
  }
  ::close(fd);
  std::string_view bytes(static_cast<const char *>(model->mapping_),
                         model->mappingSize_);
  model->view_ = decodeArtifact(bytes, path);
  return model;
}

std::shared_ptr<const Model> Model::fromBytes(std::string bytes,
                                              const std::string &name) {
  std::shared_ptr<Model> model(new Model());
  model->name_ = name;
  model->owned_ = std::move(bytes);
  model->view_ = decodeArtifact(model->owned_, name);
  return model;
}

Model::~Model() {
  if (mapping_)
    ::munmap(mapping_, mappingSize_);
}

//===----------------------------------------------------------------------===//
// Executor
//===----------------------------------------------------------------------===//

namespace {
void *copyHostBytes(void *to, const void *from, size_t bytes) {
  return std::memcpy(to, from, bytes);
}
} // namespace

struct Executor::CollectiveMemory {
  /// Two buffers of the largest collective's bytes.
  char *scratch, *scratch2;
  /// Copies bytes within that memory (memcpy, or a device's copy).
  std::function<void *(void *, const void *, size_t)> copy;
  /// Finishes the copies before the communicator reads what they wrote.
  std::function<void()> settle;
};

struct Executor::Impl {
  std::map<std::string, std::unique_ptr<Device>> devices;
  std::vector<std::unique_ptr<KernelLibrary>> libraries;
  std::vector<std::unique_ptr<Kernel>> kernels;
  /// Per kernel: the device it runs on.
  std::vector<Device *> kernelDevices;
  /// Per manifest memory: the device owning it (null for the host's).
  std::vector<Device *> memoryDevices;
  /// Per manifest arena: its memory, and who frees it (neither when the
  /// caller gave it).
  struct Arena {
    void *memory = nullptr;
    Device *owner = nullptr; ///< device memory from Device::allocate
    bool hostOwned = false;  ///< host memory from aligned_alloc

    /// Frees what the executor allocated; the caller's memory stays.
    void release() {
      if (owner)
        owner->deallocate(memory);
      else if (hostOwned)
        std::free(memory);
      *this = Arena();
    }
  };
  std::vector<Arena> arenas;
  /// Constants in device memory: uploaded once, one allocation per device.
  std::vector<std::pair<Device *, void *>> constantPools;
  /// Per buffer: its constant's place in device memory (null otherwise).
  std::vector<void *> deviceConstants;
  std::vector<void *> pointers;
  /// Per buffer, in the current run: the device whose memory holds it
  /// (null: the host's).
  std::vector<Device *> bufferDevices;
  /// Per input or output buffer: whether the schedule only copies or
  /// transfers it (from an input, into an output), so that a caller's
  /// tensor in a device's memory is moved there; otherwise host work
  /// touches it, through its host copy (hostCopies, by buffer).
  std::vector<char> onlyMoved;
  std::map<size_t, std::vector<char>> hostCopies;
  /// In the current run: the outputs written through their host copy, and
  /// the device each goes up to at the end.
  std::vector<std::pair<size_t, Device *>> stagedOutputs;
  /// Runs of consecutive dispatches on one device over the executor's own
  /// buffers: recorded on the first run, replayed after (replayKernels).
  struct Span {
    size_t begin = 0, end = 0; ///< Steps [begin, end).
    Device *device = nullptr;
    std::unique_ptr<Replay> replay;
    bool tried = false; ///< Whether recording was tried.
  };
  std::vector<Span> spans;
  /// Per step: the span it starts (its index + 1; 0: none).
  std::vector<size_t> spanAt;
  LaunchCounts launches;
  /// Per step (profileKernels): launches and seconds.
  std::vector<std::pair<size_t, double>> stepTimes;
  bool profile = false;
  /// The HostTensor runs' views, kept to reuse their memory.
  std::vector<TensorView> inputViews, outputViews;
  std::vector<void *> bindings;
  /// Devices with submitted work not yet waited for.
  std::vector<Device *> pending;
  /// Host bytes that submitted device work still reads or writes: an
  /// upload's source, a download's target. Host work waits only for the
  /// devices whose work uses bytes it touches, so a CPU kernel runs while
  /// a device computes something it does not read.
  struct HostUse {
    Device *device;
    const char *begin;
    uint64_t bytes;
  };
  std::vector<HostUse> hostUses;
  /// Between two devices, bytes go through the host here.
  std::vector<char> staging;
  /// Sharded models: the device group of each collective step (by step
  /// index; null for other steps), one communicator per distinct axes.
  std::map<std::vector<uint16_t>, std::unique_ptr<Communicator>> groups;
  std::vector<Communicator *> stepGroups;
  /// Where collectives rearrange blocks (sized once, for the largest).
  std::vector<char> scratch[2];
  /// The same in a device's memory, for collectives on its buffers
  /// (allocated on the first: both halves in one allocation).
  std::map<Device *, char *> deviceScratch;
  /// Collectives on device buffers a communicator cannot read: the source
  /// and the target on the host.
  std::vector<char> collectiveStaging[2];

  ~Impl() {
    try {
      synchronize();
    } catch (const Error &) {
      // Freeing memory a failed run used is all that is left to do.
    }
    for (Arena &arena : arenas)
      arena.release();
    for (auto &[device, memory] : constantPools)
      device->deallocate(memory);
    for (auto &[device, memory] : deviceScratch)
      device->deallocate(memory);
  }
  Device &device(const std::string &target, const DeviceOptions &options) {
    auto &device = devices[target];
    if (!device)
      device = createDevice(target, options);
    return *device;
  }
  /// Work on `device` will need waiting for before the host reads.
  void submitted(Device &device) {
    if (device.usesHostMemory())
      return; // Its work is done when submission returns.
    if (std::find(pending.begin(), pending.end(), &device) == pending.end())
      pending.push_back(&device);
  }
  /// Waits for every device's submitted work: before host work that may
  /// touch any memory, and at the end of a run.
  void synchronize() {
    while (!pending.empty()) {
      Device *device = pending.back();
      pending.pop_back();
      device->synchronize();
    }
    hostUses.clear();
  }
  /// A profiled step ends once every device is done: its time since
  /// `start` adds to the step's.
  void timeStep(size_t step, std::chrono::steady_clock::time_point start) {
    synchronize();
    auto &[launches, seconds] = stepTimes[step];
    ++launches;
    seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  }
  /// Submitted work on `device` reads or writes these host bytes.
  void usesHost(Device &device, const void *host, uint64_t bytes) {
    if (!device.usesHostMemory() && bytes > 0)
      hostUses.push_back({&device, static_cast<const char *>(host), bytes});
  }
  /// Waits for `device`'s submitted work.
  void waitFor(Device *device) {
    auto it = std::find(pending.begin(), pending.end(), device);
    if (it == pending.end())
      return;
    pending.erase(it);
    device->synchronize();
    hostUses.erase(std::remove_if(hostUses.begin(), hostUses.end(),
                                  [&](const HostUse &use) {
                                    return use.device == device;
                                  }),
                   hostUses.end());
  }
  /// Waits for the devices whose submitted work uses any host byte in
  /// [host, host + bytes), before host work reads or writes them.
  void settle(const void *host, uint64_t bytes) {
    const char *begin = static_cast<const char *>(host);
    for (size_t i = 0; i < hostUses.size();) {
      const HostUse &use = hostUses[i];
      if (use.begin < begin + bytes && begin < use.begin + use.bytes)
        waitFor(use.device); // Drops its uses: look at index i again.
      else
        ++i;
    }
  }
};

namespace {
/// The product of shape[begin, end).
int64_t product(const std::vector<int64_t> &shape, size_t begin, size_t end) {
  int64_t result = 1;
  for (size_t dim = begin; dim < end && dim < shape.size(); ++dim)
    result *= shape[dim];
  return result;
}

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// Constants in device memory are aligned as the device's arena is, or to
/// 128 bytes (what OpenCL 2.0 devices guarantee) when it has none.
uint64_t constantAlignment(const Manifest &manifest, uint32_t memory) {
  for (const ArenaSpec &arena : manifest.arenas)
    if (arena.memory == memory)
      return arena.alignment;
  return 128;
}
} // namespace

Executor::Executor(std::shared_ptr<const Model> model, ExecutorOptions options)
    : model_(std::move(model)), impl_(std::make_unique<Impl>()) {
  const Manifest &manifest = model_->manifest();
  int64_t devices = meshSize(manifest.mesh);
  Communicator *communicator = options.communicator;
  if (devices > 1 || (communicator && communicator->size() > 1)) {
    std::string mesh = manifest.mesh.empty()
                           ? std::string("is not sharded (one device)")
                           : "is sharded over the mesh " +
                                 describeMesh(manifest) + " (" +
                                 std::to_string(devices) + " devices)";
    if (!communicator)
      throw Error("'" + model_->name() + "' " + mesh + ": run it on " +
                  std::to_string(devices) +
                  " devices (kiln-run --devices N, or mpirun -np N kiln-run)");
    if (communicator->size() != devices)
      throw Error("'" + model_->name() + "' " + mesh + ", but it was given " +
                  std::to_string(communicator->size()) + " ranks");
    rank_ = communicator->rank();
  }
  // Each collective's group: the devices that differ from this one only
  // along its axes, ranked by their coordinates on those axes.
  impl_->stepGroups.assign(manifest.steps.size(), nullptr);
  size_t scratchBytes = 0, stagingBytes = 0;
  std::vector<int64_t> coordinates = meshCoordinates(manifest.mesh, rank_);
  for (size_t i = 0; i < manifest.steps.size(); ++i) {
    const StepSpec &step = manifest.steps[i];
    if (step.kind == StepKind::transfer &&
        manifest.buffers[step.bindings[0]].memory != 0 &&
        manifest.buffers[step.bindings[1]].memory != 0)
      stagingBytes = std::max<size_t>(stagingBytes,
                                      manifest.buffers[step.bindings[0]].bytes);
    if (!isCollective(step.kind))
      continue;
    std::unique_ptr<Communicator> &group = impl_->groups[step.axes];
    if (!group) {
      int color = 0, key = 0;
      for (size_t axis = 0; axis < manifest.mesh.size(); ++axis)
        if (std::find(step.axes.begin(), step.axes.end(), axis) ==
            step.axes.end())
          color = color * manifest.mesh[axis] + coordinates[axis];
      for (uint16_t axis : step.axes)
        key = key * manifest.mesh[axis] + coordinates[axis];
      // A one-device mesh (tp=1) may still have collectives: over itself.
      group = communicator ? communicator->split(color, key)
                           : std::move(createInProcessCommunicators(1).front());
    }
    impl_->stepGroups[i] = group.get();
    scratchBytes = std::max<size_t>(
        scratchBytes, std::max(manifest.buffers[step.bindings[0]].bytes,
                               manifest.buffers[step.bindings[1]].bytes));
  }
  impl_->scratch[0].resize(scratchBytes);
  impl_->scratch[1].resize(scratchBytes);
  impl_->staging.resize(stagingBytes);
  // Each target's device: its first, or the one options.devices names.
  std::map<std::string, DeviceOptions> deviceOptions;
  for (const KernelLibrarySpec &library : manifest.libraries)
    deviceOptions[library.target].threads = options.threads;
  for (const DeviceName &name : options.devices) {
    auto it = deviceOptions.find(name.target);
    if (it == deviceOptions.end()) {
      std::string targets;
      for (const auto &[target, unused] : deviceOptions)
        targets += (targets.empty() ? "" : ", ") + target;
      throw Error("'" + model_->name() + "' has kernels for " +
                  (targets.empty() ? std::string("no target") : targets) +
                  ", not for " + name.target + ", so it cannot run on device " +
                  name.str() + " (compile it with --target " + name.target +
                  ")");
    }
    it->second.index = name.index;
  }
  for (size_t i = 0; i < manifest.libraries.size(); ++i) {
    const std::string &target = manifest.libraries[i].target;
    impl_->libraries.push_back(
        impl_->device(target, deviceOptions[target])
            .load(model_->contents().libraries[i], model_->name()));
  }
  for (const KernelSpec &kernel : manifest.kernels) {
    impl_->kernels.push_back(
        impl_->libraries[kernel.library]->kernel(kernel.symbol));
    impl_->kernelDevices.push_back(
        impl_->devices.at(manifest.libraries[kernel.library].target).get());
  }
  impl_->memoryDevices.assign(manifest.memories.size(), nullptr);
  for (size_t memory = 1; memory < manifest.memories.size(); ++memory)
    impl_->memoryDevices[memory] = &impl_->device(
        manifest.memories[memory], deviceOptions[manifest.memories[memory]]);
  impl_->arenas.resize(manifest.arenas.size());
  impl_->pointers.assign(manifest.buffers.size(), nullptr);
  impl_->bufferDevices.assign(manifest.buffers.size(), nullptr);
  // An input only copied or transferred away (an output only copied or
  // transferred into), directly or through views, can stay on the caller's
  // device.
  std::vector<size_t> root(manifest.buffers.size());
  for (size_t id = 0; id < manifest.buffers.size(); ++id)
    root[id] = manifest.buffers[id].kind == BufferKind::view
                   ? root[manifest.buffers[id].index]
                   : id;
  // Spans of kernels to replay: at least two dispatches in a row on one
  // device with its own memory, binding no caller tensor.
  impl_->spanAt.assign(manifest.steps.size(), 0);
  // A profile times launches one by one: nothing is replayed.
  impl_->profile = options.profileKernels;
  impl_->stepTimes.assign(manifest.steps.size(), {0, 0.0});
  bool replay = options.replayKernels && !options.profileKernels;
  for (size_t i = 0; replay && i < manifest.steps.size();) {
    auto replayable = [&](size_t step, Device *device) {
      const StepSpec &spec = manifest.steps[step];
      if (spec.kind != StepKind::dispatch ||
          impl_->kernelDevices[spec.kernel] != device)
        return false;
      for (uint32_t binding : spec.bindings) {
        BufferKind kind = manifest.buffers[root[binding]].kind;
        if (kind == BufferKind::input || kind == BufferKind::output)
          return false;
      }
      return true;
    };
    const StepSpec &first = manifest.steps[i];
    Device *device = first.kind == StepKind::dispatch
                         ? impl_->kernelDevices[first.kernel]
                         : nullptr;
    size_t end = i;
    if (device && !device->usesHostMemory())
      while (end < manifest.steps.size() && replayable(end, device))
        ++end;
    if (end - i >= 2) {
      impl_->spans.push_back({i, end, device, nullptr, false});
      impl_->spanAt[i] = impl_->spans.size();
      i = end;
    } else {
      i = std::max(end, i + 1);
    }
  }
  impl_->onlyMoved.assign(manifest.buffers.size(), 1);
  for (const StepSpec &step : manifest.steps)
    for (size_t slot = 0; slot < step.bindings.size(); ++slot) {
      size_t id = root[step.bindings[slot]];
      BufferKind kind = manifest.buffers[id].kind;
      bool moves =
          step.kind == StepKind::copy || step.kind == StepKind::transfer;
      if ((kind == BufferKind::input && !(moves && slot == 0)) ||
          (kind == BufferKind::output && !(moves && slot == 1)))
        impl_->onlyMoved[id] = 0;
    }
  size_t maxBindings = 0;
  for (const StepSpec &step : manifest.steps)
    maxBindings = std::max(maxBindings, step.bindings.size());
  impl_->bindings.reserve(maxBindings);
  uploadConstants();
}

Executor::~Executor() = default;

LaunchCounts Executor::launchCounts() const { return impl_->launches; }

std::vector<KernelTime> Executor::kernelProfile() const {
  const Manifest &manifest = model_->manifest();
  std::vector<KernelTime> profile;
  if (!impl_->profile)
    return profile;
  for (size_t step = 0; step < manifest.steps.size(); ++step) {
    const StepSpec &spec = manifest.steps[step];
    auto [launches, seconds] = impl_->stepTimes[step];
    if (spec.kind == StepKind::transfer) {
      // "transfer host->opencl": between the memories of its two buffers.
      auto memory = [&](size_t binding) {
        return manifest
            .memories[manifest.buffers[spec.bindings[binding]].memory];
      };
      profile.push_back(
          {step,
           "transfer " + memory(0) + "->" + memory(1) + " (" +
               std::to_string(manifest.buffers[spec.bindings[0]].bytes) +
               " bytes)",
           "transfer", launches, seconds});
      continue;
    }
    if (spec.kind != StepKind::dispatch)
      continue;
    profile.push_back({step, manifest.kernels[spec.kernel].symbol,
                       std::string(impl_->kernelDevices[spec.kernel]->target()),
                       launches, seconds});
  }
  return profile;
}

void Executor::resetKernelProfile() {
  for (auto &time : impl_->stepTimes)
    time = {0, 0.0};
}

void Executor::uploadConstants() {
  const Manifest &manifest = model_->manifest();
  impl_->deviceConstants.assign(manifest.buffers.size(), nullptr);
  const char *constants = model_->contents().constants.data();
  for (uint32_t memory = 1; memory < manifest.memories.size(); ++memory) {
    Device &device = *impl_->memoryDevices[memory];
    uint64_t alignment = constantAlignment(manifest, memory), bytes = 0;
    for (const BufferSpec &buffer : manifest.buffers)
      if (buffer.kind == BufferKind::constant && buffer.memory == memory)
        bytes = alignUp(bytes, alignment) + buffer.bytes;
    if (bytes == 0)
      continue;
    void *pool = device.allocate(bytes, alignment);
    if (!pool)
      throw Error("cannot allocate the " + std::to_string(bytes) +
                  " bytes of constants of '" + model_->name() +
                  "' on device '" + manifest.memories[memory] +
                  "': it is out of memory");
    impl_->constantPools.push_back({&device, pool});
    uint64_t offset = 0;
    for (size_t id = 0; id < manifest.buffers.size(); ++id) {
      const BufferSpec &buffer = manifest.buffers[id];
      if (buffer.kind != BufferKind::constant || buffer.memory != memory)
        continue;
      offset = alignUp(offset, alignment);
      uint32_t constant =
          buffer.shards.empty() ? buffer.index : buffer.shards[rank_];
      void *place = static_cast<char *>(pool) + offset;
      device.upload(place, constants + manifest.constants[constant].offset,
                    buffer.bytes);
      impl_->deviceConstants[id] = place;
      offset += buffer.bytes;
    }
    impl_->submitted(device);
  }
  impl_->synchronize();
}

namespace {
const ArenaSpec *findArena(const Manifest &manifest, const std::string &memory,
                           size_t *index = nullptr) {
  for (size_t i = 0; i < manifest.arenas.size(); ++i)
    if (manifest.memories[manifest.arenas[i].memory] == memory) {
      if (index)
        *index = i;
      return &manifest.arenas[i];
    }
  return nullptr;
}

/// Checks the caller's tensors (inputs or outputs) against the model's:
/// device `rank`'s blocks of a sharded model's on `mesh` (none: the whole
/// tensors).
bool present(const HostTensor *tensor) { return tensor != nullptr; }
DType dtypeOf(const HostTensor *tensor) { return tensor->dtype(); }
std::vector<int64_t> shapeOf(const HostTensor *tensor) {
  return tensor->shape();
}
bool hasShape(const HostTensor *tensor, const std::vector<int64_t> &shape) {
  return tensor->shape() == shape;
}
bool present(const TensorView &) { return true; }
DType dtypeOf(const TensorView &tensor) { return tensor.dtype; }
std::vector<int64_t> shapeOf(const TensorView &tensor) {
  return std::vector<int64_t>(tensor.shape, tensor.shape + tensor.rank);
}
bool hasShape(const TensorView &tensor, const std::vector<int64_t> &shape) {
  return tensor.rank == shape.size() &&
         std::equal(shape.begin(), shape.end(), tensor.shape);
}

template <typename TensorPointer>
void checkTensors(const std::string &model, const char *what,
                  const std::vector<int64_t> &mesh, int64_t rank,
                  const std::vector<TensorSpec> &specs,
                  const std::vector<TensorPointer> &tensors) {
  if (tensors.size() != specs.size())
    throw Error("'" + model + "' takes " + std::to_string(specs.size()) + " " +
                what + "(s), got " + std::to_string(tensors.size()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorSpec &spec = specs[i];
    const TensorPointer &given = tensors[i];
    if (!present(given))
      throw Error(std::string(what) + " '" + spec.name + "' (#" +
                  std::to_string(i) + ") is missing");
    // The block's shape only when split: checking allocates nothing then.
    std::vector<int64_t> block;
    if (!spec.split.empty() && !mesh.empty())
      block = blockShape(spec.shape, spec.split, mesh);
    const std::vector<int64_t> &shape = block.empty() ? spec.shape : block;
    if (dtypeOf(given) != spec.dtype || !hasShape(given, shape))
      throw Error(std::string(what) + " '" + spec.name + "' (#" +
                  std::to_string(i) + "): expected " +
                  describe(spec.dtype, shape) +
                  (shape != spec.shape
                       ? " (device " + std::to_string(rank) + "'s block of " +
                             describe(spec.dtype, spec.shape) + ")"
                       : std::string()) +
                  ", got " + describe(dtypeOf(given), shapeOf(given)));
  }
}
} // namespace

uint64_t Executor::arenaBytes(const std::string &memory) const {
  const ArenaSpec *arena = findArena(model_->manifest(), memory);
  return arena ? arena->bytes : 0;
}

uint64_t Executor::arenaAlignment(const std::string &memory) const {
  const ArenaSpec *arena = findArena(model_->manifest(), memory);
  return arena ? arena->alignment : kHostAlignment;
}

void Executor::useArena(const std::string &memory, void *bytesAt,
                        uint64_t bytes) {
  size_t index = 0;
  const ArenaSpec *arena = findArena(model_->manifest(), memory, &index);
  if (!arena)
    throw Error("'" + model_->name() + "' has no arena in memory '" + memory +
                "'");
  if (bytes < arena->bytes || !bytesAt ||
      reinterpret_cast<uintptr_t>(bytesAt) % arena->alignment != 0)
    throw Error("the arena given for memory '" + memory + "' of '" +
                model_->name() + "' must be at least " +
                std::to_string(arena->bytes) + " bytes aligned to " +
                std::to_string(arena->alignment) + ", got " +
                std::to_string(bytes) + " bytes at " +
                std::to_string(reinterpret_cast<uintptr_t>(bytesAt)));
  Impl::Arena &slot = impl_->arenas[index];
  slot.release();
  slot.memory = bytesAt;
  // Replays bound the old arena: recorded again on the next run.
  for (Impl::Span &span : impl_->spans) {
    span.replay.reset();
    span.tried = false;
  }
}

std::vector<HostTensor>
Executor::run(const std::vector<const HostTensor *> &inputs) {
  const Manifest &manifest = model_->manifest();
  std::vector<HostTensor> outputs;
  outputs.reserve(manifest.outputs.size());
  for (const TensorSpec &spec : manifest.outputs)
    outputs.emplace_back(spec.dtype,
                         blockShape(spec.shape, spec.split, manifest.mesh));
  std::vector<HostTensor *> pointers;
  for (HostTensor &output : outputs)
    pointers.push_back(&output);
  run(inputs, pointers);
  return outputs;
}

void Executor::run(const std::vector<const HostTensor *> &inputs,
                   const std::vector<HostTensor *> &outputs) {
  const Manifest &manifest = model_->manifest();
  checkTensors(model_->name(), "input", manifest.mesh, rank_, manifest.inputs,
               inputs);
  checkTensors(model_->name(), "output", manifest.mesh, rank_, manifest.outputs,
               outputs);
  // Views into vectors kept by the executor: a run allocates nothing.
  auto view = [](const HostTensor *tensor) {
    return TensorView{tensor->dtype(), tensor->shape().data(),
                      tensor->shape().size(),
                      const_cast<void *>(tensor->data()), kHostMemory};
  };
  impl_->inputViews.clear();
  for (const HostTensor *input : inputs)
    impl_->inputViews.push_back(view(input));
  impl_->outputViews.clear();
  for (HostTensor *output : outputs)
    impl_->outputViews.push_back(view(output));
  runChecked(impl_->inputViews, impl_->outputViews);
}

void Executor::run(const std::vector<TensorView> &inputs,
                   const std::vector<TensorView> &outputs) {
  const Manifest &manifest = model_->manifest();
  checkTensors(model_->name(), "input", manifest.mesh, rank_, manifest.inputs,
               inputs);
  checkTensors(model_->name(), "output", manifest.mesh, rank_, manifest.outputs,
               outputs);
  runChecked(inputs, outputs);
}

Device *Executor::memoryDevice(const char *memory, const char *what,
                               size_t index) const {
  const Manifest &manifest = model_->manifest();
  for (size_t i = 0; i < manifest.memories.size(); ++i)
    if (manifest.memories[i] == memory)
      return impl_->memoryDevices[i];
  std::string memories;
  for (const std::string &name : manifest.memories)
    memories += (memories.empty() ? "" : ", ") + name;
  throw Error(
      std::string(what) + " #" + std::to_string(index) + " is in memory '" +
      memory + "', but '" + model_->name() +
      "' runs on no device with that memory (its memories: " + memories + ")");
}

void Executor::runChecked(const std::vector<TensorView> &inputs,
                          const std::vector<TensorView> &outputs) {
  const Manifest &manifest = model_->manifest();

  // Arenas not given by the caller are allocated once: the host's here,
  // a device's by the device.
  for (size_t i = 0; i < manifest.arenas.size(); ++i) {
    Impl::Arena &arena = impl_->arenas[i];
    const ArenaSpec &spec = manifest.arenas[i];
    if (arena.memory || spec.bytes == 0)
      continue;
    const std::string &memory = manifest.memories[spec.memory];
    if (Device *device = impl_->memoryDevices[spec.memory]) {
      arena.memory = device->allocate(spec.bytes, spec.alignment);
      arena.owner = device;
    } else {
      uint64_t alignment = std::max<uint64_t>(spec.alignment, sizeof(void *));
      arena.memory =
          std::aligned_alloc(alignment, alignUp(spec.bytes, alignment));
      arena.hostOwned = true;
    }
    if (!arena.memory)
      throw Error("cannot allocate the " + std::to_string(spec.bytes) +
                  "-byte arena of '" + model_->name() + "' in memory '" +
                  memory + "': it is out of memory");
  }

  // Resolve every buffer to a pointer and the device whose memory holds it
  // (null: the host's); views follow earlier buffers.
  std::vector<void *> &pointers = impl_->pointers;
  std::vector<Device *> &bufferDevices = impl_->bufferDevices;
  const char *constants = model_->contents().constants.data();
  impl_->stagedOutputs.clear();
  for (size_t id = 0; id < manifest.buffers.size(); ++id) {
    const BufferSpec &buffer = manifest.buffers[id];
    bufferDevices[id] = impl_->memoryDevices[buffer.memory];
    switch (buffer.kind) {
    case BufferKind::input:
    case BufferKind::output: {
      bool input = buffer.kind == BufferKind::input;
      const TensorView &given = (input ? inputs : outputs)[buffer.index];
      Device *device =
          std::strcmp(given.memory, kHostMemory) == 0
              ? nullptr
              : memoryDevice(given.memory, input ? "input" : "output",
                             buffer.index);
      pointers[id] = given.data; // Kernels never write their inputs.
      bufferDevices[id] = device;
      if (device && !impl_->onlyMoved[id]) {
        // Host work reads or writes it: through a host copy.
        std::vector<char> &copy = impl_->hostCopies[id];
        copy.resize(buffer.bytes);
        if (input) {
          device->download(copy.data(), given.data, buffer.bytes);
          device->synchronize();
        } else {
          impl_->stagedOutputs.emplace_back(id, device);
        }
        pointers[id] = copy.data();
        bufferDevices[id] = nullptr;
      }
      break;
    }
    case BufferKind::constant: {
      if (buffer.memory != 0) {
        pointers[id] = impl_->deviceConstants[id];
        break;
      }
      uint32_t constant =
          buffer.shards.empty() ? buffer.index : buffer.shards[rank_];
      pointers[id] =
          const_cast<char *>(constants) + manifest.constants[constant].offset;
      break;
    }
    case BufferKind::transient:
      pointers[id] = static_cast<char *>(impl_->arenas[buffer.index].memory) +
                     buffer.offset;
      break;
    case BufferKind::view:
      pointers[id] = pointers[buffer.index];
      bufferDevices[id] = bufferDevices[buffer.index];
      break;
    }
  }

  std::vector<void *> &bindings = impl_->bindings;
  auto bind = [&](const StepSpec &step) {
    bindings.clear();
    for (uint32_t id : step.bindings)
      bindings.push_back(pointers[id]);
  };
  auto dispatch = [&](size_t index) {
    const StepSpec &step = manifest.steps[index];
    bind(step);
    Device &device = *impl_->kernelDevices[step.kernel];
    // A profiled kernel is timed alone, not with work queued before it. A
    // kernel on host memory waits for the devices still moving bytes it
    // binds (a download it reads, an upload from bytes it overwrites);
    // others keep computing meanwhile.
    if (impl_->profile)
      impl_->synchronize();
    else if (device.usesHostMemory())
      for (uint32_t id : step.bindings)
        impl_->settle(pointers[id], manifest.buffers[id].bytes);
    auto start = std::chrono::steady_clock::now();
    impl_->kernels[step.kernel]->dispatch(bindings.data(), bindings.size(),
                                          manifest.kernels[step.kernel].launch);
    impl_->submitted(device);
    ++impl_->launches.kernels;
    if (impl_->profile)
      impl_->timeStep(index, start);
  };
  impl_->launches = LaunchCounts();
  for (size_t i = 0; i < manifest.steps.size(); ++i) {
    if (size_t index = impl_->spanAt[i]) {
      Impl::Span &span = impl_->spans[index - 1];
      if (!span.tried) {
        // Recorded as it is submitted the first time, then replayed.
        span.tried = true;
        size_t launched = impl_->launches.kernels;
        if (span.device->beginRecording()) {
          try {
            for (size_t step = span.begin; step < span.end; ++step)
              dispatch(step);
            span.replay = span.device->endRecording();
          } catch (const Error &) {
            // What the device could not record (a library that allocates
            // while CUDA captures) runs one launch at a time, now and
            // after; a kernel that fails fails again there, saying why.
            try {
              span.device->endRecording();
            } catch (const Error &) {
            }
            span.replay.reset();
          }
          impl_->launches.kernels = launched; // Recorded, not launched.
        }
      }
      if (span.replay) {
        span.replay->submit();
        impl_->submitted(*span.device);
        impl_->launches.kernels += span.end - span.begin;
        impl_->launches.replayed += span.end - span.begin;
        ++impl_->launches.replays;
        i = span.end - 1;
        continue;
      }
    }
    const StepSpec &step = manifest.steps[i];
    if (step.kind == StepKind::dispatch) {
      dispatch(i);
      continue;
    }
    bind(step);
    uint64_t bytes = manifest.buffers[step.bindings[0]].bytes;
    Device *from = bufferDevices[step.bindings[0]];
    Device *to =
        step.bindings.size() > 1 ? bufferDevices[step.bindings[1]] : nullptr;
    bool moves = step.kind == StepKind::copy || step.kind == StepKind::transfer;
    // A profile times transfers too, alone, as it times kernels.
    bool timed = impl_->profile && step.kind == StepKind::transfer;
    if (timed)
      impl_->synchronize();
    auto start = std::chrono::steady_clock::now();
    if (moves && from && from == to) {
      // Within one device's memory (a caller's device tensor included).
      from->copy(bindings[1], bindings[0], bytes);
      impl_->submitted(*from);
    } else if (moves && !from && to) {
      to->upload(bindings[1], bindings[0], bytes);
      impl_->submitted(*to);
      impl_->usesHost(*to, bindings[0], bytes);
    } else if (moves && from && !to) {
      // Another device's queued upload may still read the bytes the
      // download overwrites (memory planning reuses a dead buffer's).
      impl_->settle(bindings[1], bytes);
      from->download(bindings[1], bindings[0], bytes);
      impl_->submitted(*from);
      impl_->usesHost(*from, bindings[1], bytes);
    } else if (moves && from && to) {
      // Between two devices, through the host: once an earlier upload from
      // the staging bytes has run.
      std::vector<char> &staging = impl_->staging;
      impl_->settle(staging.data(), staging.size());
      if (staging.size() < bytes)
        staging.resize(bytes); // A caller's tensor on a third device.
      from->download(staging.data(), bindings[0], bytes);
      impl_->submitted(*from);
      impl_->waitFor(from);
      to->upload(bindings[1], staging.data(), bytes);
      impl_->submitted(*to);
      impl_->usesHost(*to, staging.data(), bytes);
    } else if (step.kind == StepKind::copy) {
      // Within host memory, once no device still moves either range.
      impl_->settle(bindings[0], bytes);
      impl_->settle(bindings[1], bytes);
      std::memcpy(bindings[1], bindings[0], bytes);
    } else {
      // A collective: every device's work settled first.
      impl_->synchronize();
      if (from)
        runDeviceCollective(i, *from, bindings[0], bindings[1]);
      else
        runCollective(step, *impl_->stepGroups[i], bindings[0], bindings[1],
                      CollectiveMemory{impl_->scratch[0].data(),
                                       impl_->scratch[1].data(), copyHostBytes,
                                       [] {}});
    }
    if (timed)
      impl_->timeStep(i, start);
  }
  // Outputs in a device's memory that host work wrote: up from their copy.
  if (!impl_->stagedOutputs.empty())
    impl_->synchronize();
  for (auto [id, device] : impl_->stagedOutputs) {
    const BufferSpec &buffer = manifest.buffers[id];
    device->upload(outputs[buffer.index].data, pointers[id], buffer.bytes);
    impl_->submitted(*device);
  }
  impl_->synchronize();
}

namespace {

/// A tensor of `shape` seen as [outer, rows, inner] around `dim`: block p
/// of g holds rows [p * rows / g, (p + 1) * rows / g) of every outer index.
struct Blocks {
  Blocks(const std::vector<int64_t> &shape, int64_t dim, int64_t groups,
         size_t elementBytes)
      : outer(product(shape, 0, dim)), groups(groups),
        bytes(shape[dim] / groups * product(shape, dim + 1, shape.size()) *
              elementBytes) {}
  /// Whether the blocks already lie one after another.
  bool contiguous() const { return outer == 1; }
  /// dst = the blocks of src one after another, copied by `copy`.
  template <typename Copy>
  void pack(const char *src, char *dst, const Copy &copy) const {
    for (int64_t p = 0; p < groups; ++p)
      for (int64_t o = 0; o < outer; ++o)
        copy(dst + (p * outer + o) * bytes, src + (o * groups + p) * bytes,
             bytes);
  }
  /// The inverse: blocks one after another back in place.
  template <typename Copy>
  void unpack(const char *src, char *dst, const Copy &copy) const {
    for (int64_t p = 0; p < groups; ++p)
      for (int64_t o = 0; o < outer; ++o)
        copy(dst + (o * groups + p) * bytes, src + (p * outer + o) * bytes,
             bytes);
  }
  int64_t outer, groups;
  size_t bytes;
};

} // namespace

void Executor::runCollective(const StepSpec &step, Communicator &group,
                             const void *source, void *target,
                             const CollectiveMemory &memory) {
  size_t elementBytes = dtypeSize(step.dtype);
  uint64_t count = product(step.shape, 0, step.shape.size());
  auto op = static_cast<ReduceOp>(step.reduction);
  int64_t size = group.size();
  const char *src = static_cast<const char *>(source);
  char *dst = static_cast<char *>(target);
  char *scratch = memory.scratch, *scratch2 = memory.scratch2;
  const auto &copy = memory.copy;
  switch (step.kind) {
  case StepKind::allReduce:
    group.allReduce(src, dst, count, step.dtype, op);
    break;
  case StepKind::allGather: {
    // Each device's source is one block of the target along dim.
    std::vector<int64_t> whole = step.shape;
    whole[step.dim] *= size;
    Blocks blocks(whole, step.dim, size, elementBytes);
    group.allGather(src, blocks.contiguous() ? dst : scratch,
                    count * elementBytes);
    if (!blocks.contiguous())
      blocks.unpack(scratch, dst, copy);
    break;
  }
  case StepKind::reduceScatter: {
    Blocks blocks(step.shape, step.dim, size, elementBytes);
    if (!blocks.contiguous()) {
      blocks.pack(src, scratch, copy);
      memory.settle();
    }
    group.reduceScatter(blocks.contiguous() ? src : scratch, dst, count / size,
                        step.dtype, op);
    break;
  }
  case StepKind::allToAll: {
    Blocks split(step.shape, step.dim, size, elementBytes);
    std::vector<int64_t> block = step.shape;
    block[step.dim] /= size;
    block[step.dim2] *= size;
    Blocks concat(block, step.dim2, size, elementBytes);
    if (!split.contiguous()) {
      split.pack(src, scratch, copy);
      memory.settle();
    }
    group.allToAll(split.contiguous() ? src : scratch,
                   concat.contiguous() ? dst : scratch2,
                   split.bytes * split.outer);
    if (!concat.contiguous())
      concat.unpack(scratch2, dst, copy);
    break;
  }
  case StepKind::allSlice: {
    Blocks blocks(step.shape, step.dim, size, elementBytes);
    for (int64_t o = 0; o < blocks.outer; ++o)
      copy(dst + o * blocks.bytes,
           src + (o * size + group.rank()) * blocks.bytes, blocks.bytes);
    break;
  }
  default:
    break;
  }
}

void Executor::runDeviceCollective(size_t index, Device &device, void *source,
                                   void *target) {
  const Manifest &manifest = model_->manifest();
  const StepSpec &step = manifest.steps[index];
  Communicator &group = *impl_->stepGroups[index];
  if (group.takesMemoryOf(device)) {
    // On the device's buffers; its copies rearrange blocks in its scratch.
    size_t scratchBytes = impl_->scratch[0].size();
    char *&scratch = impl_->deviceScratch[&device];
    if (!scratch && scratchBytes) {
      scratch = static_cast<char *>(device.allocate(2 * scratchBytes, 256));
      if (!scratch)
        throw Error("device " + device.describe() + " has no " +
                    std::to_string(2 * scratchBytes) +
                    " bytes left for the collectives' scratch");
    }
    runCollective(
        step, group, source, target,
        CollectiveMemory{scratch, scratch + scratchBytes,
                         [&](void *to, const void *from, size_t bytes) {
                           device.copy(to, from, bytes);
                           return to;
                         },
                         [&] { device.synchronize(); }});
    impl_->submitted(device);
    return;
  }
  // Through the host: the source down, the collective there, the target up.
  uint64_t sourceBytes = manifest.buffers[step.bindings[0]].bytes;
  uint64_t targetBytes = manifest.buffers[step.bindings[1]].bytes;
  std::vector<char> *staging = impl_->collectiveStaging;
  if (staging[0].size() < sourceBytes)
    staging[0].resize(sourceBytes);
  if (staging[1].size() < targetBytes)
    staging[1].resize(targetBytes);
  device.download(staging[0].data(), source, sourceBytes);
  device.synchronize();
  runCollective(step, group, staging[0].data(), staging[1].data(),
                CollectiveMemory{impl_->scratch[0].data(),
                                 impl_->scratch[1].data(), copyHostBytes,
                                 [] {}});
  device.upload(target, staging[1].data(), targetBytes);
  impl_->submitted(device);
}

//===----------------------------------------------------------------------===//
// Whole tensors and blocks
//===----------------------------------------------------------------------===//

namespace {

/// Calls `copy(wholeOffset, blockOffset, bytes)` for each contiguous run of
/// device `rank`'s block of `spec` (byte offsets into the whole tensor and
/// into the block, in the block's order).
template <typename Copy>
void forEachBlockRun(const TensorSpec &spec, const std::vector<int64_t> &mesh,
                     int64_t rank, Copy copy) {
  const std::vector<int64_t> &shape = spec.shape;
  std::vector<int64_t> blockDims = blockShape(shape, spec.split, mesh);
  std::vector<int64_t> index = blockIndex(spec.split, mesh, rank);
  index.resize(shape.size(), 0);
  size_t dims = shape.size();
  // Trailing dims the block spans whole are one contiguous run.
  size_t tail = dims;
  while (tail > 0 && blockDims[tail - 1] == shape[tail - 1])
    --tail;
  size_t elementBytes = dtypeSize(spec.dtype);
  if (tail == 0) {
    copy(0, 0, product(shape, 0, dims) * elementBytes);
    return;
  }
  // The run: dims tail-1 .. end of the block, inside the whole tensor.
  size_t rowBytes = product(shape, tail, dims) * elementBytes;
  size_t run = blockDims[tail - 1] * rowBytes;
  std::vector<int64_t> at(tail - 1, 0);
  size_t blockOffset = 0;
  while (true) {
    size_t wholeOffset = 0;
    for (size_t dim = 0; dim < tail; ++dim) {
      int64_t position =
          index[dim] * blockDims[dim] + (dim + 1 < tail ? at[dim] : 0);
      wholeOffset = wholeOffset * shape[dim] + position;
    }
    copy(wholeOffset * rowBytes, blockOffset, run);
    blockOffset += run;
    size_t dim = tail - 1;
    while (dim > 0) {
      if (++at[dim - 1] < blockDims[dim - 1])
        break;
      at[dim - 1] = 0;
      --dim;
    }
    if (dim == 0)
      return;
  }
}

} // namespace

void readBlock(const TensorSpec &spec, const std::vector<int64_t> &mesh,
               int64_t rank, const void *whole, void *block) {
  forEachBlockRun(spec, mesh, rank,
                  [&](size_t wholeOffset, size_t blockOffset, size_t bytes) {
                    std::memcpy(static_cast<char *>(block) + blockOffset,
                                static_cast<const char *>(whole) + wholeOffset,
                                bytes);
                  });
}

void writeBlock(const TensorSpec &spec, const std::vector<int64_t> &mesh,
                int64_t rank, const void *block, void *whole) {
  forEachBlockRun(spec, mesh, rank,
                  [&](size_t wholeOffset, size_t blockOffset, size_t bytes) {
                    std::memcpy(static_cast<char *>(whole) + wholeOffset,
                                static_cast<const char *>(block) + blockOffset,
                                bytes);
                  });
}

HostTensor sliceBlock(const HostTensor &whole, const TensorSpec &spec,
                      const Manifest &manifest, int64_t rank) {
  HostTensor block(spec.dtype,
                   blockShape(spec.shape, spec.split, manifest.mesh));
  readBlock(spec, manifest.mesh, rank, whole.data(), block.data());
  return block;
}

void placeBlock(const HostTensor &block, HostTensor &whole,
                const TensorSpec &spec, const Manifest &manifest,
                int64_t rank) {
  writeBlock(spec, manifest.mesh, rank, block.data(), whole.data());
}

std::vector<HostTensor> runOnMesh(Executor &executor,
                                  Communicator &communicator,
                                  const std::vector<const HostTensor *> &inputs,
                                  int root) {
  const Manifest &manifest = executor.model().manifest();
  // The caller's tensors are whole: checked against the whole shapes.
  checkTensors(executor.model().name(), "input", {}, 0, manifest.inputs,
               inputs);
  // Each device reads an input split along no dim in place.
  std::vector<HostTensor> blocks;
  std::vector<const HostTensor *> blockPointers(inputs);
  blocks.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!manifest.inputs[i].split.empty())
      blockPointers[i] = &blocks.emplace_back(sliceBlock(
          *inputs[i], manifest.inputs[i], manifest, executor.rank()));
  std::vector<HostTensor> outputs = executor.run(blockPointers);
  std::vector<HostTensor> whole;
  bool isRoot = communicator.rank() == root;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorSpec &spec = manifest.outputs[i];
    if (spec.split.empty()) {
      if (isRoot)
        whole.push_back(std::move(outputs[i]));
      continue;
    }
    // Every device's block, in rank order, then each put in its place.
    size_t bytes = outputs[i].byteSize();
    std::vector<char> gathered(bytes * communicator.size());
    communicator.allGather(outputs[i].data(), gathered.data(), bytes);
    if (!isRoot)
      continue;
    HostTensor &result = whole.emplace_back(spec.dtype, spec.shape);
    for (int peer = 0; peer < communicator.size(); ++peer)
      writeBlock(spec, manifest.mesh, peer, gathered.data() + peer * bytes,
                 result.data());
  }
  return whole;
}

//===----------------------------------------------------------------------===//
// MeshExecutor
//===----------------------------------------------------------------------===//

/// Threads for devices 1..N-1, each waiting for the next piece of work.
struct MeshExecutor::Workers {
  explicit Workers(int64_t devices) {
    for (int64_t rank = 1; rank < devices; ++rank)
      threads.emplace_back([this, rank] { serve(rank); });
  }
  ~Workers() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    started.notify_all();
    for (std::thread &thread : threads)
      thread.join();
  }
  /// Runs `work` on every worker and returns when all are done.
  void run(const std::function<void(int64_t)> &job) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      work = &job;
      pending = static_cast<int64_t>(threads.size());
      ++generation;
    }
    started.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    finished.wait(lock, [&] { return pending == 0; });
  }
  void serve(int64_t rank) {
    uint64_t seen = 0;
    while (true) {
      const std::function<void(int64_t)> *job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        started.wait(lock, [&] { return stopping || generation != seen; });
        if (stopping)
          return;
        seen = generation;
        job = work;
      }
      (*job)(rank);
      std::lock_guard<std::mutex> lock(mutex);
      if (--pending == 0)
        finished.notify_all();
    }
  }

  std::mutex mutex;
  std::condition_variable started, finished;
  const std::function<void(int64_t)> *work = nullptr;
  uint64_t generation = 0;
  int64_t pending = 0;
  bool stopping = false;
  std::vector<std::thread> threads;
};

MeshExecutor::MeshExecutor(std::shared_ptr<const Model> model,
                           MeshExecutorOptions options)
    : model_(std::move(model)) {
  const Manifest &manifest = model_->manifest();
  int64_t devices = meshSize(manifest.mesh);
  if (options.devices != 0 && options.devices != devices)
    throw Error("'" + model_->name() + "' " +
                (manifest.mesh.empty()
                     ? std::string("is not sharded: it runs on one device")
                     : "is sharded over the mesh " + describeMesh(manifest) +
                           ": it runs on " + std::to_string(devices) +
                           " devices") +
                ", not " + std::to_string(options.devices));
  unsigned threads = options.threads
                         ? options.threads
                         : std::max(1u, std::thread::hardware_concurrency());
  unsigned perDevice =
      std::max<unsigned>(1, threads / static_cast<unsigned>(devices));
  if (options.communicator == "nccl")
    communicators_ =
        loadNcclCommunicators(static_cast<int>(devices), options.timeout);
  else if (options.communicator == "in-process")
    communicators_ = createInProcessCommunicators(static_cast<int>(devices),
                                                  options.timeout);
  else
    throw Error("unknown communicator '" + options.communicator +
                "' (in-process, nccl)");
  executors_.resize(devices);
  workers_ = std::make_unique<Workers>(devices);
  // Executors of a mesh are created together: their groups are collective.
  // NCCL's rank r is GPU r: so is the rank's cuda device, whose buffers
  // NCCL then reads in place. In process, every rank uses each target's
  // first device (one GPU may hold a whole mesh).
  bool gpuPerRank = false;
  for (const KernelLibrarySpec &library : manifest.libraries)
    gpuPerRank |= options.communicator == "nccl" && library.target == "cuda";
  onEveryDevice([&](int64_t rank) {
    ExecutorOptions executorOptions;
    executorOptions.threads = perDevice;
    executorOptions.communicator = communicators_[rank].get();
    if (gpuPerRank)
      executorOptions.devices = {
          DeviceName{"cuda", static_cast<unsigned>(rank)}};
    executors_[rank] = std::make_unique<Executor>(model_, executorOptions);
  });
}

MeshExecutor::~MeshExecutor() = default;

void MeshExecutor::onEveryDevice(const std::function<void(int64_t)> &work) {
  std::mutex mutex;
  std::string firstError;
  auto guarded = [&](int64_t rank) {
    try {
      work(rank);
    } catch (const std::exception &error) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (firstError.empty())
          firstError = error.what();
      }
      communicators_[rank]->abort(error.what());
    }
  };
  std::function<void(int64_t)> job = guarded;
  workers_->run(job);
  guarded(0);
  workers_->wait();
  if (!firstError.empty())
    throw Error(firstError);
}

std::vector<HostTensor>
MeshExecutor::run(const std::vector<const HostTensor *> &inputs) {
  std::vector<HostTensor> outputs;
  onEveryDevice([&](int64_t rank) {
    std::vector<HostTensor> result =
        runOnMesh(*executors_[rank], *communicators_[rank], inputs, 0);
    if (rank == 0)
      outputs = std::move(result);
  });
  return outputs;
}

} // namespace kiln::rt
