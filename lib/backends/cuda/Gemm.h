//===- Gemm.h - a kernel that is a GEMM and its epilogue --------*- C++ -*-===//
//
// What cuda-call-libraries gives cuBLASLt and cuda-mma-matmuls compiles for
// tensor cores: one matcher on a kernel's graph ops, so both agree on what a
// GEMM kernel is.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_BACKENDS_CUDA_GEMM_H
#define KILN_LIB_BACKENDS_CUDA_GEMM_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace kiln::cuda {

/// One elementwise op after the product, in order.
struct EpilogueStep {
  enum class Kind {
    AddBias,     // + a binding over N (a vector), broadcast over rows
    AddResidual, // + a binding of the output's shape
    Relu,
    GeluTanh,
    GeluErf,
    Tanh,
    Sigmoid,
    Silu,
  };
  Kind kind;
  /// The binding added (AddBias, AddResidual), else -1.
  int64_t binding = -1;
};

/// A kernel that is `epilogue(A @ B)` of two bindings, row-major: a 2-D
/// GEMM, a strided batch of them, or a weight shared by a batch (the batch
/// folded into M).
struct Gemm {
  int64_t a = -1, b = -1, out = -1; // binding positions
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 1, strideA = 0, strideB = 0; // in elements
  mlir::Type element;                          // of A, B, the output
  llvm::SmallVector<EpilogueStep> epilogue;

  /// The one binding added as `kind` (bias, residual), or -1.
  int64_t bindingOf(EpilogueStep::Kind kind) const;
};

/// The GEMM `kernel` (a kernel module's func.func on graph ops) is exactly:
/// a matmul of two bindings, static shapes, one float type throughout,
/// then only epilogue steps, each the one user of the last; or none.
std::optional<Gemm> matchGemm(mlir::func::FuncOp kernel);

/// The binding `value` is (its kernel argument's position), or -1.
int64_t bindingPosition(mlir::Value value);

/// "f32", "f16", "bf16", or none for another type.
std::optional<std::string> floatTypeName(mlir::Type type);

/// Makes `kernel` what the host keeps of a kernel whose code is elsewhere (a
/// library call, a gpu.func built for it): a private declaration of its
/// bindings as memrefs, inputs then outputs.
void declareBindings(mlir::func::FuncOp kernel);

} // namespace kiln::cuda

#endif // KILN_LIB_BACKENDS_CUDA_GEMM_H
