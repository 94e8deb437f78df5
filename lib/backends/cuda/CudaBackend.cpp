//===- CudaBackend.cpp - the CUDA backend ---------------------------------===//
//
// Kernels for NVIDIA GPUs. The kernel pipeline is the GPU codegen the
// OpenCL backend shares (lib/backends/gpu: work items per output or
// register tile, workgroup reductions, sums in registers, 4-wide accesses),
// with workgroup memory as gpu.func attributions, float multiply-adds
// allowed to fuse, and upstream's NVVM lowering (bare-pointer kernels: one
// pointer per binding, the runtime's ABI). The binary pipeline makes PTX
// per arch with LLVM's NVPTX backend and a fatbin with the toolkit's ptxas
// and fatbinary (cuda-serialize). The runtime device is runtime/src/cuda.
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"
#include "lib/backends/cuda/CudaPasses.h"
#include "lib/backends/cuda/Toolkit.h"
#include "lib/backends/gpu/GpuPasses.h"
#include "lib/backends/tiling/TilingPasses.h"

#include "mlir/Pass/PassRegistry.h"

#include "llvm/ADT/StringExtras.h"

#include <map>
#include <mutex>
#include <vector>

using namespace mlir;

namespace kiln::cuda {
namespace {

std::string option(const BackendOptions &options, const char *key,
                   const char *fallback) {
  auto it = options.find(key);
  return it == options.end() ? std::string(fallback) : it->second;
}

/// Textual, so `kiln-opt --pass-pipeline=...` replays any prefix of it.
std::string kernelPipeline(const BackendOptions &options) {
  kiln::gpu::CodegenOptions codegen;
  codegen.workgroupSize = option(options, "workgroup-size", "128");
  codegen.barriers = option(options, "barriers", "1");
  std::string archs = option(options, "arch", "");
  // GEMMs and convolutions cuBLASLt and cuDNN run go to them; f16/bf16
  // GEMMs they cannot run (an epilogue cuBLASLt lacks) to Kiln's tensor-core
  // kernels, or every such GEMM first with mma=1; the rest is Kiln's SIMT
  // code.
  std::string libraries = option(options, "libraries", "1") != "1" ? ""
                          : option(options, "tf32", "0") == "1"
                              ? "cuda-call-libraries{tf32=1},"
                              : "cuda-call-libraries,";
  std::string mma = option(options, "mma", "auto");
  std::string front = mma == "1"      ? "cuda-mma-matmuls," + libraries
                      : mma == "auto" ? libraries + "cuda-mma-matmuls,"
                                      : libraries;
  return front + kiln::gpu::codegenPipeline(codegen) +
         ",gpu.module(cuda-contract-float-ops),cuda-attach-target" +
         (archs.empty() ? std::string() : "{arch=" + archs + "}") +
         // The tensor-core kernels' nvgpu ops (cp.async, ldmatrix) first.
         ",convert-nvgpu-to-nvvm"
         ",gpu.module(convert-vector-to-llvm,convert-scf-to-cf,"
         "expand-strided-metadata,lower-affine,"
         "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},"
         "canonicalize,cse,reconcile-unrealized-casts)";
}

std::string binaryPipeline(const BackendOptions &options) {
  std::string toolkit = option(options, "toolkit", "");
  return "cuda-serialize" +
         (toolkit.empty() ? std::string() : "{toolkit=" + toolkit + "}");
}

class CudaBackend final : public Backend {
public:
  llvm::StringRef name() const override { return "cuda"; }
  // cuMemAlloc aligns to 256 bytes; arena offsets keep every buffer's
  // 4-wide accesses (16 bytes) and 128-byte lines aligned.
  int64_t bufferAlignment() const override { return 256; }
  bool usesHostMemory() const override { return false; }

