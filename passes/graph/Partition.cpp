//===- Partition.cpp - graph-partition ------------------------------------===//
//
// The model graph with sharding annotations → the per-device program:
// check the annotations, propagate them (upstream sharding-propagation,
// forward then backward: backward alone would all-gather a data-parallel
// batch right after the first op), record the shardings the entry takes and
// returns, partition (upstream shard-partition). Weights sliced per device
// then have their weight-only users moved before the slice, so constant
// folding evaluates a transposed weight once instead of every run.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "dialects/graph/GraphSharding.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Shard/Transforms/Passes.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHPARTITION
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

/// The split axes of a literal sharding, as the attribute recorded on
/// entry arguments and results; null when it splits nothing.
FailureOr<Attribute> splitAxesOf(Value sharding, Location loc) {
  auto op = sharding.getDefiningOp<shard::ShardingOp>();
  if (!op)
    return emitError(loc, "expected a literal shard.sharding here");
  Builder builder(sharding.getContext());
  SmallVector<Attribute> dims;
  bool split = false;
  for (shard::GridAxesAttr axes : op.getSplitAxes().getAxes()) {
    dims.push_back(builder.getDenseI16ArrayAttr(axes.asArrayRef()));
    split |= !axes.empty();
  }
  if (!split)
    return Attribute();
  return Attribute(builder.getArrayAttr(dims));
}

/// Records on `function` the sharding each argument enters with and each
/// result leaves with, as propagation decided them.
LogicalResult recordShardings(func::FuncOp function) {
  // `set(axes)` for the split axes of `shardOp`'s sharding, when it splits.
  auto record = [](shard::ShardOp shardOp, auto set) {
    if (!shardOp)
      return success();
    FailureOr<Attribute> axes =
        splitAxesOf(shardOp.getSharding(), shardOp.getLoc());
    if (failed(axes))
      return failure();
    if (*axes)
      set(*axes);
    return success();
  };
  for (BlockArgument arg : function.getArguments()) {
    auto users =
        llvm::make_filter_range(arg.getUsers(), llvm::IsaPred<shard::ShardOp>);
    shard::ShardOp first =
        users.empty() ? nullptr : cast<shard::ShardOp>(*users.begin());
    if (failed(record(first, [&](Attribute axes) {
          function.setArgAttr(arg.getArgNumber(), kSplitAxesAttr, axes);
        })))
      return failure();
  }
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands()))
    if (failed(record(value.getDefiningOp<shard::ShardOp>(),
                      [&, index = index](Attribute axes) {
                        function.setResultAttr(index, kSplitAxesAttr, axes);
                      })))
      return failure();
  return success();
}

/// Gives every sharding one entry per dim of the tensor it annotates.
/// Upstream resharding compares shardings dim by dim only as far as both
/// list (llvm 22): from [[], [0]] to [[]] it finds nothing to unsplit and
/// crashes, where [[], []] is an all_gather.
void padShardings(func::FuncOp function) {
  function.walk([](shard::ShardOp shardOp) {
    auto sharding = shardOp.getSharding().getDefiningOp<shard::ShardingOp>();
    int64_t rank = cast<RankedTensorType>(shardOp.getType()).getRank();
    if (!sharding ||
        static_cast<int64_t>(sharding.getSplitAxes().size()) >= rank)
      return;
    SmallVector<shard::GridAxesAttr> axes(sharding.getSplitAxes().getAxes());
    while (static_cast<int64_t>(axes.size()) < rank)
      axes.push_back(shard::GridAxesAttr::get(shardOp.getContext(), {}));
    OpBuilder builder(shardOp);
    auto padded = shard::ShardingOp::create(
        builder, sharding.getLoc(), sharding.getGridAttr(), axes,
        sharding.getStaticHaloSizes(), sharding.getStaticShardedDimsOffsets());
    shardOp.getShardingMutable().assign(padded);
  });
}

/// Annotates each constant no sharding names as whole on every device, so
/// an op split across devices slices it (upstream leaves constants without
/// annotations whole, beside local operands).
void annotateConstants(func::FuncOp function, shard::GridOp grid) {
  for (ConstantOp constant : llvm::make_early_inc_range(
           function.getBody().front().getOps<ConstantOp>())) {
    auto type = cast<RankedTensorType>(constant.getType());
    if (type.getRank() == 0 ||
        llvm::any_of(constant->getUsers(), llvm::IsaPred<shard::ShardOp>))
      continue;
    OpBuilder builder(constant->getContext());
    builder.setInsertionPointAfter(constant);
    auto whole =
        shard::ShardingOp::create(builder, constant.getLoc(),
                                  FlatSymbolRefAttr::get(grid.getSymNameAttr()),
                                  ArrayRef<shard::GridAxesAttr>{});
    auto annotated =
        shard::ShardOp::create(builder, constant.getLoc(), constant, whole);
    constant.getResult().replaceAllUsesExcept(annotated, annotated);
  }
}

