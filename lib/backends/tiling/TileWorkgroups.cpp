//===- TileWorkgroups.cpp - kernel-tile-workgroups ------------------------===//
//
// Kernels arrive as functions from tensors to tensors. The runtime hands a
// kernel buffers (its bindings), so each kernel is rewritten to read its
// inputs from buffer arguments and materialize its results into output
// buffer arguments; one-shot bufferization later makes the computation write
// the outputs in place. The op producing the result is then tiled with an
// scf.forall whose iterations become workgroups.
//
// A fused kernel (several graph ops) is first made one loop nest per heavy
// op: elementwise generics merge into their consumers, and an elementwise
// epilogue of a contraction updates the contraction's result in place, so
// the kernel writes its output once, tile by tile.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/tiling/TilingPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

namespace kiln::tiling {
#define GEN_PASS_DEF_KERNELTILEWORKGROUPS
#include "lib/backends/tiling/TilingPasses.h.inc"
} // namespace kiln::tiling

using namespace mlir;

namespace {

MemRefType bufferType(Type tensor) {
  auto type = cast<RankedTensorType>(tensor);
  return MemRefType::get(type.getShape(), type.getElementType());
}

/// (tensors...) -> (tensors...) becomes (input buffers..., output buffers...).
void bindBuffers(func::FuncOp kernel) {
  OpBuilder builder(kernel.getContext());
  Block &body = kernel.getBody().front();
  FunctionType type = kernel.getFunctionType();
  unsigned numInputs = type.getNumInputs();
  SmallVector<Type> bindings;
  for (Type input : type.getInputs())
    bindings.push_back(bufferType(input));
  for (Type result : type.getResults())
    bindings.push_back(bufferType(result));

  builder.setInsertionPointToStart(&body);
  for (unsigned i = 0; i < numInputs; ++i) {
    BlockArgument tensorArg = body.getArgument(i);
    Value buffer = body.addArgument(bindings[i], tensorArg.getLoc());
    // restrict: no other tensor reads this buffer's bytes.
    auto read = bufferization::ToTensorOp::create(
        builder, tensorArg.getLoc(), tensorArg.getType(), buffer,
        /*restrict=*/true, /*writable=*/false);
    tensorArg.replaceAllUsesWith(read.getResult());
  }
  SmallVector<Value> outputs;
  for (unsigned i = numInputs; i < bindings.size(); ++i)
    outputs.push_back(body.addArgument(bindings[i], kernel.getLoc()));
  body.eraseArguments(0, numInputs);

  auto ret = cast<func::ReturnOp>(body.getTerminator());
  builder.setInsertionPoint(ret);
  for (auto [value, output] : llvm::zip(ret.getOperands(), outputs)) {
    // A result reshaped at the end (a grouped convolution's groups merged)
    // is stored in its own shape into a view of the output, so it is
    // written in place instead of copied.
    Value stored = value, destination = output;
    while (true) {
      Location loc = ret.getLoc();
      if (auto collapse = stored.getDefiningOp<tensor::CollapseShapeOp>()) {
        destination = memref::ExpandShapeOp::create(
            builder, loc, bufferType(collapse.getSrcType()), destination,
            collapse.getReassociationIndices());
        stored = collapse.getSrc();
      } else if (auto expand = stored.getDefiningOp<tensor::ExpandShapeOp>()) {
        destination = memref::CollapseShapeOp::create(
            builder, loc, destination, expand.getReassociationIndices());
        stored = expand.getSrc();
      } else {
        break;
      }
    }
    auto store = bufferization::MaterializeInDestinationOp::create(
        builder, ret.getLoc(), TypeRange{}, stored, destination);
    store.setRestrict(true);
    store.setWritable(true);
  }
  ret->setOperands({});
  kernel.setFunctionType(builder.getFunctionType(bindings, {}));
}

/// The op computing a kernel's (single) result. bindBuffers stores a result
/// past its trailing reshapes, so this is the store's source's producer.
TilingInterface findRoot(func::FuncOp kernel) {
  SmallVector<bufferization::MaterializeInDestinationOp> stores(
      kernel.getOps<bufferization::MaterializeInDestinationOp>());
  if (stores.size() != 1)
    return nullptr;
  Operation *producer = stores.front().getSource().getDefiningOp();
  return dyn_cast_or_null<TilingInterface>(producer);
}

/// What splitting a loop of the root across workgroups costs beyond the
/// split itself, cheapest first. Loops are split in this order.
enum class SplitCost {
  /// Nothing is recomputed.
  None,
  /// Every tile pads all of an input that does not vary along the loop
  /// (a convolution's input along its output channels): a copy per tile.
  Copy,
  /// The innermost loop of a CPU kernel that reduces (a matmul's columns):
  /// its tiles stream their operands along it and the micro-kernels
  /// vectorize it, so it splits only into whole 64-byte lines.
  Lines,
  /// The innermost loop: LLVM vectorizes it, so it stays whole if it can.
  Innermost,
  /// Every tile would recompute a reduction or contraction that does not
  /// vary along the loop (softmax's row maximum along the row): never split.
  Work,
};

/// The cost of recomputing `value` per tile: a pad (a copy) or work (any
/// linalg op), seen through reshapes; None when it is read from a binding.
SplitCost recomputeCost(Value value) {
  while (Operation *producer = value.getDefiningOp()) {
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(producer)) {
      value = producer->getOperand(0);
      continue;
    }
    if (isa<tensor::PadOp>(producer))
      return SplitCost::Copy;
    return isa<linalg::LinalgOp>(producer) ? SplitCost::Work : SplitCost::None;
  }
  return SplitCost::None;
}

