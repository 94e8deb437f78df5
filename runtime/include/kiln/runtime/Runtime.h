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
#include "kiln/runtime/Device.h"
#include "kiln/runtime/Tensor.h"

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
};

/// Runs a model: kernels loaded once, each device's transient arena
/// allocated once (or given by the caller) and reused by every run. Not
/// thread-safe: use one executor per thread.
class Executor {
public:
  Executor(std::shared_ptr<const Model> model, ExecutorOptions options = {});
  ~Executor();

  /// Checks the inputs against the model's (count, dtype, shape), runs it,
  /// returns the outputs. Throws Error naming a mismatching input.
  std::vector<HostTensor> run(const std::vector<const HostTensor *> &inputs);

  /// Runs into the caller's output tensors (checked like the inputs). With
  /// the arenas allocated (after the first run, or given with useArena), a
  /// run allocates no memory.
  void run(const std::vector<const HostTensor *> &inputs,
           const std::vector<HostTensor *> &outputs);

  /// The scratch memory runs need on device `target`: the arena the memory
  /// plan laid out (0 when the model has none there), and its alignment.
  uint64_t arenaBytes(const std::string &target = "cpu") const;
  uint64_t arenaAlignment(const std::string &target = "cpu") const;

  /// Runs use the caller's `memory` (`bytes` long, aligned to
  /// arenaAlignment) as `target`'s arena instead of memory of their own; it
  /// must outlive the executor's runs. Throws Error when it is too small or
  /// misaligned, or the model has no arena on `target`.
  void useArena(const std::string &target, void *memory, uint64_t bytes);

  const Model &model() const { return *model_; }

private:
  struct Impl;
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Impl> impl_;
};

/// "f32 [1, 3, 224, 224]".
std::string describe(DType dtype, const std::vector<int64_t> &shape);

} // namespace kiln::rt

#endif // KILN_RUNTIME_RUNTIME_H
