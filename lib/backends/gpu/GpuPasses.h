//===- GpuPasses.h - GPU codegen shared by GPU backends ---------*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_GPU_GPUPASSES_H
#define KILN_LIB_BACKENDS_GPU_GPUPASSES_H

#include "dialects/exec/ExecOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::gpu {

#define GEN_PASS_DECL
#include "lib/backends/gpu/GpuPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/backends/gpu/GpuPasses.h.inc"

/// On a kernel module: per kernel, its launch as gpu-build-kernels chose it
/// (exec.launches).
inline constexpr llvm::StringLiteral kLaunchesAttr = exec::kLaunchesAttr;
/// The gpu.module holding a kernel module's GPU kernels.
inline constexpr llvm::StringLiteral kGpuModuleName = "kernels";

} // namespace kiln::gpu

#endif // KILN_LIB_BACKENDS_GPU_GPUPASSES_H
