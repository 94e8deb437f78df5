//===- InitAll.cpp - register everything a Kiln tool needs ----------------===//

#include "kiln/InitAll.h"

#include "kiln/Backend.h"

#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphOps.h"
#include "dialects/graph/GraphSharding.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include <mutex>

namespace kiln::cpu {
std::unique_ptr<Backend> createCpuBackend();
} // namespace kiln::cpu
namespace kiln::opencl {
std::unique_ptr<Backend> createOpenCLBackend();
} // namespace kiln::opencl
namespace kiln::cuda {
std::unique_ptr<Backend> createCudaBackend();
} // namespace kiln::cuda

void kiln::registerAllBackends() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerBackend(cpu::createCpuBackend());
    registerBackend(opencl::createOpenCLBackend());
    registerBackend(cuda::createCudaBackend());
  });
}

void kiln::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<kiln::graph::GraphDialect, kiln::exec::ExecDialect>();
  kiln::graph::registerGraphShardingInterfaces(registry);
  // Kiln lowers through linalg, tensor, bufferization, gpu/nvvm, shard, llvm;
  // registering all upstream dialects lets kiln-opt replay any of those stages.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // So that kiln-opt replays upstream serialization (gpu-module-to-binary)
  // of any stage.
  mlir::registerAllToLLVMIRTranslations(registry);
}

void kiln::registerAllPasses() {
  mlir::registerAllPasses();
  kiln::registerKilnPasses();
  kiln::registerPipelines();
  // Backends register their own codegen passes.
  kiln::registerAllBackends();
}
