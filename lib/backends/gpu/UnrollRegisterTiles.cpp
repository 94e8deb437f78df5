//===- UnrollRegisterTiles.cpp - gpu-unroll-register-tiles ----------------===//
//
// A work item computing a register tile (kernel-tile-workgroups{work-items}
// gives a contraction's work item up to 4x4 outputs, its reductions
// outermost, an elementwise one four adjacent elements) loops over the
// tile's outputs. Fully unrolled, each output is one element stored at
// fixed indices in the reduction loop, which gpu-promote-accumulators then
// keeps in a register, the operand loads the outputs share become one
// (CSE), and four adjacent accesses one vector access
// (gpu-vectorize-accesses).
//
//===----------------------------------------------------------------------===//

#include "lib/backends/gpu/GpuPasses.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_GPUUNROLLREGISTERTILES
#include "lib/backends/gpu/GpuPasses.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace {

/// Whether `value` is computed, inside `loop`, from its induction variable.
bool dependsOnInduction(Value value, scf::ForOp loop, unsigned depth = 0) {
  if (value == loop.getInductionVar())
    return true;
  Operation *producer = value.getDefiningOp();
  if (!producer || depth == 16 || !loop->isAncestor(producer))
    return false;
  return llvm::any_of(producer->getOperands(), [&](Value operand) {
    return dependsOnInduction(operand, loop, depth + 1);
  });
}

/// The iterations of `loop` and the loops in it, when all have constant
/// trip counts.
std::optional<int64_t> nestIterations(scf::ForOp loop) {
  int64_t total = 1;
  bool constant = true;
  loop.walk([&](scf::ForOp inner) {
    std::optional<APInt> trips = inner.getStaticTripCount();
    if (!trips)
      constant = false;
    else
      total *= trips->getSExtValue();
  });
  if (!constant)
    return std::nullopt;
  return total;
}

/// Whether `loop` walks a register tile: each of its iterations stores
/// another element (a store's indices vary with it; a reduction loop's
/// store the same one), and it and the loops in it run at most
/// `maxIterations` times in all.
bool isRegisterTile(scf::ForOp loop, int64_t maxIterations) {
  std::optional<int64_t> iterations = nestIterations(loop);
  if (!iterations || *iterations > maxIterations)
    return false;
  return loop
      .walk([&](memref::StoreOp store) {
        return llvm::any_of(
                   store.getIndices(),
                   [&](Value index) { return dependsOnInduction(index, loop); })
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

struct GpuUnrollRegisterTiles
    : kiln::gpu::impl::GpuUnrollRegisterTilesBase<GpuUnrollRegisterTiles> {
  using GpuUnrollRegisterTilesBase::GpuUnrollRegisterTilesBase;

  void runOnOperation() override {
    // The outermost loop of each tile; its nest unrolls innermost first.
    SmallVector<scf::ForOp> tiles;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      if (!isRegisterTile(loop, maxIterations))
        return WalkResult::advance();
      tiles.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ForOp tile : tiles) {
      SmallVector<scf::ForOp> nest;
      tile.walk([&](scf::ForOp loop) { nest.push_back(loop); });
      for (scf::ForOp loop : nest)
        if (failed(loopUnrollFull(loop))) {
          loop.emitOpError("could not be unrolled as a register tile");
          return signalPassFailure();
        }
    }
  }
};

} // namespace
