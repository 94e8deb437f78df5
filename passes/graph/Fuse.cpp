//===- Fuse.cpp - graph-fuse ----------------------------------------------===//
//
// Groups the compute ops of the model graph into dispatch regions, one
// kernel each. The rules are written over loop kinds (GraphCost.h), never op
// names:
//
//  1. Epilogues. A contraction or window op takes the chain of elementwise
//     ops that consumes its result, link by link, while each link is the
//     only user of the previous one and keeps its shape: bias, activation,
//     residual add and scale ride on the matmul or convolution.
//  2. Producers. Visiting the graph from its end, every group takes the
//     elementwise producers of its members: elementwise chains become one
//     kernel, and a softmax, layer norm or reduction takes its elementwise
//     prologue. A reduction producer joins when the group is row-shaped:
//     every reduction in it reduces the same trailing axes over the same
//     leading dims (mean-variance, a decomposed layer norm).
//  3. Several users. A producer read outside the group too is recomputed in
//     the group when it is elementwise; anything else stays a buffer.
//  4. Pooling after a convolution. A pooling window takes the convolution
//     group computing its input when it is that group's only reader: the
//     kernel computes whole channels, so the convolution's result (ResNet's
//     3 MiB stem output) never leaves it and nothing is recomputed. The
//     convolution's padding becomes a graph.pad of its own, run once, not
//     copied by every workgroup.
//
// Never fused, because the kernel would be worse: a producer into a
// contraction or window (they read each input element many times, so a
// recomputed input multiplies its work), but for rule 4; two contractions into
// one kernel (each wants its own tiling); a reduction into a group reducing
// other axes (the tiles of one are not the rows of the other); a transcendental
// producer whose result the consumer broadcasts (it would be recomputed per
// broadcast element); data movement (transpose, slice, concat, pad,
// gather), which stays a kernel of its own.
//
// Before grouping, reshapes and transposes sink below the elementwise ops
// that read them when that costs nothing: a reshape is a view, but it sits
// between ops and would cut a chain (PyTorch's linear on a 3-D input is
// view -> mm -> view -> bias, ReLU); a transpose back to batch-first would
// separate attention's output projection from its residual add.
//
// Groups are convex by construction, so no dispatch ever depends on itself:
// a member other than the root has all its users in the group (a producer
// joins only then, or as a private copy; an epilogue link has one user),
// and the root comes after every member, so no path out of a group leads
// back into it.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphCost.h"
#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHFUSE
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

/// Whether two ops run on one target: a kernel runs on one (graph-place
/// chose each op's).
bool sameDevice(Operation *a, Operation *b) {
  return a->getAttr(kDeviceAttr) == b->getAttr(kDeviceAttr);
}

/// At most this many ops are recomputed (cloned) into one group, so a graph
/// of many-use elementwise ops cannot blow up.
constexpr unsigned kMaxRecomputedPerGroup = 16;

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

int64_t elementsOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getNumElements();
}

/// The rows a reduction works on: it reduces axes [axis, rank) of an input
/// whose dims before `axis` are these.
using Rows = SmallVector<int64_t, 4>;

/// The rows of a reduction that reduces trailing axes, or nothing.
std::optional<Rows> rowsOf(Operation *op) {
  auto rowsFrom = [](Value input, int64_t axis) {
    return Rows(shapeOf(input).take_front(axis));
  };
  if (auto reduce = dyn_cast<ReduceOp>(op)) {
    ArrayRef<int64_t> axes = reduce.getAxes();
    int64_t rank = shapeOf(reduce.getInput()).size();
    SmallVector<int64_t> sorted(axes);
    llvm::sort(sorted);
    int64_t first = rank - static_cast<int64_t>(sorted.size());
    for (auto [index, axis] : llvm::enumerate(sorted))
      if (axis != first + static_cast<int64_t>(index))
        return std::nullopt;
    return rowsFrom(reduce.getInput(), first);
  }
  if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
    if (softmax.getAxis() + 1 != shapeOf(softmax.getInput()).size())
      return std::nullopt;
    return rowsFrom(softmax.getInput(), softmax.getAxis());
  }
  if (auto softmax = dyn_cast<LogSoftmaxOp>(op)) {
    if (softmax.getAxis() + 1 != shapeOf(softmax.getInput()).size())
      return std::nullopt;
    return rowsFrom(softmax.getInput(), softmax.getAxis());
  }
  if (auto norm = dyn_cast<LayerNormOp>(op))
    return rowsFrom(norm.getInput(), norm.getAxis());
  return std::nullopt;
}

