//===- GraphSharding.cpp - graph ops under upstream shard -----------------===//
//
// A graph op's loops, for sharding: elementwise ops have one parallel loop
// per result dim, each operand indexed by the trailing loops (numpy
// broadcasting of lower-rank operands); matmul has its batch, M and N loops
// parallel and K a sum. Partitioning clones the op on local shapes; a matmul
// whose K is split across devices adds an all_reduce of its partial sums.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphSharding.h"

#include "dialects/graph/GraphCost.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Shard/Interfaces/ShardingInterface.h"
#include "mlir/Dialect/Shard/Interfaces/ShardingInterfaceImpl.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;

namespace kiln::graph {
namespace {

struct Loops {
  SmallVector<utils::IteratorType> iterators;
  SmallVector<AffineMap> maps; // operands, then results
};

/// The operand of rank `rank` indexed by the last `rank` of `loops` loops.
AffineMap trailing(int64_t loops, int64_t rank, MLIRContext *context) {
  SmallVector<AffineExpr> results;
  for (int64_t dim = loops - rank; dim < loops; ++dim)
    results.push_back(getAffineDimExpr(dim, context));
  return AffineMap::get(loops, 0, results, context);
}

Loops loopsOf(Operation *op) {
  MLIRContext *context = op->getContext();
  Loops loops;
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t rank = result.getRank();
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    // Loops: batch..., m, n, k.
    int64_t batch = rank - 2, count = rank + 1;
    loops.iterators.assign(rank, utils::IteratorType::parallel);
    loops.iterators.push_back(utils::IteratorType::reduction);
    auto operand = [&](Value value, bool lhs) {
      int64_t operandRank = cast<RankedTensorType>(value.getType()).getRank();
      SmallVector<AffineExpr> results;
      for (int64_t dim = batch - (operandRank - 2); dim < batch; ++dim)
        results.push_back(getAffineDimExpr(dim, context));
      AffineExpr m = getAffineDimExpr(batch, context),
                 n = getAffineDimExpr(batch + 1, context),
                 k = getAffineDimExpr(batch + 2, context);
      results.push_back(lhs ? m : k);
      results.push_back(lhs ? k : n);
      return AffineMap::get(count, 0, results, context);
    };
    loops.maps = {
        operand(matmul.getLhs(), true), operand(matmul.getRhs(), false),
        AffineMap::getMultiDimIdentityMap(count, context).getMajorSubMap(rank)};
    return loops;
  }
  loops.iterators.assign(rank, utils::IteratorType::parallel);
  for (Value operand : op->getOperands())
    loops.maps.push_back(trailing(
        rank, cast<RankedTensorType>(operand.getType()).getRank(), context));
  loops.maps.push_back(AffineMap::getMultiDimIdentityMap(rank, context));
  return loops;
}

template <typename Op>
struct GraphShardingModel
    : public shard::ShardingInterface::ExternalModel<GraphShardingModel<Op>,
                                                     Op> {
  SmallVector<utils::IteratorType> getLoopIteratorTypes(Operation *op) const {
    return loopsOf(op).iterators;
  }
  SmallVector<shard::ReductionKind>
  getReductionLoopIteratorKinds(Operation *op) const {
    Loops loops = loopsOf(op);
    return SmallVector<shard::ReductionKind>(
        llvm::count(loops.iterators, utils::IteratorType::reduction),
        shard::ReductionKind::Sum);
  }
  SmallVector<AffineMap> getIndexingMaps(Operation *op) const {
    return loopsOf(op).maps;
  }
  LogicalResult partition(Operation *op, ArrayRef<Value> partitionedOperands,
                          ArrayRef<shard::Sharding> operandShardings,
                          ArrayRef<shard::Sharding> resultShardings,
                          IRMapping &partitionMap,
                          SymbolTableCollection &symbolTable,
                          OpBuilder &builder) const {
    Loops loops = loopsOf(op);
    shard::ShardingArray axes = shard::getGridAxisAssignmentForLoopIterators(
        operandShardings, resultShardings, loops.iterators, loops.maps);
    SmallVector<shard::GridAxis> reduced =
        shard::getReductionGridAxes(loops.iterators, axes);
    shard::partitionTriviallyShardableOperation(
        *op, partitionedOperands, operandShardings, resultShardings,
        partitionMap, symbolTable, builder);
    if (reduced.empty())
      return success();
    // Each device holds a partial sum over its slice of K.
    Value partial = partitionMap.lookup(op->getResult(0));
    StringRef grid = resultShardings[0].getGrid();
    if (grid.empty())
      grid = operandShardings[0].getGrid();
    Value total =
        shard::AllReduceOp::create(builder, op->getLoc(), partial, grid,
                                   reduced, shard::ReductionKind::Sum);
    partitionMap.map(op->getResult(0), total);
    return success();
  }
};

template <typename... Ops> void attach(MLIRContext *context) {
  (Ops::template attachInterface<GraphShardingModel<Ops>>(*context), ...);
}

} // namespace

void registerGraphShardingInterfaces(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, GraphDialect *) {
    attach<MatmulOp, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, NegOp,
           AbsOp, ReluOp, ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp, SigmoidOp,
           SiluOp, ErfOp, GeluOp, ClampOp, CastOp>(context);
  });
}

} // namespace kiln::graph
