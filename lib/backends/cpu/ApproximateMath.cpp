//===- ApproximateMath.cpp - cpu-approximate-math -------------------------===//

#include "lib/backends/cpu/CpuPasses.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CPUAPPROXIMATEMATH
#include "lib/backends/cpu/CpuPasses.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

struct CpuApproximateMath
    : kiln::cpu::impl::CpuApproximateMathBase<CpuApproximateMath> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    // Rounding f32 to bf16 as integer ops: LLVM would call compiler-rt's
    // __truncsfbf2, which the kernels' library does not link.
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
