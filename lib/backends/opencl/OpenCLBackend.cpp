//===- OpenCLBackend.cpp - the OpenCL backend -----------------------------===//
//
// Kernels for OpenCL devices, the GPU programming model in CI: PoCL runs it
// on the CPU with real workgroups, barriers and transfers. The kernel
// pipeline tiles each kernel's root into work items as the CPU backend
// tiles it into workgroups (shared passes), builds the gpu.funcs itself in
// binding order (lib/backends/gpu), lowers them through MLIR's SPIR-V
// dialect to a SPIR-V module (gpu-module-to-binary), and turns that into
// SPIR 1.2 bitcode (opencl-translate-to-spir), the form PoCL 3.1 loads.
// Buffers live in the device's memory; the runtime device is
// runtime/src/opencl.
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"
#include "lib/backends/gpu/GpuPasses.h"
#include "lib/backends/opencl/OpenCLPasses.h"

#include "mlir/IR/TypeUtilities.h"
#include "mlir/Pass/PassRegistry.h"

#include <mutex>

using namespace mlir;

namespace kiln::opencl {
namespace {

/// The kernel pipeline, with the workgroup size and llvm-spirv path filled
/// in. Textual so `kiln-opt --pass-pipeline=...` replays any prefix of it.
std::string kernelPipeline(const BackendOptions &options) {
  auto option = [&](const char *key, const char *fallback) {
    auto it = options.find(key);
    return it == options.end() ? std::string(fallback) : it->second;
  };
  // For a CPU device (PoCL), the CPU's tile shapes with single
  // iterations, whose inner loops its compiler vectorizes.
  kiln::gpu::CodegenOptions codegen;
  codegen.workItems = option("device-kind", "gpu") != "cpu";
  codegen.workgroupSize = option("workgroup-size", "64");
  codegen.barriers = option("barriers", "1");
  codegen.spirv = true;
  // Loads only: llvm-spirv-15 crashes on a vector built from values
  // (OpCompositeConstruct), which a vector store needs.
  codegen.vectorStores = false;
  return kiln::gpu::codegenPipeline(codegen) +
         ",gpu.module(arith-expand),"
         "opencl-attach-target,"
         "gpu.module(convert-math-to-spirv),"
         "convert-gpu-to-spirv{use-64bit-index=true},"
         "gpu.module(spirv.module(spirv-lower-abi-attrs,spirv-update-vce))";
}

/// From SPIR-V to the SPIR 1.2 bitcode PoCL loads.
std::string binaryPipeline(const BackendOptions &options) {
  auto tool = options.find("llvm-spirv");
  return "gpu-module-to-binary,opencl-translate-to-spir" +
         (tool == options.end() ? std::string()
                                : "{llvm-spirv=" + tool->second + "}");
}

class OpenCLBackend final : public Backend {
public:
  llvm::StringRef name() const override { return "opencl"; }
  // OpenCL 2.0 devices align SVM base addresses to at least 128 bytes.
  int64_t bufferAlignment() const override { return 128; }
  bool usesHostMemory() const override { return false; }

  LogicalResult checkOptions(const BackendOptions &options,
                             std::string &error) const override {
    for (const auto &[key, value] : options) {
      if (key == "llvm-spirv")
        continue;
      if (key == "device-kind") {
        if (value != "gpu" && value != "cpu") {
          error = "the opencl backend's device-kind must be gpu or cpu, got "
                  "'" +
                  value + "'";
          return failure();
        }
        continue;
      }
      if (key == "barriers") {
        // Only for tests: without barriers reductions are wrong, and the
        // suite must see it.
        if (value != "0" && value != "1") {
          error = "the opencl backend's barriers must be 0 or 1, got '" +
                  value + "'";
          return failure();
        }
        continue;
      }
      if (key == "workgroup-size") {
        int64_t size = 0;
        if (llvm::StringRef(value).getAsInteger(10, size) || size < 1 ||
            size > 1024) {
          error = "the opencl backend's workgroup-size must be 1 to 1024, "
                  "got '" +
                  value + "'";
          return failure();
        }
        continue;
      }
      error = "the opencl backend has no option '" + key +
              "' (it has: barriers, device-kind, llvm-spirv, "
              "workgroup-size)";
      return failure();
    }
    return success();
  }

  // bf16 arithmetic has no SPIR-V lowering here: kernels compiled with it
  // ran and returned garbage on PoCL (a Linear of 16 bf16 inputs, errors
  // of 1e35), so such ops go to another target, or the compile says why.
  std::string cannotRun(Operation *op) const override {
    auto bf16 = [](Type type) { return getElementTypeOrSelf(type).isBF16(); };
    if (llvm::any_of(op->getOperandTypes(), bf16) ||
        llvm::any_of(op->getResultTypes(), bf16))
      return "the opencl backend has no bf16 arithmetic (compute in f16 or "
             "f32, or add a target that has it: --targets opencl,cpu)";
    return {};
  }

  // A compile does not see the device: a discrete GPU of the middle range
  // by default; with device-kind=cpu, a CPU's OpenCL (PoCL: the work items
  // of a workgroup run as loops on one core).
  CostFigures costFigures(const BackendOptions &options) const override {
    auto kind = options.find("device-kind");
    // GFLOP/s, memory GB/s, launch us, link GB/s, transfer us.
    if (kind != options.end() && kind->second == "cpu")
      return {20, 10, 20, 10, 5};
    return {5000, 300, 10, 12, 10};
  }

  void buildKernelPipeline(OpPassManager &pm,
                           const BackendOptions &options) const override {
    if (failed(parsePassPipeline(kernelPipeline(options), pm)))
      llvm::report_fatal_error("the OpenCL kernel pipeline does not parse");
  }

  void buildBinaryPipeline(OpPassManager &pm,
                           const BackendOptions &options) const override {
    if (failed(parsePassPipeline(binaryPipeline(options), pm)))
      llvm::report_fatal_error("the OpenCL binary pipeline does not parse");
  }

  FailureOr<CompiledKernels> serialize(ModuleOp kernels,
                                       const BackendOptions &) const override {
    return kiln::gpu::compiledKernels(kernels, name());
  }
};

} // namespace

std::unique_ptr<Backend> createOpenCLBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    kiln::gpu::registerGpuPasses();
    tiling::registerPasses();
    registerOpenCLPasses();
  });
  return std::make_unique<OpenCLBackend>();
}

} // namespace kiln::opencl
