//===- Serialize.cpp - cuda-serialize -------------------------------------===//
//
// PTX per arch through upstream's serialization (LLVM's NVPTX backend,
// libdevice linked from the toolkit), then the toolkit's own tools: ptxas
// per arch, fatbinary for the bundle. ptxas runs as a subprocess (libMLIR
// has no in-process PTX compiler); its -v report is kept per kernel.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/cuda/CudaPasses.h"
#include "lib/backends/cuda/Toolkit.h"
#include "lib/backends/gpu/ExternalTool.h"

#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/IR/Builders.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Regex.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_CUDASERIALIZE
#include "lib/backends/cuda/CudaPasses.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

/// What ptxas -v said about each kernel: per entry function, its resources.
DictionaryAttr parseResources(StringRef log, Builder &builder) {
  llvm::Regex entry("Compiling entry function '([A-Za-z0-9_$.]+)'");
  llvm::Regex frame("([0-9]+) bytes stack frame, ([0-9]+) bytes spill "
                    "stores, ([0-9]+) bytes spill loads");
  llvm::Regex used("Used ([0-9]+) registers");
  llvm::Regex shared("([0-9]+) bytes smem");
  llvm::MapVector<StringRef, SmallVector<NamedAttribute>> kernels;
  StringRef current;
  SmallVector<StringRef> lines;
  log.split(lines, '\n');
  auto number = [&](StringRef text) {
    int64_t value = 0;
    text.getAsInteger(10, value);
    return builder.getI64IntegerAttr(value);
  };
  for (StringRef line : lines) {
    SmallVector<StringRef> match;
    if (entry.match(line, &match)) {
      current = match[1];
      kernels[current];
      continue;
    }
    if (current.empty())
      continue;
    SmallVector<NamedAttribute> &fields = kernels[current];
    if (frame.match(line, &match)) {
      fields.push_back(builder.getNamedAttr("stack", number(match[1])));
      fields.push_back(builder.getNamedAttr("spill_stores", number(match[2])));
      fields.push_back(builder.getNamedAttr("spill_loads", number(match[3])));
    }
    if (used.match(line, &match)) {
      fields.push_back(builder.getNamedAttr("registers", number(match[1])));
      SmallVector<StringRef> smem;
      fields.push_back(builder.getNamedAttr(
          "shared", shared.match(line, &smem) ? number(smem[1])
                                              : builder.getI64IntegerAttr(0)));
    }
  }
  SmallVector<NamedAttribute> entries;
  for (auto &[name, fields] : kernels)
    entries.push_back(
        builder.getNamedAttr(name, builder.getDictionaryAttr(fields)));
  return builder.getDictionaryAttr(entries);
}

