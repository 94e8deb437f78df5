//===- GraphSharding.cpp - graph ops under upstream shard -----------------===//
//
// A graph op's loops, for sharding, as linalg describes a structured op: one
// loop per independent index, each parallel or a reduction, and per operand
// and result the loops indexing its dims. Elementwise ops have a loop per
// result dim (operands indexed by the trailing loops, numpy broadcasting);
// matmul adds K as a sum; a reduction's reduced dims are sums, maxima or
// minima. Partitioning clones the op on local shapes; a reduction loop split
// across devices (K of a row-parallel matmul) adds an all_reduce of the
// partial results.
//
// Some loops must not be split: a softmax or layer norm axis, a sliced or
// concatenated dim, a dim a size-1 operand broadcasts along, a reshape's
// dims that merge or split. Such loops are marked, and the sharding an op
// takes never splits them (nor a loop whose extent the split does not
// divide): partitioning then reshards the operand (an all_gather) instead of
// computing a wrong local result. Convolutions and pools split only their
// batch dim. Ops without a model (arange, constants) are whole on every
// device; partitioning slices them where a split op needs it.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphSharding.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Shard/Interfaces/ShardingInterface.h"
#include "mlir/Dialect/Shard/Interfaces/ShardingInterfaceImpl.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

#include <numeric>

using namespace mlir;

namespace kiln::graph {
namespace {

using utils::IteratorType;

struct Loops {
  SmallVector<IteratorType> iterators;
  SmallVector<int64_t> extents;
  SmallVector<bool> splittable;
  SmallVector<shard::ReductionKind> kinds; // per reduction loop, in order
  /// Per operand, then per result: the loop indexing each dim.
  SmallVector<SmallVector<int64_t>> dims;

