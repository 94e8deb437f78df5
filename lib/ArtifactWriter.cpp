//===- ArtifactWriter.cpp - module to .kiln artifact ----------------------===//
//
// Reads the compiled module — the exec host schedule plus one lowered kernel
// module per target — asks each target's backend for its binary, and lays
// everything out as the runtime's manifest (runtime/include/kiln/runtime/
// Artifact.h): buffers numbered in schedule order, steps in program order.
//
//===----------------------------------------------------------------------===//

#include "lib/ArtifactWriter.h"

#include "dialects/exec/ExecMemory.h"
#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphOps.h"
#include "kiln/Backend.h"
#include "kiln/runtime/Artifact.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln {
namespace {

FailureOr<rt::DType> dtypeOf(Location loc, Type element) {
  if (element.isF16())
    return rt::DType::f16;
  if (element.isBF16())
    return rt::DType::bf16;
  if (element.isF32())
    return rt::DType::f32;
  if (element.isF64())
    return rt::DType::f64;
  if (element.isSignlessInteger(1))
    return rt::DType::i1;
  if (element.isSignlessInteger(8))
    return rt::DType::i8;
  if (element.isSignlessInteger(16))
    return rt::DType::i16;
  if (element.isSignlessInteger(32))
    return rt::DType::i32;
  if (element.isSignlessInteger(64))
    return rt::DType::i64;
  return emitError(loc, "element type ")
         << element << " cannot be stored in a .kiln artifact";
}

/// A constant's bytes as the runtime reads them: row-major, one byte per i1.
FailureOr<std::string> constantBytes(exec::ConstantOp op) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(op.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op.emitOpError("has no data for its dense_resource");
    ArrayRef<char> data = blob->getData();
    return std::string(data.begin(), data.end());
  }
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense)
    return op.emitOpError("holds neither dense nor dense_resource data");
  int64_t count = dense.getNumElements();
  if (dense.getElementType().isInteger(1)) {
    std::string bytes;
    for (bool value : dense.getValues<bool>())
      bytes.push_back(value ? 1 : 0);
    return bytes;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat())
    return std::string(raw.begin(), raw.end());
  std::string bytes;
  bytes.reserve(raw.size() * count);
  for (int64_t i = 0; i < count; ++i)
    bytes.append(raw.begin(), raw.end());
  return bytes;
}

} // namespace

