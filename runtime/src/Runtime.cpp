//===- Runtime.cpp - models and the executor ------------------------------===//

#include "kiln/runtime/Runtime.h"

#include "kiln/runtime/Error.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
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

std::unique_ptr<Device> createDevice(const std::string &target,
                                     const DeviceOptions &options) {
  static std::once_flag builtins;
  std::call_once(builtins, [] { registerCpuDevice(); });
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

struct Executor::Impl {
  std::map<std::string, std::unique_ptr<Device>> devices;
  std::vector<std::unique_ptr<KernelLibrary>> libraries;
  std::vector<std::unique_ptr<Kernel>> kernels;
  /// Per manifest arena: its memory, and the device that allocated it (null
  /// when the caller gave it).
  struct Arena {
    void *memory = nullptr;
    Device *owner = nullptr;
  };
  std::vector<Arena> arenas;
  std::vector<void *> pointers;
  std::vector<void *> bindings;

  ~Impl() {
    for (Arena &arena : arenas)
      if (arena.owner)
        arena.owner->deallocate(arena.memory);
  }
  Device &device(const std::string &target, const DeviceOptions &options) {
    auto &device = devices[target];
    if (!device)
      device = createDevice(target, options);
    return *device;
  }
};

Executor::Executor(std::shared_ptr<const Model> model, ExecutorOptions options)
    : model_(std::move(model)), impl_(std::make_unique<Impl>()) {
  const Manifest &manifest = model_->manifest();
  DeviceOptions deviceOptions;
  deviceOptions.threads = options.threads;
  for (size_t i = 0; i < manifest.libraries.size(); ++i)
    impl_->libraries.push_back(
        impl_->device(manifest.libraries[i].target, deviceOptions)
            .load(model_->contents().libraries[i], model_->name()));
  for (const KernelSpec &kernel : manifest.kernels)
    impl_->kernels.push_back(
        impl_->libraries[kernel.library]->kernel(kernel.symbol));
  for (const ArenaSpec &arena : manifest.arenas)
    impl_->device(arena.target, deviceOptions);
  impl_->arenas.resize(manifest.arenas.size());
  impl_->pointers.assign(manifest.buffers.size(), nullptr);
  size_t maxBindings = 0;
  for (const StepSpec &step : manifest.steps)
    maxBindings = std::max(maxBindings, step.bindings.size());
  impl_->bindings.reserve(maxBindings);
}

Executor::~Executor() = default;

namespace {
const ArenaSpec *findArena(const Manifest &manifest, const std::string &target,
                           size_t *index = nullptr) {
  for (size_t i = 0; i < manifest.arenas.size(); ++i)
    if (manifest.arenas[i].target == target) {
      if (index)
        *index = i;
      return &manifest.arenas[i];
    }
  return nullptr;
}

/// Checks the caller's tensors (inputs or outputs) against the model's.
template <typename TensorPointer>
void checkTensors(const std::string &model, const char *what,
                  const std::vector<TensorSpec> &specs,
                  const std::vector<TensorPointer> &tensors) {
  if (tensors.size() != specs.size())
    throw Error("'" + model + "' takes " + std::to_string(specs.size()) + " " +
                what + "(s), got " + std::to_string(tensors.size()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorSpec &spec = specs[i];
    const HostTensor *given = tensors[i];
    if (!given)
      throw Error(std::string(what) + " '" + spec.name + "' (#" +
                  std::to_string(i) + ") is missing");
    if (given->dtype() != spec.dtype || given->shape() != spec.shape)
      throw Error(std::string(what) + " '" + spec.name + "' (#" +
                  std::to_string(i) + "): expected " +
                  describe(spec.dtype, spec.shape) + ", got " +
                  describe(given->dtype(), given->shape()));
  }
}
} // namespace

uint64_t Executor::arenaBytes(const std::string &target) const {
  const ArenaSpec *arena = findArena(model_->manifest(), target);
  return arena ? arena->bytes : 0;
}

uint64_t Executor::arenaAlignment(const std::string &target) const {
  const ArenaSpec *arena = findArena(model_->manifest(), target);
  return arena ? arena->alignment : kHostAlignment;
}

void Executor::useArena(const std::string &target, void *memory,
                        uint64_t bytes) {
  size_t index = 0;
  const ArenaSpec *arena = findArena(model_->manifest(), target, &index);
  if (!arena)
    throw Error("'" + model_->name() + "' has no arena on device '" + target +
                "'");
  if (bytes < arena->bytes || !memory ||
      reinterpret_cast<uintptr_t>(memory) % arena->alignment != 0)
    throw Error("the arena given for device '" + target + "' of '" +
                model_->name() + "' must be at least " +
                std::to_string(arena->bytes) + " bytes aligned to " +
                std::to_string(arena->alignment) + ", got " +
                std::to_string(bytes) + " bytes at " +
                std::to_string(reinterpret_cast<uintptr_t>(memory)));
  Impl::Arena &slot = impl_->arenas[index];
  if (slot.owner)
    slot.owner->deallocate(slot.memory);
  slot = {memory, nullptr};
}

std::vector<HostTensor>
Executor::run(const std::vector<const HostTensor *> &inputs) {
  const Manifest &manifest = model_->manifest();
  std::vector<HostTensor> outputs;
  outputs.reserve(manifest.outputs.size());
  for (const TensorSpec &spec : manifest.outputs)
    outputs.emplace_back(spec.dtype, spec.shape);
  std::vector<HostTensor *> pointers;
  for (HostTensor &output : outputs)
    pointers.push_back(&output);
  run(inputs, pointers);
  return outputs;
}

void Executor::run(const std::vector<const HostTensor *> &inputs,
                   const std::vector<HostTensor *> &outputs) {
  const Manifest &manifest = model_->manifest();
  checkTensors(model_->name(), "input", manifest.inputs, inputs);
  checkTensors(model_->name(), "output", manifest.outputs, outputs);

  // Arenas not given by the caller are allocated by their device once.
  for (size_t i = 0; i < manifest.arenas.size(); ++i) {
    Impl::Arena &arena = impl_->arenas[i];
    const ArenaSpec &spec = manifest.arenas[i];
    if (arena.memory || spec.bytes == 0)
      continue;
    Device &device = *impl_->devices.at(spec.target);
    arena.memory = device.allocate(spec.bytes, spec.alignment);
    if (!arena.memory)
      throw Error("cannot allocate the " + std::to_string(spec.bytes) +
                  "-byte arena of '" + model_->name() + "' on device '" +
                  spec.target + "'");
    arena.owner = &device;
  }

  // Resolve every buffer to a pointer; views follow earlier buffers.
  std::vector<void *> &pointers = impl_->pointers;
  const char *constants = model_->contents().constants.data();
  for (size_t id = 0; id < manifest.buffers.size(); ++id) {
    const BufferSpec &buffer = manifest.buffers[id];
    switch (buffer.kind) {
    case BufferKind::input:
      // Kernels never write their inputs.
      pointers[id] = const_cast<void *>(inputs[buffer.index]->data());
      break;
    case BufferKind::output:
      pointers[id] = outputs[buffer.index]->data();
      break;
    case BufferKind::constant:
      pointers[id] = const_cast<char *>(constants) +
                     manifest.constants[buffer.index].offset;
      break;
    case BufferKind::transient:
      pointers[id] = static_cast<char *>(impl_->arenas[buffer.index].memory) +
                     buffer.offset;
      break;
    case BufferKind::view:
      pointers[id] = pointers[buffer.index];
      break;
    }
  }

  std::vector<void *> &bindings = impl_->bindings;
  for (const StepSpec &step : manifest.steps) {
    bindings.clear();
    for (uint32_t id : step.bindings)
      bindings.push_back(pointers[id]);
    if (step.kind == StepKind::copy) {
      std::memcpy(bindings[1], bindings[0],
                  manifest.buffers[step.bindings[0]].bytes);
      continue;
    }
    impl_->kernels[step.kernel]->dispatch(
        bindings.data(), manifest.kernels[step.kernel].workgroups);
  }
}

} // namespace kiln::rt
