//===- RowReductions.cpp - a workgroup per row ----------------------------===//

#include "lib/backends/gpu/RowReductions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/SetVector.h"

#include <limits>

using namespace mlir;

namespace kiln::gpu {
namespace {

/// One accumulation in a row loop: `buffer[indices] = combine(load, x)`.
struct Accumulation {
  memref::LoadOp load;
  memref::StoreOp store;
  Operation *combine;
  bool binding; ///< Into a kernel binding (else a private temporary).
};

struct RowLoop {
  scf::ForOp loop;
  int64_t extent;
  SmallVector<Accumulation> accumulations;
};

/// The identity of a combining op on `type`, or null when `op` is not one.
TypedAttr identityOf(Operation *op, Type type) {
  Builder b(op->getContext());
  if (auto floatType = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
    auto value = [&](APFloat v) { return b.getFloatAttr(type, v); };
    if (isa<arith::AddFOp>(op))
      return value(APFloat::getZero(semantics, /*Negative=*/true));
    if (isa<arith::MulFOp>(op))
      return value(APFloat::getOne(semantics));
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op))
      return value(APFloat::getInf(semantics, /*Negative=*/true));
    if (isa<arith::MinimumFOp, arith::MinNumFOp>(op))
      return value(APFloat::getInf(semantics));
    return nullptr;
  }
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return nullptr;
  unsigned width = intType.getWidth();
  auto value = [&](APInt v) { return b.getIntegerAttr(type, v); };
  if (isa<arith::AddIOp, arith::OrIOp, arith::XOrIOp, arith::MaxUIOp>(op))
    return value(APInt::getZero(width));
  if (isa<arith::MulIOp>(op))
    return value(APInt(width, 1));
  if (isa<arith::AndIOp, arith::MinUIOp>(op))
    return value(APInt::getAllOnes(width));
  if (isa<arith::MaxSIOp>(op))
    return value(APInt::getSignedMinValue(width));
  if (isa<arith::MinSIOp>(op))
    return value(APInt::getSignedMaxValue(width));
  return nullptr;
}

/// The op of `kernel`'s body that holds `op`.
Operation *topLevel(Operation *op, func::FuncOp kernel) {
  while (op->getParentOp() != kernel.getOperation())
    op = op->getParentOp();
  return op;
}

bool definedOutside(Value value, scf::ForOp loop) {
  return loop.isDefinedOutsideOfLoop(value);
}