/// Bytes of a tensor of static shape (0 for a dynamic one).
int64_t staticBytes(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  if (!tensor.hasStaticShape())
    return 0;
  return tensor.getNumElements() *
         llvm::divideCeil(tensor.getElementTypeBitWidth(), 8);
}

/// Calls `block(loop, size)` for each `loop floordiv size` and `loop mod
/// size` in `map`: an operand stored in blocks along that loop (a packed
/// weight's column panels); `other()` for any other floordiv or mod.
void forEachBlock(AffineMap map,
                  llvm::function_ref<void(unsigned, int64_t)> block,
                  llvm::function_ref<void()> other) {
  for (AffineExpr result : map.getResults())
    result.walk([&](AffineExpr expr) {
      auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
      if (!binary || (binary.getKind() != AffineExprKind::FloorDiv &&
                      binary.getKind() != AffineExprKind::Mod))
        return;
      auto loop = dyn_cast<AffineDimExpr>(binary.getLHS());
      auto size = dyn_cast<AffineConstantExpr>(binary.getRHS());
      if (loop && size && size.getValue() > 0)
        block(loop.getPosition(), size.getValue());
      else
        other();
    });
}

/// Whether `op` reads or writes an operand stored in blocks.
bool hasBlockedOperand(linalg::LinalgOp op) {
  bool blocked = false;
  for (AffineMap map : op.getIndexingMapsArray())
    forEachBlock(
        map, [&](unsigned, int64_t) { blocked = true; },
        [&] { blocked = true; });
  return blocked;
}

/// The sizes a tile of each root loop must be a multiple of, so that no
/// tile starts or ends inside a block of an operand stored in blocks
/// (`granules`); `blockedOps` are the ops whose blocks were seen, and
/// `unmapped` says one of them was along a loop the root does not have. A
/// tile straddling a block would slice it wrongly.
struct Granules {
  SmallVector<int64_t> granules;
  llvm::SmallPtrSet<Operation *, 4> blockedOps;
  bool unmapped = false;
};