struct CudaSerialize : kiln::cuda::impl::CudaSerializeBase<CudaSerialize> {
  using CudaSerializeBase::CudaSerializeBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    CudaSerializeBase::getDependentDialects(registry);
    // Registered up front: a pass may not extend the context while the
    // pass manager runs modules in parallel.
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    registerGPUDialectTranslation(registry);
    registerNVVMDialectTranslation(registry);
    NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module.getOps<mlir::gpu::GPUModuleOp>().empty())
      return;
    kiln::cuda::Toolkit found;
    std::string error;
    if (!kiln::cuda::findToolkit(toolkit, found, error)) {
      emitError(module.getLoc(), error);
      return signalPassFailure();
    }
    // PTX for each target; the toolkit's libdevice for math calls.
    mlir::gpu::TargetOptions options(
        found.root, /*librariesToLink=*/{}, /*cmdOptions=*/"",
        /*elfSection=*/"", mlir::gpu::CompilationTarget::Assembly);
    if (failed(
            mlir::gpu::transformGpuModulesToBinaries(module, nullptr, options)))
      return signalPassFailure();
    for (auto binary : module.getOps<mlir::gpu::BinaryOp>())
      if (failed(assemble(binary, found)))
        return signalPassFailure();
  }

  /// Replaces `binary`'s PTX objects by one fatbin object.
  LogicalResult assemble(mlir::gpu::BinaryOp binary,
                         const kiln::cuda::Toolkit &toolkit) {
    Builder builder(&getContext());
    Location loc = binary.getLoc();
    kiln::gpu::ScratchFiles scratch;
    std::vector<std::string> images;
    SmallVector<NamedAttribute> resources;
    SmallVector<std::string> archs;
    // The PTX newer GPUs compile: the oldest arch's, unless all are
    // arch-specific (sm_90a code runs on sm_90 only).
    std::string ptxPath, ptxArch, ptxVersion;
    int ptxNumber = 0;
    for (Attribute attribute : binary.getObjects()) {
      auto object = cast<mlir::gpu::ObjectAttr>(attribute);
      auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
      if (!target ||
          object.getFormat() != mlir::gpu::CompilationTarget::Assembly)
        return binary.emitError("holds an object that is not NVVM PTX: run "
                                "cuda-attach-target before cuda-serialize");
      std::string chip = target.getChip().str();
      int number = kiln::cuda::archNumber(chip);
      std::string ptx = scratch.write("ptx", object.getObject().getValue());
      std::string cubin = scratch.create("cubin");
      if (ptx.empty() || cubin.empty())
        return emitError(loc, "cannot create temporary files for the PTX");
      FailureOr<std::string> log = kiln::gpu::runTool(
          toolkit.ptxas, {"-O3", "-v", "-arch=" + chip, ptx, "-o", cubin}, loc,
          "assembling the " + chip + " PTX");
      if (failed(log))
        return failure();
      resources.push_back(
          builder.getNamedAttr(chip, parseResources(*log, builder)));
      archs.push_back(chip);
      std::string sm = chip.substr(3);
      images.push_back("--image3=kind=elf,sm=" + sm + ",file=" + cubin);
      bool specific = StringRef(chip).ends_with("a");
      if (!specific && (ptxPath.empty() || number < ptxNumber)) {
        ptxPath = ptx;
        ptxArch = sm;
        ptxNumber = number;
        ptxVersion = target.getFeatures().str();
      }
    }
    if (!ptxPath.empty())
      images.push_back("--image3=kind=ptx,sm=" + ptxArch + ",file=" + ptxPath);
    std::string fatbin = scratch.create("fatbin");
    std::vector<std::string> arguments = {"-64", "--create=" + fatbin};
    arguments.insert(arguments.end(), images.begin(), images.end());
    if (failed(kiln::gpu::runTool(toolkit.fatbinary, arguments, loc,
                                  "bundling the cubins into a fatbin")))
      return failure();
    FailureOr<std::string> bytes = scratch.read(fatbin, loc);
    if (failed(bytes))
      return failure();

    // The header the runtime reads to explain a driver that cannot load it.
    StringRef ptxIsa = StringRef(ptxVersion).drop_front(4); // "+ptx80"
    std::string header =
        kiln::cuda::kBinaryMagic.str() + "toolkit " + toolkit.version +
        "\nptx " +
        (ptxIsa.empty() ? std::string("none")
                        : ptxIsa.substr(0, ptxIsa.size() - 1).str() + "." +
                              ptxIsa.take_back().str()) +
        "\narchs " + llvm::join(archs, " ") + "\n\n";
    auto properties = builder.getDictionaryAttr(
        {builder.getNamedAttr("format", builder.getStringAttr("kiln-cuda")),
         builder.getNamedAttr("toolkit",
                              builder.getStringAttr(toolkit.version)),
         builder.getNamedAttr(
             "archs", builder.getStrArrayAttr(
                          SmallVector<StringRef>(archs.begin(), archs.end()))),
         builder.getNamedAttr("resources",
                              builder.getDictionaryAttr(resources))});
    auto first = cast<mlir::gpu::ObjectAttr>(binary.getObjects()[0]);
    binary.setObjectsAttr(builder.getArrayAttr(mlir::gpu::ObjectAttr::get(
        &getContext(), first.getTarget(), mlir::gpu::CompilationTarget::Fatbin,
        builder.getStringAttr(header + *bytes), properties,
        first.getKernels())));
    return success();
  }
};

} // namespace
