//===- ReassociateReductions.cpp - cpu-reassociate-reductions -------------===//

#include "lib/backends/cpu/CpuPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CPUREASSOCIATEREDUCTIONS
#include "lib/backends/cpu/CpuPasses.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// The op that combines output `init` (a block argument) with a new value
/// into what is yielded for it, when it is one LLVM can reassociate.
arith::ArithFastMathInterface combiner(linalg::LinalgOp op, OpOperand &init) {
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  Value yielded =
      yield.getOperand(op.getIndexingMapIndex(&init) - op.getNumDpsInputs());
  Operation *combine = yielded.getDefiningOp();
  if (!isa_and_nonnull<arith::AddFOp, arith::MulFOp, arith::MaximumFOp,
                       arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp>(
          combine))
    return nullptr;
  BlockArgument output = op.getMatchingBlockArgument(&init);
  if (!llvm::is_contained(combine->getOperands(), output) ||
      !output.hasOneUse())
    return nullptr;
  return cast<arith::ArithFastMathInterface>(combine);
}

struct CpuReassociateReductions
    : kiln::cpu::impl::CpuReassociateReductionsBase<CpuReassociateReductions> {
  void runOnOperation() override {
    getOperation()->walk([](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() == 0 ||
          linalg::isaContractionOpInterface(op) ||
          linalg::isaConvolutionOpInterface(op))
        return;
      for (OpOperand &init : op.getDpsInitsMutable())
        if (arith::ArithFastMathInterface combine = combiner(op, init))
          combine->setAttr(
              combine.getFastMathAttrName(),
              arith::FastMathFlagsAttr::get(
                  op.getContext(), combine.getFastMathFlagsAttr().getValue() |
                                       arith::FastMathFlags::reassoc));
    });
  }
};

} // namespace
