//===- DistributeWorkgroups.cpp - kernel-distribute-workgroups
//---------------===//
//
// The runtime calls a kernel once per workgroup id, possibly concurrently.
// The kernel's top-level scf.forall (static bounds) has one iteration per
// workgroup; the id is delinearized into the forall's induction variables
// and the forall replaced by its body.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/tiling/TilingPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::tiling {
#define GEN_PASS_DEF_KERNELDISTRIBUTEWORKGROUPS
#include "lib/backends/tiling/TilingPasses.h.inc"
} // namespace kiln::tiling

using namespace mlir;

namespace {

/// A forall with static bounds: per dimension lower bound, step and trip
/// count.
struct StaticLoops {
  SmallVector<int64_t> lower, step, count;
};

std::optional<StaticLoops> staticLoops(scf::ForallOp forall) {
  std::optional<SmallVector<int64_t>> lower =
      getConstantIntValues(forall.getMixedLowerBound());
  std::optional<SmallVector<int64_t>> upper =
      getConstantIntValues(forall.getMixedUpperBound());
  std::optional<SmallVector<int64_t>> step =
      getConstantIntValues(forall.getMixedStep());
  if (!lower || !upper || !step)
    return std::nullopt;
  StaticLoops loops{*lower, *step, {}};
  for (auto [lo, hi, by] : llvm::zip(*lower, *upper, *step))
    loops.count.push_back(std::max<int64_t>(0, llvm::divideCeil(hi - lo, by)));
  return loops;
}

/// Whether ops outside the forall write memory other than their own private
/// allocations: the bindings are shared by all workgroups, so such writes
/// would race.
bool writesSharedMemory(func::FuncOp kernel, scf::ForallOp forall) {
  bool shared = false;
  kernel.walk([&](Operation *op) {
    if (forall->isAncestor(op) || shared)
      return;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return;
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      if (!isa<MemoryEffects::Write>(effect.getEffect()))
        continue;
      Value target = effect.getValue();
      // A write to a buffer this op (or an alloc before it) made is private.
      while (target && target.getDefiningOp<ViewLikeOpInterface>())
        target = target.getDefiningOp<ViewLikeOpInterface>().getViewSource();
      if (!target || isa<BlockArgument>(target))
        shared = true;
    }
  });
  return shared;
}

struct KernelDistributeWorkgroups
    : kiln::tiling::impl::KernelDistributeWorkgroupsBase<
          KernelDistributeWorkgroups> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder builder(module.getContext());
    SmallVector<NamedAttribute> grid;
    for (auto kernel : module.getOps<func::FuncOp>()) {
      if (kernel.isExternal())
        continue; // A backend's library call: no code of Kiln's.
      FailureOr<int64_t> count = distribute(kernel);
      if (failed(count))
        return signalPassFailure();
      grid.push_back(builder.getNamedAttr(kernel.getSymName(),
                                          builder.getI64IntegerAttr(*count)));
    }
    module->setAttr(kiln::exec::kWorkgroupsAttr,
                    builder.getDictionaryAttr(grid));
  }

  FailureOr<int64_t> distribute(func::FuncOp kernel) {
    Block &body = kernel.getBody().front();
    Value workgroup =
        body.addArgument(IndexType::get(&getContext()), kernel.getLoc());
    kernel.setFunctionType(
        FunctionType::get(&getContext(), body.getArgumentTypes(), {}));

    SmallVector<scf::ForallOp> foralls(body.getOps<scf::ForallOp>());
    if (foralls.empty())
      return 1;
    if (foralls.size() != 1)
      return kernel.emitOpError("has ")
             << foralls.size() << " workgroup loops; expected at most one";
    scf::ForallOp forall = foralls.front();
    IRRewriter rewriter(&getContext());
    std::optional<StaticLoops> loops = staticLoops(forall);
    if (!loops || writesSharedMemory(kernel, forall)) {
      // Not distributable: one workgroup runs every iteration in order.
      rewriter.setInsertionPoint(forall);
      if (failed(scf::forallToForLoop(rewriter, forall)))
        return forall.emitOpError("could not be turned into loops");
      return 1;
    }

    // Delinearize the workgroup id (last dimension fastest) into iteration
    // indices, then into induction variables lower + index * step.
    rewriter.setInsertionPoint(forall);
    Location loc = forall.getLoc();
    int64_t rank = loops->count.size();
    SmallVector<Value> ivs(rank);
    Value rest = workgroup;
    int64_t total = 1;
    for (int64_t dim = rank - 1; dim >= 0; --dim) {
      Value count =
          arith::ConstantIndexOp::create(rewriter, loc, loops->count[dim]);
      Value index =
          dim == 0
              ? rest
              : arith::RemUIOp::create(rewriter, loc, rest, count).getResult();
      if (dim > 0)
        rest = arith::DivUIOp::create(rewriter, loc, rest, count);
      ivs[dim] = arith::AddIOp::create(
          rewriter, loc,
          arith::ConstantIndexOp::create(rewriter, loc, loops->lower[dim]),
          arith::MulIOp::create(
              rewriter, loc, index,
              arith::ConstantIndexOp::create(rewriter, loc, loops->step[dim])));
      total *= loops->count[dim];
    }
    Block *loopBody = forall.getBody();
    rewriter.eraseOp(loopBody->getTerminator()); // empty scf.forall.in_parallel
    rewriter.inlineBlockBefore(loopBody, forall, ivs);
    rewriter.eraseOp(forall);
    return total;
  }
};

} // namespace
