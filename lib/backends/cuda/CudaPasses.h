//===- CudaPasses.h - passes of the CUDA backend ----------------*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_CUDA_CUDAPASSES_H
#define KILN_LIB_BACKENDS_CUDA_CUDAPASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::cuda {

#define GEN_PASS_DECL
#include "lib/backends/cuda/CudaPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/backends/cuda/CudaPasses.h.inc"

/// The archs the cuda target compiles for when not told.
inline constexpr const char *kDefaultArchs[] = {"sm_80", "sm_90"};

/// The number NN of "sm_NN" or "sm_NNa" (sm_90a), or 0 when `arch` is not
/// such a name.
int archNumber(llvm::StringRef arch);

/// The header of the cuda target's kernel binary, before the fatbin: lines
/// "key value" (kiln-cuda, toolkit, ptx, archs), then an empty line. The
/// runtime's CUDA device reads it to explain a driver that cannot load
/// the fatbin.
inline constexpr llvm::StringLiteral kBinaryMagic = "kiln-cuda 1\n";

} // namespace kiln::cuda

#endif // KILN_LIB_BACKENDS_CUDA_CUDAPASSES_H
