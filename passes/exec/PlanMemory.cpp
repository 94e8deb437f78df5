//===- PlanMemory.cpp - exec-plan-memory ----------------------------------===//
//
// Static memory planning of the host schedule: in-place reuse, lifetimes,
// then arena offsets greedy by size with best fit. The steps are in the
// pass description (Passes.td); why this heuristic is in docs/memory.md.
//
//===----------------------------------------------------------------------===//

#include "dialects/exec/ExecMemory.h"
#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphCost.h"
#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"

#include <map>
#include <set>

namespace kiln {
#define GEN_PASS_DEF_EXECPLANMEMORY
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Whether every element of the kernel's one result depends only on the
/// elements at the same index of its same-shaped inputs: graph ops only, all
/// elementwise, every result of the result's shape. Such a kernel may write
/// its result over one of those inputs: each element is read before the same
/// element is written, whatever loops the backend makes of it.
bool isElementwiseKernel(exec::DispatchOp dispatch) {
  auto kernel = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      dispatch, dispatch.getKernel());
  if (!kernel || kernel.getBody().empty() || kernel.getNumResults() != 1)
    return false;
  auto resultType = dyn_cast<RankedTensorType>(kernel.getResultTypes()[0]);
  if (!resultType)
    return false;
  for (Operation &op : kernel.getBody().front().without_terminator()) {
    if (isa<graph::ConstantOp>(op))
      continue;
    if (!isa<graph::GraphDialect>(op.getDialect()) ||
        graph::loopKind(&op) != graph::LoopKind::Elementwise)
      return false;
    for (Type type : op.getResultTypes())
      if (cast<ShapedType>(type).getShape() != resultType.getShape())
        return false;
  }
  return true;
}

/// One buffer to place: its aligned size and lifetime.
struct Placement {
  unsigned buffer;
  int64_t size, first, last, offset = 0;
};

/// Greedy by size, best fit: each buffer, largest first, goes into the
/// smallest gap (between buffers already placed and live at the same time)
/// that holds it, else above all of them. Returns the arena's size.
int64_t placeBestFit(SmallVectorImpl<Placement> &buffers) {
  SmallVector<Placement *> order;
  for (Placement &buffer : buffers)
    order.push_back(&buffer);
  llvm::sort(order, [](const Placement *a, const Placement *b) {
    if (a->size != b->size)
      return a->size > b->size;
    if (a->first != b->first)
      return a->first < b->first;
    return a->buffer < b->buffer;
  });
  SmallVector<Placement *> placed;
  int64_t arenaSize = 0;
  for (Placement *buffer : order) {
    SmallVector<Placement *> live;
    for (Placement *other : placed)
      if (buffer->first <= other->last && other->first <= buffer->last)
        live.push_back(other);
    llvm::sort(live, [](const Placement *a, const Placement *b) {
      return a->offset != b->offset ? a->offset < b->offset
                                    : a->buffer < b->buffer;
    });
    int64_t top = 0, bestOffset = -1, bestGap = 0;
    for (Placement *other : live) {
      int64_t gap = other->offset - top;
      if (gap >= buffer->size && (bestOffset < 0 || gap < bestGap)) {
        bestOffset = top;
        bestGap = gap;
      }
      top = std::max(top, other->offset + other->size);
    }
    buffer->offset = bestOffset >= 0 ? bestOffset : top;
    arenaSize = std::max(arenaSize, buffer->offset + buffer->size);
    placed.push_back(buffer);
  }
  return arenaSize;
}