/// Whether `value` is a weight, or a slice of one.
bool isWeightSlice(Value value) {
  while (auto slice = value.getDefiningOp<shard::AllSliceOp>())
    value = slice.getInput();
  return value.getDefiningOp<ConstantOp>() != nullptr;
}

/// user(all_slice(w, axis)) → all_slice(user(w), axis') for a transpose
/// (axis' where the transpose puts `axis`) or an op applied per element
/// (axis' = axis). Returns whether it rewrote.
bool moveBeforeSlice(shard::AllSliceOp slice, Operation *user) {
  auto sliced = cast<RankedTensorType>(slice.getInput().getType());
  int64_t axis = slice.getSliceAxis().getSExtValue(), newAxis = axis;
  RankedTensorType wholeType;
  if (auto transpose = dyn_cast<TransposeOp>(user)) {
    ArrayRef<int64_t> perm = transpose.getPerm();
    SmallVector<int64_t> shape;
    for (auto [position, dim] : llvm::enumerate(perm)) {
      shape.push_back(sliced.getDimSize(dim));
      if (dim == axis)
        newAxis = position;
    }
    wholeType = sliced.clone(shape);
  } else if (user->getNumOperands() == 1 && user->getNumResults() == 1 &&
             isa<NegOp, AbsOp, ReluOp, ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp,
                 SigmoidOp, SiluOp, ErfOp, GeluOp, ClampOp, CastOp>(user)) {
    auto resultType = cast<RankedTensorType>(user->getResult(0).getType());
    wholeType = resultType.clone(sliced.getShape());
  } else {
    return false;
  }
  OpBuilder builder(user);
  Operation *whole = builder.clone(*user);
  whole->setOperand(0, slice.getInput());
  whole->getResult(0).setType(wholeType);
  auto moved = shard::AllSliceOp::create(
      builder, slice.getLoc(), user->getResult(0).getType(), slice.getGrid(),
      slice.getGridAxes(), whole->getResult(0), APInt(64, newAxis));
  user->getResult(0).replaceAllUsesWith(moved.getResult());
  user->erase();
  return true;
}

struct GraphPartition : kiln::impl::GraphPartitionBase<GraphPartition> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module.getOps<shard::GridOp>().empty())
      return;
    OpPassManager propagate("func.func");
    propagate.addPass(kiln::createGraphCheckSharding());
    shard::ShardingPropagationOptions order;
    order.traversal = shard::TraversalOrder::ForwardBackward;
    propagate.addPass(shard::createShardingPropagation(order));
    OpPassManager partition("func.func");
    partition.addPass(shard::createPartition());
    partition.addPass(createCanonicalizerPass());
    OpPassManager fold("func.func");
    fold.addPass(kiln::createGraphFoldConstants());
    fold.addPass(createCanonicalizerPass());
    // Users resharding one value alike share one collective.
    fold.addPass(createCSEPass());
    shard::GridOp grid = *module.getOps<shard::GridOp>().begin();
    for (func::FuncOp function :
         llvm::to_vector(module.getOps<func::FuncOp>())) {
      annotateConstants(function, grid);
      if (failed(runPipeline(propagate, function)) ||
          failed(recordShardings(function)))
        return signalPassFailure();
      padShardings(function);
      if (failed(runPipeline(partition, function)))
        return signalPassFailure();
      moveWeightOpsBeforeSlices(function);
      if (failed(runPipeline(fold, function)))
        return signalPassFailure();
    }
  }

  void moveWeightOpsBeforeSlices(func::FuncOp function) {
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<shard::AllSliceOp> slices;
      function.walk([&](shard::AllSliceOp slice) {
        if (isWeightSlice(slice.getInput()))
          slices.push_back(slice);
      });
      for (shard::AllSliceOp slice : slices)
        for (Operation *user : llvm::make_early_inc_range(slice->getUsers()))
          changed |= moveBeforeSlice(slice, user);
      for (shard::AllSliceOp slice : slices)
        if (slice->use_empty())
          slice->erase();
    }
  }
};

} // namespace