/// Raises the split cost of the root's loops along which `op` (the root, or
/// a producer it reads element for element; `rootLoop` maps op's loops to
/// the root's, -1 where none) reads a value the kernel computes without
/// varying: every tile would compute all of that value. `replicated` adds
/// up, per root loop, the bytes of the operands that do not vary along it:
/// every tile along that loop reads all of them. Blocks of operands stored
/// in blocks go into `granules`.
void addRecomputeCosts(linalg::LinalgOp op, ArrayRef<int64_t> rootLoop,
                       SmallVector<SplitCost> &costs,
                       SmallVector<int64_t> &replicated, Granules &granules,
                       unsigned depth = 0) {
  for (OpOperand &operand : op->getOpOperands()) {
    Value value = operand.get();
    if (!isa<RankedTensorType>(value.getType()))
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    forEachBlock(
        map,
        [&](unsigned loop, int64_t size) {
          granules.blockedOps.insert(op);
          if (rootLoop[loop] < 0) {
            granules.unmapped = true;
            return;
          }
          int64_t &granule = granules.granules[rootLoop[loop]];
          granule = std::lcm(granule, size);
        },
        [&] { granules.unmapped = true; });
    if (op.isDpsInput(&operand))
      for (unsigned loop = 0; loop < map.getNumDims(); ++loop)
        if (!map.isFunctionOfDim(loop) && rootLoop[loop] >= 0)
          replicated[rootLoop[loop]] += staticBytes(value.getType());
    SplitCost cost = recomputeCost(value);
    if (cost == SplitCost::None)
      continue;
    for (unsigned loop = 0; loop < map.getNumDims(); ++loop)
      if (!map.isFunctionOfDim(loop) && rootLoop[loop] >= 0)
        costs[rootLoop[loop]] = std::max(costs[rootLoop[loop]], cost);
    // A producer's loops map to the root's where the root reads its result
    // along a loop (a dim of the map that is one loop; a window's rows are
    // not), through a padding too (which keeps dims in place): its reads
    // count too, and its blocks (a panel convolution under a pooling
    // window) are along root loops.
    if (auto pad = value.getDefiningOp<tensor::PadOp>())
      value = pad.getSource();
    auto producer = value.getDefiningOp<linalg::LinalgOp>();
    if (!producer || depth == 8)
      continue;
    AffineMap written =
        producer.getIndexingMapMatchingResult(cast<OpResult>(value));
    if (!written.isProjectedPermutation() ||
        written.getNumResults() != map.getNumResults())
      continue;
    SmallVector<int64_t> producerRootLoop(producer.getNumLoops(), -1);
    for (unsigned result = 0; result < map.getNumResults(); ++result)
      if (auto dim = dyn_cast<AffineDimExpr>(map.getResult(result)))
        producerRootLoop[written.getDimPosition(result)] =
            rootLoop[dim.getPosition()];
    addRecomputeCosts(producer, producerRootLoop, costs, replicated, granules,
                      depth + 1);
  }
}

/// Whether some linalg op in `kernel` satisfies `predicate`.
bool anyLinalgOp(Operation *kernel,
                 llvm::function_ref<bool(linalg::LinalgOp)> predicate) {
  return kernel
      ->walk([&](linalg::LinalgOp op) {
        return predicate(op) ? WalkResult::interrupt() : WalkResult::advance();
      })
      .wasInterrupted();
}

bool hasReductionLoops(linalg::LinalgOp op) {
  return op.getNumReductionLoops() > 0;
}

/// A contraction or a convolution (pooling too).
bool contractsOrConvolves(linalg::LinalgOp op) {
  return linalg::isaContractionOpInterface(op) ||
         linalg::isaConvolutionOpInterface(op);
}

/// The split cost of each of the root's loops, and the bytes every tile
/// along each reads whole (`replicated`). `workItems`: the tiles are GPU
/// work items, which run side by side, so no loop is kept whole for a tile
/// to stream along it.
SmallVector<SplitCost> splitCosts(TilingInterface root, bool workItems,
                                  SmallVector<int64_t> &replicated,
                                  Granules &granules) {
  SmallVector<utils::IteratorType> iterators = root.getLoopIteratorTypes();
  SmallVector<SplitCost> costs(iterators.size(), SplitCost::None);
  replicated.assign(iterators.size(), 0);
  granules.granules.assign(iterators.size(), 1);
  // In a kernel that reduces (a matmul, a convolution), each CPU tile
  // streams its operands along the innermost loop, which the micro-kernels
  // vectorize: it splits into whole lines only, weighed like the other
  // loops by what its tiles re-read (a matmul of few rows splits its
  // columns, so B is read once, not once per band of rows).
  bool reduces =
      !workItems && anyLinalgOp(root->getParentOp(), hasReductionLoops);
  int64_t parallel = llvm::count(iterators, utils::IteratorType::parallel);
  for (int64_t loop = costs.size() - 1; loop >= 0; --loop)
    if (iterators[loop] == utils::IteratorType::parallel) {
      costs[loop] =
          reduces && parallel > 1 ? SplitCost::Lines : SplitCost::Innermost;
      break;
    }
  if (auto linalgRoot = dyn_cast<linalg::LinalgOp>(root.getOperation()))
    addRecomputeCosts(linalgRoot,
                      llvm::to_vector(llvm::seq<int64_t>(0, costs.size())),
                      costs, replicated, granules);
  return costs;
}

