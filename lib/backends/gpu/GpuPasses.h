//===- GpuPasses.h - GPU codegen shared by GPU backends ---------*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_GPU_GPUPASSES_H
#define KILN_LIB_BACKENDS_GPU_GPUPASSES_H

#include "dialects/exec/ExecOps.h"
#include "kiln/Backend.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "lib/backends/tiling/TilingPasses.h"

#include <string>

namespace kiln::gpu {

#define GEN_PASS_DECL
#include "lib/backends/gpu/GpuPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/backends/gpu/GpuPasses.h.inc"

/// On a kernel module: per kernel, its launch as gpu-build-kernels chose it
/// (exec.launches).
inline constexpr llvm::StringLiteral kLaunchesAttr = exec::kLaunchesAttr;
/// On a kernel module: per kernel a vendor library runs instead of Kiln's
/// code, its call as text the runtime's device reads (the kernel is a
/// declaration of its bindings).
inline constexpr llvm::StringLiteral kLibraryCallsAttr = "exec.library_calls";
/// The gpu.module holding a kernel module's GPU kernels.
inline constexpr llvm::StringLiteral kGpuModuleName = "kernels";

/// A GPU kernel module's compiled kernels: the one object of its gpu.binary
/// (what the backend's binary pipeline made) and each kernel's launch, and
/// the library calls, each a kernel whose symbol is its call.
mlir::FailureOr<CompiledKernels> compiledKernels(mlir::ModuleOp kernels,
                                                 llvm::StringRef target);

/// The gpu.module holding `module`'s GPU kernels, created (and `module`
/// marked a GPU container) when no pass has made it yet: gpu-build-kernels
/// and a backend's own kernel builders (cuda-mma-matmuls) share it.
mlir::gpu::GPUModuleOp kernelsModule(mlir::ModuleOp module);

/// A kernel `name` of `type` (one memref per binding, binding order) at the
/// end of `gpuModule`, with its known workgroup size and how its bindings
/// may be assumed apart: NVVM's `noalias` (the runtime never binds an
/// output to another binding's bytes), or SPIR-V's entry-point ABI.
mlir::gpu::GPUFuncOp createKernel(mlir::OpBuilder &builder,
                                  mlir::gpu::GPUModuleOp gpuModule,
                                  mlir::Location loc, llvm::StringRef name,
                                  mlir::FunctionType type,
                                  int64_t workgroupSize, bool spirv);

/// A kernel's launch as `exec.launches` records it.
mlir::DictionaryAttr launchAttr(mlir::Builder &builder,
                                llvm::ArrayRef<int64_t> grid,
                                int64_t workgroupSize, int64_t sharedBytes);

/// What a GPU backend chooses in the shared codegen.
struct CodegenOptions {
  /// GPU-shaped work items (a work item per output or register tile); false
  /// for a CPU device running the GPU model (the CPU's tile shapes).
  bool workItems = true;
  /// The workgroup size (work items) and whether reductions' trees have
  /// barriers (only tests turn them off), as text: they come from options.
  std::string workgroupSize = "64";
  std::string barriers = "1";
  /// SPIR-V's way of declaring entry points and workgroup memory; false:
  /// gpu.func workgroup attributions (NVVM).
  bool spirv = false;
  /// Vector stores as well as loads (gpu-vectorize-accesses{stores}).
  bool vectorStores = true;
};

/// From tensor kernels to one gpu.module of gpu.funcs in Kiln's binding
/// order, their launches recorded, register tiles unrolled, sums in
/// registers and accesses vectorized: everything a GPU backend shares
/// before lowering to its device's IR. Textual, so
/// `kiln-opt --pass-pipeline=...` replays any prefix of it.
inline std::string codegenPipeline(const CodegenOptions &options) {
  // One work item per tile of the root: every parallel dim split into
  // single iterations (a contraction's output elements too, each summed in a
  // register, register tiles where work items abound), or the CPU's shapes.
  // A work item reads its padded input window in place, where a CPU tile
  // copies it.
  return tiling::workgroupTilingPipeline(
             /*maxWorkgroups=*/1 << 30,
             /*minIterations=*/1, options.workItems,
             "canonicalize,gpu-read-padded-slices") +
         ",func.func(fold-memref-alias-ops),lower-affine,canonicalize,"
         // f16/bf16 math in f32 (devices need not have half math), integer
         // powers as loops.
         "math-extend-to-supported-types,gpu-expand-integer-powers,"
         "gpu-build-kernels{spirv=" +
         (options.spirv ? "1" : "0") +
         " workgroup-size=" + options.workgroupSize +
         " barriers=" + options.barriers +
         "},gpu.module(gpu-unroll-register-tiles,canonicalize,cse,"
         "gpu-promote-accumulators,canonicalize,cse,"
         "gpu-vectorize-accesses{stores=" +
         (options.vectorStores ? "1" : "0") + "},canonicalize,cse)";
}

} // namespace kiln::gpu

#endif // KILN_LIB_BACKENDS_GPU_GPUPASSES_H
