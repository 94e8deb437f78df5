//===- FoldBatchNorm.cpp - graph-fold-batch-norm --------------------------===//
//
// Inference batch norm after a convolution is an affine map per output
// channel, so it folds into the convolution's weight and bias:
//   s  = scale / sqrt(variance + epsilon)
//   W' = W * s (per output channel), b' = (b - mean) * s + beta.
// The pattern writes W' and b' as graph ops on the constants; evaluating them
// is graph-fold-constants' job, so this pass holds no arithmetic of its own.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHFOLDBATCHNORM
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

bool isConstant(Value value) {
  return value && value.getDefiningOp<ConstantOp>();
}

struct FoldIntoConvolution : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp norm,
                                PatternRewriter &rewriter) const override {
    auto conv = norm.getInput().getDefiningOp<Conv2dOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(norm,
                                         "input is not a conv2d used once");
    Value bias = conv.getBias();
    if (!isConstant(conv.getFilter()) || (bias && !isConstant(bias)) ||
        !isConstant(norm.getScale()) || !isConstant(norm.getBias()) ||
        !isConstant(norm.getMean()) || !isConstant(norm.getVariance()))
      return rewriter.notifyMatchFailure(norm, "parameters are not constant");

    Location loc = norm.getLoc();
    auto paramType = cast<RankedTensorType>(norm.getScale().getType());
    auto filterType = cast<RankedTensorType>(conv.getFilter().getType());
    if (paramType.getElementType() != filterType.getElementType())
      return rewriter.notifyMatchFailure(norm, "mixed element types");
    auto epsilon = ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(
            paramType, rewriter
                           .getFloatAttr(paramType.getElementType(),
                                         norm.getEpsilon().convertToDouble())
                           .getValue()));
    Value inverse = RsqrtOp::create(
        rewriter, loc,
        AddOp::create(rewriter, loc, norm.getVariance(), epsilon));
    Value perChannel = MulOp::create(rewriter, loc, norm.getScale(), inverse);
    // [O] -> [O, 1, 1, 1], broadcast over each output channel's filter.
    SmallVector<int64_t> column(filterType.getRank(), 1);
    column[0] = paramType.getDimSize(0);
    Value scaleColumn = ReshapeOp::create(
        rewriter, loc,
        RankedTensorType::get(column, paramType.getElementType()), perChannel);
    Value filter = MulOp::create(rewriter, loc, conv.getFilter(), scaleColumn);
    Value shifted =
        bias ? SubOp::create(rewriter, loc, bias, norm.getMean()).getResult()
             : NegOp::create(rewriter, loc, norm.getMean()).getResult();
    Value newBias = AddOp::create(
        rewriter, loc, MulOp::create(rewriter, loc, shifted, perChannel),
        norm.getBias());
    auto folded =
        Conv2dOp::create(rewriter, conv.getLoc(), conv.getInput(), filter,
                         newBias, conv.getStridesAttr(), conv.getPaddingAttr(),
                         conv.getDilationsAttr(), conv.getGroupsAttr());
    rewriter.replaceOp(norm, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct GraphFoldBatchNorm
    : kiln::impl::GraphFoldBatchNormBase<GraphFoldBatchNorm> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConvolution>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