  // A data-center GPU (A100 to H100 in f32 without tensor cores; PCIe 4 to
  // 5): launches are the cost cuda graphs' replays cut.
  CostFigures costFigures(const BackendOptions &) const override {
    // GFLOP/s, memory GB/s, launch us, link GB/s, transfer us.
    return {20000, 1500, 5, 20, 10};
  }

  LogicalResult checkOptions(const BackendOptions &options,
                             std::string &error) const override {
    for (const auto &[key, value] : options) {
      if (key == "arch") {
        llvm::SmallVector<llvm::StringRef> archs;
        llvm::StringRef(value).split(archs, ',', -1, /*KeepEmpty=*/false);
        if (archs.empty()) {
          error = "the cuda backend's arch must name at least one GPU "
                  "architecture (e.g. arch=sm_80,sm_90)";
          return failure();
        }
        for (llvm::StringRef arch : archs)
          if (!archNumber(arch.trim())) {
            error = "the cuda backend's arch must be sm_NN names (e.g. "
                    "arch=sm_80,sm_90 or sm_90a), got '" +
                    arch.str() + "'";
            return failure();
          }
        continue;
      }
      if (key == "toolkit") {
        Toolkit toolkit;
        if (!findToolkit(value, toolkit, error))
          return failure();
        continue;
      }
      // Options that take one of a few words: key -> (words, what the
      // error says they mean).
      static const std::map<std::string,
                            std::pair<std::vector<std::string>, std::string>>
          choices = {
              {"libraries",
               {{"0", "1"},
                "0 (Kiln's kernels only) or 1 (GEMMs through cuBLASLt)"}},
              {"mma",
               {{"auto", "0", "1"},
                "auto (tensor-core kernels for f16/bf16 GEMMs the libraries "
                "do not run), 1 (for every f16/bf16 GEMM they can compile) "
                "or 0 (none)"}},
              {"tf32",
               {{"0", "1"},
                "0 (f32 GEMMs and convolutions in f32) or 1 (on TF32 tensor "
                "cores, as torch's allow_tf32)"}},
              // Only for tests: without barriers reductions are wrong.
              {"barriers", {{"0", "1"}, "0 or 1"}},
          };
      if (auto choice = choices.find(key); choice != choices.end()) {
        const auto &[words, meaning] = choice->second;
        if (!llvm::is_contained(words, value)) {
          error = "the cuda backend's " + key + " must be " + meaning +
                  ", got '" + value + "'";
          return failure();
        }
        continue;
      }
      if (key == "workgroup-size") {
        int64_t size = 0;
        if (llvm::StringRef(value).getAsInteger(10, size) || size < 32 ||
            size > 1024 || size % 32 != 0) {
          error = "the cuda backend's workgroup-size must be a multiple of "
                  "32 (a warp) from 32 to 1024, got '" +
                  value + "'";
          return failure();
        }
        continue;
      }
      error = "the cuda backend has no option '" + key +
              "' (it has: arch, barriers, libraries, mma, tf32, toolkit, "
              "workgroup-size)";
      return failure();
    }
    return success();
  }

  void buildKernelPipeline(OpPassManager &pm,
                           const BackendOptions &options) const override {
    if (failed(parsePassPipeline(kernelPipeline(options), pm)))
      llvm::report_fatal_error("the CUDA kernel pipeline does not parse");
  }

  void buildBinaryPipeline(OpPassManager &pm,
                           const BackendOptions &options) const override {
    if (failed(parsePassPipeline(binaryPipeline(options), pm)))
      llvm::report_fatal_error("the CUDA binary pipeline does not parse");
  }

  FailureOr<CompiledKernels> serialize(ModuleOp kernels,
                                       const BackendOptions &) const override {
    return kiln::gpu::compiledKernels(kernels, name());
  }
};

} // namespace

std::unique_ptr<Backend> createCudaBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    kiln::gpu::registerGpuPasses();
    tiling::registerPasses();
    registerCudaPasses();
  });
  return std::make_unique<CudaBackend>();
}

} // namespace kiln::cuda
