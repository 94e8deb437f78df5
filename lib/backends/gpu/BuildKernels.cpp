//===- BuildKernels.cpp - gpu-build-kernels -------------------------------===//
//
// Kiln builds each GPU kernel's gpu.func itself, from the kernel as the
// workgroup tiling left it (a function over the bindings plus a work index),
// so the arguments stay in binding order: upstream gpu-kernel-outlining
// orders them by first use, which would break the runtime's ABI (one
// pointer per binding, inputs then outputs).
//
// The strategy is the general one: every index of the kernel's grid (a tile
// of its root op, producers fused, as kernel-tile-workgroups chose them with
// one index per tile) is one work item. It is correct for every kernel the
// CPU runs; the per-root GPU strategies (workgroup reductions in local
// memory, tiled contractions) refine it.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/gpu/GpuPasses.h"
#include "lib/backends/gpu/RowReductions.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/SetVector.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_GPUBUILDKERNELS
#include "lib/backends/gpu/GpuPasses.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace {

/// The module attribute kernel-distribute-workgroups records each kernel's
/// work item count in.
constexpr llvm::StringLiteral kWorkgroupsAttr = kiln::exec::kWorkgroupsAttr;

struct GpuBuildKernels : kiln::gpu::impl::GpuBuildKernelsBase<GpuBuildKernels> {
  using GpuBuildKernelsBase::GpuBuildKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto counts = module->getAttrOfType<DictionaryAttr>(kWorkgroupsAttr);
    if (!counts) {
      module.emitError("has no ")
          << kWorkgroupsAttr
          << ": distribute the kernels over work items first "
             "(kernel-distribute-workgroups)";
      return signalPassFailure();
    }
    if (workgroupSize < 1) {
      module.emitError("workgroup size must be positive, got ")
          << workgroupSize;
      return signalPassFailure();
    }
    OpBuilder builder(context);
    // A backend may have built some kernels already (the cuda backend's
    // tensor-core GEMMs): theirs stay, ours join them.
    mlir::gpu::GPUModuleOp gpuModule = kiln::gpu::kernelsModule(module);
    SmallVector<NamedAttribute> launches;
    if (auto built =
            module->getAttrOfType<DictionaryAttr>(kiln::gpu::kLaunchesAttr))
      launches.append(built.begin(), built.end());
    IRRewriter rewriter(context);
    for (auto kernel : module.getOps<func::FuncOp>()) {
      if (kernel.isExternal())
        continue;
      auto count = counts.getAs<IntegerAttr>(kernel.getSymName());
      if (!count || count.getInt() < 1) {
        kernel.emitOpError("has no work item count in ") << kWorkgroupsAttr;
        return signalPassFailure();
      }
      FailureOr<DictionaryAttr> launch =
          build(kernel, count.getInt(), gpuModule, rewriter);
      if (failed(launch))
        return signalPassFailure();
      launches.push_back(builder.getNamedAttr(kernel.getSymName(), *launch));
      // What exec.dispatch names stays: the kernel's bindings as the host
      // sees them, a declaration; its code is the gpu.func.
      kernel.getBody().getBlocks().clear();
      kernel.setFunctionType(FunctionType::get(
          context, kernel.getArgumentTypes().drop_back(), {}));
      kernel.setPrivate();
    }
    module->removeAttr(kWorkgroupsAttr);
    module->setAttr(kiln::gpu::kLaunchesAttr,
                    builder.getDictionaryAttr(launches));
    if (failed(materializeConstants(module, gpuModule)) ||
        failed(flattenViews(gpuModule)) ||
        failed(privatizeTemporaries(gpuModule)))
      return signalPassFailure();
  }

  /// The gpu.func for `kernel`, which runs `items` work items; returns the
  /// launch.
  FailureOr<DictionaryAttr> build(func::FuncOp kernel, int64_t items,
                                  mlir::gpu::GPUModuleOp gpuModule,
                                  IRRewriter &rewriter) {
    MLIRContext *context = &getContext();
    Location loc = kernel.getLoc();
    ArrayRef<Type> arguments = kernel.getArgumentTypes();
    if (arguments.empty() || !arguments.back().isIndex())
      return kernel.emitOpError(
          "does not take a work index last (run kernel-distribute-workgroups)");
    // A kernel over rows it reduces gets a workgroup per row unless it has
    // rows enough to fill the device a work item each; any other kernel gets
    // a work item per index.
    Attribute workgroupSpace =
        spirv ? Attribute(spirv::StorageClassAttr::get(
                    context, spirv::StorageClass::Workgroup))
              : Attribute(mlir::gpu::AddressSpaceAttr::get(
                    context, mlir::gpu::AddressSpace::Workgroup));
    FailureOr<kiln::gpu::RowLaunch> rows = failure();
    if (rowStrategy && items < rowsBelow)
      rows = kiln::gpu::shareRowsInWorkgroup(kernel, workgroupSize,
                                             workgroupSpace, barriers);
    int64_t size =
        succeeded(rows) ? rows->width : std::min<int64_t>(workgroupSize, items);
    int64_t grid = succeeded(rows) ? items : llvm::divideCeil(items, size);
    auto func = kiln::gpu::createKernel(
        rewriter, gpuModule, loc, kernel.getSymName(),
        FunctionType::get(context, arguments.drop_back(), {}), size, spirv);

    Block &entry = func.getBody().front();
    rewriter.setInsertionPointToStart(&entry);
    Value workgroup =
        mlir::gpu::BlockIdOp::create(rewriter, loc, mlir::gpu::Dimension::x);
    Block &body = kernel.getBody().front();
    rewriter.eraseOp(body.getTerminator());
    SmallVector<Value> replacements(entry.getArguments());
    auto launch = [&](int64_t sharedBytes) {
      return kiln::gpu::launchAttr(rewriter, {grid, 1, 1}, size, sharedBytes);
    };
    if (succeeded(rows)) {
      // The row is the workgroup's; every work item reaches every barrier.
      replacements.push_back(workgroup);
      mlir::gpu::ReturnOp::create(rewriter, loc);
      rewriter.inlineBlockBefore(&body, entry.getTerminator(), replacements);
      if (!spirv)
        attributeWorkgroupMemory(func, rewriter);
      return launch(rows->sharedBytes);
    }

    // index = workgroup id * size + local id; the kernel runs when it is
    // below the count (the last workgroup may be partial).
    Value local =
        mlir::gpu::ThreadIdOp::create(rewriter, loc, mlir::gpu::Dimension::x);
    Value index = arith::AddIOp::create(
        rewriter, loc,
        arith::MulIOp::create(
            rewriter, loc, workgroup,
            arith::ConstantIndexOp::create(rewriter, loc, size)),
        local);
    Value inRange = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ult, index,
        arith::ConstantIndexOp::create(rewriter, loc, items));
    auto guard = scf::IfOp::create(rewriter, loc, inRange, false);
    mlir::gpu::ReturnOp::create(rewriter, loc);
    replacements.push_back(index);
    rewriter.inlineBlockBefore(&body, guard.thenBlock()->getTerminator(),
                               replacements);
    // inlineBlockBefore moved the operations; the now empty block stays.
    return launch(0);
  }

  /// NVVM declares workgroup memory as the gpu.func's workgroup
  /// attributions (a global in the shared address space); SPIR-V as
  /// memref.alloc in the Workgroup storage class, which is how the row
  /// strategy made it.
  void attributeWorkgroupMemory(mlir::gpu::GPUFuncOp func,
                                IRRewriter &rewriter) {
    SmallVector<memref::AllocOp> allocations;
    func.walk([&](memref::AllocOp allocation) {
      if (auto space = dyn_cast_or_null<mlir::gpu::AddressSpaceAttr>(
              allocation.getType().getMemorySpace());
          space && space.getValue() == mlir::gpu::AddressSpace::Workgroup)
        allocations.push_back(allocation);
    });
    for (memref::AllocOp allocation : allocations) {
      BlockArgument attribution = func.addWorkgroupAttribution(
          allocation.getType(), allocation.getLoc());
      rewriter.replaceOp(allocation, attribution);
    }
  }

  /// A kernel's small constant arrays (avg-pool divisors; weights are
  /// bindings) were memref.globals of the kernel module, which device code
  /// cannot reach: each use becomes a private temporary the work item fills
  /// first.
  LogicalResult materializeConstants(ModuleOp module,
                                     mlir::gpu::GPUModuleOp gpuModule) {
    constexpr int64_t kMaxElements = 4096;
    SmallVector<memref::GetGlobalOp> uses;
    gpuModule.walk([&](memref::GetGlobalOp use) { uses.push_back(use); });
    SymbolTable symbols(module);
    for (memref::GetGlobalOp use : uses) {
      auto global = symbols.lookup<memref::GlobalOp>(use.getName());
      auto value = global ? dyn_cast_or_null<DenseElementsAttr>(
                                global.getInitialValueAttr())
                          : DenseElementsAttr();
      if (!value || !global.getConstant() ||
          value.getNumElements() > kMaxElements)
        return use.emitOpError("reads a global a GPU kernel cannot hold (a "
                               "constant of at most ")
               << kMaxElements << " elements)";
      auto func = use->getParentOfType<mlir::gpu::GPUFuncOp>();
      OpBuilder builder(&func.getBody().front(),
                        func.getBody().front().begin());
      Location loc = use.getLoc();
      MemRefType type = use.getType();
      auto alloca = memref::AllocaOp::create(builder, loc, type);
      SmallVector<int64_t> strides = computeStrides(type.getShape());
      for (auto [index, element] :
           llvm::enumerate(value.getValues<Attribute>())) {
        SmallVector<int64_t> position =
            delinearize(static_cast<int64_t>(index), strides);
        SmallVector<Value> indices;
        for (int64_t i : position)
          indices.push_back(arith::ConstantIndexOp::create(builder, loc, i));
        Value scalar =
            arith::ConstantOp::create(builder, loc, cast<TypedAttr>(element));
        memref::StoreOp::create(builder, loc, scalar, alloca, indices);
      }
      use.replaceAllUsesWith(alloca.getResult());
      use.erase();
    }
    for (auto global :
         llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
    return success();
  }

  /// A temporary of dynamic size is a memref.view of bytes big enough for
  /// its bound (kernel-stack-temporaries). Private memory cannot be viewed as
  /// another type, so the bytes become an array of the view's elements,
  /// indexed as the view's row-major layout says.
  LogicalResult flattenViews(mlir::gpu::GPUModuleOp gpuModule) {
    SmallVector<memref::ViewOp> views;
    gpuModule.walk([&](memref::ViewOp view) { views.push_back(view); });
    for (memref::ViewOp view : views) {
      auto bytes = view.getSource().getDefiningOp<memref::AllocaOp>();
      if (!bytes || !bytes.getType().hasStaticShape())
        return view.emitOpError("views memory other than a temporary");
      MemRefType type = view.getType();
      int64_t elementBytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
      OpBuilder builder(bytes);
      auto flat = memref::AllocaOp::create(
          builder, bytes.getLoc(),
          MemRefType::get({bytes.getType().getNumElements() / elementBytes},
                          type.getElementType()),
          bytes.getAlignmentAttr());
      for (Operation *user : llvm::make_early_inc_range(view->getUsers())) {
        auto load = dyn_cast<memref::LoadOp>(user);
        auto store = dyn_cast<memref::StoreOp>(user);
        if (!load && !store)
          return user->emitOpError("uses a work item's temporary of dynamic "
                                   "size; GPU kernels only load and store "
                                   "those");
        builder.setInsertionPoint(user);
        Location loc = user->getLoc();
        ValueRange indices = load ? load.getIndices() : store.getIndices();
        // Row-major: the last dim is contiguous, each stride the product of
        // the sizes inside it.
        Value linear = arith::ConstantIndexOp::create(builder, loc, 0);
        Value stride = arith::ConstantIndexOp::create(builder, loc, 1);
        unsigned dynamic = view.getSizes().size();
        for (int64_t dim = type.getRank() - 1; dim >= 0; --dim) {
          linear = arith::AddIOp::create(
              builder, loc, linear,
              arith::MulIOp::create(builder, loc, indices[dim], stride));
          Value size = type.isDynamicDim(dim)
                           ? view.getSizes()[--dynamic]
                           : arith::ConstantIndexOp::create(
                                 builder, loc, type.getDimSize(dim))
                                 .getResult();
          stride = arith::MulIOp::create(builder, loc, stride, size);
        }
        if (load)
          load->replaceAllUsesWith(
              memref::LoadOp::create(builder, loc, flat, ValueRange{linear})
                  ->getResults());
        else
          memref::StoreOp::create(builder, loc, store.getValueToStore(), flat,
                                  ValueRange{linear});
        user->erase();
      }
      view.erase();
      if (bytes->use_empty())
        bytes.erase();
    }
    return success();
  }

  /// A work item's temporaries live in its private memory. Once aliases are
  /// folded (fold-memref-alias-ops) they are only loaded and stored, or
  /// chosen between (arith.select of two temporaries, as a canonicalized
  /// scf.if leaves a padded tile), so changing the memory space of these
  /// buffers changes nothing else.
  LogicalResult privatizeTemporaries(mlir::gpu::GPUModuleOp gpuModule) {
    // SPIR-V's memory mapping has no entry for the gpu dialect's private
    // space: name its storage class directly.
    Attribute privateSpace =
        spirv ? Attribute(spirv::StorageClassAttr::get(
                    &getContext(), spirv::StorageClass::Function))
              : Attribute(mlir::gpu::AddressSpaceAttr::get(
                    &getContext(), mlir::gpu::AddressSpace::Private));
    SetVector<Value> temporaries;
    gpuModule.walk(
        [&](memref::AllocaOp alloca) { temporaries.insert(alloca); });
    for (size_t i = 0; i < temporaries.size(); ++i) {
      for (Operation *user : temporaries[i].getUsers()) {
        if (isa<memref::LoadOp, memref::StoreOp>(user))
          continue;
        auto select = dyn_cast<arith::SelectOp>(user);
        if (select && temporaries.contains(select.getTrueValue()) ==
                          temporaries.contains(select.getFalseValue())) {
          temporaries.insert(select.getResult());
          continue;
        }
        return temporaries[i].getDefiningOp()->emitOpError(
                   "is a work item's temporary used by ")
               << user->getName()
               << "; GPU kernels need temporaries that are only loaded, "
                  "stored and selected between";
      }
    }
    for (Value temporary : temporaries) {
      auto type = cast<MemRefType>(temporary.getType());
      temporary.setType(MemRefType::get(type.getShape(), type.getElementType(),
                                        type.getLayout(), privateSpace));
    }
    return success();
  }
};

} // namespace

