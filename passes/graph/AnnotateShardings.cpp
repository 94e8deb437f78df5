//===- AnnotateShardings.cpp - graph-annotate-shardings -------------------===//
//
// The frontends' mesh ("dp=2,tp=2") and per-tensor shardings
// ("fc1.weight=tp,_") as upstream shard annotations: a grid, and a
// shard.shard per sharded tensor. An input is annotated where it enters;
// a weight is annotated as replicated where it is defined and split for its
// users, so partitioning slices it (shard.all_slice) instead of taking the
// whole constant for a device's shard.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "dialects/graph/GraphSharding.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringMap.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHANNOTATESHARDINGS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

constexpr StringLiteral kGridName = "mesh";

struct MeshAxis {
  std::string name;
  int64_t size;
};

std::string describeMesh(ArrayRef<MeshAxis> axes) {
  std::string text;
  for (const MeshAxis &axis : axes)
    text += (text.empty() ? "" : ", ") + axis.name + "=" +
            std::to_string(axis.size);
  return text;
}

/// The name of a weight: its exec.name, else its resource's name.
std::string weightName(graph::ConstantOp constant) {
  if (auto name = constant->getAttrOfType<StringAttr>("exec.name"))
    return name.str();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    return resource.getRawHandle().getKey().str();
  return "";
}

