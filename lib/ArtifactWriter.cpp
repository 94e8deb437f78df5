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
#include "kiln/runtime/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <functional>
#include <map>
#include <numeric>

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

/// An exec collective as a step over its source and target buffers.
FailureOr<rt::StepSpec> collectiveStep(Operation &op,
                                       const DenseMap<Value, uint32_t> &ids) {
  rt::StepSpec step;
  Value source = op.getOperand(0), target = op.getOperand(1);
  step.bindings = {ids.lookup(source), ids.lookup(target)};
  auto type = cast<MemRefType>(source.getType());
  FailureOr<rt::DType> dtype = dtypeOf(op.getLoc(), type.getElementType());
  if (failed(dtype))
    return failure();
  step.dtype = *dtype;
  step.shape.assign(type.getShape().begin(), type.getShape().end());
  auto axes = op.getAttrOfType<DenseI16ArrayAttr>("axes").asArrayRef();
  step.axes.assign(axes.begin(), axes.end());
  if (auto reduction = op.getAttrOfType<StringAttr>("reduction"))
    step.reduction = static_cast<uint8_t>(
        reduction.getValue() == "max"   ? rt::ReduceOp::max
        : reduction.getValue() == "min" ? rt::ReduceOp::min
                                        : rt::ReduceOp::sum);
  if (auto dim = op.getAttrOfType<IntegerAttr>("dim"))
    step.dim = dim.getInt();
  bool reduces = isa<exec::AllReduceOp, exec::ReduceScatterOp>(op);
  if (reduces && step.dtype != rt::DType::f32 && step.dtype != rt::DType::f64 &&
      step.dtype != rt::DType::i32 && step.dtype != rt::DType::i64)
    return op.emitOpError("reduces ")
           << type.getElementType()
           << " elements; collectives reduce f32, f64, i32 and i64";
  if (isa<exec::AllReduceOp>(op)) {
    step.kind = rt::StepKind::allReduce;
  } else if (isa<exec::AllGatherOp>(op)) {
    step.kind = rt::StepKind::allGather;
  } else if (isa<exec::ReduceScatterOp>(op)) {
    step.kind = rt::StepKind::reduceScatter;
  } else if (auto exchange = dyn_cast<exec::AllToAllOp>(op)) {
    step.kind = rt::StepKind::allToAll;
    step.dim = exchange.getSplitDim();
    step.dim2 = exchange.getConcatDim();
  } else {
    step.kind = rt::StepKind::allSlice;
  }
  return step;
}

/// The mesh axes splitting each dim, from an `exec.split` (or constant
/// split) array.
rt::SplitAxes splitAxes(ArrayAttr split) {
  rt::SplitAxes axes;
  if (!split)
    return axes;
  for (Attribute dim : split) {
    auto list = cast<DenseI16ArrayAttr>(dim).asArrayRef();
    axes.emplace_back(list.begin(), list.end());
  }
  while (!axes.empty() && axes.back().empty())
    axes.pop_back();
  return axes;
}

/// Device `rank`'s block of a constant's bytes, split as `split` says.
std::string constantBlock(const std::string &whole, ArrayRef<int64_t> shape,
                          rt::DType dtype, const rt::SplitAxes &split,
                          const std::vector<int64_t> &mesh, int64_t rank) {
  rt::TensorSpec spec;
  spec.dtype = dtype;
  spec.shape.assign(shape.begin(), shape.end());
  spec.split = split;
  std::vector<int64_t> block = rt::blockShape(spec.shape, split, mesh);
  std::string bytes(rt::dtypeSize(dtype) *
                        std::accumulate(block.begin(), block.end(), int64_t(1),
                                        std::multiplies<int64_t>()),
                    '\0');
  rt::readBlock(spec, mesh, rank, whole.data(), bytes.data());
  return bytes;
}

} // namespace

