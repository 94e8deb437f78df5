//===- Pipelines.cpp - Kiln's pass pipelines ------------------------------===//

#include "passes/Pipelines.h"

#include "kiln/Backend.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void kiln::buildGraphCanonicalizePipeline(
    OpPassManager &pm, const GraphCanonicalizeOptions &options) {
  GreedyRewriteConfig config;
  config.setMaxIterations(options.maxIterations);
  pm.addPass(createCanonicalizerPass(config));
  if (options.cse)
    pm.addPass(createCSEPass());
}

LogicalResult
kiln::buildCompilePipeline(OpPassManager &pm,
                           const CompilePipelineOptions &options) {
  const Backend *backend = lookupBackend(options.target);
  if (!backend)
    return failure();
  buildGraphCanonicalizePipeline(pm, GraphCanonicalizeOptions());
  pm.addNestedPass<func::FuncOp>(createGraphFormDispatches());
  ExecBuildScheduleOptions schedule;
  schedule.entry = options.entry;
  schedule.target = options.target;
  pm.addPass(createExecBuildSchedule(schedule));
  // The kernel module is the one nested module the schedule created.
  backend->buildKernelPipeline(pm.nest<ModuleOp>(), {});
  return success();
}

void kiln::registerPipelines() {
  PassPipelineRegistration<GraphCanonicalizeOptions>(
      "graph-canonicalize",
      "Fold and canonicalize the model graph to a fixed point, then CSE",
      buildGraphCanonicalizePipeline);
  // Registered by hand to report an unknown target instead of crashing.
  registerPassPipeline(
      "kiln-compile",
      "The whole compile: dispatches, schedule, kernels lowered by the "
      "target's backend",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        auto options = CompilePipelineOptions::createFromString(text);
        if (!options)
          return errorHandler("bad kiln-compile options: " + text);
        if (failed(buildCompilePipeline(pm, *options)))
          return errorHandler("kiln-compile: unknown target '" +
                              options->target.getValue() + "'");
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optionHandler) {
        optionHandler(CompilePipelineOptions());
      });
}
