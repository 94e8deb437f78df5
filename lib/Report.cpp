//===- Report.cpp - the compile report ------------------------------------===//
//
// Reads what exec-build-schedule recorded on each exec.dispatch (the graph
// ops of its kernel and their arithmetic) plus the buffers it binds. The
// memory and collectives sections belong to memory planning and sharding.
//
//===----------------------------------------------------------------------===//

#include "lib/Report.h"

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
      {"memory", llvm::json::Object{}},
      {"collectives", llvm::json::Array{}}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)));
  return text;
}
