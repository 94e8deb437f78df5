//===- ExecMemory.cpp - buffer lifetimes of a host schedule ---------------===//

#include "dialects/exec/ExecMemory.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using namespace mlir;

namespace kiln::exec {

Value rootBuffer(Value buffer) {
  while (auto view = buffer.getDefiningOp<ViewOp>())
    buffer = view.getSource();
  return buffer;
}

AllocOp rootAlloc(Value buffer) {
  return rootBuffer(buffer).getDefiningOp<AllocOp>();
}

NamedAttribute ArenaPlan::toAttr(Builder &builder) const {
  auto field = [&](StringRef key, int64_t value) {
    return builder.getNamedAttr(key, builder.getI64IntegerAttr(value));
  };
  return builder.getNamedAttr(
      name,
      builder.getDictionaryAttr(
          {field("alignment", alignment), field("bytes", bytes),
           field("lower_bound_bytes", lowerBound), field("naive_bytes", naive),
           field("buffers", buffers), field("in_place", inPlace)}));
}

FailureOr<SmallVector<ArenaPlan>> readArenas(func::FuncOp host) {
  SmallVector<ArenaPlan> plans;
  auto arenas = host->getAttrOfType<DictionaryAttr>(kArenasAttr);
  if (!arenas)
    return plans;
  for (NamedAttribute arena : arenas) {
    auto figures = dyn_cast<DictionaryAttr>(arena.getValue());
    auto figure = [&](StringRef key) -> std::optional<int64_t> {
      auto value = figures ? figures.getAs<IntegerAttr>(key) : nullptr;
      return value ? std::optional<int64_t>(value.getInt()) : std::nullopt;
    };
    std::optional<int64_t> bytes = figure("bytes"),
                           alignment = figure("alignment");
    if (!bytes || !alignment)
      return host.emitOpError("has a malformed ")
             << kArenasAttr << " entry '" << arena.getName() << "'";
    ArenaPlan &plan = plans.emplace_back();
    plan.name = arena.getName().str();
    plan.bytes = *bytes;
    plan.alignment = *alignment;
    plan.lowerBound = figure("lower_bound_bytes").value_or(0);
    plan.naive = figure("naive_bytes").value_or(0);
    plan.buffers = figure("buffers").value_or(0);
    plan.inPlace = figure("in_place").value_or(0);
  }
  return plans;
}

static ModuleOp kernelModuleOf(DispatchOp dispatch) {
  return SymbolTable::lookupNearestSymbolFrom<ModuleOp>(
      dispatch,
      FlatSymbolRefAttr::get(dispatch.getKernel().getRootReference()));
}

std::string dispatchTarget(DispatchOp dispatch) {
  if (ModuleOp kernels = kernelModuleOf(dispatch))
    if (TargetAttr target = targetOf(kernels))
      return target.getName().str();
  return "";
}

std::optional<Launch> dispatchLaunch(DispatchOp dispatch) {
  ModuleOp kernels = kernelModuleOf(dispatch);
  if (!kernels)
    return std::nullopt;
  StringRef name = dispatch.getKernel().getLeafReference().getValue();
  Launch launch;
  if (auto launches = kernels->getAttrOfType<DictionaryAttr>(kLaunchesAttr)) {
    auto entry = launches.getAs<DictionaryAttr>(name);
    auto grid = entry ? entry.getAs<DenseI64ArrayAttr>("grid") : nullptr;
    auto workgroup =
        entry ? entry.getAs<DenseI64ArrayAttr>("workgroup") : nullptr;
    if (!grid || !workgroup || grid.size() != 3 || workgroup.size() != 3)
      return std::nullopt;
    for (int i = 0; i < 3; ++i) {
      launch.grid[i] = grid[i];
      launch.workgroup[i] = workgroup[i];
    }
    if (auto shared = entry.getAs<IntegerAttr>("shared_bytes"))
      launch.sharedBytes = shared.getInt();
    return launch;
  }
  if (auto counts = kernels->getAttrOfType<DictionaryAttr>(kWorkgroupsAttr))
    if (auto count = counts.getAs<IntegerAttr>(name)) {
      launch.grid[0] = count.getInt();
      return launch;
    }
  return std::nullopt;
}

int64_t dispatchAlignment(DispatchOp dispatch) {
  if (ModuleOp kernels = kernelModuleOf(dispatch))
    if (auto alignment = kernels->getAttrOfType<IntegerAttr>(kAlignmentAttr))
      return alignment.getInt();
  return kDefaultAlignment;
}

ScheduleLifetimes analyzeLifetimes(func::FuncOp host) {
  ScheduleLifetimes lifetimes;
  if (host.getBody().empty())
    return lifetimes;
  Block &body = host.getBody().front();
  for (Operation &op : body.without_terminator()) {
    if (auto alloc = dyn_cast<AllocOp>(op)) {
      lifetimes.bufferIndex[alloc] = lifetimes.buffers.size();
      BufferLifetime &buffer = lifetimes.buffers.emplace_back();
      buffer.alloc = alloc;
      buffer.bytes = graph::byteSize(alloc.getType());
      buffer.arena = memoryOf(alloc.getType()).str();
      continue;
    }
    if (isa<ConstantOp, ViewOp>(op))
      continue;
    int64_t step = lifetimes.steps.size();
    lifetimes.steps.push_back(&op);
    for (Value operand : op.getOperands()) {
      AllocOp alloc = rootAlloc(operand);
      if (!alloc)
        continue;
      BufferLifetime &buffer =
          lifetimes.buffers[lifetimes.bufferIndex.lookup(alloc)];
      if (buffer.first < 0) {
        buffer.first = step;
        buffer.producer = &op;
      }
      buffer.last = step;
    }
  }
  return lifetimes;
}

SmallVector<int64_t> ScheduleLifetimes::liveBytes(StringRef arena) const {
  SmallVector<int64_t> live(steps.size(), 0);
  for (const BufferLifetime &buffer : buffers)
    if (buffer.arena == arena && buffer.first >= 0)
      for (int64_t step = buffer.first; step <= buffer.last; ++step)
        live[step] += buffer.bytes;
  return live;
}

SmallVector<const BufferLifetime *>
ScheduleLifetimes::liveAt(StringRef arena, int64_t step) const {
  SmallVector<const BufferLifetime *> live;
  for (const BufferLifetime &buffer : buffers)
    if (buffer.arena == arena && buffer.first >= 0 && buffer.first <= step &&
        step <= buffer.last)
      live.push_back(&buffer);
  llvm::sort(live, largestFirst);
  return live;
}

SmallVector<std::string> ScheduleLifetimes::arenas() const {
  std::set<std::string> names;
  for (const BufferLifetime &buffer : buffers)
    names.insert(buffer.arena);
  return SmallVector<std::string>(names.begin(), names.end());
}

std::string describeStep(Operation *step) {
  auto dispatch = dyn_cast_or_null<DispatchOp>(step);
  if (!dispatch)
    return step ? step->getName().stripDialect().str() : "nothing";
  std::string text = dispatch.getKernel().getLeafReference().str();
  if (auto names = dispatch->getAttrOfType<ArrayAttr>(kOpsAttr)) {
    text += " (";
    llvm::interleave(
        names.getAsValueRange<StringAttr>(),
        [&](StringRef name) { text += name.str(); }, [&] { text += ", "; });
    text += ")";
  }
  return text;
}

std::string describeBuffer(MemRefType type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type.getElementType() << "[";
  llvm::interleave(type.getShape(), os, ",");
  os << "]";
  return text;
}

std::string formatBytes(int64_t bytes) {
  static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double value = bytes;
  unsigned unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0)
    return llvm::formatv("{0} bytes", bytes).str();
  return llvm::formatv("{0:f2} {1} ({2} bytes)", value, units[unit], bytes)
      .str();
}

} // namespace kiln::exec
