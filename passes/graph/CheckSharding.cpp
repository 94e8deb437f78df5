//===- CheckSharding.cpp - graph-check-sharding ---------------------------===//

#include "passes/Passes.h"

#include "dialects/graph/GraphSharding.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHCHECKSHARDING
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using kiln::graph::axisName;
using kiln::graph::describeTensor;

namespace {

/// "axis 'tp' of grid @mesh", "axes 'dp', 'tp' of grid @mesh".
std::string describeSplit(shard::GridOp grid, shard::GridAxesAttr axes) {
  std::string text = axes.size() == 1 ? "axis " : "axes ";
  for (auto [index, axis] : llvm::enumerate(axes.asArrayRef()))
    text += (index ? ", " : "") + axisName(grid, axis);
  return text + " of grid @" + grid.getSymName().str();
}

struct GraphCheckSharding
    : kiln::impl::GraphCheckShardingBase<GraphCheckSharding> {
  void runOnOperation() override {
    SymbolTableCollection symbols;
    WalkResult result = getOperation().walk([&](shard::ShardOp shard) {
      return failed(check(shard, symbols)) ? WalkResult::interrupt()
                                           : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  LogicalResult check(shard::ShardOp shard, SymbolTableCollection &symbols) {
    auto sharding = shard.getSharding().getDefiningOp<shard::ShardingOp>();
    if (!sharding)
      return success(); // Not a literal sharding: nothing to check here.
    shard::GridOp grid = shard::getGrid(sharding, symbols);
    if (!grid)
      return success(); // The sharding's own verifier reports it.
    auto type = cast<RankedTensorType>(shard.getSrc().getType());
    std::string tensor = describeTensor(shard.getSrc());
    ArrayRef<int64_t> gridShape = grid.getShape();
    auto splits = sharding.getSplitAxes().getAxes();
    if (static_cast<int64_t>(splits.size()) > type.getRank())
      return shard.emitOpError("the sharding of ")
             << tensor << " splits " << splits.size() << " dims; the tensor "
             << type << " has " << type.getRank();
    for (auto [dim, axes] : llvm::enumerate(splits)) {
      int64_t devices = 1;
      for (int16_t axis : cast<shard::GridAxesAttr>(axes).asArrayRef()) {
        if (axis < 0 || axis >= static_cast<int64_t>(gridShape.size()))
          return shard.emitOpError("the sharding of ")
                 << tensor << " splits dim " << dim << " along axis " << axis
                 << ", but grid @" << grid.getSymName() << " has "
                 << gridShape.size() << " axes";
        devices *= gridShape[axis];
      }
      int64_t size = type.getDimSize(dim);
      if (!ShapedType::isDynamic(size) && devices > 0 && size % devices != 0)
        return shard.emitOpError("cannot split dim ")
               << dim << " of " << tensor << " (size " << size << ") across "
               << describeSplit(grid, cast<shard::GridAxesAttr>(axes)) << " ("
               << devices << " devices): " << size << " is not a multiple of "
               << devices;
    }
    return success();
  }
};

} // namespace