FailureOr<std::string> writeArtifact(ModuleOp module) {
  rt::ArtifactContents contents;
  rt::Manifest &manifest = contents.manifest;

  // Kernels, per target module.
  llvm::StringMap<uint32_t> kernelIndex; // "module::kernel" -> index
  for (auto kernels : module.getOps<ModuleOp>()) {
    exec::TargetAttr target = exec::targetOf(kernels);
    if (!target)
      continue;
    const Backend *backend = lookupBackend(target.getName());
    if (!backend)
      return kernels.emitError("no backend for target '")
             << target.getName() << "'";
    FailureOr<CompiledKernels> compiled =
        backend->serialize(kernels, backendOptionsOf(target.getOptions()));
    if (failed(compiled))
      return failure();
    uint32_t library = manifest.libraries.size();
    manifest.libraries.push_back({compiled->target, 0});
    contents.libraries.push_back(std::move(compiled->binary));
    for (const CompiledKernel &kernel : compiled->kernels) {
      kernelIndex[(kernels.getName().value_or("") + "::" + kernel.name).str()] =
          manifest.kernels.size();
      rt::KernelSpec &spec = manifest.kernels.emplace_back();
      spec.library = library;
      spec.symbol = kernel.symbol;
      for (int i = 0; i < 3; ++i) {
        spec.launch.grid[i] = static_cast<uint32_t>(kernel.grid[i]);
        spec.launch.workgroup[i] = static_cast<uint32_t>(kernel.workgroup[i]);
      }
      spec.launch.sharedBytes = static_cast<uint32_t>(kernel.sharedBytes);
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
  // Memory 0 is the host's; devices' are numbered as they first appear.
  auto memoryIndex = [&](StringRef memory) {
    auto it = llvm::find(manifest.memories, memory.str());
    if (it != manifest.memories.end())
      return static_cast<uint32_t>(it - manifest.memories.begin());
    manifest.memories.push_back(memory.str());
    return static_cast<uint32_t>(manifest.memories.size() - 1);
  };
  llvm::StringMap<uint32_t> arenaIndex;
  for (const exec::ArenaPlan &arena : *arenas) {
    arenaIndex[arena.name] = manifest.arenas.size();
    manifest.arenas.push_back({memoryIndex(arena.name),
                               static_cast<uint64_t>(arena.bytes),
                               static_cast<uint64_t>(arena.alignment)});
  }

  if (auto mesh = entry->getAttrOfType<DenseI64ArrayAttr>(exec::kMeshAttr)) {
    manifest.mesh.assign(mesh.asArrayRef().begin(), mesh.asArrayRef().end());
    manifest.meshAxes = exec::meshAxisNames(entry);
  }
  int64_t devices = rt::meshSize(manifest.mesh);

  DenseMap<Value, uint32_t> bufferIds;
  auto addBuffer = [&](Value value, rt::BufferKind kind, uint32_t index) {
    bufferIds[value] = manifest.buffers.size();
    rt::BufferSpec &buffer = manifest.buffers.emplace_back();
    buffer.kind = kind;
    buffer.index = index;
    buffer.bytes = static_cast<uint64_t>(
        graph::byteSize(cast<MemRefType>(value.getType())));
    buffer.memory = memoryIndex(exec::memoryOf(value.getType()));
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
    spec.split = splitAxes(entry.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                                             exec::kSplitAttr));
    // The caller's tensor is the whole one: each dim its block's times the
    // devices splitting it.
    spec.shape.assign(type.getShape().begin(), type.getShape().end());
    for (size_t dim = 0; dim < spec.split.size(); ++dim)
      for (uint16_t axis : spec.split[dim])
        spec.shape[dim] *= manifest.mesh[axis];
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
      rt::SplitAxes split = splitAxes(constant.getSplitAttr());
      if (split.empty()) {
        addBuffer(constant, rt::BufferKind::constant,
                  contents.constants.size());
        contents.constants.push_back(std::move(*bytes));
        manifest.constants.push_back({0, contents.constants.back().size()});
        continue;
      }
      // Each device's block, stored once however many devices hold it.
      auto valueType = cast<ShapedType>(constant.getValue().getType());
      FailureOr<rt::DType> dtype =
          dtypeOf(constant.getLoc(), valueType.getElementType());
      if (failed(dtype))
        return failure();
      std::map<std::vector<int64_t>, uint32_t> stored;
      std::vector<uint32_t> shards;
      for (int64_t rank = 0; rank < devices; ++rank) {
        std::vector<int64_t> block = rt::blockIndex(split, manifest.mesh, rank);
        auto [it, inserted] = stored.try_emplace(block, 0);
        if (inserted) {
          it->second = contents.constants.size();
          contents.constants.push_back(
              constantBlock(*bytes, valueType.getShape(), *dtype, split,
                            manifest.mesh, rank));
          manifest.constants.push_back({0, contents.constants.back().size()});
        }
        shards.push_back(it->second);
      }
      uint32_t id = addBuffer(constant, rt::BufferKind::constant, shards[0]);
      manifest.buffers[id].shards = std::move(shards);
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
    } else if (isa<exec::CopyOp, exec::TransferOp>(op)) {
      rt::StepSpec &step = manifest.steps.emplace_back();
      step.kind =
          isa<exec::CopyOp>(op) ? rt::StepKind::copy : rt::StepKind::transfer;
      step.bindings = {bufferIds.lookup(op.getOperand(0)),
                       bufferIds.lookup(op.getOperand(1))};
    } else if (auto dispatch = dyn_cast<exec::DispatchOp>(op)) {
      SymbolRefAttr kernel = dispatch.getKernel();
      std::string key = (kernel.getRootReference().getValue() +
                         "::" + kernel.getLeafReference().getValue())
                            .str();
      auto it = kernelIndex.find(key);
      if (it == kernelIndex.end())
        return dispatch.emitOpError("launches kernel ")
               << kernel << ", which no backend compiled";
      rt::StepSpec step;
      step.kind = rt::StepKind::dispatch;
      step.kernel = it->second;
      dispatch->setAttr(exec::kKernelSymbolAttr,
                        StringAttr::get(dispatch.getContext(),
                                        manifest.kernels[step.kernel].symbol));
      for (Value buffer :
           llvm::concat<Value>(dispatch.getInputs(), dispatch.getOutputs()))
        step.bindings.push_back(bufferIds.lookup(buffer));
      manifest.steps.push_back(std::move(step));
    } else if (exec::isCollective(&op)) {
      FailureOr<rt::StepSpec> step = collectiveStep(op, bufferIds);
      if (failed(step))
        return failure();
      manifest.steps.push_back(std::move(*step));
    } else {
      return op.emitOpError("cannot be written to a .kiln artifact");
    }
  }
  return rt::encodeArtifact(std::move(contents));
}

} // namespace kiln
