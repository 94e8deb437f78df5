//===- Report.cpp - the compile report ------------------------------------===//
//
// Reads what exec-build-schedule recorded on each exec.dispatch (the graph
// ops of its kernel and their arithmetic) plus the buffers it binds, and
// what exec-plan-memory recorded on the host function (the arenas), with the
// buffers' lifetimes; the collective steps of a sharded program; and, per
// target, the work placed there and the transfers between memories, with
// the time placement's cost model estimates for each.
//
//===----------------------------------------------------------------------===//

#include "lib/Report.h"

#include "dialects/exec/ExecMemory.h"
#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphOps.h"
#include "kiln/Backend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace mlir;

namespace {
int64_t bytesOf(ValueRange buffers) {
  int64_t bytes = 0;
  for (Value buffer : buffers)
    bytes += kiln::graph::byteSize(cast<MemRefType>(buffer.getType()));
  return bytes;
}
/// Per arena: the planner's figures, where it peaks and its largest buffers.
llvm::json::Object memorySection(ModuleOp module) {
  llvm::json::Object memory;
  for (auto host : module.getOps<func::FuncOp>()) {
    FailureOr<SmallVector<kiln::exec::ArenaPlan>> arenas =
        kiln::exec::readArenas(host);
    if (failed(arenas) || arenas->empty())
      continue;
    kiln::exec::ScheduleLifetimes lifetimes =
        kiln::exec::analyzeLifetimes(host);
    for (const kiln::exec::ArenaPlan &arena : *arenas) {
      SmallVector<int64_t> live = lifetimes.liveBytes(arena.name);
      int64_t peak = live.empty() ? -1 : llvm::max_element(live) - live.begin();
      SmallVector<const kiln::exec::BufferLifetime *> buffers;
      for (const kiln::exec::BufferLifetime &buffer : lifetimes.buffers)
        if (buffer.arena == arena.name)
          buffers.push_back(&buffer);
      llvm::sort(buffers, kiln::exec::largestFirst);
      llvm::json::Array largest;
      for (const kiln::exec::BufferLifetime *buffer :
           ArrayRef(buffers).take_front(10)) {
        kiln::exec::AllocOp alloc = buffer->alloc;
        largest.push_back(llvm::json::Object{
            {"bytes", buffer->bytes},
            {"type", kiln::exec::describeBuffer(alloc.getType())},
            {"offset", alloc.getOffset() ? *alloc.getOffset() : 0},
            {"live", llvm::json::Array{buffer->first, buffer->last}},
            {"producer", kiln::exec::describeStep(buffer->producer)}});
      }
      memory[arena.name] = llvm::json::Object{
          {"arena_bytes", arena.bytes},
          {"lower_bound_bytes", arena.lowerBound},
          {"naive_bytes", arena.naive},
          {"buffers", arena.buffers},
          {"in_place", arena.inPlace},
          {"alignment", arena.alignment},
          {"steps", static_cast<int64_t>(live.size())},
          {"peak_step", peak},
          {"peak_at", peak < 0
                          ? std::string()
                          : kiln::exec::describeStep(lifetimes.steps[peak])},
          {"largest", std::move(largest)}};
    }
  }
  return memory;
}

/// Each collective step: its kind, the bytes each device sends and
/// receives, its mesh axes (by name) and group size, what wrote its source.
llvm::json::Object collectivesSection(ModuleOp module) {
  llvm::json::Array steps;
  int64_t total = 0;
  llvm::json::Object mesh;
  for (auto host : module.getOps<func::FuncOp>()) {
    auto shape = host->getAttrOfType<DenseI64ArrayAttr>(kiln::exec::kMeshAttr);
    if (!shape)
      continue;
    std::vector<std::string> names = kiln::exec::meshAxisNames(host);
    for (auto [axis, size] : llvm::enumerate(shape.asArrayRef()))
      mesh[names[axis]] = size;
    kiln::exec::ScheduleLifetimes lifetimes =
        kiln::exec::analyzeLifetimes(host);
    host.walk([&](Operation *op) {
      if (!kiln::exec::isCollective(op))
        return;
      Value source = op->getOperand(0), target = op->getOperand(1);
      llvm::json::Array axes;
      int64_t group = 1;
      for (int16_t axis :
           op->getAttrOfType<DenseI16ArrayAttr>("axes").asArrayRef()) {
        axes.push_back(names[axis]);
        group *= shape[axis];
      }
      int64_t sent = bytesOf(source);
      // A slice keeps part of what the device has: nothing moves.
      if (isa<kiln::exec::AllSliceOp>(op))
        sent = 0;
      total += sent;
      std::string producer;
      if (kiln::exec::AllocOp alloc = kiln::exec::rootAlloc(source); alloc)
        for (const kiln::exec::BufferLifetime &buffer : lifetimes.buffers)
          if (kiln::exec::AllocOp candidate = buffer.alloc; candidate == alloc)
            producer = kiln::exec::describeStep(buffer.producer);
      steps.push_back(llvm::json::Object{
          {"kind", op->getName().stripDialect().str()},
          {"axes", std::move(axes)},
          {"group", group},
          {"bytes", sent},
          {"result_bytes", bytesOf(target)},
          // Where it works: the host, or a device's memory.
          {"memory", kiln::exec::memoryOf(source.getType()).str()},
          {"type",
           kiln::exec::describeBuffer(cast<MemRefType>(source.getType()))},
          {"producer", producer}});
    });
  }
  int64_t count = steps.size();
  return llvm::json::Object{{"mesh", std::move(mesh)},
                            {"steps", std::move(steps)},
                            {"count", count},
                            {"bytes", total}};
}

/// The vendor library call a dispatch's kernel is, where its backend gave
/// it to one (the kernel module's exec.library_calls), or "".
std::string libraryCall(ModuleOp module, kiln::exec::DispatchOp dispatch) {
  auto kernels = dyn_cast_or_null<ModuleOp>(SymbolTable::lookupSymbolIn(
      module, dispatch.getKernel().getRootReference()));
  auto calls =
      kernels ? kernels->getAttrOfType<DictionaryAttr>("exec.library_calls")
              : DictionaryAttr();
  auto call = calls ? calls.getAs<StringAttr>(
                          dispatch.getKernel().getLeafReference().getValue())
                    : StringAttr();
  return call ? call.str() : std::string();
}

/// What the device compiler said of a dispatch's kernel, per arch
/// (registers, spills, stack, shared memory), where its backend kept that
/// in the gpu.binary object's "resources" property (cuda does).
llvm::json::Object kernelResources(ModuleOp module,
                                   kiln::exec::DispatchOp dispatch) {
  llvm::json::Object result;
  auto kernels = dyn_cast_or_null<ModuleOp>(SymbolTable::lookupSymbolIn(
      module, dispatch.getKernel().getRootReference()));
  if (!kernels)
    return result;
  StringRef kernel = dispatch.getKernel().getLeafReference().getValue();
  kernels.walk([&](mlir::gpu::BinaryOp binary) {
    for (Attribute attribute : binary.getObjects()) {
      DictionaryAttr properties =
          cast<mlir::gpu::ObjectAttr>(attribute).getProperties();
      auto perArch = properties ? properties.getAs<DictionaryAttr>("resources")
                                : DictionaryAttr();
      if (!perArch)
        continue;
      for (NamedAttribute arch : perArch) {
        auto perKernel = dyn_cast<DictionaryAttr>(arch.getValue());
        auto fields =
            perKernel ? dyn_cast_or_null<DictionaryAttr>(perKernel.get(kernel))
                      : DictionaryAttr();
        if (!fields)
          continue;
        llvm::json::Object entry;
        for (NamedAttribute field : fields)
          if (auto value = dyn_cast<IntegerAttr>(field.getValue()))
            entry[field.getName().getValue()] = value.getInt();
        result[arch.getName().getValue()] = std::move(entry);
      }
    }
  });
  return result;
}

/// Per target: its dispatches, their work and the time graph-place's cost
/// model estimates for them with the backend's figures (launch plus the
/// larger of arithmetic and bytes over its rates); per pair of memories:
/// the transfers, their bytes and estimated time. kiln-run --benchmark N
/// --profile measures the same per target and for the transfers.
llvm::json::Object placementSection(ModuleOp module) {
  struct Work {
    int64_t dispatches = 0, flops = 0, bytes = 0;
    double micros = 0;
  };
  std::map<std::string, Work> targets;
  // Each target's figures, from its kernel module's options; a device's
  // memory is named like its target.
  std::map<std::string, kiln::CostFigures> figuresOf;
  for (auto kernels : module.getOps<ModuleOp>()) {
    kiln::exec::TargetAttr target = kiln::exec::targetOf(kernels);
    if (const kiln::Backend *backend =
            target ? kiln::lookupBackend(target.getName()) : nullptr)
      figuresOf[target.getName().str()] =
          backend->costFigures(kiln::backendOptionsOf(target.getOptions()));
  }
  module.walk([&](kiln::exec::DispatchOp dispatch) {
    std::string name = kiln::exec::dispatchTarget(dispatch);
    Work &work = targets[name];
    auto flops = dispatch->getAttrOfType<IntegerAttr>(kiln::exec::kFlopsAttr);
    int64_t bytes =
        bytesOf(dispatch.getInputs()) + bytesOf(dispatch.getOutputs());
    ++work.dispatches;
    work.flops += flops ? flops.getInt() : 0;
    work.bytes += bytes;
    if (auto it = figuresOf.find(name); it != figuresOf.end())
      work.micros += it->second.kernelMicros(flops ? flops.getInt() : 0, bytes);
  });
  llvm::json::Object perTarget;
  double total = 0;
  for (const auto &[name, work] : targets) {
    total += work.micros;
    perTarget[name] = llvm::json::Object{{"dispatches", work.dispatches},
                                         {"flops", work.flops},
                                         {"bytes", work.bytes},
                                         {"estimated_us", work.micros}};
  }
  std::map<std::string, Work> moves; // "host->opencl"
  module.walk([&](kiln::exec::TransferOp transfer) {
    StringRef from = kiln::exec::memoryOf(transfer.getSource().getType());
    StringRef to = kiln::exec::memoryOf(transfer.getTarget().getType());
    int64_t bytes = bytesOf(transfer.getSource());
    Work &work = moves[(from + "->" + to).str()];
    ++work.dispatches;
    work.bytes += bytes;
    for (StringRef memory : {from, to})
      if (memory != kiln::exec::kHostMemory)
        if (auto it = figuresOf.find(memory.str()); it != figuresOf.end())
          work.micros += it->second.linkMicros(bytes);
  });
  llvm::json::Array transfers;
  int64_t transferCount = 0, transferBytes = 0;
  for (const auto &[direction, work] : moves) {
    total += work.micros;
    transferCount += work.dispatches;
    transferBytes += work.bytes;
    transfers.push_back(llvm::json::Object{{"direction", direction},
                                           {"count", work.dispatches},
                                           {"bytes", work.bytes},
                                           {"estimated_us", work.micros}});
  }
  return llvm::json::Object{{"targets", std::move(perTarget)},
                            {"transfers", std::move(transfers)},
                            {"transfer_count", transferCount},
                            {"transfer_bytes", transferBytes},
                            {"estimated_us", total}};
}

} // namespace

