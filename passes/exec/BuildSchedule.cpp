//===- BuildSchedule.cpp - exec-build-schedule ----------------------------===//
//
// From the model graph with dispatch regions to the host schedule:
//  * each graph.dispatch body becomes a kernel function (tensors in, tensors
//    out) in the nested module @kernels_<target>;
//  * the entry function becomes a function over buffers, inputs then
//    outputs, that allocates intermediate buffers and launches the kernels.
// The host side needs no general bufferization: every value is a constant, a
// dispatch result (a fresh buffer, or the output it is returned as) or a
// reshape (a view of its operand's bytes).
//
//===----------------------------------------------------------------------===//

#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphCost.h"
#include "dialects/graph/GraphOps.h"
#include "kiln/Backend.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_EXECBUILDSCHEDULE
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

MemRefType bufferType(Type tensor) {
  auto type = cast<RankedTensorType>(tensor);
  return MemRefType::get(type.getShape(), type.getElementType());
}

/// The module holding the kernels of `target`, created on first use.
ModuleOp kernelModule(ModuleOp top, exec::TargetAttr target,
                      int64_t alignment) {
  std::string name = ("kernels_" + target.getName()).str();
  if (auto existing = top.lookupSymbol<ModuleOp>(name))
    return existing;
  OpBuilder builder = OpBuilder::atBlockBegin(top.getBody());
  auto module = ModuleOp::create(builder, top.getLoc(), name);
  module->setAttr(exec::kTargetAttr, target);
  module->setAttr(exec::kAlignmentAttr, builder.getI64IntegerAttr(alignment));
  return module;
}

/// Moves a dispatch region's body into a new kernel function, named
/// dispatch_N in schedule order.
func::FuncOp outline(graph::DispatchOp dispatch, ModuleOp kernels,
                     SymbolTable &symbols, unsigned index) {
  OpBuilder builder = OpBuilder::atBlockEnd(kernels.getBody());
  auto type = builder.getFunctionType(dispatch.getInputs().getTypes(),
                                      dispatch.getResultTypes());
  auto kernel = func::FuncOp::create(builder, dispatch.getLoc(),
                                     "dispatch_" + std::to_string(index), type);
  symbols.insert(kernel); // Keeps names unique if kernels already exist.
  kernel.getBody().takeBody(dispatch.getBody());
  Block &body = kernel.getBody().front();
  auto yield = cast<graph::YieldOp>(body.getTerminator());
  builder.setInsertionPoint(yield);
  func::ReturnOp::create(builder, yield.getLoc(), yield.getValues());
  yield.erase();
  return kernel;
}