/// Tile sizes splitting the outer parallel loops of `root` into at most
/// `maxTiles` tiles of at least `minIterations` iterations each; 0 leaves a
/// loop untiled.
SmallVector<int64_t> chooseTileSizes(TilingInterface root, OpBuilder &builder,
                                     int64_t maxTiles, int64_t minIterations,
                                     bool workItems) {
  SmallVector<Range> domain = root.getIterationDomain(builder);
  SmallVector<utils::IteratorType> iterators = root.getLoopIteratorTypes();
  SmallVector<int64_t> sizes(domain.size(), 0);
  for (Range range : domain)
    if (!getConstantIntValue(range.size))
      return sizes;
  // The work is the kernel's largest loop nest: a fused matmul's or
  // convolution's, not its epilogue's (the root).
  int64_t total = 1;
  root->getParentOp()->walk([&](linalg::LinalgOp op) {
    int64_t iterations = 1;
    for (int64_t range : op.getStaticLoopRanges())
      iterations *= ShapedType::isDynamic(range) ? 1 : range;
    total = std::max(total, iterations);
  });
  int64_t budget =
      std::max<int64_t>(1, std::min(maxTiles, total / minIterations));
  // Only the outer parallel loops split (inner ones stay in the tile), the
  // cheapest first, outer before inner at equal cost.
  SmallVector<int64_t> replicated;
  Granules blocks;
  SmallVector<SplitCost> costs =
      splitCosts(root, workItems, replicated, blocks);
  // Blocks that could not be traced to the root's loops: one workgroup,
  // rather than tiles that might cut a block.
  if (blocks.unmapped ||
      anyLinalgOp(root->getParentOp(), [&](linalg::LinalgOp op) {
        return hasBlockedOperand(op) && !blocks.blockedOps.contains(op);
      }))
    return sizes;
  SmallVector<int64_t> order;
  for (auto [dim, type] : llvm::enumerate(iterators)) {
    if (type != utils::IteratorType::parallel)
      break;
    // GPU work items split loops into single iterations: not along blocks.
    if (costs[dim] != SplitCost::Work &&
        !(workItems && blocks.granules[dim] > 1))
      order.push_back(dim);
  }
  auto extentOf = [&](int64_t dim) {
    return *getConstantIntValue(domain[dim].size);
  };
  if (workItems) {
    llvm::sort(order, [&](int64_t a, int64_t b) {
      return std::make_pair(costs[a], a) < std::make_pair(costs[b], b);
    });
    int64_t tiles = 1;
    for (int64_t dim : order) {
      int64_t extent = extentOf(dim);
      int64_t remaining = budget / tiles;
      if (remaining <= 1)
        break;
      int64_t count = std::min(extent, remaining);
      sizes[dim] = llvm::divideCeil(extent, count);
      tiles *= llvm::divideCeil(extent, sizes[dim]);
    }
    return sizes;
  }
  // A CPU tile reads whole the operands that do not vary along its split
  // loops (a padded copy is such a read): the tile counts double, one loop
  // at a time, along the loop whose doubling re-reads the fewest bytes,
  // until the budget is spent. A convolution with a small filter splits
  // mostly its rows, one with a filter larger than its image (ResNet's last
  // layers: 9 MiB against 160 KiB) its channels, one in between both. Loops
  // that cost more than that (the innermost) split only after all others.
  SmallVector<int64_t> counts(sizes.size(), 1);
  int64_t tiles = 1;
  auto category = [&](int64_t dim) {
    return costs[dim] == SplitCost::Copy || costs[dim] == SplitCost::Lines
               ? SplitCost::None
               : costs[dim];
  };
  // Tiles of a loop split into lines are whole 64-byte lines.
  Type element = getElementTypeOrSelf(root->getResult(0).getType());
  int64_t lineElements =
      element.isIntOrFloat()
          ? std::max<int64_t>(
                1, 512 / std::max<int64_t>(8, element.getIntOrFloatBitWidth()))
          : 1;
  // Tiles along blocks hold whole blocks.
  SmallVector<int64_t> granules = blocks.granules;
  for (auto [dim, granule] : llvm::enumerate(granules))
    if (costs[dim] == SplitCost::Lines)
      granule = std::lcm(granule, lineElements);
  auto canSplit = [&](int64_t dim, int64_t count) {
    return count <= extentOf(dim) &&
           (granules[dim] == 1 || extentOf(dim) % (count * granules[dim]) == 0);
  };
  for (SplitCost level : {SplitCost::None, SplitCost::Innermost}) {
    while (tiles < budget) {
      std::optional<int64_t> best;
      for (int64_t dim : order)
        if (category(dim) == level && canSplit(dim, 2 * counts[dim]) &&
            (!best ||
             replicated[dim] * counts[dim] < replicated[*best] * counts[*best]))
          best = dim;
      if (!best)
        break;
      int64_t others = tiles / counts[*best];
      int64_t count =
          std::min({2 * counts[*best], extentOf(*best), budget / others});
      if (count <= counts[*best] || !canSplit(*best, count))
        break;
      counts[*best] = count;
      tiles = others * count;
    }
  }
  for (int64_t dim : order) {
    if (counts[dim] == 1)
      continue;
    int64_t extent = extentOf(dim);
    sizes[dim] = llvm::divideCeil(extent, counts[dim]);
    // Whole tiles: a size dividing the extent, if one is at most twice the
    // size wanted, keeps every tile's shape static, which the micro-kernels
    // need (512 channels in 9 tiles of 57 would end in a dynamic one; 8 of
    // 64 do not).
    for (int64_t size = sizes[dim]; size <= 2 * sizes[dim]; ++size)
      if (extent % size == 0) {
        sizes[dim] = size;
        break;
      }
  }
  return sizes;
}

