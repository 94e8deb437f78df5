//===- ExpandIntegerPowers.cpp - gpu-expand-integer-powers ----------------===//

#include "lib/backends/gpu/GpuPasses.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_GPUEXPANDINTEGERPOWERS
#include "lib/backends/gpu/GpuPasses.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace {

struct ExpandIntegerPower : OpRewritePattern<math::IPowIOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::IPowIOp power,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<IntegerType>(power.getType());
    if (!type)
      return rewriter.notifyMatchFailure(power, "vectors are unrolled first");
    Location loc = power.getLoc();
    Value base = power.getLhs(), exponent = power.getRhs();
    auto constant = [&](int64_t value) -> Value {
      return arith::ConstantIntOp::create(rewriter, loc, type, value);
    };
    Value zero = constant(0), one = constant(1), minusOne = constant(-1);
    // b >= 0: result = product over the set bits i of b of a^(2^i).
    Value lower = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value upper =
        arith::ConstantIndexOp::create(rewriter, loc, type.getWidth());
    Value step = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, lower, upper, step, ValueRange{one, base, exponent},
        [&](OpBuilder &builder, Location loc, Value, ValueRange carried) {
          Value result = carried[0], square = carried[1], rest = carried[2];
          Value bit = arith::AndIOp::create(builder, loc, rest, one);
          Value set = arith::CmpIOp::create(
              builder, loc, arith::CmpIPredicate::ne, bit, zero);
          Value times = arith::MulIOp::create(builder, loc, result, square);
          Value next =
              arith::SelectOp::create(builder, loc, set, times, result);
          Value squared = arith::MulIOp::create(builder, loc, square, square);
          Value shifted = arith::ShRUIOp::create(builder, loc, rest, one);
          scf::YieldOp::create(builder, loc,
                               ValueRange{next, squared, shifted});
        });
    Value positive = loop.getResult(0);
    // b < 0: only 1 and -1 have integer reciprocals.
    Value odd = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ne,
        arith::AndIOp::create(rewriter, loc, exponent, one), zero);
    Value ofMinusOne =
        arith::SelectOp::create(rewriter, loc, odd, minusOne, one);
    Value isOne = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                        base, one);
    Value isMinusOne = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, base, minusOne);
    Value negative = arith::SelectOp::create(
        rewriter, loc, isOne, one,
        arith::SelectOp::create(rewriter, loc, isMinusOne, ofMinusOne, zero));
    Value isNegative = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::slt, exponent, zero);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(power, isNegative, negative,
                                                 positive);
    return success();
  }
};

struct GpuExpandIntegerPowers
    : kiln::gpu::impl::GpuExpandIntegerPowersBase<GpuExpandIntegerPowers> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandIntegerPower>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
