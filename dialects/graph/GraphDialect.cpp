//===- GraphDialect.cpp - graph dialect registration ----------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace kiln::graph;

#include "dialects/graph/GraphDialect.cpp.inc"
#include "dialects/graph/GraphEnums.cpp.inc"

void GraphDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/graph/GraphOps.cpp.inc"
      >();
}

Operation *GraphDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

namespace {
/// An op whose results hold no elements computes nothing: its results
/// become empty constants, so no kernel is made for them (an empty slice, a
/// split's empty part).
struct EmptyResultsAreConstants : RewritePattern {
  EmptyResultsAreConstants(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<GraphDialect>(op->getDialect()) || isa<ConstantOp>(op) ||
        op->getNumRegions() != 0 || op->getNumResults() == 0 ||
        !isPure(op))
      return failure();
    SmallVector<Value> empties;
    for (Value result : op->getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type || !type.hasStaticShape() || type.getNumElements() != 0)
        return failure();
      empties.push_back(ConstantOp::create(
          rewriter, op->getLoc(),
          DenseElementsAttr::get(type, ArrayRef<Attribute>())));
    }
    rewriter.replaceOp(op, empties);
    return success();
  }
};
} // namespace

void GraphDialect::getCanonicalizationPatterns(
    RewritePatternSet &results) const {
  results.add<EmptyResultsAreConstants>(getContext());
}