std::string kiln::buildReport(ModuleOp module) {
  llvm::json::Array dispatches;
  int64_t flops = 0, bytesRead = 0, bytesWritten = 0;
  module.walk([&](exec::DispatchOp dispatch) {
    llvm::json::Array ops;
    if (auto names = dispatch->getAttrOfType<ArrayAttr>(exec::kOpsAttr))
      for (Attribute name : names)
        ops.push_back(cast<StringAttr>(name).getValue().str());
    int64_t dispatchFlops = 0;
    if (auto attr = dispatch->getAttrOfType<IntegerAttr>(exec::kFlopsAttr))
      dispatchFlops = attr.getInt();
    std::string target = exec::dispatchTarget(dispatch);
    auto symbol = dispatch->getAttrOfType<StringAttr>(exec::kKernelSymbolAttr);
    int64_t read = bytesOf(dispatch.getInputs());
    int64_t written = bytesOf(dispatch.getOutputs());
    flops += dispatchFlops;
    bytesRead += read;
    bytesWritten += written;
    llvm::json::Object entry{
        {"name", dispatch.getKernel().getLeafReference().getValue().str()},
        {"target", target},
        {"kernel", symbol ? symbol.getValue().str() : std::string()},
        {"ops", std::move(ops)},
        {"flops", dispatchFlops},
        {"bytes_read", read},
        {"bytes_written", written}};
    // How its backend launches it: workgroups along x, y, z and the work
    // items of one (the CPU's workgroups are one thread each).
    if (std::optional<exec::Launch> launch = exec::dispatchLaunch(dispatch)) {
      entry["grid"] = llvm::json::Array(launch->grid);
      entry["workgroup_size"] = llvm::json::Array(launch->workgroup);
      entry["shared_bytes"] = launch->sharedBytes;
    }
    if (auto resources = kernelResources(module, dispatch); !resources.empty())
      entry["resources"] = std::move(resources);
    if (std::string call = libraryCall(module, dispatch); !call.empty())
      entry["library_call"] = call;
    dispatches.push_back(std::move(entry));
  });
  int64_t count = dispatches.size();
  llvm::json::Object report{
      {"dispatches", std::move(dispatches)},
      {"totals", llvm::json::Object{{"dispatches", count},
                                    {"flops", flops},
                                    {"bytes_read", bytesRead},
                                    {"bytes_written", bytesWritten}}},
      {"memory", memorySection(module)},
      {"collectives", collectivesSection(module)},
      {"placement", placementSection(module)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)));
  return text;
}