/// The most outputs along one loop of a work item's register tile.
constexpr int64_t kRegisterTile = 4;

/// With work items of one output each (`sizes` 1 on split loops), makes a
/// work item compute a register tile instead: kRegisterTile down to
/// `smallest` along each of the root's `loops` innermost split loops, by
/// sizes that divide them (no partial tiles), while at least `minItems` work
/// items remain. A contraction's work item (two loops) then reads an
/// operand element once per row or column of its tile, not once per
/// output; an elementwise one (the innermost loop, four) reads and writes
/// four adjacent elements, one vector access (gpu-vectorize-accesses).
void growRegisterTiles(ArrayRef<Range> domain, SmallVector<int64_t> &sizes,
                       int64_t minItems, int64_t loops = 2,
                       int64_t smallest = 2) {
  int64_t items = 1;
  for (auto [range, size] : llvm::zip(domain, sizes))
    if (size > 0)
      items *= *getConstantIntValue(range.size) / size;
  int64_t grown = 0;
  for (int64_t dim = sizes.size() - 1; dim >= 0 && grown < loops; --dim) {
    if (sizes[dim] != 1)
      continue;
    int64_t extent = *getConstantIntValue(domain[dim].size);
    for (int64_t tile = kRegisterTile; tile >= smallest; tile /= 2)
      if (extent % tile == 0 && items / tile >= minItems) {
        sizes[dim] = tile;
        items /= tile;
        break;
      }
    ++grown;
  }
}

/// Interchanges the loops of each contraction and convolution (pooling
/// too) under `root` as `order` says, given the op's parallel and reduction
/// loops and their static ranges; no order leaves the op as it is.
void reorderContractionLoops(
    Operation *root,
    llvm::function_ref<std::optional<SmallVector<unsigned>>(
        ArrayRef<unsigned> parallel, ArrayRef<unsigned> reduction,
        ArrayRef<int64_t> ranges)>
        order) {
  IRRewriter rewriter(root->getContext());
  SmallVector<linalg::LinalgOp> candidates;
  root->walk([&](linalg::LinalgOp op) {
    if (contractsOrConvolves(op))
      candidates.push_back(op);
  });
  for (linalg::LinalgOp candidate : candidates) {
    SmallVector<unsigned> parallel, reduction;
    for (auto [dim, type] : llvm::enumerate(candidate.getIteratorTypesArray()))
      (type == utils::IteratorType::parallel ? parallel : reduction)
          .push_back(dim);
    std::optional<SmallVector<unsigned>> permutation =
        order(parallel, reduction, candidate.getStaticLoopRanges());
    if (!permutation)
      continue;
    rewriter.setInsertionPoint(candidate);
    auto op = dyn_cast<linalg::GenericOp>(candidate.getOperation());
    if (!op) {
      FailureOr<linalg::GenericOp> generic =
          linalg::generalizeNamedOp(rewriter, candidate);
      if (failed(generic))
        continue;
      op = *generic;
    }
    rewriter.setInsertionPoint(op);
    (void)linalg::interchangeGenericOp(rewriter, op, *permutation);
  }
}

