//===- Report.cpp - the compile report ------------------------------------===//
//
// Reads what exec-build-schedule recorded on each exec.dispatch (the graph
// ops of its kernel and their arithmetic) plus the buffers it binds, and
// what exec-plan-memory recorded on the host function (the arenas), with the
// buffers' lifetimes. The collectives section belongs to sharding.
//
//===----------------------------------------------------------------------===//

#include "lib/Report.h"

#include "dialects/exec/ExecMemory.h"
#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

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
    FailureOr<kiln::exec::ScheduleLifetimes> lifetimes =
        kiln::exec::analyzeLifetimes(host);
    if (failed(lifetimes))
      continue;
    for (const kiln::exec::ArenaPlan &arena : *arenas) {
      SmallVector<int64_t> live = lifetimes->liveBytes(arena.name);
      int64_t peak = live.empty() ? -1 : llvm::max_element(live) - live.begin();
      SmallVector<const kiln::exec::BufferLifetime *> buffers;
      for (const kiln::exec::BufferLifetime &buffer : lifetimes->buffers)
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
                          : kiln::exec::describeStep(lifetimes->steps[peak])},
          {"largest", std::move(largest)}};
    }
  }
  return memory;
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
    std::string target;
    if (auto kernels = SymbolTable::lookupNearestSymbolFrom<ModuleOp>(
            dispatch,
            FlatSymbolRefAttr::get(dispatch.getKernel().getRootReference())))
      if (auto attr = kernels->getAttrOfType<StringAttr>(exec::kTargetAttr))
        target = attr.getValue().str();
    int64_t read = bytesOf(dispatch.getInputs());
    int64_t written = bytesOf(dispatch.getOutputs());
    flops += dispatchFlops;
    bytesRead += read;
    bytesWritten += written;
    dispatches.push_back(llvm::json::Object{
        {"name", dispatch.getKernel().getLeafReference().getValue().str()},
        {"target", target},
        {"ops", std::move(ops)},
        {"flops", dispatchFlops},
        {"bytes_read", read},
        {"bytes_written", written}});
  });
  int64_t count = dispatches.size();
  llvm::json::Object report{
      {"dispatches", std::move(dispatches)},
      {"totals", llvm::json::Object{{"dispatches", count},
                                    {"flops", flops},
                                    {"bytes_read", bytesRead},
                                    {"bytes_written", bytesWritten}}},
      {"memory", memorySection(module)},
      {"collectives", llvm::json::Array{}}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)));
  return text;
}