  int64_t add(int64_t extent, bool canSplit = true,
              IteratorType type = IteratorType::parallel) {
    iterators.push_back(type);
    extents.push_back(extent);
    splittable.push_back(canSplit);
    return iterators.size() - 1;
  }
  /// Loops 0..rank-1 for a result of shape `shape`.
  void addIdentity(ArrayRef<int64_t> shape) {
    for (int64_t size : shape)
      add(size);
  }
  SmallVector<int64_t> identity(int64_t rank) const {
    return llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  /// An operand of shape `shape` indexed by the trailing loops of `result`
  /// (loops 0..result.size()-1); a size-1 dim broadcast along a longer loop
  /// gets a loop of its own that is never split.
  SmallVector<int64_t> trailing(ArrayRef<int64_t> shape,
                                ArrayRef<int64_t> result) {
    SmallVector<int64_t> loops;
    int64_t offset = result.size() - shape.size();
    for (auto [dim, size] : llvm::enumerate(shape)) {
      int64_t loop = offset + dim;
      loops.push_back(size == result[loop] ? loop : add(size, false));
    }
    return loops;
  }
  SmallVector<AffineMap> maps(MLIRContext *context) const {
    SmallVector<AffineMap> maps;
    for (ArrayRef<int64_t> indices : dims) {
      SmallVector<AffineExpr> results;
      for (int64_t loop : indices)
        results.push_back(getAffineDimExpr(loop, context));
      maps.push_back(AffineMap::get(iterators.size(), 0, results, context));
    }
    return maps;
  }
};

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

/// Matmul: batch..., m, n (parallel), k (a sum). Operands with fewer batch
/// dims take the trailing ones.
void matmulLoops(MatmulOp op, Loops &loops) {
  ArrayRef<int64_t> result = shapeOf(op.getResult());
  int64_t rank = result.size(), batch = rank - 2;
  loops.addIdentity(result);
  int64_t k =
      loops.add(shapeOf(op.getLhs()).back(), true, IteratorType::reduction);
  loops.kinds.push_back(shard::ReductionKind::Sum);
  auto operand = [&](Value value, bool lhs) {
    ArrayRef<int64_t> shape = shapeOf(value);
    SmallVector<int64_t> indices = loops.trailing(
        shape.drop_back(2), ArrayRef<int64_t>(result).take_front(batch));
    indices.push_back(lhs ? batch : k);
    indices.push_back(lhs ? k : batch + 1);
    return indices;
  };
  loops.dims = {operand(op.getLhs(), true), operand(op.getRhs(), false),
                loops.identity(rank)};
}

/// Reduce: one loop per input dim, the reduced ones reductions; a kept dim
/// of size 1 has its own loop.
void reduceLoops(ReduceOp op, Loops &loops) {
  ArrayRef<int64_t> input = shapeOf(op.getInput());
  std::optional<shard::ReductionKind> kind;
  switch (op.getKind()) {
  case ReduceKind::sum:
    kind = shard::ReductionKind::Sum;
    break;
  case ReduceKind::max:
    kind = shard::ReductionKind::Max;
    break;
  case ReduceKind::min:
    kind = shard::ReductionKind::Min;
    break;
  default:
    break; // A mean or product of partial results is not their sum.
  }
  SmallVector<int64_t> resultDims;
  for (auto [dim, size] : llvm::enumerate(input)) {
    bool reduced = llvm::is_contained(op.getAxes(), int64_t(dim));
    if (!reduced) {
      loops.add(size);
      resultDims.push_back(dim);
      continue;
    }
    loops.add(size, kind.has_value(), IteratorType::reduction);
    loops.kinds.push_back(kind.value_or(shard::ReductionKind::Sum));
    if (op.getKeepdims())
      resultDims.push_back(-1);
  }
  for (int64_t &dim : resultDims)
    if (dim < 0)
      dim = loops.add(1, false);
  loops.dims = {loops.identity(input.size()), resultDims};
}

/// Reshape: input and result dims in groups of equal products; a group
/// shares one loop between its leading dims (splitting the leading dim of a
/// merge or split is the same row-major split on both sides), every other
/// dim of it has a loop of its own that is never split.
void reshapeLoops(ReshapeOp op, Loops &loops) {
  ArrayRef<int64_t> input = shapeOf(op.getInput());
  ArrayRef<int64_t> result = shapeOf(op.getResult());
  SmallVector<int64_t> inputDims, resultDims;
  size_t i = 0, r = 0;
  while (i < input.size() || r < result.size()) {
    // Size-1 dims on either side form groups of their own.
    if (i < input.size() && input[i] == 1 &&
        (r >= result.size() || result[r] != 1)) {
      inputDims.push_back(loops.add(1, false));
      ++i;
      continue;
    }
    if (r < result.size() && result[r] == 1 &&
        (i >= input.size() || input[i] != 1)) {
      resultDims.push_back(loops.add(1, false));
      ++r;
      continue;
    }
    if (i >= input.size() || r >= result.size())
      break; // Mismatched products: no shared loops.
    // Splitting both leading dims n ways is one row-major split when n
    // divides both.
    int64_t lead = loops.add(std::gcd(input[i], result[r]));
    inputDims.push_back(lead);
    resultDims.push_back(lead);
    int64_t inputProduct = input[i++], resultProduct = result[r++];
    while (inputProduct != resultProduct) {
      if (inputProduct < resultProduct && i < input.size()) {
        inputDims.push_back(loops.add(input[i], false));
        inputProduct *= input[i++];
      } else if (resultProduct < inputProduct && r < result.size()) {
        resultDims.push_back(loops.add(result[r], false));
        resultProduct *= result[r++];
      } else {
        loops.splittable[lead] = false; // Products that never meet.
        break;
      }
    }
  }
  while (inputDims.size() < input.size())
    inputDims.push_back(loops.add(input[inputDims.size()], false));
  while (resultDims.size() < result.size())
    resultDims.push_back(loops.add(result[resultDims.size()], false));
  loops.dims = {inputDims, resultDims};
}

Loops loopsOf(Operation *op) {
  Loops loops;
  ArrayRef<int64_t> result = shapeOf(op->getResult(0));
  int64_t rank = result.size();
  auto elementwise = [&] {
    loops.addIdentity(result);
    for (Value operand : op->getOperands())
      loops.dims.push_back(loops.trailing(shapeOf(operand), result));
    loops.dims.push_back(loops.identity(rank));
  };
  /// Loops per result dim; `keep(dim)` says whether input dim `dim` (of
  /// the first operand, the same rank) shares it and may be split. Other
  /// operands get loops of their own.
  auto perDim = [&](function_ref<bool(int64_t)> keep) {
    loops.addIdentity(result);
    for (auto [index, operand] : llvm::enumerate(op->getOperands())) {
      SmallVector<int64_t> indices;
      for (auto [dim, size] : llvm::enumerate(shapeOf(operand)))
        indices.push_back(index == 0 && keep(dim) ? int64_t(dim)
                                                  : loops.add(size, false));
      loops.dims.push_back(indices);
    }
    loops.dims.push_back(loops.identity(rank));
    for (int64_t dim = 0; dim < rank; ++dim)
      loops.splittable[dim] = keep(dim);
  };
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](MatmulOp matmul) { matmulLoops(matmul, loops); })
      .Case([&](ReduceOp reduce) { reduceLoops(reduce, loops); })
      .Case([&](ReshapeOp reshape) { reshapeLoops(reshape, loops); })
      .Case([&](TransposeOp transpose) {
        loops.addIdentity(result);
        SmallVector<int64_t> input(rank);
        for (auto [loop, dim] : llvm::enumerate(transpose.getPerm()))
          input[dim] = loop;
        loops.dims = {input, loops.identity(rank)};
      })
      .Case<SoftmaxOp, LogSoftmaxOp>([&](auto softmax) {
        elementwise();
        loops.splittable[softmax.getAxis()] = false;
      })
      .Case([&](LayerNormOp norm) {
        elementwise();
        for (int64_t dim = norm.getAxis(); dim < rank; ++dim)
          loops.splittable[dim] = false;
      })
      .Case([&](SliceOp slice) {
        ArrayRef<int64_t> input = shapeOf(slice.getInput());
        perDim([&](int64_t dim) {
          return slice.getStart()[dim] == 0 && slice.getStep()[dim] == 1 &&
                 slice.getLimit()[dim] == input[dim];
        });
      })
      .Case([&](ConcatOp concat) {
        loops.addIdentity(result);
        for (size_t i = 0; i < concat.getInputs().size(); ++i)
          loops.dims.push_back(loops.identity(rank));
        loops.dims.push_back(loops.identity(rank));
        loops.splittable[concat.getAxis()] = false;
      })
      .Case<Conv2dOp, MaxPool2dOp, AvgPool2dOp>(
          [&](auto) { perDim([](int64_t dim) { return dim == 0; }); })
      .Case([&](PadOp pad) {
        perDim([&](int64_t dim) {
          return pad.getLow()[dim] == 0 && pad.getHigh()[dim] == 0;
        });
      })
      .Case([&](BatchNormOp norm) {
        // Per element, its channel's parameters: [C] operands are indexed
        // by loop 1.
        loops.addIdentity(result);
        loops.dims.push_back(loops.identity(rank));
        for (size_t i = 1; i < norm->getNumOperands(); ++i)
          loops.dims.push_back({1});
        loops.dims.push_back(loops.identity(rank));
      })
      .Case([&](GatherOp gather) {
        // result = data[:axis] + indices.shape + data[axis + 1:]: each of
        // those dims a loop; the gathered data dim has its own, never split.
        int64_t axis = gather.getAxis();
        int64_t indexRank = shapeOf(gather.getIndices()).size();
        loops.addIdentity(result);
        SmallVector<int64_t> data;
        for (auto [dim, size] : llvm::enumerate(shapeOf(gather.getData()))) {
          int64_t d = dim;
          data.push_back(d < axis    ? d
                         : d == axis ? loops.add(size, false)
                                     : d - 1 + indexRank);
        }
        SmallVector<int64_t> indices;
        for (int64_t dim = 0; dim < indexRank; ++dim)
          indices.push_back(axis + dim);
        loops.dims = {data, indices, loops.identity(rank)};
      })
      .Default([&](Operation *) { elementwise(); });
  return loops;
}

template <typename Op>
struct GraphShardingModel
    : public shard::ShardingInterface::ExternalModel<GraphShardingModel<Op>,
                                                     Op> {
  SmallVector<IteratorType> getLoopIteratorTypes(Operation *op) const {
    return loopsOf(op).iterators;
  }
  SmallVector<shard::ReductionKind>
  getReductionLoopIteratorKinds(Operation *op) const {
    return loopsOf(op).kinds;
  }
  SmallVector<AffineMap> getIndexingMaps(Operation *op) const {
    return loopsOf(op).maps(op->getContext());
  }

  /// Upstream's choice from the neighbours' shardings, without splits of
  /// loops that must stay whole or that the split does not divide.
  FailureOr<shard::ShardingOption>
  getShardingOption(Operation *op, ArrayRef<shard::Sharding> operandShardings,
                    ArrayRef<shard::Sharding> resultShardings) const {
    FailureOr<shard::ShardingOption> option =
        shard::detail::defaultGetShardingOption(op, operandShardings,
                                                resultShardings);
    if (failed(option) || option->empty || !option->grid)
      return option;
    SymbolTableCollection symbols;
    shard::GridOp grid = shard::getGrid(op, option->grid, symbols);
    if (!grid)
      return option;
    Loops loops = loopsOf(op);
    for (auto [loop, axes] : llvm::enumerate(option->shardingArray)) {
      int64_t devices = 1;
      for (shard::GridAxis axis : axes)
        devices *= grid.getShape()[axis];
      if (loop >= loops.splittable.size() || !loops.splittable[loop] ||
          ShapedType::isDynamic(loops.extents[loop]) ||
          loops.extents[loop] % devices != 0)
        axes.clear();
    }
    return option;
  }

  LogicalResult partition(Operation *op, ArrayRef<Value> partitionedOperands,
                          ArrayRef<shard::Sharding> operandShardings,
                          ArrayRef<shard::Sharding> resultShardings,
                          IRMapping &partitionMap,
                          SymbolTableCollection &symbolTable,
                          OpBuilder &builder) const {
    Loops loops = loopsOf(op);
    SmallVector<AffineMap> maps = loops.maps(op->getContext());
    shard::ShardingArray axes = shard::getGridAxisAssignmentForLoopIterators(
        operandShardings, resultShardings, loops.iterators, maps);
    SmallVector<shard::GridAxis> reduced =
        shard::getReductionGridAxes(loops.iterators, axes);
    shard::partitionTriviallyShardableOperation(
        *op, partitionedOperands, operandShardings, resultShardings,
        partitionMap, symbolTable, builder);
    Value local = partitionMap.lookup(op->getResult(0));
    // A slice keeps whole the dims it may split: its limit is the local
    // size there.
    if (auto slice = local.getDefiningOp<SliceOp>()) {
      SmallVector<int64_t> limit(slice.getLimit());
      ArrayRef<int64_t> input = shapeOf(slice.getInput());
      for (size_t dim = 0; dim < limit.size(); ++dim)
        if (loops.splittable[dim])
          limit[dim] = input[dim];
      slice.setLimit(limit);
    }
    if (reduced.empty())
      return success();
    // Each device holds a partial result over its slice of the reduction.
    StringRef grid = resultShardings[0].getGrid();
    if (grid.empty())
      grid = operandShardings[0].getGrid();
    Value total = shard::AllReduceOp::create(builder, op->getLoc(), local, grid,
                                             reduced, loops.kinds[0]);
    partitionMap.map(op->getResult(0), total);
    return success();
  }
};

template <typename... Ops> void attach(MLIRContext *context) {
  (Ops::template attachInterface<GraphShardingModel<Ops>>(*context), ...);
}

} // namespace

