//===- FormDispatches.cpp - graph-form-dispatches -------------------------===//
//
// One dispatch region per compute op: the compile without fusion
// (kiln-compile --no-fusion), and the baseline fusion is measured against.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphCost.h"
#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHFORMDISPATCHES
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

struct GraphFormDispatches
    : kiln::impl::GraphFormDispatchesBase<GraphFormDispatches> {
  void runOnOperation() override {
    SmallVector<Operation *> compute;
    for (Operation &op : getOperation().getBody().getOps())
      if (isKernelOp(&op))
        compute.push_back(&op);
    for (Operation *op : compute)
      formDispatch(op);
  }
};

} // namespace
