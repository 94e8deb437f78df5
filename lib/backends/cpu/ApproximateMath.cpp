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
    // Rounding f32 to bf16 as integer ops, inline: LLVM would call
    // compiler-rt's __truncsfbf2 per element (the kernels' library links no
    // compiler-rt; cpu-link-kernels defines that function only for the
    // roundings LLVM introduces itself).
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