std::string describeTensor(Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    auto function = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (function)
      if (auto name = function.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                            "exec.name"))
        return "'" + name.str() + "'";
    return "argument #" + std::to_string(arg.getArgNumber());
  }
  Operation *op = value.getDefiningOp();
  if (auto name = op->getAttrOfType<StringAttr>("exec.name"))
    return "'" + name.str() + "'";
  if (auto constant = dyn_cast<ConstantOp>(op))
    if (auto resource =
            dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
      return "'" + resource.getRawHandle().getKey().str() + "'";
  return "the result of '" + op->getName().getStringRef().str() + "'";
}

std::string axisName(shard::GridOp grid, int64_t axis) {
  if (auto names = grid->getAttrOfType<ArrayAttr>(kAxesAttr))
    if (axis < static_cast<int64_t>(names.size()))
      if (auto name = dyn_cast<StringAttr>(names[axis]))
        return "'" + name.str() + "'";
  return std::to_string(axis);
}

void registerGraphShardingInterfaces(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, GraphDialect *) {
    attach<MatmulOp, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, NegOp,
           AbsOp, ReluOp, ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp, SigmoidOp,
           SiluOp, ErfOp, GeluOp, ClampOp, CastOp, CompareOp, SelectOp,
           BroadcastToOp, ReduceOp, ReshapeOp, TransposeOp, SoftmaxOp,
           LogSoftmaxOp, LayerNormOp, SliceOp, ConcatOp, Conv2dOp, MaxPool2dOp,
           AvgPool2dOp, PadOp, BatchNormOp, GatherOp>(context);
  });
}

} // namespace kiln::graph
