//===- CompiledKernels.cpp - a GPU kernel module's kernels and launches ---===//

#include "lib/backends/gpu/GpuPasses.h"

using namespace mlir;

namespace kiln::gpu {

FailureOr<CompiledKernels> compiledKernels(ModuleOp kernels,
                                           llvm::StringRef target) {
  auto binary = kernels.lookupSymbol<mlir::gpu::BinaryOp>(kGpuModuleName);
  auto launches = kernels->getAttrOfType<DictionaryAttr>(kLaunchesAttr);
  if (!binary || binary.getObjects().size() != 1 || !launches)
    return kernels.emitError("has no ")
           << target
           << " kernel binary and launches: run the target's kernel and "
              "binary pipelines first";
  CompiledKernels result;
  result.target = target.str();
  result.binary = cast<mlir::gpu::ObjectAttr>(binary.getObjects()[0])
                      .getObject()
                      .getValue()
                      .str();
  if (auto calls = kernels->getAttrOfType<DictionaryAttr>(kLibraryCallsAttr))
    for (NamedAttribute entry : calls) {
      CompiledKernel &kernel = result.kernels.emplace_back();
      kernel.name = entry.getName().str();
      kernel.symbol = cast<StringAttr>(entry.getValue()).str();
    }
  for (NamedAttribute entry : launches) {
    auto launch = cast<DictionaryAttr>(entry.getValue());
    CompiledKernel &kernel = result.kernels.emplace_back();
    kernel.name = entry.getName().str();
    kernel.symbol = kernel.name;
    auto grid = launch.getAs<DenseI64ArrayAttr>("grid");
    auto workgroup = launch.getAs<DenseI64ArrayAttr>("workgroup");
    for (int i = 0; i < 3; ++i) {
      kernel.grid[i] = grid[i];
      kernel.workgroup[i] = workgroup[i];
    }
    kernel.sharedBytes = launch.getAs<IntegerAttr>("shared_bytes").getInt();
  }
  return result;
}

} // namespace kiln::gpu