/// Whether `op`'s result walks the rows: its dims start with the leading
/// dims, so tiling those dims splits it the way it splits the reductions.
bool followsRows(Operation *op, const Rows &rows) {
  return shapeOf(op->getResult(0)).take_front(rows.size()) ==
         ArrayRef<int64_t>(rows);
}

/// `value` in `shape`, as a view: the value a view of it came from, an
/// existing view before `user`, or a new one.
Value viewAs(RewriterBase &rewriter, Value value, ArrayRef<int64_t> shape,
             Operation *user) {
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(value.getType()).getElementType());
  if (auto view = value.getDefiningOp<ReshapeOp>())
    if (view.getInput().getType() == type)
      return view.getInput();
  for (Operation *other : value.getUsers())
    if (auto view = dyn_cast<ReshapeOp>(other))
      if (view.getType() == type && view->getBlock() == user->getBlock() &&
          view->isBeforeInBlock(user))
        return view;
  return ReshapeOp::create(rewriter, user->getLoc(), type, value);
}

/// `value` read in the layout before `transpose`, for free: the input of
/// the same transpose of it, or an existing inverse transpose before `user`;
/// null when neither exists (a new transpose would be a kernel of its own).
Value untransposed(Value value, TransposeOp transpose, Operation *user) {
  ArrayRef<int64_t> perm = transpose.getPerm();
  if (auto same = value.getDefiningOp<TransposeOp>())
    if (same.getPerm() == perm)
      return same.getInput();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [dim, from] : llvm::enumerate(perm))
    inverse[from] = dim;
  for (Operation *other : value.getUsers())
    if (auto existing = dyn_cast<TransposeOp>(other))
      if (existing.getPerm() == ArrayRef<int64_t>(inverse) &&
          existing->getBlock() == user->getBlock() &&
          existing->isBeforeInBlock(user))
        return existing;
  return nullptr;
}

/// elementwise(layout(x), others...) -> layout(elementwise(x, others'...))
/// for a reshape or a transpose `layout` that produces a full-shape operand,
/// when every other operand reads the same way in x's layout: a splat
/// (resized), a broadcast operand over dims the layout leaves alone, or a
/// full-shape value that is free in x's layout (viewed back for a reshape;
/// an existing inverse transpose for a transpose). A transpose moves only
/// from its single reader, so no transpose is added. Only operand `only`
/// is considered when given. Returns the new elementwise op and which of
/// its operands is x, or null.
std::pair<Operation *, unsigned>
sinkLayout(IRRewriter &rewriter, Operation *op,
           std::optional<unsigned> only = std::nullopt) {
  if (!isa<GraphDialect>(op->getDialect()) ||
      loopKind(op) != LoopKind::Elementwise ||
      isa<BatchNormOp, BroadcastToOp>(op) || op->getNumResults() != 1)
    return {nullptr, 0};
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  ArrayRef<int64_t> after = resultType.getShape();
  Operation *layout = nullptr;
  unsigned index = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    if (only && operand.getOperandNumber() != *only)
      continue;
    Operation *producer = operand.get().getDefiningOp();
    if (shapeOf(operand.get()) == after &&
        (isa_and_nonnull<ReshapeOp>(producer) ||
         (isa_and_nonnull<TransposeOp>(producer) && producer->hasOneUse() &&
          sameDevice(producer, op)))) {
      layout = producer;
      index = operand.getOperandNumber();
      break;
    }
  }
  if (!layout)
    return {nullptr, 0};
  auto transpose = dyn_cast<TransposeOp>(layout);
  ArrayRef<int64_t> before = shapeOf(layout->getOperand(0));
  // A broadcast operand covers the trailing dims; it reads the same way if
  // the layout leaves those dims as they are.
  auto keepsTrailing = [&](size_t rank) {
    if (rank > before.size())
      return false;
    if (!transpose)
      return before.take_back(rank) == after.take_back(rank);
    ArrayRef<int64_t> perm = transpose.getPerm();
    for (size_t dim = perm.size() - rank; dim < perm.size(); ++dim)
      if (perm[dim] != static_cast<int64_t>(dim))
        return false;
    return true;
  };
  rewriter.setInsertionPoint(op);
  SmallVector<Value> operands;
  for (Value operand : op->getOperands()) {
    auto type = cast<RankedTensorType>(operand.getType());
    auto beforeType = RankedTensorType::get(before, type.getElementType());
    if (isSplatConstant(operand)) {
      auto splat = cast<DenseElementsAttr>(
          operand.getDefiningOp<ConstantOp>().getValue());
      operands.push_back(ConstantOp::create(rewriter, op->getLoc(),
                                            splat.resizeSplat(beforeType)));
    } else if (type.getShape() != after && keepsTrailing(type.getRank())) {
      operands.push_back(operand); // Broadcasts the same way in x's layout.
    } else if (type.getShape() == after && !transpose) {
      operands.push_back(viewAs(rewriter, operand, before, op));
    } else if (Value free = type.getShape() == after
                                ? untransposed(operand, transpose, op)
                                : Value()) {
      operands.push_back(free);
    } else {
      return {nullptr, 0}; // What was made so far is dead; cleanup removes it.
    }
  }
  Operation *sunk = rewriter.clone(*op);
  sunk->setOperands(operands);
  sunk->getResult(0).setType(
      RankedTensorType::get(before, resultType.getElementType()));
  Operation *moved = rewriter.clone(*layout);
  moved->setOperands(sunk->getResult(0));
  moved->getResult(0).setType(resultType);
  rewriter.replaceOp(op, moved->getResults());
  if (layout->use_empty())
    rewriter.eraseOp(layout);
  return {sunk, index};
}

