//===- CpuPasses.h - passes of the CPU backend ------------------*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_CPU_CPUPASSES_H
#define KILN_LIB_BACKENDS_CPU_CPUPASSES_H

#include "dialects/exec/ExecOps.h"
#include "kiln/Backend.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <string>

namespace kiln::cpu {

#define GEN_PASS_DECL
#include "lib/backends/cpu/CpuPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/backends/cpu/CpuPasses.h.inc"

/// Name of the module attribute mapping each kernel to its workgroup count.
inline constexpr llvm::StringLiteral kWorkgroupsAttr = exec::kWorkgroupsAttr;
/// On a linked kernel module: the shared library's bytes (cpu-link-kernels).
inline constexpr llvm::StringLiteral kLibraryAttr = "exec.library";

/// The SIMD registers the micro-kernels are blocked for, on the CPU the cpu=
/// option names (cpu-link-kernels generates code for it; an unknown one is
/// the error): f32 lanes a register holds (AVX-512 16, AVX 8, SSE and
/// NEON 4) and how many the accumulators may take (AVX-512 and NEON 28 of
/// 32, AVX and SSE 12 of 16).
struct SimdRegisters {
  int64_t vectorWidth;
  int64_t accumulators;
};
llvm::FailureOr<SimdRegisters> simdRegistersOf(const BackendOptions &options,
                                               std::string &error);

/// Prefix of the entry point the runtime calls for a kernel.
inline constexpr llvm::StringLiteral kEntryPrefix = "kiln_";

/// Where an operand stored in panels (graph-pack-weights) is read: its
/// map's first result is `loop floordiv width`, its last `loop mod width`.
struct PanelIndex {
  unsigned loop;
  int64_t width;
};
inline std::optional<PanelIndex> panelIndex(mlir::AffineMap map) {
  if (map.getNumResults() < 2)
    return std::nullopt;
  auto div = llvm::dyn_cast<mlir::AffineBinaryOpExpr>(map.getResult(0));
  auto mod = llvm::dyn_cast<mlir::AffineBinaryOpExpr>(
      map.getResult(map.getNumResults() - 1));
  if (!div || !mod || div.getKind() != mlir::AffineExprKind::FloorDiv ||
      mod.getKind() != mlir::AffineExprKind::Mod ||
      div.getLHS() != mod.getLHS() || div.getRHS() != mod.getRHS())
    return std::nullopt;
  auto loop = llvm::dyn_cast<mlir::AffineDimExpr>(div.getLHS());
  auto width = llvm::dyn_cast<mlir::AffineConstantExpr>(div.getRHS());
  if (!loop || !width || width.getValue() <= 0)
    return std::nullopt;
  return PanelIndex{loop.getPosition(), width.getValue()};
}

} // namespace kiln::cpu

#endif // KILN_LIB_BACKENDS_CPU_CPUPASSES_H