int64_t alignTo(int64_t bytes, int64_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

struct ExecPlanMemory : kiln::impl::ExecPlanMemoryBase<ExecPlanMemory> {
  using ExecPlanMemoryBase::ExecPlanMemoryBase;

  void runOnOperation() override {
    for (auto host : getOperation().getOps<func::FuncOp>())
      if (host->hasAttr(exec::kEntryAttr) && failed(plan(host)))
        return signalPassFailure();
  }

  LogicalResult plan(func::FuncOp host) {
    SmallVector<exec::AllocOp> allocs(host.getOps<exec::AllocOp>());
    unsigned planned = llvm::count_if(
        allocs, [](exec::AllocOp alloc) { return alloc.getArena(); });
    if (planned > 0 && planned < allocs.size())
      return emitError(host.getLoc(), "@")
             << host.getSymName() << " has " << planned << " of "
             << allocs.size()
             << " buffers placed in an arena; plan all or none";
    if (planned > 0)
      return checkPlan(host);

    // The naive figures are those of one allocation per buffer, before any
    // buffer is reused in place.
    exec::ScheduleLifetimes before = exec::analyzeLifetimes(host);
    std::map<std::string, exec::ArenaPlan> plans;
    for (const exec::BufferLifetime &buffer : before.buffers) {
      exec::ArenaPlan &arena = plans[buffer.arena];
      arena.naive += buffer.bytes;
      ++arena.buffers;
    }
    for (Operation *step : before.steps)
      if (auto dispatch = dyn_cast<exec::DispatchOp>(step)) {
        exec::ArenaPlan &arena =
            plans[exec::memoryOf(dispatch->getOperand(0).getType()).str()];
        arena.alignment =
            std::max(arena.alignment, exec::dispatchAlignment(dispatch));
      }
    if (inPlace)
      reuseInPlace(before, plans);

    exec::ScheduleLifetimes lifetimes = exec::analyzeLifetimes(host);
    Builder builder(host.getContext());
    SmallVector<NamedAttribute> arenas;
    for (const std::string &name : lifetimes.arenas()) {
      exec::ArenaPlan &arena = plans[name];
      SmallVector<Placement> placements;
      for (auto [index, buffer] : llvm::enumerate(lifetimes.buffers))
        if (buffer.arena == name)
          placements.push_back({static_cast<unsigned>(index),
                                alignTo(buffer.bytes, arena.alignment),
                                buffer.first, buffer.last});
      arena.name = name;
      arena.bytes = placeBestFit(placements);
      for (const Placement &placement : placements) {
        exec::AllocOp alloc = lifetimes.buffers[placement.buffer].alloc;
        alloc.setArenaAttr(builder.getStringAttr(name));
        alloc.setOffsetAttr(builder.getI64IntegerAttr(placement.offset));
      }
      SmallVector<int64_t> live = lifetimes.liveBytes(name);
      arena.lowerBound = live.empty() ? 0 : *llvm::max_element(live);
      arenas.push_back(arena.toAttr(builder));
    }
    host->setAttr(exec::kArenasAttr, builder.getDictionaryAttr(arenas));
    if (deviceMemoryLimit > 0)
      return checkLimit(host, lifetimes, plans);
    return success();
  }

  /// Lets each elementwise dispatch write its result over an input that
  /// dies there: the result's buffer is replaced by the input's.
  void reuseInPlace(exec::ScheduleLifetimes &lifetimes,
                    std::map<std::string, exec::ArenaPlan> &plans) {
    // Lifetimes of merged buffers grow to cover both; indexed by buffer.
    SmallVector<int64_t> last;
    for (const exec::BufferLifetime &buffer : lifetimes.buffers)
      last.push_back(buffer.last);
    for (auto [step, op] : llvm::enumerate(lifetimes.steps)) {
      auto dispatch = dyn_cast<exec::DispatchOp>(op);
      if (!dispatch || !isElementwiseKernel(dispatch))
        continue;
      Value output = dispatch.getOutputs()[0];
      auto outputAlloc = output.getDefiningOp<exec::AllocOp>();
      if (!outputAlloc)
        continue; // A caller's output, or a view of one.
      unsigned outputIndex = lifetimes.bufferIndex.lookup(outputAlloc);
      if (lifetimes.buffers[outputIndex].first != int64_t(step))
        continue;
      for (Value input : dispatch.getInputs()) {
        exec::AllocOp inputAlloc = exec::rootAlloc(input);
        if (!inputAlloc || input.getType() != output.getType())
          continue;
        unsigned inputIndex = lifetimes.bufferIndex.lookup(inputAlloc);
        if (last[inputIndex] != int64_t(step) ||
            lifetimes.buffers[inputIndex].first >= int64_t(step) ||
            !dominatesUses(input, outputAlloc))
          continue;
        outputAlloc.getResult().replaceAllUsesWith(input);
        outputAlloc.erase();
        last[inputIndex] = last[outputIndex];
        ++plans[lifetimes.buffers[inputIndex].arena].inPlace;
        break;
      }
    }
  }

  /// Whether `value` is available at every use of `alloc` (one block).
  static bool dominatesUses(Value value, exec::AllocOp alloc) {
    Operation *definition = value.getDefiningOp();
    if (!definition)
      return true;
    return llvm::all_of(alloc->getUsers(), [&](Operation *user) {
      return definition->isBeforeInBlock(user);
    });
  }

  /// A plan written by hand or replayed: buffers live at the same step must
  /// not share bytes.
  LogicalResult checkPlan(func::FuncOp host) {
    exec::ScheduleLifetimes lifetimes = exec::analyzeLifetimes(host);
    auto &buffers = lifetimes.buffers;
    for (unsigned i = 0; i < buffers.size(); ++i)
      for (unsigned j = i + 1; j < buffers.size(); ++j) {
        const exec::BufferLifetime &a = buffers[i], &b = buffers[j];
        exec::AllocOp aAlloc = a.alloc, bAlloc = b.alloc;
        if (*aAlloc.getArena() != *bAlloc.getArena() || !a.overlaps(b))
          continue;
        int64_t aStart = *aAlloc.getOffset(), bStart = *bAlloc.getOffset();
        if (aStart < bStart + b.bytes && bStart < aStart + a.bytes) {
          int64_t step = std::max(a.first, b.first);
          InFlightDiagnostic error =
              bAlloc.emitOpError("shares bytes of arena '")
              << *bAlloc.getArena() << "' with another buffer live at step "
              << step << " (" << exec::describeStep(lifetimes.steps[step])
              << ")";
          error.attachNote(aAlloc.getLoc()) << "the other buffer";
          return error;
        }
      }
    return success();
  }

  /// Fails when a device needs more than deviceMemoryLimit bytes, with the
  /// breakdown and the buffers live at the peak, as XLA reports it.
  LogicalResult
  checkLimit(func::FuncOp host, const exec::ScheduleLifetimes &lifetimes,
             const std::map<std::string, exec::ArenaPlan> &plans) {
    // Buffers the run keeps on a device besides its arena: the caller's
    // inputs and outputs and the weights its kernels bind.
    std::map<std::string, llvm::MapVector<Value, int64_t>> resident;
    for (Operation *step : lifetimes.steps) {
      for (Value operand : step->getOperands()) {
        Value root = exec::rootBuffer(operand);
        if (!root.getDefiningOp<exec::AllocOp>())
          resident[exec::memoryOf(root.getType()).str()][root] =
              graph::byteSize(cast<MemRefType>(root.getType()));
      }
    }
    auto numInputs = host->getAttrOfType<IntegerAttr>(exec::kNumInputsAttr);
    std::set<std::string> devices;
    for (const std::string &name : lifetimes.arenas())
      devices.insert(name);
    for (const auto &[name, buffers] : resident)
      devices.insert(name);
    for (const std::string &device : devices) {
      int64_t arena = 0, weights = 0, inputs = 0, outputs = 0;
      if (auto plan = plans.find(device); plan != plans.end())
        arena = plan->second.bytes;
      for (const auto &[value, bytes] : resident[device]) {
        auto arg = dyn_cast<BlockArgument>(value);
        if (!arg)
          weights += bytes;
        else if (numInputs && arg.getArgNumber() < numInputs.getInt())
          inputs += bytes;
        else
          outputs += bytes;
      }
      int64_t total = arena + weights + inputs + outputs;
      if (total <= deviceMemoryLimit)
        continue;
      // On the location, not the op: printing the op would print the model.
      InFlightDiagnostic error =
          emitError(host.getLoc(), "the memory plan of @");
      error << host.getSymName() << " needs " << exec::formatBytes(total)
            << " in memory '" << device << "', over the limit of "
            << exec::formatBytes(deviceMemoryLimit) << ": arena "
            << exec::formatBytes(arena) << ", weights "
            << exec::formatBytes(weights) << ", inputs "
            << exec::formatBytes(inputs) << ", outputs "
            << exec::formatBytes(outputs);
      SmallVector<int64_t> live = lifetimes.liveBytes(device);
      if (live.empty())
        return error;
      int64_t peak = llvm::max_element(live) - live.begin();
      auto atPeak = lifetimes.liveAt(device, peak);
      error.attachNote(lifetimes.steps[peak]->getLoc())
          << "the arena peaks at step " << peak << " of " << live.size() << ", "
          << exec::describeStep(lifetimes.steps[peak]) << ", with "
          << exec::formatBytes(live[peak]) << " live in " << atPeak.size()
          << " buffer(s); the largest:";
      for (auto [rank, buffer] : llvm::enumerate(atPeak)) {
        if (rank == 5)
          break;
        exec::AllocOp alloc = buffer->alloc;
        error.attachNote(buffer->producer ? buffer->producer->getLoc()
                                          : alloc.getLoc())
            << rank + 1 << ". " << exec::formatBytes(buffer->bytes) << " "
            << exec::describeBuffer(alloc.getType()) << " written by "
            << exec::describeStep(buffer->producer) << ", live from step "
            << buffer->first << " to " << buffer->last;
      }
      return error;
    }
    return success();
  }
};

} // namespace
