//===- Backend.h - compiler-side backend interface --------------*- C++ -*-===//
//
// A backend turns a target's kernel module (functions from tensors to
// tensors, one per dispatch) into the binary its runtime device loads. It is
// registered by name ("cpu"); nothing outside its folder names it. The
// registry (lib/backends/Registry.cpp) sits below the passes, which look
// backends up; backends register themselves from registerAllBackends.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKEND_H
#define KILN_BACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// Options that reach backends, as `name=value` strings from the command
/// line (`--cpu=host`); each backend documents and checks its own.
using BackendOptions = std::map<std::string, std::string>;

/// One compiled kernel: its name in the kernel module, the symbol the runtime
/// calls, and how one dispatch is launched: the grid of workgroups, the work
/// items of one, the workgroup memory it needs.
struct CompiledKernel {
  std::string name;
  std::string symbol;
  std::array<int64_t, 3> grid = {1, 1, 1};
  std::array<int64_t, 3> workgroup = {1, 1, 1};
  int64_t sharedBytes = 0;
};

/// What a backend produces for one kernel module.
struct CompiledKernels {
  std::string target;
  std::string binary;
  std::vector<CompiledKernel> kernels;
};

/// What graph-place estimates a target's time with: figures of the device
/// its kernels run on, as the backend guesses them from its options (a
/// compile does not see the device; `--place-cost` overrides them).
struct CostFigures {
  /// Sustained f32 GFLOP/s of its contractions.
  double gflops = 100;
  /// GB/s its kernels read and write their buffers at.
  double memoryGBps = 20;
  /// Microseconds a dispatch costs beyond its work (launch, wake-up).
  double launchMicros = 2;
  /// For a target with its own memory: the link to the host, GB/s and
  /// microseconds per transfer. Unused for host memory (no transfers).
  double transferGBps = 10;
  double transferMicros = 10;

  /// Microseconds of a kernel doing `flops` over `bytes`: the larger of
  /// its arithmetic and its memory traffic, plus its launch when
  /// `launches` (an op fused into another's kernel launches nothing).
  double kernelMicros(double flops, double bytes, bool launches = true) const {
    return (launches ? launchMicros : 0) +
           std::max(flops / (gflops * 1e3), bytes / (memoryGBps * 1e3));
  }
  /// Microseconds to move `bytes` over the link to the host, one way.
  double linkMicros(double bytes) const {
    return transferMicros + bytes / (transferGBps * 1e3);
  }
};

class Backend {
public:
  virtual ~Backend() = default;
  /// The target name, as in `exec.target` and `--target`.
  virtual llvm::StringRef name() const = 0;
  /// Checks `options` before anything runs; reports unknown or bad values.
  virtual llvm::LogicalResult checkOptions(const BackendOptions &options,
                                           std::string &error) const = 0;
  /// The byte alignment buffers bound to this target's kernels need; memory
  /// planning aligns every arena offset to it.
  virtual int64_t bufferAlignment() const { return 64; }
  /// Whether its kernels work on host memory (the CPU); if not, the
  /// schedule keeps their buffers in the device's memory, named like the
  /// target, and transfers inputs and results.
  virtual bool usesHostMemory() const { return true; }
  /// Columns of the panels this target's matmul micro-kernels read f32
  /// weights in: graph-pack-weights stores each matmul weight that way once,
  /// at compile time. 0 keeps weights as the model has them.
  virtual int64_t weightPanelColumns(const BackendOptions &options) const {
    return 0;
  }
  /// The figures placement weighs this target's ops and transfers with.
  virtual CostFigures costFigures(const BackendOptions &options) const {
    return {};
  }
  /// Why this target's kernels cannot compute `op` (a graph op: an op or
  /// element type the backend lacks), or empty when they can. Placement
  /// puts such an op on a target that can.
  virtual std::string cannotRun(mlir::Operation *op) const { return {}; }
  /// Passes taking a kernel module from tensors (graph or linalg ops) to the
  /// form `serialize` accepts. `pm` runs on the kernel module; `options`
  /// are the checked ones its #exec.target records.
  virtual void buildKernelPipeline(mlir::OpPassManager &pm,
                                   const BackendOptions &options) const = 0;
  /// Passes taking the lowered kernel module to its binary (the compile's
  /// last stage, "binary"), held in the module for `serialize`.
  virtual void buildBinaryPipeline(mlir::OpPassManager &pm,
                                   const BackendOptions &options) const = 0;
  /// The binary of a kernel module both pipelines have run on; `options` are
  /// those of its #exec.target.
  virtual mlir::FailureOr<CompiledKernels>
  serialize(mlir::ModuleOp kernels, const BackendOptions &options) const = 0;
};

/// "cpu=host,x=y" to options; fails, with `error` set, on an entry that is
/// not name=value.
llvm::LogicalResult parseBackendOptions(llvm::StringRef text,
                                        BackendOptions &options,
                                        std::string &error);
/// The options as parseBackendOptions reads them.
std::string printBackendOptions(const BackendOptions &options);
/// A compile's options for one of its targets: "T.key=value" is `key` of
/// target T; an unprefixed key is `defaultTarget`'s (a one-target compile
/// names none).
BackendOptions optionsOfTarget(const BackendOptions &all,
                               llvm::StringRef target,
                               llvm::StringRef defaultTarget);
/// The options as an #exec.target records them (null when there are none),
/// and back.
mlir::DictionaryAttr backendOptionsAttr(mlir::MLIRContext *context,
                                        const BackendOptions &options);
BackendOptions backendOptionsOf(mlir::DictionaryAttr entries);

/// LLVM's command-line options are process-wide, and libraries a backend
/// runs in-process may reset them (lld's ELF driver resets every one to its
/// default): a tool that parses its command line with llvm::cl remembers
/// it, and a backend that ran such a library restores it, so what the tool
/// reads later (kiln-opt's printing flags) is still what the user gave.
/// Both are no-ops in a process that never called rememberCommandLine.
void rememberCommandLine(int argc, const char *const *argv);
void restoreCommandLine();

/// Registers a backend under its name (done once per process by
/// registerAllBackends).
void registerBackend(std::unique_ptr<Backend> backend);
/// The backend named `name`, or null.
const Backend *lookupBackend(llvm::StringRef name);
/// Names of all registered backends, sorted.
std::vector<std::string> registeredBackends();
/// "unknown target 'NAME' (available: cpu, cuda, opencl)".
std::string unknownTarget(llvm::StringRef name);
/// Registers every backend built into this compiler (InitAll.cpp: the one
/// place that names them).
void registerAllBackends();

} // namespace kiln

#endif // KILN_BACKEND_H