struct ExecBuildSchedule
    : kiln::impl::ExecBuildScheduleBase<ExecBuildSchedule> {
  using ExecBuildScheduleBase::ExecBuildScheduleBase;
  exec::TargetAttr targetAttr;
  BackendOptions allOptions;

  /// Where a target's dispatches go: its kernel module and the memory of
  /// the buffers they bind.
  struct Placed {
    ModuleOp kernels;
    std::shared_ptr<SymbolTable> symbols;
    std::string memory;
  };
  llvm::StringMap<Placed> placed;

  /// The kernel module of target `name` and the memory its buffers are
  /// in, made on first use.
  Placed &place(ModuleOp top, StringRef name, exec::TargetAttr attr,
                int64_t bufferAlignment, StringRef memoryName) {
    Placed &entry = placed[name];
    if (!entry.kernels) {
      entry.kernels = kernelModule(top, attr, bufferAlignment);
      entry.symbols = std::make_shared<SymbolTable>(entry.kernels);
      entry.memory = memoryName.str();
    }
    return entry;
  }

  /// The compile's target, with the memory and alignment it was given.
  Placed &placeMain(ModuleOp top) {
    return place(top, target, targetAttr, alignment, memory);
  }

  /// The target of a dispatch region: the one graph-place chose, or the
  /// compile's; another's memory and alignment are its backend's.
  FailureOr<Placed *> placedFor(ModuleOp top, Operation *dispatch) {
    auto device = dispatch->getAttrOfType<StringAttr>(graph::kDeviceAttr);
    StringRef name = device ? device.getValue() : StringRef(target);
    if (auto it = placed.find(name); it != placed.end())
      return &it->second;
    if (name == target)
      return &placeMain(top);
    const Backend *backend = lookupBackend(name);
    if (!backend)
      return dispatch->emitOpError("is placed on target '")
             << name << "', which has no backend";
    auto attr = exec::TargetAttr::get(
        top.getContext(), name,
        backendOptionsAttr(top.getContext(),
                           optionsOfTarget(allOptions, name, target)));
    return &place(top, name, attr, backend->bufferAlignment(),
                  backend->usesHostMemory() ? StringRef(exec::kHostMemory)
                                            : name);
  }

  void runOnOperation() override {
    ModuleOp top = getOperation();
    placed.clear();
    int64_t bytes = alignment;
    if (bytes <= 0 || (bytes & (bytes - 1)) != 0) {
      top.emitError("buffer alignment must be a power of two, got ") << bytes;
      return signalPassFailure();
    }
    std::string error;
    if (failed(parseBackendOptions(targetOptions, allOptions, error))) {
      top.emitError(error);
      return signalPassFailure();
    }
    // Unprefixed options are the compile's target's; "T.name" ones another
    // placed target's.
    targetAttr = exec::TargetAttr::get(
        top.getContext(), target,
        backendOptionsAttr(top.getContext(),
                           optionsOfTarget(allOptions, target, target)));
    func::FuncOp entry = findEntry(top);
    if (!entry)
      return signalPassFailure();
    if (failed(schedule(top, entry)))
      return signalPassFailure();
  }

  func::FuncOp findEntry(ModuleOp top) {
    SmallVector<func::FuncOp> functions(top.getOps<func::FuncOp>());
    if (!entry.empty()) {
      auto named = top.lookupSymbol<func::FuncOp>(entry);
      if (!named)
        top.emitError("no function named '") << entry << "' to schedule";
      return named;
    }
    if (functions.size() != 1) {
      top.emitError("expected one function to schedule, found ")
          << functions.size() << "; name it with entry=...";
      return nullptr;
    }
    return functions.front();
  }

  /// A collective of the partitioned graph (shard dialect, on tensors)
  /// becomes the exec collective on buffers; its grid becomes the host
  /// function's mesh.
  LogicalResult scheduleCollective(Operation &op, OpBuilder &builder,
                                   IRMapping &buffers,
                                   const DenseMap<Value, Value> &outputFor) {
    // Its grid is the program's one (the verifier resolved it, setMesh
    // allows one).
    Location loc = op.getLoc();
    Value source = buffers.lookup(op.getOperand(0));
    Value target = outputFor.lookup(op.getResult(0));
    // A collective works in its source's memory: a device's buffers stay
    // on the device (its communicator reads them there, or the runtime
    // stages them through the host), the caller's stay on the host.
    if (target &&
        exec::memoryOf(target.getType()) != exec::memoryOf(source.getType()))
      target = nullptr;
    if (!target)
      target = exec::AllocOp::create(
          builder, loc,
          exec::inMemory(bufferType(op.getResult(0).getType()),
                         exec::memoryOf(source.getType())));
    buffers.map(op.getResult(0), target);
    auto reduction = [&](shard::ReductionKind kind) -> FailureOr<StringAttr> {
      switch (kind) {
      case shard::ReductionKind::Sum:
        return builder.getStringAttr("sum");
      case shard::ReductionKind::Max:
        return builder.getStringAttr("max");
      case shard::ReductionKind::Min:
        return builder.getStringAttr("min");
      default:
        return op.emitOpError("reduces with ")
               << shard::stringifyReductionKind(kind)
               << "; the runtime has sum, max and min";
      }
    };
    auto axes = op.getAttrOfType<DenseI16ArrayAttr>("grid_axes");
    if (!axes)
      axes = builder.getDenseI16ArrayAttr({});
    if (auto slice = dyn_cast<shard::AllSliceOp>(op)) {
      exec::AllSliceOp::create(builder, loc, source, target, axes,
                               slice.getSliceAxis().getSExtValue());
    } else if (auto reduce = dyn_cast<shard::AllReduceOp>(op)) {
      FailureOr<StringAttr> kind = reduction(reduce.getReduction());
      if (failed(kind))
        return failure();
      exec::AllReduceOp::create(builder, loc, source, target, axes, *kind);
    } else if (auto gather = dyn_cast<shard::AllGatherOp>(op)) {
      exec::AllGatherOp::create(builder, loc, source, target, axes,
                                gather.getGatherAxis().getSExtValue());
    } else if (auto scatter = dyn_cast<shard::ReduceScatterOp>(op)) {
      FailureOr<StringAttr> kind = reduction(scatter.getReduction());
      if (failed(kind))
        return failure();
      exec::ReduceScatterOp::create(builder, loc, source, target, axes,
                                    scatter.getScatterAxis().getSExtValue(),
                                    *kind);
    } else {
      auto exchange = cast<shard::AllToAllOp>(op);
      exec::AllToAllOp::create(builder, loc, source, target, axes,
                               exchange.getSplitAxis().getSExtValue(),
                               exchange.getConcatAxis().getSExtValue());
    }
    return success();
  }

  /// A slice of a weight is a weight too: the artifact holds each
  /// device's block. Returns null when `slice` is not of a constant.
  Value sliceConstant(shard::AllSliceOp slice, OpBuilder &builder,
                      IRMapping &buffers) {
    auto whole =
        buffers.lookup(slice.getInput()).getDefiningOp<exec::ConstantOp>();
    if (!whole)
      return nullptr;
    // In the whole weight's memory (a device's, for its kernels).
    auto type = exec::inMemory(bufferType(slice.getResult().getType()),
                               exec::memoryOf(whole.getType()));
    ElementsAttr value = whole.getValue();
    if (auto dense = dyn_cast<DenseElementsAttr>(value);
        dense && dense.isSplat())
      return exec::ConstantOp::create(
          builder, slice.getLoc(), type,
          dense.resizeSplat(
              RankedTensorType::get(type.getShape(), type.getElementType())),
          ArrayAttr());
    auto rank = cast<ShapedType>(value.getType()).getRank();
    SmallVector<SmallVector<int16_t>> split(rank);
    if (ArrayAttr existing = whole.getSplitAttr())
      for (auto [dim, axes] : llvm::enumerate(existing))
        llvm::append_range(split[dim],
                           cast<DenseI16ArrayAttr>(axes).asArrayRef());
    llvm::append_range(split[slice.getSliceAxis().getSExtValue()],
                       slice.getGridAxes());
    SmallVector<Attribute> dims;
    for (ArrayRef<int16_t> axes : split)
      dims.push_back(builder.getDenseI16ArrayAttr(axes));
    return exec::ConstantOp::create(builder, slice.getLoc(), type, value,
                                    builder.getArrayAttr(dims));
  }

  /// The program's mesh: the module's shard.grid, if it has one.
  LogicalResult setMesh(ModuleOp top, func::FuncOp host, OpBuilder &builder) {
    auto grids = llvm::to_vector(top.getOps<shard::GridOp>());
    if (grids.empty())
      return success();
    if (grids.size() > 1)
      return grids[1].emitOpError("is a second grid; a program runs on one "
                                  "device mesh");
    shard::GridOp grid = grids.front();
    host->setAttr(exec::kMeshAttr,
                  builder.getDenseI64ArrayAttr(grid.getShape()));
    if (auto names = grid->getAttrOfType<ArrayAttr>("kiln.axes"))
      host->setAttr(exec::kMeshAxesAttr, names);
    return success();
  }

  LogicalResult schedule(ModuleOp top, func::FuncOp graphFn) {
    MLIRContext *context = top.getContext();
    FunctionType graphType = graphFn.getFunctionType();

    // The host function: inputs, then outputs, all buffers.
    SmallVector<Type> argTypes;
    for (Type type : graphType.getInputs())
      argTypes.push_back(bufferType(type));
    for (Type type : graphType.getResults())
      argTypes.push_back(bufferType(type));
    OpBuilder builder(graphFn);
    auto host =
        func::FuncOp::create(builder, graphFn.getLoc(), graphFn.getName(),
                             builder.getFunctionType(argTypes, {}));
    unsigned numInputs = graphType.getNumInputs();
    host->setAttr(exec::kEntryAttr, builder.getUnitAttr());
    host->setAttr(exec::kNumInputsAttr, builder.getI64IntegerAttr(numInputs));
    for (unsigned i = 0; i < argTypes.size(); ++i) {
      StringAttr name =
          i < numInputs
              ? graphFn.getArgAttrOfType<StringAttr>(i, exec::kNameAttr)
              : graphFn.getResultAttrOfType<StringAttr>(i - numInputs,
                                                        exec::kNameAttr);
      if (!name)
        name = builder.getStringAttr(
            (i < numInputs ? "input_" + std::to_string(i)
                           : "output_" + std::to_string(i - numInputs)));
      host.setArgAttr(i, exec::kNameAttr, name);
      auto split =
          i < numInputs
              ? graphFn.getArgAttrOfType<ArrayAttr>(i, "kiln.split_axes")
              : graphFn.getResultAttrOfType<ArrayAttr>(i - numInputs,
                                                       "kiln.split_axes");
      if (split)
        host.setArgAttr(i, exec::kSplitAttr, split);
    }
    if (failed(setMesh(top, host, builder)))
      return failure();
    // Each dispatch's buffers are in its target's memory; the caller's stay
    // on the host.
    Block *body = host.addEntryBlock();
    builder.setInsertionPointToEnd(body);
    // The memory each dispatch region runs in.
    DenseMap<Operation *, Placed *> placeOf;
    for (auto dispatch : graphFn.getBody().getOps<graph::DispatchOp>()) {
      FailureOr<Placed *> where = placedFor(top, dispatch);
      if (failed(where))
        return failure();
      placeOf[dispatch] = *where;
    }
    // A schedule without kernels still has its target's (empty) module.
    if (placed.empty())
      placeMain(top);
    auto memoryOfDispatch = [&](Operation *dispatch) -> StringRef {
      return placeOf.lookup(dispatch)->memory;
    };

    // The output buffer a value may be written into directly: the first
    // output it is returned as, when host memory computes it (a device
    // writes its own memory, never the caller's).
    auto returnOp =
        cast<func::ReturnOp>(graphFn.getBody().front().getTerminator());
    DenseMap<Value, Value> outputFor;
    for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
      Operation *producer = value.getDefiningOp();
      if (!isa_and_nonnull<graph::DispatchOp>(producer) ||
          memoryOfDispatch(producer) == exec::kHostMemory)
        outputFor.try_emplace(value, body->getArgument(numInputs + index));
    }
    // A dispatch result returned through a reshape is written into a view of
    // the output, so the reshape needs no copy either.
    DenseMap<Value, Value> viewedOutputFor;
    for (Value value : returnOp.getOperands())
      if (auto reshape = value.getDefiningOp<graph::ReshapeOp>()) {
        Value source = reshape.getInput();
        auto producer = source.getDefiningOp<graph::DispatchOp>();
        if (producer && memoryOfDispatch(producer) == exec::kHostMemory &&
            !outputFor.contains(source))
          viewedOutputFor.try_emplace(source, outputFor.lookup(value));
      }

    // The memories of the dispatches reading a value, through reshapes;
    // `elsewhere` when something else reads it (a return, a collective).
    auto readerMemories = [&](Value value, bool &elsewhere) {
      llvm::SetVector<StringRef> memories;
      SmallVector<Value> pending = {value};
      while (!pending.empty())
        for (Operation *user : pending.pop_back_val().getUsers()) {
          if (isa<graph::DispatchOp>(user))
            memories.insert(memoryOfDispatch(user));
          else if (isa<graph::ReshapeOp>(user))
            pending.push_back(user->getResult(0));
          else
            elsewhere = true;
        }
      return memories;
    };

    IRMapping buffers;
    // A weight, or a view of one, in each memory whose kernels read it.
    DenseMap<Value, SmallVector<std::pair<StringRef, Value>>> weightIn;
    // Buffers kernels in another memory read: their copy there.
    DenseMap<std::pair<Value, StringRef>, Value> transferred;
    auto inMemory = [&](Value tensor, StringRef memory, Location loc) -> Value {
      if (auto weights = weightIn.find(tensor); weights != weightIn.end())
        for (auto [where, weight] : weights->second)
          if (where == memory)
            return weight;
      Value buffer = buffers.lookup(tensor);
      if (exec::memoryOf(buffer.getType()) == memory)
        return buffer;
      Value &copy = transferred[{buffer, memory}];
      if (!copy) {
        auto type = cast<MemRefType>(buffer.getType());
        copy =
            exec::AllocOp::create(builder, loc, exec::inMemory(type, memory));
        exec::TransferOp::create(builder, loc, buffer, copy);
      }
      return copy;
    };
    unsigned numKernels = 0;
    for (auto [tensor, buffer] :
         llvm::zip(graphFn.getArguments(), body->getArguments()))
      buffers.map(tensor, buffer);

    for (Operation &op : graphFn.getBody().front().without_terminator()) {
      Location loc = op.getLoc();
      if (auto constant = dyn_cast<graph::ConstantOp>(op)) {
        // Stored once in each memory whose kernels read it (the compile's
        // target's when none does, or the host reads it).
        bool elsewhere = false;
        llvm::SetVector<StringRef> readers =
            readerMemories(constant.getResult(), elsewhere);
        SmallVector<StringRef> memories;
        if (readers.empty() || elsewhere)
          memories.push_back(memory);
        for (StringRef where : readers)
          if (!llvm::is_contained(memories, where))
            memories.push_back(where);
        for (StringRef where : memories) {
          Value weight = exec::ConstantOp::create(
              builder, loc,
              exec::inMemory(bufferType(constant.getType()), where),
              constant.getValue(), ArrayAttr());
          weightIn[constant.getResult()].push_back({where, weight});
        }
        buffers.map(constant.getResult(),
                    weightIn[constant.getResult()].front().second);
      } else if (auto reshape = dyn_cast<graph::ReshapeOp>(op)) {
        Value output = outputFor.lookup(reshape.getResult());
        Value source = reshape.getInput();
        auto view = [&](Value of) -> Value {
          return exec::ViewOp::create(
              builder, loc,
              exec::inMemory(bufferType(reshape.getType()),
                             exec::memoryOf(of.getType())),
              of);
        };
        if (output && viewedOutputFor.lookup(source) == output) {
          buffers.map(reshape.getResult(), output); // Written in place.
        } else if (auto weights = weightIn.find(source);
                   weights != weightIn.end()) {
          // A view of a weight in each memory holding it.
          for (auto [where, weight] : llvm::to_vector(weights->second))
            weightIn[reshape.getResult()].push_back({where, view(weight)});
          buffers.map(reshape.getResult(),
                      weightIn[reshape.getResult()].front().second);
        } else {
          buffers.map(reshape.getResult(), view(buffers.lookup(source)));
        }
      } else if (auto dispatch = dyn_cast<graph::DispatchOp>(op)) {
        Placed &where = *placeOf.lookup(dispatch);
        SmallVector<Value> inputs, outputs;
        for (Value input : dispatch.getInputs())
          inputs.push_back(inMemory(input, where.memory, loc));
        for (Value result : dispatch.getResults()) {
          Value output = outputFor.lookup(result);
          if (!output)
            if (Value viewed = viewedOutputFor.lookup(result))
              output = exec::ViewOp::create(
                  builder, loc, bufferType(result.getType()), viewed);
          if (!output)
            output = exec::AllocOp::create(
                builder, loc,
                exec::inMemory(bufferType(result.getType()), where.memory));
          buffers.map(result, output);
          outputs.push_back(output);
        }
        ModuleOp kernels = where.kernels;
        func::FuncOp kernel =
            outline(dispatch, kernels, *where.symbols, numKernels++);
        auto symbol =
            SymbolRefAttr::get(context, kernels.getName().value_or(""),
                               {FlatSymbolRefAttr::get(kernel.getNameAttr())});
        auto launch =
            exec::DispatchOp::create(builder, loc, symbol, inputs, outputs);
        // What the kernel computes, for the compile report.
        SmallVector<Attribute> names;
        int64_t flops = 0;
        kernel.getBody().walk([&](Operation *inner) {
          if (!isa<graph::GraphDialect>(inner->getDialect()) ||
              isa<graph::ConstantOp>(inner))
            return;
          names.push_back(
              builder.getStringAttr(inner->getName().getStringRef()));
          flops += graph::estimateFlops(inner);
        });
        launch->setAttr(exec::kOpsAttr, builder.getArrayAttr(names));
        launch->setAttr(exec::kFlopsAttr, builder.getI64IntegerAttr(flops));
      } else if (isa<shard::AllReduceOp, shard::AllGatherOp,
                     shard::ReduceScatterOp, shard::AllToAllOp,
                     shard::AllSliceOp>(op)) {
        // A slice of a weight (not returned as it is) is a weight.
        auto slice = dyn_cast<shard::AllSliceOp>(op);
        Value constant = slice && !outputFor.contains(slice.getResult())
                             ? sliceConstant(slice, builder, buffers)
                             : Value();
        if (constant)
          buffers.map(slice.getResult(), constant);
        else if (failed(scheduleCollective(op, builder, buffers, outputFor)))
          return failure();
      } else {
        return op.emitOpError("cannot run on the host; expected only "
                              "graph.constant, graph.reshape, graph.dispatch "
                              "and collectives here (run graph-form-dispatches "
                              "first)");
      }
    }

    // Outputs not written in place (inputs, constants, views, a value
    // returned twice, anything in device memory) are copied or transferred
    // into their output buffer.
    for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
      Value output = body->getArgument(numInputs + index);
      Value buffer = buffers.lookup(value);
      if (buffer == output)
        continue;
      if (exec::memoryOf(buffer.getType()) == exec::memoryOf(output.getType()))
        exec::CopyOp::create(builder, returnOp.getLoc(), buffer, output);
      else
        exec::TransferOp::create(builder, returnOp.getLoc(), buffer, output);
    }
    func::ReturnOp::create(builder, returnOp.getLoc());
    graphFn.erase();
    // Whole weights only their slices used.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
      if (isa<exec::ConstantOp>(op) && op.use_empty())
        op.erase();
    return success();
  }
};

} // namespace
