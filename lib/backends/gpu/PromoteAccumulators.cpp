//===- PromoteAccumulators.cpp - gpu-promote-accumulators -----------------===//
//
// A GPU work item that sums into one element (a matmul's or convolution's
// output, a reduction's private partial) loads, combines and stores it at
// the same indices every iteration. The device compiler keeps each of those
// accesses, since it cannot tell the kernel's pointers apart; carried
// through the loop as a value, the sum lives in a register: one load before
// the loop, one store after it.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/gpu/GpuPasses.h"
#include "lib/backends/gpu/Indices.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_GPUPROMOTEACCUMULATORS
#include "lib/backends/gpu/GpuPasses.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace {

/// The buffer `memref` is a view of: a binding (a kernel argument), a
/// temporary, or null when it is neither (a select between temporaries).
Value rootOf(Value memref) {
  if (auto typed = dyn_cast<MemrefValue>(memref))
    memref = memref::skipViewLikeOps(typed);
  if (isa<BlockArgument>(memref) || memref.getDefiningOp<memref::AllocaOp>() ||
      memref.getDefiningOp<memref::AllocOp>())
    return memref;
  return nullptr;
}

/// Whether buffers with roots `a` and `b` may share bytes. Distinct
/// bindings never do (the runtime binds an output to no other binding's
/// bytes), nor do distinct temporaries; an unknown root may be anything.
bool mayAlias(Value a, Value b) { return !a || !b || a == b; }

/// Whether `loop` runs at least once. Only such loops carry a sum: a store
/// after a loop that might not run could write an element another work item
/// owns, and MLIR 22's SCF-to-SPIR-V conversion leaves the result of a loop
/// that does not run undefined instead of its initial value (fixed upstream
/// after 22 by llvm-project#206280).
bool runsOnce(scf::ForOp loop) {
  std::optional<APInt> trips = loop.getStaticTripCount();
  return trips && trips->getBoolValue();
}

/// Whether the elements at `a` and `b` of one buffer are provably apart: in
/// some dim the indices differ by a nonzero constant (the outputs of an
/// unrolled register tile).
bool apart(ValueRange a, ValueRange b) {
  return llvm::any_of(llvm::zip(a, b), [](auto pair) {
    auto [x, y] = pair;
    auto [xBase, xOffset] = kiln::gpu::splitOffset(x);
    auto [yBase, yOffset] = kiln::gpu::splitOffset(y);
    return xBase == yBase && xOffset != yOffset;
  });
}

/// An accumulator of `loop`: loads and a store of one element, directly in
/// the loop's body at indices fixed in the loop, which nothing else in the
/// loop may touch.
struct Accumulator {
  memref::StoreOp store;
  SmallVector<memref::LoadOp> loads;
};

