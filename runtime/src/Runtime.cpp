//===- Runtime.cpp - models and the executor ------------------------------===//

#include "kiln/runtime/Runtime.h"

#include "kiln/runtime/Error.h"

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
  /// Offset of each transient buffer in the arena.
  std::vector<uint64_t> arenaOffsets;
  std::unique_ptr<void, decltype(&std::free)> arena{nullptr, &std::free};
  std::vector<void *> pointers;
};

Executor::Executor(std::shared_ptr<const Model> model, ExecutorOptions options)
    : model_(std::move(model)), impl_(std::make_unique<Impl>()) {
  const Manifest &manifest = model_->manifest();
  DeviceOptions deviceOptions;
  deviceOptions.threads = options.threads;
  for (size_t i = 0; i < manifest.libraries.size(); ++i) {
    const std::string &target = manifest.libraries[i].target;
    auto &device = impl_->devices[target];
    if (!device)
      device = createDevice(target, deviceOptions);
    impl_->libraries.push_back(
        device->load(model_->contents().libraries[i], model_->name()));
  }
  for (const KernelSpec &kernel : manifest.kernels)
    impl_->kernels.push_back(
        impl_->libraries[kernel.library]->kernel(kernel.symbol));

  // One arena holds every transient buffer, each 64-byte aligned, laid out
  // once here and reused by every run.
  uint64_t size = 0;
  impl_->arenaOffsets.assign(manifest.buffers.size(), 0);
  for (size_t id = 0; id < manifest.buffers.size(); ++id) {
    if (manifest.buffers[id].kind != BufferKind::transient)
      continue;
    impl_->arenaOffsets[id] = size;
    size += (manifest.buffers[id].bytes + kHostAlignment - 1) / kHostAlignment *
            kHostAlignment;
  }
  if (size > 0) {
    impl_->arena.reset(std::aligned_alloc(kHostAlignment, size));
    if (!impl_->arena)
      throw Error("cannot allocate the " + std::to_string(size) +
                  "-byte transient arena of '" + model_->name() + "'");
  }
  impl_->pointers.assign(manifest.buffers.size(), nullptr);
}

Executor::~Executor() = default;

std::vector<HostTensor>
Executor::run(const std::vector<const HostTensor *> &inputs) {
  const Manifest &manifest = model_->manifest();
  if (inputs.size() != manifest.inputs.size())
    throw Error("'" + model_->name() + "' takes " +
                std::to_string(manifest.inputs.size()) + " input(s), got " +
                std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec &spec = manifest.inputs[i];
    if (inputs[i]->dtype() != spec.dtype || inputs[i]->shape() != spec.shape)
      throw Error("input '" + spec.name + "' (#" + std::to_string(i) +
                  "): expected " + describe(spec.dtype, spec.shape) + ", got " +
                  describe(inputs[i]->dtype(), inputs[i]->shape()));
  }
  std::vector<HostTensor> outputs;
  outputs.reserve(manifest.outputs.size());
  for (const TensorSpec &spec : manifest.outputs)
    outputs.emplace_back(spec.dtype, spec.shape);

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
      pointers[id] = outputs[buffer.index].data();
      break;
    case BufferKind::constant:
      pointers[id] = const_cast<char *>(constants) +
                     manifest.constants[buffer.index].offset;
      break;
    case BufferKind::transient:
      pointers[id] =
          static_cast<char *>(impl_->arena.get()) + impl_->arenaOffsets[id];
      break;
    case BufferKind::view:
      pointers[id] = pointers[buffer.index];
      break;
    }
  }

  std::vector<void *> bindings;
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
  return outputs;
}

} // namespace kiln::rt
