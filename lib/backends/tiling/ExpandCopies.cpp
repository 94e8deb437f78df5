//===- ExpandCopies.cpp - kernel-expand-copies
//-------------------------------===//

#include "lib/backends/tiling/TilingPasses.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::tiling {
#define GEN_PASS_DEF_KERNELEXPANDCOPIES
#include "lib/backends/tiling/TilingPasses.h.inc"
} // namespace kiln::tiling

using namespace mlir;

namespace {

struct KernelExpandCopies
    : kiln::tiling::impl::KernelExpandCopiesBase<KernelExpandCopies> {
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