/// Whether `op` or an op in it may read or write the element of `memref`
/// (whose buffer is `root`) at `indices`, other than the ops `skip` takes.
/// Elements of the same buffer at provably other indices do not count.
bool mayTouch(Operation *op, Value memref, ValueRange indices, Value root,
              llvm::function_ref<bool(Operation *)> skip) {
  WalkResult result = op->walk([&](Operation *inner) {
    if (skip(inner) || inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    auto load = dyn_cast<memref::LoadOp>(inner);
    auto store = dyn_cast<memref::StoreOp>(inner);
    if ((load && load.getMemRef() == memref &&
         apart(load.getIndices(), indices)) ||
        (store && store.getMemRef() == memref &&
         apart(store.getIndices(), indices)))
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
    if (!effects)
      return WalkResult::interrupt(); // Unknown: may touch anything.
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      if (!isa<MemoryEffects::Read, MemoryEffects::Write>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      if (!value || mayAlias(rootOf(value), root))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Whether anything in `loop` other than `accumulator`'s accesses may read
/// or write its element.
bool touchedElsewhere(scf::ForOp loop, const Accumulator &accumulator,
                      Value root) {
  memref::StoreOp store = accumulator.store;
  return llvm::any_of(*loop.getBody(), [&](Operation &op) {
    return mayTouch(&op, store.getMemRef(), store.getIndices(), root,
                    [&](Operation *inner) {
                      return inner == static_cast<Operation *>(store) ||
                             llvm::is_contained(accumulator.loads, inner);
                    });
  });
}

/// Straight-line code after a store of an element: a load of the element
/// takes the stored value, and a second store of it makes the first dead,
/// until an op that may touch the element otherwise. So a sum stored after
/// its loop reaches the epilogue that reads it in a register, and neither
/// the zero a sum starts from nor the sum itself is written when the
/// epilogue writes the element.
void forwardStores(Block &block) {
  // Only the store at hand is erased in its turn (loads are not listed).
  SmallVector<memref::StoreOp> stores(block.getOps<memref::StoreOp>());
  for (memref::StoreOp store : stores) {
    Value root = rootOf(store.getMemRef());
    // Workgroup memory (memref.alloc) is other work items' too: left alone.
    if (!root || root.getDefiningOp<memref::AllocOp>())
      continue;
    Value memref = store.getMemRef();
    SmallVector<Value> indices(store.getIndices());
    for (Operation *next = store->getNextNode(); next;) {
      Operation *following = next->getNextNode();
      auto load = dyn_cast<memref::LoadOp>(next);
      auto later = dyn_cast<memref::StoreOp>(next);
      if (load && load.getMemRef() == memref &&
          ValueRange(load.getIndices()) == ValueRange(indices)) {
        load.replaceAllUsesWith(store.getValueToStore());
        load.erase();
      } else if (later && later.getMemRef() == memref &&
                 ValueRange(later.getIndices()) == ValueRange(indices)) {
        store.erase();
        break;
      } else if (mayTouch(next, memref, indices, root,
                          [](Operation *) { return false; })) {
        break;
      }
      next = following;
    }
  }
}

std::optional<Accumulator> findAccumulator(scf::ForOp loop) {
  Block *body = loop.getBody();
  for (Operation &op : *body) {
    auto store = dyn_cast<memref::StoreOp>(op);
    if (!store || !loop.isDefinedOutsideOfLoop(store.getMemRef()) ||
        !llvm::all_of(store.getIndices(), [&](Value index) {
          return loop.isDefinedOutsideOfLoop(index);
        }))
      continue;
    Value root = rootOf(store.getMemRef());
    if (!root || !runsOnce(loop))
      continue;
    Accumulator accumulator{store, {}};
    for (Operation &before : *body) {
      if (&before == store.getOperation())
        break;
      auto load = dyn_cast<memref::LoadOp>(before);
      if (load && load.getMemRef() == store.getMemRef() &&
          load.getIndices() == store.getIndices())
        accumulator.loads.push_back(load);
    }
    if (!accumulator.loads.empty() &&
        !touchedElsewhere(loop, accumulator, root))
      return accumulator;
  }
  return std::nullopt;
}

/// Carries `accumulator` through `loop`; returns the new loop.
scf::ForOp promote(scf::ForOp loop, const Accumulator &accumulator,
                   RewriterBase &rewriter) {
  memref::StoreOp store = accumulator.store;
  Location loc = store.getLoc();
  rewriter.setInsertionPoint(loop);
  Value initial = memref::LoadOp::create(rewriter, loc, store.getMemRef(),
                                         store.getIndices());
  Value sum = store.getValueToStore();
  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        return SmallVector<Value>{sum};
      });
  // scf.for always takes more iteration arguments.
  auto promoted = cast<scf::ForOp>(replaced->getOperation());
  Value carried = promoted.getRegionIterArgs().back();
  for (memref::LoadOp load : accumulator.loads)
    rewriter.replaceOp(load, carried);
  rewriter.setInsertionPointAfter(promoted);
  memref::StoreOp::create(rewriter, loc, promoted.getResults().back(),
                          store.getMemRef(), store.getIndices());
  rewriter.eraseOp(store);
  return promoted;
}

struct GpuPromoteAccumulators
    : kiln::gpu::impl::GpuPromoteAccumulatorsBase<GpuPromoteAccumulators> {
  void runOnOperation() override {
    // Innermost loops first: once a convolution's innermost loop carries
    // its sum, the loop around it loads and stores that element directly.
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      // Indices computed in the loop from what is fixed in it (an unrolled
      // register tile's outputs) are fixed too: hoisted, they are seen so.
      moveLoopInvariantCode(loop);
      while (std::optional<Accumulator> accumulator = findAccumulator(loop))
        loop = promote(loop, *accumulator, rewriter);
    }
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks)
      forwardStores(*block);
  }
};

} // namespace