/// Reshapes and transposes sink below the elementwise ops that read them
/// (sinkLayout). Ops are visited once, in program order, so a layout op
/// travels down a chain and the views left on other operands are never
/// sunk back; where the moved layout op read another one (a transpose of a
/// reshape), that one sinks right after it.
void sinkLayouts(Block &body) {
  IRRewriter rewriter(body.getParentOp()->getContext());
  for (Operation &op : llvm::make_early_inc_range(body)) {
    auto [sunk, index] = sinkLayout(rewriter, &op);
    while (sunk)
      std::tie(sunk, index) = sinkLayout(rewriter, sunk, index);
  }
  // Views of views collapse; views, and splats, nothing reads go.
  for (Operation &op : llvm::make_early_inc_range(body))
    if (auto view = dyn_cast<ReshapeOp>(op))
      if (auto inner = view.getInput().getDefiningOp<ReshapeOp>())
        view.getInputMutable().assign(inner.getInput());
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body))) {
    if (auto view = dyn_cast<ReshapeOp>(op))
      if (view.getInput().getType() == view.getType())
        view.replaceAllUsesWith(view.getInput());
    if (isa<ReshapeOp, ConstantOp>(op) && op.use_empty())
      op.erase();
  }
}

struct Group {
  /// The op that gives the group its loop nest: a contraction, window or
  /// reduction when there is one, else the root.
  Operation *anchor;
  /// In the order they joined, so the pass is deterministic.
  llvm::SmallSetVector<Operation *, 8> members;
  /// Set once the group holds a reduction that is not its anchor, or more
  /// than one: all of them reduce these rows.
  std::optional<Rows> rows;
  unsigned recomputed = 0;
};

/// The grouping of one function's ops.
struct Fuser {
  DenseMap<Operation *, Group *> groupOf;
  std::vector<std::unique_ptr<Group>> groups;