/// The loops of `kernel` if it is a sequence of straight-line code and flat
/// loops over a row whose stores are accumulations or element writes.
FailureOr<SmallVector<RowLoop>> analyze(func::FuncOp kernel) {
  Block &body = kernel.getBody().front();
  SmallVector<RowLoop> loops;
  for (Operation &op : body.without_terminator()) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop) {
      if (op.getNumRegions() != 0)
        return failure();
      continue;
    }
    std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(loop.getStep());
    if (!lower || !upper || !step || *lower != 0 || *step != 1 || *upper < 1 ||
        loop.getNumRegionIterArgs() != 0)
      return failure();
    RowLoop &row = loops.emplace_back();
    row.loop = loop;
    row.extent = *upper;
    for (Operation &inner : loop.getBody()->without_terminator()) {
      if (inner.getNumRegions() != 0)
        return failure();
      auto store = dyn_cast<memref::StoreOp>(inner);
      if (!store)
        continue;
      Value buffer = store.getMemRef();
      bool binding = isa<BlockArgument>(buffer);
      if (!binding && !buffer.getDefiningOp<memref::AllocaOp>())
        return failure();
      if (!llvm::all_of(store.getIndices(),
                        [&](Value v) { return definedOutside(v, loop); })) {
        // An element write: each work item writes its own elements of a
        // binding, which it may read back at the same place in the loop but
        // which nothing reads after it (other work items wrote them, and
        // the barriers only order workgroup memory).
        if (!binding)
          return failure();
        for (Operation *user : buffer.getUsers()) {
          auto read = dyn_cast<memref::LoadOp>(user);
          if (!read)
            continue;
          Operation *top = topLevel(read, kernel);
          if (top == loop.getOperation()
                  ? read.getIndices() != store.getIndices()
                  : loop->isBeforeInBlock(top))
            return failure();
        }
        continue;
      }
      // An accumulation: store(combine(load(buffer[indices]), x)).
      Operation *combine = store.getValueToStore().getDefiningOp();
      if (!combine || combine->getBlock() != loop.getBody() ||
          combine->getNumOperands() != 2 || !combine->hasOneUse() ||
          !identityOf(combine, store.getValueToStore().getType()))
        return failure();
      memref::LoadOp load;
      for (Value operand : combine->getOperands())
        if (auto candidate = operand.getDefiningOp<memref::LoadOp>())
          if (candidate.getMemRef() == buffer &&
              candidate.getIndices() == store.getIndices())
            load = candidate;
      if (!load || !load->hasOneUse())
        return failure();
      // The buffer is read in this loop by the accumulation only.
      for (Operation *user : buffer.getUsers())
        if (loop->isAncestor(user) && user != load && user != store)
          return failure();
      row.accumulations.push_back({load, store, combine, binding});
    }
  }
  bool accumulates = llvm::any_of(
      loops, [](const RowLoop &row) { return !row.accumulations.empty(); });
  if (!accumulates)
    return failure();
  // A binding's sum is stored by work item 0 only. After its loop, only
  // straight-line code may read or write it again, at the same indices (a
  // mean's division, a matmul's epilogue): those reads take the value every
  // work item has, those writes are work item 0's (shareRowsInWorkgroup).
  for (RowLoop &row : loops)
    for (Accumulation &accumulation : row.accumulations) {
      if (!accumulation.binding)
        continue;
      for (Operation *user : accumulation.store.getMemRef().getUsers()) {
        Operation *top = topLevel(user, kernel);
        if (top == row.loop.getOperation() || !row.loop->isBeforeInBlock(top))
          continue;
        auto load = dyn_cast<memref::LoadOp>(user);
        auto store = dyn_cast<memref::StoreOp>(user);
        ValueRange indices = load    ? load.getIndices()
                             : store ? store.getIndices()
                                     : ValueRange();
        if (user != top || (!load && !store) ||
            indices != ValueRange(accumulation.store.getIndices()))
          return failure();
      }
    }
  return loops;
}

/// One element of a binding a row kernel sums into.
struct Element {
  Value buffer;
  SmallVector<Value> indices;
};

/// Straight-line code reading and writing the elements the kernel sums
/// into (the stores of their totals included): each read takes the value
/// the kernel last stored there, which every work item holds (a tree's
/// total, or what straight-line code computed), and each write is work
/// item 0's. So only work item 0 writes the element, and no work item reads
/// what another wrote, which the workgroup barriers (workgroup memory only)
/// would not order.
void shareElements(func::FuncOp kernel, ArrayRef<Element> elements,
                   Value local) {
  Block &body = kernel.getBody().front();
  Location loc = kernel.getLoc();
  SmallVector<Value> current(elements.size());
  auto find = [&](Value buffer, ValueRange indices) -> std::optional<size_t> {
    for (auto [i, element] : llvm::enumerate(elements))
      if (element.buffer == buffer && ValueRange(element.indices) == indices)
        return i;
    return std::nullopt;
  };
  for (Operation &op : llvm::make_early_inc_range(body.without_terminator())) {
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      std::optional<size_t> i = find(load.getMemRef(), load.getIndices());
      if (i && current[*i]) {
        load.replaceAllUsesWith(current[*i]);
        load.erase();
      }
      continue;
    }
    auto store = dyn_cast<memref::StoreOp>(op);
    if (!store)
      continue;
    std::optional<size_t> i = find(store.getMemRef(), store.getIndices());
    if (!i)
      continue;
    current[*i] = store.getValueToStore();
    OpBuilder builder(store);
    Value first =
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq, local,
                              arith::ConstantIndexOp::create(builder, loc, 0));
    auto once = scf::IfOp::create(builder, loc, first, false);
    store->moveBefore(once.thenBlock()->getTerminator());
  }
}

} // namespace