/// A register tile's contraction runs its reductions outermost, so each
/// step of them reads its operands once for all the tile's outputs, kept in
/// registers (gpu-unroll-register-tiles, gpu-promote-accumulators).
void reductionsOutsideRegisterTiles(scf::ForallOp tiles) {
  reorderContractionLoops(
      tiles,
      [](ArrayRef<unsigned> parallel, ArrayRef<unsigned> reduction,
         ArrayRef<int64_t> ranges) -> std::optional<SmallVector<unsigned>> {
        int64_t outputs = 1;
        for (unsigned dim : parallel)
          outputs *= ShapedType::isDynamic(ranges[dim])
                         ? kRegisterTile * kRegisterTile + 1
                         : ranges[dim];
        if (outputs < 2 || outputs > kRegisterTile * kRegisterTile ||
            reduction.empty())
          return std::nullopt;
        SmallVector<unsigned> order(reduction);
        llvm::append_range(order, parallel);
        return order;
      });
}

/// A contraction's or convolution's reductions (matmul's k, a convolution's
/// channels and window) run innermost in linalg's order; moving them just
/// outside the last parallel loop makes the innermost loop walk contiguous
/// memory with no loop-carried sum, which LLVM vectorizes: (m, n, k) becomes
/// (m, k, n), 13-40x faster measured on matmul. (Only contractions and
/// convolutions, pooling included: a plain reduction over the contiguous
/// dim, softmax's or a reduce's, is better left innermost.)
void hoistReductions(func::FuncOp kernel) {
  reorderContractionLoops(
      kernel,
      [](ArrayRef<unsigned> parallel, ArrayRef<unsigned> reduction,
         ArrayRef<int64_t>) -> std::optional<SmallVector<unsigned>> {
        unsigned loops = parallel.size() + reduction.size();
        if (parallel.empty() || reduction.empty() ||
            reduction.back() != loops - 1)
          return std::nullopt;
        SmallVector<unsigned> order(parallel.drop_back());
        llvm::append_range(order, reduction);
        order.push_back(parallel.back());
        return order;
      });
}

/// A generic that reads a value through an expand_shape adding only unit
/// dims (a row reduction kept as [..., 1]) reads the value itself, with its
/// map's unit results dropped. The value's producer then fuses into the
/// generic's workgroup tiles; through the reshape it could not, and every
/// workgroup computed all of it (softmax's masked-row check in attention:
/// 32 times over).
struct ReadThroughUnitExpand : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    for (OpOperand *operand : op.getDpsInputOperands()) {
      auto expand = operand->get().getDefiningOp<tensor::ExpandShapeOp>();
      if (!expand)
        continue;
      ArrayRef<int64_t> shape = expand.getResultType().getShape();
      AffineMap map = op.getMatchingIndexingMap(operand);
      SmallVector<AffineExpr> results;
      bool onlyUnitDims = true;
      for (const ReassociationIndices &group :
           expand.getReassociationIndices()) {
        std::optional<int64_t> kept;
        for (int64_t dim : group)
          if (shape[dim] != 1) {
            onlyUnitDims &= !kept.has_value();
            kept = dim;
          }
        // A group of unit dims is a unit dim of the source: index 0 of it
        // is what any of the group's results reads.
        results.push_back(map.getResult(kept.value_or(group.front())));
      }
      if (!onlyUnitDims)
        continue;
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      maps[operand->getOperandNumber()] = AffineMap::get(
          map.getNumDims(), map.getNumSymbols(), results, op.getContext());
      rewriter.modifyOpInPlace(op, [&] {
        operand->set(expand.getSrc());
        op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
      });
      return success();
    }
    return failure();
  }
};

