//===- LowerKernels.cpp - exec-lower-kernels ------------------------------===//
//
// Runs each kernel module's backend pipelines on it: the module's
// #exec.target names the backend and holds the options the compile gave
// it, so a schedule whose dispatches graph-place spread over several
// targets (one module each) lowers each with its own backend. A dynamic
// pipeline per module, as a static one nested under builtin.module would
// run every backend's passes on every module.
//
//===----------------------------------------------------------------------===//

#include "dialects/exec/ExecOps.h"
#include "kiln/Backend.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"

namespace kiln {
#define GEN_PASS_DEF_EXECLOWERKERNELS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

struct ExecLowerKernels : kiln::impl::ExecLowerKernelsBase<ExecLowerKernels> {
  using ExecLowerKernelsBase::ExecLowerKernelsBase;

  /// The pipelines `backend` runs on a module of its target.
  OpPassManager pipelineOf(const Backend &backend,
                           const BackendOptions &options) const {
    OpPassManager pm(ModuleOp::getOperationName());
    if (kernels)
      backend.buildKernelPipeline(pm, options);
    if (binary)
      backend.buildBinaryPipeline(pm, options);
    return pm;
  }

  // A dynamic pipeline's dialects load before the passes run, from every
  // backend's pipelines (their options do not change which dialects).
  void getDependentDialects(DialectRegistry &registry) const override {
    for (const std::string &name : registeredBackends())
      pipelineOf(*lookupBackend(name), {}).getDependentDialects(registry);
  }

  void runOnOperation() override {
    for (auto module :
         llvm::to_vector(getOperation().getBody()->getOps<ModuleOp>())) {
      exec::TargetAttr target = exec::targetOf(module);
      if (!target)
        continue;
      const Backend *backend = lookupBackend(target.getName());
      if (!backend) {
        module.emitError("no backend for target '") << target.getName() << "'";
        return signalPassFailure();
      }
      OpPassManager pm =
          pipelineOf(*backend, backendOptionsOf(target.getOptions()));
      if (failed(runPipeline(pm, module)))
        return signalPassFailure();
    }
  }
};

} // namespace
