//===- EmitEntryPoints.cpp - cpu-emit-entry-points ------------------------===//
//
// The runtime's CPU calling convention (runtime/include/kiln/runtime/Abi.h):
//   void kiln_<kernel>(void **bindings, int64_t workgroup);
// Kernels lowered with the bare-pointer memref convention take one pointer
// per binding and the workgroup id; the entry point unpacks the array.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/cpu/CpuPasses.h"

#include "mlir/IR/Builders.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CPUEMITENTRYPOINTS
#include "lib/backends/cpu/CpuPasses.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

struct CpuEmitEntryPoints
    : kiln::cpu::impl::CpuEmitEntryPointsBase<CpuEmitEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto grid =
        module->getAttrOfType<DictionaryAttr>(kiln::cpu::kWorkgroupsAttr);
    if (!grid) {
      module.emitError("no ") << kiln::cpu::kWorkgroupsAttr
                              << " attribute: run kernel-distribute-workgroups";
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(context);
    auto i64 = IntegerType::get(context, 64);
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    // A loop annotation on an scf.for (cpu-vectorize-convolutions marks
    // loops unroll-disabled) reaches the loop's branch as the discardable
    // `llvm.loop_annotation` attribute convert-scf-to-cf copies; the LLVM
    // IR translation reads only the branch's own `loop_annotation`, so
    // without this the annotation was silently dropped.
    constexpr StringLiteral kAnnotation = "llvm.loop_annotation";
    module.walk([&](Operation *op) {
      auto annotation =
          op->getAttrOfType<LLVM::LoopAnnotationAttr>(kAnnotation);
      if (!annotation)
        return;
      op->removeAttr(kAnnotation);
      if (auto branch = dyn_cast<LLVM::BrOp>(op))
        branch.setLoopAnnotationAttr(annotation);
      else if (auto branch = dyn_cast<LLVM::CondBrOp>(op))
        branch.setLoopAnnotationAttr(annotation);
    });
    // Everything but the entry points is internal to the kernel library.
    for (auto function : module.getOps<LLVM::LLVMFuncOp>())
      if (!function.isExternal())
        function.setLinkage(LLVM::Linkage::Internal);

    for (NamedAttribute entry : grid) {
      auto kernel = module.lookupSymbol<LLVM::LLVMFuncOp>(entry.getName());
      if (!kernel) {
        module.emitError("kernel @")
            << entry.getName().getValue() << " was not lowered";
        return signalPassFailure();
      }
      LLVM::LLVMFunctionType kernelType = kernel.getFunctionType();
      unsigned numBindings = kernelType.getNumParams() - 1;
      auto entryType = LLVM::LLVMFunctionType::get(
          LLVM::LLVMVoidType::get(context), {ptr, i64});
      auto wrapper = LLVM::LLVMFuncOp::create(
          builder, kernel.getLoc(),
          (kiln::cpu::kEntryPrefix + entry.getName().strref()).str(),
          entryType);
      Block *body = wrapper.addEntryBlock(builder);
      OpBuilder inner = OpBuilder::atBlockEnd(body);
      Location loc = kernel.getLoc();
      SmallVector<Value> args;
      for (unsigned i = 0; i < numBindings; ++i) {
        Value slot =
            LLVM::GEPOp::create(inner, loc, ptr, ptr, body->getArgument(0),
                                ArrayRef<LLVM::GEPArg>{int32_t(i)});
        args.push_back(LLVM::LoadOp::create(inner, loc, ptr, slot));
      }
      Value workgroup = body->getArgument(1);
      Type workgroupType = kernelType.getParamType(numBindings);
      if (workgroupType != i64)
        workgroup = LLVM::TruncOp::create(inner, loc, workgroupType, workgroup);
      args.push_back(workgroup);
      LLVM::CallOp::create(inner, loc, kernel, args);
      LLVM::ReturnOp::create(inner, loc, ValueRange{});
    }
  }
};

} // namespace