FailureOr<std::string> writeArtifact(ModuleOp module,
                                     const BackendOptions &backendOptions) {
  rt::ArtifactContents contents;
  rt::Manifest &manifest = contents.manifest;

  // Kernels, per target module.
  llvm::StringMap<uint32_t> kernelIndex; // "module::kernel" -> index
  for (auto kernels : module.getOps<ModuleOp>()) {
    auto target = kernels->getAttrOfType<StringAttr>(exec::kTargetAttr);
    if (!target)
      continue;
    const Backend *backend = lookupBackend(target.getValue());
    if (!backend)
      return kernels.emitError("no backend for target '")
             << target.getValue() << "'";
    FailureOr<CompiledKernels> compiled =
        backend->serialize(kernels, backendOptions);
    if (failed(compiled))
      return failure();
    uint32_t library = manifest.libraries.size();
    manifest.libraries.push_back({compiled->target, 0});
    contents.libraries.push_back(std::move(compiled->binary));
    for (const CompiledKernel &kernel : compiled->kernels) {
      kernelIndex[(kernels.getName().value_or("") + "::" + kernel.name).str()] =
          manifest.kernels.size();
      manifest.kernels.push_back(
          {library, kernel.symbol, static_cast<uint64_t>(kernel.workgroups)});
    }
  }

  // The host schedule.
  func::FuncOp entry;
  for (auto function : module.getOps<func::FuncOp>())
    if (function->hasAttr(exec::kEntryAttr))
      entry = function;
  if (!entry)
    return module.emitError("no exec.entry function: the module was not "
                            "compiled to a schedule");
  manifest.entry = entry.getSymName().str();
  auto numInputs = entry->getAttrOfType<IntegerAttr>(exec::kNumInputsAttr);
  if (!numInputs)
    return entry.emitOpError("has no ") << exec::kNumInputsAttr;

  // The arenas memory planning laid out, by target.
  FailureOr<SmallVector<exec::ArenaPlan>> arenas = exec::readArenas(entry);
  if (failed(arenas))
    return failure();
  llvm::StringMap<uint32_t> arenaIndex;
  for (const exec::ArenaPlan &arena : *arenas) {
    arenaIndex[arena.name] = manifest.arenas.size();
    manifest.arenas.push_back({arena.name, static_cast<uint64_t>(arena.bytes),
                               static_cast<uint64_t>(arena.alignment)});
  }

  DenseMap<Value, uint32_t> bufferIds;
  auto addBuffer = [&](Value value, rt::BufferKind kind, uint32_t index) {
    bufferIds[value] = manifest.buffers.size();
    manifest.buffers.push_back({kind, index,
                                static_cast<uint64_t>(graph::byteSize(
                                    cast<MemRefType>(value.getType())))});
    return bufferIds[value];
  };
  for (BlockArgument arg : entry.getArguments()) {
    auto type = cast<MemRefType>(arg.getType());
    FailureOr<rt::DType> dtype = dtypeOf(arg.getLoc(), type.getElementType());
    if (failed(dtype))
      return failure();
    bool isInput = arg.getArgNumber() < numInputs.getInt();
    auto name =
        entry.getArgAttrOfType<StringAttr>(arg.getArgNumber(), exec::kNameAttr);
    std::vector<rt::TensorSpec> &list =
        isInput ? manifest.inputs : manifest.outputs;
    rt::TensorSpec spec;
    spec.name = name ? name.str() : "";
    spec.dtype = *dtype;
    spec.shape.assign(type.getShape().begin(), type.getShape().end());
    spec.buffer =
        addBuffer(arg, isInput ? rt::BufferKind::input : rt::BufferKind::output,
                  list.size());
    list.push_back(spec);
  }

  for (Operation &op : entry.getBody().front().without_terminator()) {
    if (auto constant = dyn_cast<exec::ConstantOp>(op)) {
      FailureOr<std::string> bytes = constantBytes(constant);
      if (failed(bytes))
        return failure();
      addBuffer(constant, rt::BufferKind::constant, contents.constants.size());
      contents.constants.push_back(std::move(*bytes));
      manifest.constants.push_back({0, contents.constants.back().size()});
    } else if (auto alloc = dyn_cast<exec::AllocOp>(op)) {
      auto arena = alloc.getArena() ? arenaIndex.find(*alloc.getArena())
                                    : arenaIndex.end();
      if (arena == arenaIndex.end())
        return alloc.emitOpError("has no place in an arena: run "
                                 "exec-plan-memory before writing an artifact");
      uint32_t id = addBuffer(alloc, rt::BufferKind::transient, arena->second);
      manifest.buffers[id].offset = static_cast<uint64_t>(*alloc.getOffset());
    } else if (auto view = dyn_cast<exec::ViewOp>(op)) {
      addBuffer(view, rt::BufferKind::view, bufferIds.lookup(view.getSource()));
    } else if (auto copy = dyn_cast<exec::CopyOp>(op)) {
      manifest.steps.push_back({rt::StepKind::copy,
                                0,
                                {bufferIds.lookup(copy.getSource()),
                                 bufferIds.lookup(copy.getTarget())}});
    } else if (auto dispatch = dyn_cast<exec::DispatchOp>(op)) {
      SymbolRefAttr kernel = dispatch.getKernel();
      std::string key = (kernel.getRootReference().getValue() +
                         "::" + kernel.getLeafReference().getValue())
                            .str();
      auto it = kernelIndex.find(key);
      if (it == kernelIndex.end())
        return dispatch.emitOpError("launches kernel ")
               << kernel << ", which no backend compiled";
      rt::StepSpec step{rt::StepKind::dispatch, it->second, {}};
      for (Value buffer :
           llvm::concat<Value>(dispatch.getInputs(), dispatch.getOutputs()))
        step.bindings.push_back(bufferIds.lookup(buffer));
      manifest.steps.push_back(std::move(step));
    } else if (isa<exec::AllReduceOp, exec::AllGatherOp, exec::ReduceScatterOp,
                   exec::AllToAllOp>(op)) {
      return op.emitOpError("is a collective: this runtime cannot run "
                            "sharded programs yet");
    } else {
      return op.emitOpError("cannot be written to a .kiln artifact");
    }
  }
  return rt::encodeArtifact(std::move(contents));
}

} // namespace kiln
