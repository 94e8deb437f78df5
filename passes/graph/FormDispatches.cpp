//===- FormDispatches.cpp - graph-form-dispatches -------------------------===//
//
// One dispatch region per compute op. The region reads its operands as
// inputs, except splat constants, which are copied in so the kernel sees a
// scalar instead of a buffer.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHFORMDISPATCHES
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

/// Ops that stay on the host: data (constants) and views (reshapes).
bool staysOnHost(Operation *op) {
  return isa<ConstantOp, ReshapeOp, DispatchOp, YieldOp>(op);
}

bool isSplatConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  auto dense = constant ? dyn_cast<DenseElementsAttr>(constant.getValue())
                        : DenseElementsAttr();
  return dense && dense.isSplat();
}

void wrapInDispatch(Operation *op) {
  OpBuilder builder(op);
  llvm::SetVector<Value> inputs;
  for (Value operand : op->getOperands())
    if (!isSplatConstant(operand))
      inputs.insert(operand);
  auto dispatch = DispatchOp::create(
      builder, op->getLoc(), op->getResultTypes(), inputs.getArrayRef());
  Block *body = builder.createBlock(&dispatch.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  for (Value operand : op->getOperands())
    if (!mapping.contains(operand))
      mapping.map(operand,
                  builder.clone(*operand.getDefiningOp())->getResult(0));
  Operation *inner = builder.clone(*op, mapping);
  YieldOp::create(builder, op->getLoc(), inner->getResults());
  op->replaceAllUsesWith(dispatch.getResults());
  op->erase();
}

struct GraphFormDispatches
    : kiln::impl::GraphFormDispatchesBase<GraphFormDispatches> {
  void runOnOperation() override {
    SmallVector<Operation *> compute;
    for (Operation &op : getOperation().getBody().getOps())
      if (isa<GraphDialect>(op.getDialect()) && !staysOnHost(&op))
        compute.push_back(&op);
    for (Operation *op : compute)
      wrapInDispatch(op);
  }
};

} // namespace
