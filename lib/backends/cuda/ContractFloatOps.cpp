//===- ContractFloatOps.cpp - cuda-contract-float-ops ---------------------===//

#include "lib/backends/cuda/CudaPasses.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_CUDACONTRACTFLOATOPS
#include "lib/backends/cuda/CudaPasses.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

struct CudaContractFloatOps
    : kiln::cuda::impl::CudaContractFloatOpsBase<CudaContractFloatOps> {
  void runOnOperation() override {
    getOperation()->walk([](arith::ArithFastMathInterface op) {
      auto flags = op.getFastMathFlagsAttr();
      arith::FastMathFlags value =
          flags ? flags.getValue() : arith::FastMathFlags::none;
      op->setAttr(
          op.getFastMathAttrName(),
          arith::FastMathFlagsAttr::get(
              op->getContext(), value | arith::FastMathFlags::contract));
    });
  }
};

} // namespace
