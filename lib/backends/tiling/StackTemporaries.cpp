//===- StackTemporaries.cpp - kernel-stack-temporaries
//-----------------------===//

#include "lib/backends/tiling/TilingPasses.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

namespace kiln::tiling {
#define GEN_PASS_DEF_KERNELSTACKTEMPORARIES
#include "lib/backends/tiling/TilingPasses.h.inc"
} // namespace kiln::tiling

using namespace mlir;

namespace {

/// A constant upper bound of `size`. Value bounds give none for an
/// affine.max (tiling clamps a partial tile's size with one), but a max is
/// at most the largest of its results' bounds.
FailureOr<int64_t> upperBound(Value size) {
  FailureOr<int64_t> bound = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, size, /*stopCondition=*/nullptr,
      /*closedUB=*/true);
  if (succeeded(bound))
    return bound;
  auto max = size.getDefiningOp<affine::AffineMaxOp>();
  if (!max)
    return failure();
  int64_t largest = INT64_MIN;
  AffineMap map = max.getMap();
  for (unsigned result = 0; result < map.getNumResults(); ++result) {
    FailureOr<int64_t> part = ValueBoundsConstraintSet::computeConstantBound(
        presburger::BoundType::UB,
        ValueBoundsConstraintSet::Variable(map.getSubMap({result}),
                                           max.getOperands()),
        /*stopCondition=*/nullptr, /*closedUB=*/true);
    if (failed(part))
      return failure();
    largest = std::max(largest, *part);
  }
  return largest;
}

struct KernelStackTemporaries
    : kiln::tiling::impl::KernelStackTemporariesBase<KernelStackTemporaries> {
  using KernelStackTemporariesBase::KernelStackTemporariesBase;

  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>())
      if (!kernel.isExternal())
        moveToStack(kernel);
  }

  void moveToStack(func::FuncOp kernel) {
    SmallVector<memref::AllocOp> allocs;
    kernel.walk([&](memref::AllocOp alloc) {
      // In a loop, each iteration would need its own buffer (it may still
      // be live when the next one starts): left on the heap.
      if (!alloc->getParentOfType<LoopLikeOpInterface>())
        allocs.push_back(alloc);
    });
    OpBuilder builder(kernel.getContext());
    int64_t used = 0;
    for (memref::AllocOp alloc : allocs) {
      // A dynamic size (the last, partial tile of a loop) is bounded by a
      // constant: the stack buffer is that big, viewed at the real size.
      MemRefType type = alloc.getType();
      int64_t elements = 1;
      bool bounded = true;
      unsigned dynamic = 0;
      for (int64_t dim : type.getShape()) {
        if (!ShapedType::isDynamic(dim)) {
          elements *= dim;
          continue;
        }
        FailureOr<int64_t> bound =
            upperBound(alloc.getDynamicSizes()[dynamic++]);
        if (failed(bound) || *bound < 0) {
          bounded = false;
          break;
        }
        elements *= *bound;
      }
      if (!bounded || !type.getLayout().isIdentity() || type.getMemorySpace())
        continue;
      int64_t bytes = elements * kiln::graph::elementBytes(type);
      if (used + bytes > maxBytes)
        continue;
      used += bytes;
      // The kernel's entry block runs once per call, so a buffer allocated
      // there lives exactly as long as the heap one it replaces may. Sizes
      // are computed where the alloc was.
      // (Reset each time: the previous point may be an alloc now erased.)
      builder.setInsertionPointToStart(&kernel.getBody().front());
      Value buffer;
      if (type.hasStaticShape()) {
        buffer = memref::AllocaOp::create(builder, alloc.getLoc(), type,
                                          alloc.getAlignmentAttr());
      } else {
        auto bytesType = MemRefType::get({bytes}, builder.getI8Type());
        Value storage = memref::AllocaOp::create(
            builder, alloc.getLoc(), bytesType, alloc.getAlignmentAttr());
        OpBuilder here(alloc);
        Value zero = arith::ConstantIndexOp::create(here, alloc.getLoc(), 0);
        buffer = memref::ViewOp::create(here, alloc.getLoc(), type, storage,
                                        zero, alloc.getDynamicSizes());
      }
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      alloc.replaceAllUsesWith(buffer);
      alloc.erase();
    }
  }
};

} // namespace