/// An elementwise generic that writes a fresh tensor from, among others, a
/// same-shaped value another op of the kernel computed only for it (a
/// contraction's result) instead updates that value in place: it becomes
/// the generic's init and its read goes through the init. The producer then
/// writes straight into the kernel's output tile and the epilogue runs on it
/// there, with no tile-sized temporary in between.
struct UpdateInPlace : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getNumDpsInits() != 1 ||
        op.getNumParallelLoops() != op.getNumLoops())
      return failure();
    OpOperand *init = op.getDpsInitOperand(0);
    if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
        !op.getMatchingIndexingMap(init).isIdentity() ||
        !op.getMatchingBlockArgument(init).use_empty())
      return failure();
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value value = input->get();
      auto producer = value.getDefiningOp<linalg::LinalgOp>();
      if (!producer || !value.hasOneUse() ||
          value.getType() != init->get().getType() ||
          !op.getMatchingIndexingMap(input).isIdentity())
        continue;
      rewriter.modifyOpInPlace(op, [&] {
        op.getMatchingBlockArgument(input).replaceAllUsesWith(
            op.getMatchingBlockArgument(init));
        init->set(value);
      });
      return success(); // The unused input goes with the cleanup patterns.
    }
    return failure();
  }
};

/// One loop nest per heavy op: elementwise producers merge into their
/// consumers (recomputed where they have several), epilogues update their
/// contraction's result in place, unused operands go. A collapse_shape
/// between a producer and its consumer (a grouped convolution's groups
/// merged back) moves below the consumer, which then works in the
/// producer's shape: otherwise the producer could not be fused into the
/// workgroup tiles and every workgroup would compute all of it.
LogicalResult fuseLoopNests(func::FuncOp kernel) {
  MLIRContext *context = kernel.getContext();
  RewritePatternSet patterns(context);
  linalg::populateElementwiseOpsFusionPatterns(
      patterns, [](OpOperand *) { return true; });
  linalg::populateFoldReshapeOpsByExpansionPatterns(
      patterns, [](OpOperand *fused) {
        auto collapse = fused->get().getDefiningOp<tensor::CollapseShapeOp>();
        return collapse && collapse.getSrc().getDefiningOp<linalg::LinalgOp>();
      });
  tensor::populateFoldTensorEmptyPatterns(patterns);
  patterns.add<UpdateInPlace, ReadThroughUnitExpand>(context);
  linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
  return applyPatternsGreedily(kernel, std::move(patterns));
}

struct KernelTileWorkgroups
    : kiln::tiling::impl::KernelTileWorkgroupsBase<KernelTileWorkgroups> {
  using KernelTileWorkgroupsBase::KernelTileWorkgroupsBase;

  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      if (kernel.isExternal())
        continue; // A backend's library call: no code of Kiln's.
      // A GPU work item sums its output in a register, its reductions
      // innermost; a CPU tile vectorizes along the innermost parallel loop.
      if (!workItems)
        hoistReductions(kernel);
      (void)fuseLoopNests(kernel);
      bindBuffers(kernel);
      if (failed(tileOverWorkgroups(kernel)))
        return signalPassFailure();
    }
  }

  LogicalResult tileOverWorkgroups(func::FuncOp kernel) {
    TilingInterface root = findRoot(kernel);
    if (!root)
      return success(); // One workgroup runs it all.
    IRRewriter rewriter(kernel.getContext());
    rewriter.setInsertionPoint(root);
    SmallVector<int64_t> sizes = chooseTileSizes(
        root, rewriter, maxWorkgroups, minWorkgroupIterations, workItems);
    if (llvm::all_of(sizes, [](int64_t size) { return size == 0; }))
      return success();
    bool registerTiles = workItems && anyLinalgOp(kernel, contractsOrConvolves);
    if (registerTiles)
      growRegisterTiles(root.getIterationDomain(rewriter), sizes,
                        registerTileItems);
    else if (workItems && !anyLinalgOp(kernel, hasReductionLoops))
      growRegisterTiles(root.getIterationDomain(rewriter), sizes,
                        registerTileItems, /*loops=*/1,
                        /*smallest=*/kRegisterTile);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(getAsIndexOpFoldResult(kernel.getContext(), sizes));
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    FailureOr<scf::SCFTileAndFuseResult> tiled =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, root, options);
    if (failed(tiled))
      return root->emitOpError("could not be tiled over workgroups");
    for (OpResult result : root->getResults())
      rewriter.replaceAllUsesWith(result, tiled->replacements.lookup(result));
    if (registerTiles)
      for (LoopLikeOpInterface loop : tiled->loops)
        if (auto tiles = dyn_cast<scf::ForallOp>(loop.getOperation()))
          reductionsOutsideRegisterTiles(tiles);
    return success();
  }
};

} // namespace
