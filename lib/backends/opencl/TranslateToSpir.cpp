//===- TranslateToSpir.cpp - opencl-translate-to-spir ---------------------===//

#include "lib/backends/gpu/ExternalTool.h"
#include "lib/backends/opencl/OpenCLPasses.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

namespace kiln::opencl {
#define GEN_PASS_DEF_OPENCLTRANSLATETOSPIR
#include "lib/backends/opencl/OpenCLPasses.h.inc"
} // namespace kiln::opencl

using namespace mlir;

namespace {

/// The llvm-spirv tool: `given`, else found on PATH or in LLVM 15's bin.
FailureOr<std::string> findLlvmSpirv(StringRef given, Location loc) {
  if (!given.empty()) {
    if (llvm::sys::fs::can_execute(given))
      return given.str();
    return emitError(loc, "the opencl target's llvm-spirv '")
           << given << "' is not an executable file";
  }
  for (StringRef name : {"llvm-spirv-15", "llvm-spirv"})
    if (auto path = llvm::sys::findProgramByName(name))
      return *path;
  if (auto path =
          llvm::sys::findProgramByName("llvm-spirv", {"/usr/lib/llvm-15/bin"}))
    return *path;
  return emitError(loc,
                   "the opencl target needs llvm-spirv (LLVM 15's) to turn its "
                   "SPIR-V kernels into the SPIR 1.2 bitcode OpenCL platforms "
                   "without SPIR-V load, and found none on PATH or in "
                   "/usr/lib/llvm-15/bin; on Debian: apt-get install "
                   "llvm-spirv-15 (or name it: kiln-compile "
                   "--target-option llvm-spirv=PATH)");
}

/// `spirv` as SPIR 1.2 bitcode, through `tool -r`.
FailureOr<std::string> toSpir(StringRef tool, StringRef spirv, Location loc) {
  kiln::gpu::ScratchFiles scratch;
  std::string input = scratch.write("spv", spirv);
  std::string output = scratch.create("bc");
  if (input.empty() || output.empty())
    return emitError(loc, "cannot create temporary files for the SPIR-V");
  if (failed(kiln::gpu::runTool(tool, {"-r", input, "-o", output}, loc,
                                "turning the SPIR-V kernels into SPIR 1.2")))
    return failure();
  return scratch.read(output, loc);
}

struct OpenCLTranslateToSpir
    : kiln::opencl::impl::OpenCLTranslateToSpirBase<OpenCLTranslateToSpir> {
  using OpenCLTranslateToSpirBase::OpenCLTranslateToSpirBase;

  void runOnOperation() override {
    SmallVector<mlir::gpu::BinaryOp> binaries(
        getOperation().getOps<mlir::gpu::BinaryOp>());
    if (binaries.empty())
      return;
    FailureOr<std::string> tool =
        findLlvmSpirv(llvmSpirv, getOperation().getLoc());
    if (failed(tool))
      return signalPassFailure();
    for (mlir::gpu::BinaryOp binary : binaries) {
      SmallVector<Attribute> objects;
      for (Attribute attribute : binary.getObjects()) {
        auto object = cast<mlir::gpu::ObjectAttr>(attribute);
        FailureOr<std::string> spir =
            toSpir(*tool, object.getObject().getValue(), binary.getLoc());
        if (failed(spir))
          return signalPassFailure();
        Builder builder(&getContext());
        objects.push_back(mlir::gpu::ObjectAttr::get(
            &getContext(), object.getTarget(),
            mlir::gpu::CompilationTarget::Binary, builder.getStringAttr(*spir),
            builder.getDictionaryAttr(builder.getNamedAttr(
                "format", builder.getStringAttr("spir-1.2"))),
            object.getKernels()));
      }
      binary.setObjectsAttr(ArrayAttr::get(&getContext(), objects));
    }
  }
};

} // namespace