  void run(Block &body) {
    SmallVector<Operation *> compute;
    for (Operation &op : body.without_terminator())
      if (isKernelOp(&op))
        compute.push_back(&op);

    // 1. Epilogues, in program order.
    for (Operation *op : compute) {
      LoopKind kind = loopKind(op);
      if (kind == LoopKind::Contraction || kind == LoopKind::Window)
        growEpilogue(newGroup(op));
    }
    for (const std::unique_ptr<Group> &group : groups)
      absorbProducers(*group);
    for (const std::unique_ptr<Group> &group : groups)
      absorbWindowProducer(*group);
    // (Rule 4 may have added pads.)
    compute.clear();
    for (Operation &op : body.without_terminator())
      if (isKernelOp(&op))
        compute.push_back(&op);
    // 2. Producers, from the end, so consumers claim their producers first.
    for (Operation *op : llvm::reverse(compute)) {
      if (groupOf.contains(op))
        continue;
      Group &group = newGroup(op);
      if (loopKind(op) != LoopKind::DataMovement)
        absorbProducers(group);
    }

    // One dispatch per group, its ops in block order, where its root was.
    for (const std::unique_ptr<Group> &group : groups) {
      if (group->members.empty())
        continue;
      SmallVector<Operation *> ops(group->members.begin(),
                                   group->members.end());
      llvm::sort(ops, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      formDispatch(ops);
    }
  }

  /// Moves a convolution's padding into a graph.pad of its own.
  template <typename ConvOp> static void padInputOnce(ConvOp conv) {
    ArrayRef<int64_t> padding = conv.getPadding();
    if (llvm::all_of(padding, [](int64_t p) { return p == 0; }))
      return;
    auto type = cast<RankedTensorType>(conv.getInput().getType());
    SmallVector<int64_t> shape(type.getShape()), low(type.getRank(), 0),
        high(type.getRank(), 0);
    int64_t rank = type.getRank();
    low[rank - 2] = padding[0];
    low[rank - 1] = padding[1];
    high[rank - 2] = padding[2];
    high[rank - 1] = padding[3];
    for (int64_t dim = 0; dim < rank; ++dim)
      shape[dim] += low[dim] + high[dim];
    OpBuilder builder(conv);
    auto pad = PadOp::create(
        builder, conv.getLoc(),
        RankedTensorType::get(shape, type.getElementType()), conv.getInput(),
        low, high, PadMode::constant, llvm::APFloat(0.0));
    if (Attribute device = conv->getAttr(kDeviceAttr))
      pad->setAttr(kDeviceAttr, device);
    conv.getInputMutable().assign(pad.getResult());
    conv.setPadding(ArrayRef<int64_t>{0, 0, 0, 0});
  }

  /// Rule 4: a pooling window takes the group computing its input (a
  /// convolution and its epilogue) when it is that group's only reader.
  void absorbWindowProducer(Group &group) {
    Operation *window = group.anchor;
    if (loopKind(window) != LoopKind::Window)
      return;
    Operation *producer = window->getOperand(0).getDefiningOp();
    Group *source = producer ? groupOf.lookup(producer) : nullptr;
    // A grouped convolution reshapes its result after its loops; a matmul
    // rarely feeds a window: only plain convolutions.
    Operation *conv = source ? source->anchor : nullptr;
    auto grouped = conv ? dyn_cast<Conv2dOp>(conv) : Conv2dOp();
    if (!conv || source == &group || !isa<Conv2dOp, PanelConv2dOp>(conv) ||
        (grouped && grouped.getGroups() != 1) || !sameDevice(conv, window))
      return;
    for (Operation *member : source->members)
      for (Operation *user : member->getUsers())
        if (!source->members.contains(user) && user != window)
          return;
    // A workgroup of the fused kernel computes whole channels (pooling
    // windows overlap along rows, so rows are not split): padding the
    // convolution's input there would copy all of it per workgroup. The
    // padding becomes an op of its own, run once.
    if (auto plain = dyn_cast<Conv2dOp>(conv))
      padInputOnce(plain);
    else
      padInputOnce(cast<PanelConv2dOp>(conv));
    for (Operation *member : source->members)
      add(group, member);
    source->members.clear();
  }

  Group &newGroup(Operation *anchor) {
    groups.push_back(std::make_unique<Group>());
    Group &group = *groups.back();
    group.anchor = anchor;
    add(group, anchor);
    if (loopKind(anchor) == LoopKind::Reduction)
      group.rows = rowsOf(anchor);
    return group;
  }

  void add(Group &group, Operation *op) {
    group.members.insert(op);
    groupOf[op] = &group;
  }

  /// Rule 1: the single-user, same-shape elementwise chain after the anchor.
  void growEpilogue(Group &group) {
    Value value = group.anchor->getResult(0);
    while (true) {
      SmallPtrSet<Operation *, 2> users(value.getUsers().begin(),
                                        value.getUsers().end());
      if (users.size() != 1)
        return;
      Operation *user = *users.begin();
      if (!isKernelOp(user) || groupOf.contains(user) ||
          !sameDevice(user, group.anchor) ||
          loopKind(user) != LoopKind::Elementwise ||
          shapeOf(user->getResult(0)) != shapeOf(value))
        return;
      add(group, user);
      value = user->getResult(0);
    }
  }

  /// Rules 2 and 3: take the producers of the group's members, transitively.
  /// Producers read only by the group move in first; a producer with other
  /// readers is recomputed only once nothing more can move, so one read
  /// by a member yet to join does not cause a needless copy.
  void absorbProducers(Group &group) {
    while (takeProducers(group, /*recompute=*/false) ||
           takeProducers(group, /*recompute=*/true)) {
    }
  }

  /// Takes the producers the rules allow (moved; or, with `recompute`, the
  /// first that needs a copy). Returns whether the group grew.
  bool takeProducers(Group &group, bool recompute) {
    bool grew = false;
    for (Operation *member :
         SmallVector<Operation *>(group.members.begin(), group.members.end())) {
      LoopKind memberKind = loopKind(member);
      // A contraction or window reads each input element many times.
      if (memberKind == LoopKind::Contraction || memberKind == LoopKind::Window)
        continue;
      for (Value operand : member->getOperands()) {
        Operation *producer = operand.getDefiningOp();
        if (!producer || !isKernelOp(producer) || groupOf.contains(producer) ||
            !sameDevice(producer, member))
          continue;
        if (take(group, producer, member, recompute)) {
          if (recompute)
            return true;
          grew = true;
        }
      }
    }
    return grew;
  }

  /// Adds `producer` (read by `member`) to the group: moved when the group
  /// is its only reader, else, with `recompute`, as a copy. Returns whether
  /// it joined.
  bool take(Group &group, Operation *producer, Operation *member,
            bool recompute) {
    LoopKind kind = loopKind(producer);
    std::optional<Rows> rows = group.rows;
    if (kind == LoopKind::Reduction) {
      // A reduction joins only a row-shaped group without a contraction or
      // window, and only by moving.
      LoopKind anchorKind = loopKind(group.anchor);
      if (anchorKind == LoopKind::Contraction || anchorKind == LoopKind::Window)
        return false;
      std::optional<Rows> producerRows = rowsOf(producer);
      if (!producerRows || (rows && *rows != *producerRows))
        return false;
      rows = producerRows;
      for (Operation *op : group.members)
        if (!followsRows(op, *rows) ||
            (loopKind(op) == LoopKind::Reduction && rowsOf(op) != rows))
          return false;
    } else if (kind != LoopKind::Elementwise) {
      return false;
    }
    if (rows && !followsRows(producer, *rows))
      return false;
    // A result the member broadcasts is recomputed per read element.
    if (elementsOf(producer->getResult(0)) < elementsOf(member->getResult(0)) &&
        !isCheapToRecompute(producer) && kind != LoopKind::Reduction)
      return false;
    // A contraction or window in the group would recompute it per read.
    for (Operation *user : producer->getUsers()) {
      LoopKind userKind = loopKind(user);
      if (group.members.contains(user) &&
          (userKind == LoopKind::Contraction || userKind == LoopKind::Window))
        return false;
    }

    bool onlyInGroup = llvm::all_of(producer->getUsers(), [&](Operation *user) {
      return group.members.contains(user);
    });
    if (onlyInGroup) {
      add(group, producer);
      group.rows = rows;
      return true;
    }
    if (!recompute || kind != LoopKind::Elementwise ||
        group.recomputed == kMaxRecomputedPerGroup)
      return false;
    // Recompute: a copy serves the group, the original the other users.
    OpBuilder builder(producer);
    builder.setInsertionPointAfter(producer);
    Operation *copy = builder.clone(*producer);
    producer->replaceUsesWithIf(copy->getResults(), [&](OpOperand &use) {
      return group.members.contains(use.getOwner());
    });
    ++group.recomputed;
    add(group, copy);
    group.rows = rows;
    return true;
  }
};

struct GraphFuse : kiln::impl::GraphFuseBase<GraphFuse> {
  void runOnOperation() override {
    Block &body = getOperation().getBody().front();
    sinkLayouts(body);
    Fuser().run(body);
  }
};

} // namespace