struct GraphAnnotateShardings
    : kiln::impl::GraphAnnotateShardingsBase<GraphAnnotateShardings> {
  using GraphAnnotateShardingsBase::GraphAnnotateShardingsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (mesh.empty()) {
      if (!shardings.empty()) {
        module.emitError("shardings need a mesh to split tensors across "
                         "(--mesh NAME=SIZE,...)");
        return signalPassFailure();
      }
      return;
    }
    if (failed(annotate(module)))
      signalPassFailure();
  }

  FailureOr<SmallVector<MeshAxis>> parseMesh(ModuleOp module) {
    SmallVector<MeshAxis> axes;
    SmallVector<StringRef> parts;
    StringRef(mesh).split(parts, ',');
    for (StringRef part : parts) {
      auto [name, size] = part.trim().split('=');
      name = name.trim();
      int64_t devices = 0;
      if (name.empty() || size.trim().getAsInteger(10, devices) || devices < 1)
        return module.emitError("bad mesh '")
               << mesh << "': expected NAME=SIZE[,NAME=SIZE...] with sizes "
               << ">= 1 (dp=2,tp=2), got '" << part << "'";
      if (name == "_" || name.contains('+'))
        return module.emitError("bad mesh '")
               << mesh << "': '" << name << "' cannot name an axis";
      for (const MeshAxis &axis : axes)
        if (axis.name == name)
          return module.emitError("bad mesh '")
                 << mesh << "': axis '" << name << "' is named twice";
      axes.push_back({name.str(), devices});
    }
    return axes;
  }

  LogicalResult annotate(ModuleOp module) {
    FailureOr<SmallVector<MeshAxis>> axes = parseMesh(module);
    if (failed(axes))
      return failure();
    if (!module.getOps<shard::GridOp>().empty())
      return module.emitError("the model already has a shard.grid; give "
                              "either its annotations or a mesh, not both");
    func::FuncOp function = findEntry(module);
    if (!function)
      return failure();

    // The grid, first in the module so every function sees it.
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    SmallVector<int64_t> shape;
    SmallVector<Attribute> names;
    for (const MeshAxis &axis : *axes) {
      shape.push_back(axis.size);
      names.push_back(builder.getStringAttr(axis.name));
    }
    auto grid = shard::GridOp::create(builder, module.getLoc(),
                                      builder.getStringAttr(kGridName),
                                      builder.getDenseI64ArrayAttr(shape));
    grid->setAttr(kiln::graph::kAxesAttr, builder.getArrayAttr(names));

    // The tensors a sharding may name.
    llvm::StringMap<Value> tensors;
    std::string inputNames, weightNames;
    for (BlockArgument arg : function.getArguments()) {
      std::string position = "input" + std::to_string(arg.getArgNumber());
      if (auto name = function.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                            "exec.name")) {
        tensors.try_emplace(name.getValue(), arg);
        inputNames += (inputNames.empty() ? "" : ", ") + name.str();
      } else {
        inputNames += (inputNames.empty() ? "" : ", ") + position;
      }
      tensors.try_emplace(position, arg);
    }
    for (auto constant :
         function.getBody().front().getOps<graph::ConstantOp>()) {
      std::string name = weightName(constant);
      if (name.empty() || !tensors.try_emplace(name, constant).second)
        continue;
      weightNames += (weightNames.empty() ? "" : ", ") + name;
    }

    SmallVector<StringRef> entries;
    StringRef(shardings).split(entries, ';', -1, /*KeepEmpty=*/false);
    llvm::StringMap<bool> seen;
    for (StringRef entry : entries) {
      entry = entry.trim();
      auto [tensorName, spec] = entry.rsplit('=');
      tensorName = tensorName.trim();
      if (tensorName.empty() || spec.trim().empty() || !entry.contains('='))
        return module.emitError("bad sharding '")
               << entry
               << "': expected TENSOR=AXES, one entry per dim, each a mesh "
                  "axis or _ (fc1.weight=tp,_)";
      Value tensor = tensors.lookup(tensorName);
      if (!tensor)
        return module.emitError("no input or weight named '")
               << tensorName << "' to shard (inputs: "
               << (inputNames.empty() ? "none" : inputNames)
               << "; weights: " << (weightNames.empty() ? "none" : weightNames)
               << ")";
      if (!seen.try_emplace(tensorName, true).second)
        return module.emitError("'") << tensorName << "' is sharded twice";
      FailureOr<SmallVector<shard::GridAxesAttr>> split =
          parseSplit(module, tensorName, spec, tensor, *axes);
      if (failed(split))
        return failure();
      annotateTensor(tensor, grid, *split);
    }
    return success();
  }

  func::FuncOp findEntry(ModuleOp module) {
    if (!entry.empty()) {
      auto named = module.lookupSymbol<func::FuncOp>(entry);
      if (!named)
        module.emitError("no function named '") << entry << "' to shard";
      return named;
    }
    auto functions = llvm::to_vector(module.getOps<func::FuncOp>());
    if (functions.size() != 1) {
      module.emitError("expected one function to shard, found ")
          << functions.size() << "; name it with entry=...";
      return nullptr;
    }
    return functions.front();
  }

  /// "tp,_" for a rank-2 tensor: the grid axes of each dim.
  FailureOr<SmallVector<shard::GridAxesAttr>>
  parseSplit(ModuleOp module, StringRef tensorName, StringRef spec,
             Value tensor, ArrayRef<MeshAxis> axes) {
    auto type = cast<RankedTensorType>(tensor.getType());
    SmallVector<StringRef> dims;
    spec.split(dims, ',');
    if (static_cast<int64_t>(dims.size()) != type.getRank())
      return module.emitError("the sharding of '")
             << tensorName << "' has " << dims.size() << " entr"
             << (dims.size() == 1 ? "y" : "ies") << " ('" << spec.trim()
             << "'); the tensor " << type << " has " << type.getRank() << " dim"
             << (type.getRank() == 1 ? "" : "s")
             << ": give one per dim, _ for a dim not split";
    SmallVector<shard::GridAxesAttr> split;
    llvm::StringMap<int64_t> used;
    for (auto [dim, text] : llvm::enumerate(dims)) {
      SmallVector<shard::GridAxis> gridAxes;
      int64_t devices = 1;
      std::string names;
      SmallVector<StringRef> parts;
      text.trim().split(parts, '+');
      for (StringRef part : parts) {
        part = part.trim();
        if (part == "_" && parts.size() == 1)
          break;
        auto found = llvm::find_if(
            axes, [&](const MeshAxis &axis) { return axis.name == part; });
        if (found == axes.end())
          return module.emitError("the sharding of '")
                 << tensorName << "' names axis '" << part
                 << "', which the mesh (" << describeMesh(axes)
                 << ") does not have";
        auto [previous, inserted] = used.try_emplace(part, dim);
        if (!inserted)
          return module.emitError("the sharding of '")
                 << tensorName << "' splits dims " << previous->second
                 << " and " << dim << " along the same axis '" << part << "'";
        gridAxes.push_back(found - axes.begin());
        devices *= found->size;
        names += (names.empty() ? "'" : ", '") + part.str() + "'";
      }
      int64_t size = type.getDimSize(dim);
      if (!ShapedType::isDynamic(size) && size % devices != 0)
        return module.emitError("cannot split dim ")
               << dim << " of '" << tensorName << "' (size " << size
               << ") across axis " << names << " (" << devices
               << " devices): " << size << " is not a multiple of " << devices;
      split.push_back(shard::GridAxesAttr::get(module.getContext(), gridAxes));
    }
    while (!split.empty() && split.back().empty())
      split.pop_back();
    return split;
  }

  void annotateTensor(Value tensor, shard::GridOp grid,
                      ArrayRef<shard::GridAxesAttr> split) {
    OpBuilder builder(tensor.getContext());
    if (auto arg = dyn_cast<BlockArgument>(tensor))
      builder.setInsertionPointToStart(arg.getOwner());
    else
      builder.setInsertionPointAfter(tensor.getDefiningOp());
    Location loc = tensor.getLoc();
    auto gridRef = FlatSymbolRefAttr::get(grid.getSymNameAttr());
    auto sharding = shard::ShardingOp::create(builder, loc, gridRef, split);
    bool isInput = isa<BlockArgument>(tensor);
    Value annotated = tensor;
    Operation *whole = nullptr;
    if (!isInput) {
      // The constant is whole on every device; its users take a slice.
      auto replicated = shard::ShardingOp::create(
          builder, loc, gridRef, ArrayRef<shard::GridAxesAttr>{});
      whole = shard::ShardOp::create(builder, loc, tensor, replicated);
      annotated = whole->getResult(0);
    }
    auto shardOp = shard::ShardOp::create(builder, loc, annotated, sharding,
                                          /*annotate_for_users=*/!isInput);
    tensor.replaceUsesWithIf(shardOp.getResult(), [&](OpOperand &use) {
      return use.getOwner() != shardOp && use.getOwner() != whole;
    });
  }
};

} // namespace