FailureOr<RowLaunch> shareRowsInWorkgroup(func::FuncOp kernel, int64_t maxWidth,
                                          Attribute workgroupSpace,
                                          bool barriers) {
  FailureOr<SmallVector<RowLoop>> loops = analyze(kernel);
  if (failed(loops))
    return failure();
  int64_t longest = 1;
  for (RowLoop &row : *loops)
    longest = std::max(longest, row.extent);
  RowLaunch launch;
  while (launch.width * 2 <= maxWidth && launch.width < longest)
    launch.width *= 2;
  if (launch.width < 2)
    return failure();
  int64_t width = launch.width;

  MLIRContext *context = kernel.getContext();
  Block &body = kernel.getBody().front();
  Location loc = kernel.getLoc();
  OpBuilder builder = OpBuilder::atBlockBegin(&body);
  Value local =
      mlir::gpu::ThreadIdOp::create(builder, loc, mlir::gpu::Dimension::x);
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value stride = arith::ConstantIndexOp::create(builder, loc, width);
  // One array of workgroup memory per element type, shared by its trees.
  llvm::MapVector<Type, Value> shared;
  for (RowLoop &row : *loops)
    for (Accumulation &accumulation : row.accumulations) {
      Type type = accumulation.load.getType();
      if (shared.count(type))
        continue;
      shared[type] = memref::AllocOp::create(
          builder, loc,
          MemRefType::get({width}, type, MemRefLayoutAttrInterface(),
                          workgroupSpace));
      launch.sharedBytes +=
          width * llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
    }
  SmallVector<Element> elements;
  auto barrier = [&](OpBuilder &b) {
    if (barriers)
      mlir::gpu::BarrierOp::create(b, loc);
  };

  for (RowLoop &row : *loops) {
    scf::ForOp loop = row.loop;
    // Work item t takes iterations t, t + width, ...
    loop.getLowerBoundMutable().assign(local);
    loop.getStepMutable().assign(stride);
    for (Accumulation &accumulation : row.accumulations) {
      Type type = accumulation.load.getType();
      Value buffer = accumulation.store.getMemRef();
      SmallVector<Value> indices(accumulation.store.getIndices());
      // Before the loop: the buffer's value, and a partial at the identity.
      OpBuilder before(loop);
      Value old = memref::LoadOp::create(before, loc, buffer, indices);
      OpBuilder atStart = OpBuilder::atBlockBegin(&body);
      atStart.setInsertionPointAfter(local.getDefiningOp());
      Value partial =
          memref::AllocaOp::create(atStart, loc, MemRefType::get({1}, type));
      Value identity = arith::ConstantOp::create(
          before, loc, identityOf(accumulation.combine, type));
      memref::StoreOp::create(before, loc, identity, partial, zero);
      // In the loop: the partial instead of the buffer.
      accumulation.load.getMemrefMutable().assign(partial);
      accumulation.load.getIndicesMutable().assign(zero);
      accumulation.store.getMemrefMutable().assign(partial);
      accumulation.store.getIndicesMutable().assign(zero);
      // After it: the partials meet in a tree, halving the active work items
      // each level, a barrier between levels.
      OpBuilder after(context);
      after.setInsertionPointAfter(loop);
      Value tree = shared.lookup(type);
      Value mine = memref::LoadOp::create(after, loc, partial, zero);
      memref::StoreOp::create(after, loc, mine, tree, local);
      barrier(after);
      auto combine = [&](OpBuilder &b, Value lhs, Value rhs) {
        Operation *clone = b.clone(*accumulation.combine);
        clone->setOperands({lhs, rhs});
        return clone->getResult(0);
      };
      for (int64_t half = width / 2; half >= 1; half /= 2) {
        Value active = arith::CmpIOp::create(
            after, loc, arith::CmpIPredicate::ult, local,
            arith::ConstantIndexOp::create(after, loc, half));
        auto level = scf::IfOp::create(after, loc, active, false);
        OpBuilder inside = level.getThenBodyBuilder();
        Value other = arith::AddIOp::create(
            inside, loc, local,
            arith::ConstantIndexOp::create(inside, loc, half));
        Value a = memref::LoadOp::create(inside, loc, tree, local);
        Value b = memref::LoadOp::create(inside, loc, tree, other);
        memref::StoreOp::create(inside, loc, combine(inside, a, b), tree,
                                local);
        barrier(after);
      }
      Value total = memref::LoadOp::create(after, loc, tree, zero);
      barrier(after); // The array is reused by the next tree.
      Value result = combine(after, old, total);
      // A binding's total is stored by work item 0 (shareElements).
      memref::StoreOp::create(after, loc, result, buffer, indices);
      if (accumulation.binding)
        elements.push_back({buffer, indices});
    }
  }
  shareElements(kernel, elements, local);
  return launch;
}

} // namespace kiln::gpu
