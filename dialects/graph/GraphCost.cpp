//===- GraphCost.cpp - what graph ops cost --------------------------------===//

#include "dialects/graph/GraphCost.h"

#include "dialects/graph/GraphOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace kiln::graph {

namespace {
int64_t elements(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() ? type.getNumElements() : 0;
}
} // namespace

int64_t estimateFlops(Operation *op) {
  if (op->getNumResults() == 0)
    return 0;
  int64_t out = elements(op->getResult(0));
  return llvm::TypeSwitch<Operation *, int64_t>(op)
      .Case<MatmulOp, PanelMatmulOp>([&](auto matmul) {
        auto lhs = cast<RankedTensorType>(matmul.getLhs().getType());
        return 2 * out * lhs.getShape().back();
      })
      .Case<Conv2dOp, PanelConv2dOp>([&](auto conv) {
        // Per output element: C/groups x KH x KW multiply-adds (the filter
        // holds that many weights per output channel), plus the bias.
        auto filter = cast<RankedTensorType>(conv.getFilter().getType());
        int64_t outChannels =
            cast<RankedTensorType>(conv.getType()).getDimSize(1);
        int64_t taps = filter.getNumElements() / outChannels;
        return 2 * out * taps + (conv.getBias() ? out : 0);
      })
      .Case<MaxPool2dOp, AvgPool2dOp>([&](auto pool) {
        ArrayRef<int64_t> kernel = pool.getKernel();
        return out * kernel[0] * kernel[1];
      })
      // A reduction visits every input element once.
      .Case([&](ReduceOp reduce) { return elements(reduce.getInput()); })
      // max, subtract, exp, sum, divide (log-softmax alike).
      .Case<SoftmaxOp, LogSoftmaxOp>([&](auto) { return 5 * out; })
      // mean, centered square, variance, normalize, scale, shift.
      .Case([&](LayerNormOp) { return 8 * out; })
      // folded to one scale and one shift per element.
      .Case([&](BatchNormOp) { return 2 * out; })
      // Data movement computes nothing.
      .Case<ConstantOp, ArangeOp, ReshapeOp, TransposeOp, BroadcastToOp,
            ConcatOp, SliceOp, GatherOp, PadOp, CastOp>(
          [](Operation *) { return int64_t(0); })
      // Elementwise: one operation per result element.
      .Default([&](Operation *) { return out; });
}

LoopKind loopKind(Operation *op) {
  return llvm::TypeSwitch<Operation *, LoopKind>(op)
      .Case<ConstantOp, ReshapeOp>([](Operation *) { return LoopKind::Host; })
      .Case<MatmulOp, PanelMatmulOp, Conv2dOp, PanelConv2dOp>(
          [](Operation *) { return LoopKind::Contraction; })
      .Case<MaxPool2dOp, AvgPool2dOp>(
          [](Operation *) { return LoopKind::Window; })
      .Case<ReduceOp, SoftmaxOp, LogSoftmaxOp, LayerNormOp>(
          [](Operation *) { return LoopKind::Reduction; })
      .Case<TransposeOp, ConcatOp, SliceOp, GatherOp, PadOp, ArangeOp>(
          [](Operation *) { return LoopKind::DataMovement; })
      // Unary, binary, compare, select, cast, clamp, broadcast_to and
      // batch_norm (an affine map per channel).
      .Default([](Operation *) { return LoopKind::Elementwise; });
}

bool isKernelOp(Operation *op) {
  return isa<GraphDialect>(op->getDialect()) && !isa<DispatchOp, YieldOp>(op) &&
         loopKind(op) != LoopKind::Host;
}

bool isCheapToRecompute(Operation *op) {
  return loopKind(op) == LoopKind::Elementwise &&
         !isa<ExpOp, LogOp, TanhOp, SigmoidOp, SiluOp, ErfOp, GeluOp, PowOp>(
             op);
}

} // namespace kiln::graph
