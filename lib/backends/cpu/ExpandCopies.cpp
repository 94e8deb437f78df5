//===- ExpandCopies.cpp - cpu-expand-copies -------------------------------===//

#include "lib/backends/cpu/CpuPasses.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CPUEXPANDCOPIES
#include "lib/backends/cpu/CpuPasses.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

struct CpuExpandCopies : kiln::cpu::impl::CpuExpandCopiesBase<CpuExpandCopies> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](memref::CopyOp copy) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
  }
};

} // namespace