namespace kiln::gpu {

mlir::gpu::GPUModuleOp kernelsModule(ModuleOp module) {
  if (auto existing =
          module.lookupSymbol<mlir::gpu::GPUModuleOp>(kGpuModuleName))
    return existing;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  module->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(),
                  builder.getUnitAttr());
  return mlir::gpu::GPUModuleOp::create(builder, module.getLoc(),
                                        kGpuModuleName);
}

mlir::gpu::GPUFuncOp createKernel(OpBuilder &builder,
                                  mlir::gpu::GPUModuleOp gpuModule,
                                  Location loc, StringRef name,
                                  FunctionType type, int64_t workgroupSize,
                                  bool spirv) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(gpuModule.getBody());
  auto func = mlir::gpu::GPUFuncOp::create(builder, loc, name, type);
  func->setAttr(mlir::gpu::GPUDialect::getKernelFuncAttrName(),
                builder.getUnitAttr());
  int32_t block[3] = {static_cast<int32_t>(workgroupSize), 1, 1};
  func.setKnownBlockSizeAttr(builder.getDenseI32ArrayAttr(block));
  if (spirv) {
    func->setAttr(spirv::getEntryPointABIAttrName(),
                  spirv::getEntryPointABIAttr(builder.getContext(), block));
    return func;
  }
  // Bindings never share bytes an output is written through: LLVM may keep
  // loads across stores, and NVPTX reads inputs through the read-only cache.
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    func.setArgAttr(i, "llvm.noalias", builder.getUnitAttr());
  return func;
}

DictionaryAttr launchAttr(Builder &builder, ArrayRef<int64_t> grid,
                          int64_t workgroupSize, int64_t sharedBytes) {
  return builder.getDictionaryAttr(
      {builder.getNamedAttr("grid", builder.getDenseI64ArrayAttr(grid)),
       builder.getNamedAttr(
           "workgroup", builder.getDenseI64ArrayAttr({workgroupSize, 1, 1})),
       builder.getNamedAttr("shared_bytes",
                            builder.getI64IntegerAttr(sharedBytes))});
}

} // namespace kiln::gpu
