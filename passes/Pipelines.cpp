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

ArrayRef<StringLiteral> kiln::compileStages() {
  static constexpr StringLiteral stages[] = {"graph", "dispatch", "schedule",
                                             "kernels", "binary"};
  return stages;
}

namespace kiln {
/// The target's backend and its checked options; `error` says why not.
static const Backend *checkTarget(const CompilePipelineOptions &options,
                                  BackendOptions &backendOptions,
                                  std::string &error) {
  const Backend *backend = lookupBackend(options.target);
  if (!backend) {
    std::string known;
    for (const std::string &name : registeredBackends())
      known += (known.empty() ? "" : ", ") + name;
    error = "unknown target '" + options.target.getValue() +
            "' (available: " + known + ")";
    return nullptr;
  }
  if (failed(
          parseBackendOptions(options.targetOptions, backendOptions, error)) ||
      failed(backend->checkOptions(backendOptions, error)))
    return nullptr;
  return backend;
}
} // namespace kiln

LogicalResult
kiln::buildCompilePipeline(OpPassManager &pm,
                           const CompilePipelineOptions &options) {
  BackendOptions backendOptions;
  std::string error;
  const Backend *backend = checkTarget(options, backendOptions, error);
  ArrayRef<StringLiteral> stages = compileStages();
  const StringLiteral *last = llvm::find(stages, options.stopAfter.getValue());
  if (!backend || last == stages.end())
    return failure();
  size_t stageCount = last - stages.begin() + 1;

  // The user's mesh and shardings, while weights still have their names.
  GraphAnnotateShardingsOptions annotations;
  annotations.mesh = options.mesh;
  annotations.shardings = options.shardings;
  annotations.entry = options.entry;
  pm.addPass(createGraphAnnotateShardings(annotations));
  buildGraphCanonicalizePipeline(pm, GraphCanonicalizeOptions());
  // Weight-only subgraphs are evaluated now, not at every run.
  if (options.fusion)
    pm.addNestedPass<func::FuncOp>(createGraphFoldBatchNorm());
  pm.addNestedPass<func::FuncOp>(createGraphFoldConstants());
  buildGraphCanonicalizePipeline(pm, GraphCanonicalizeOptions());
  // A sharded graph becomes the per-device program (no-op without a mesh).
  pm.addPass(createGraphPartition());
  if (stageCount == 1)
    return success();
  // Weights in the layout the target's micro-kernels stream.
  if (int64_t columns = backend->weightPanelColumns(backendOptions)) {
    GraphPackWeightsOptions packing;
    packing.panelColumns = columns;
    pm.addNestedPass<func::FuncOp>(createGraphPackWeights(packing));
  }
  if (options.fusion)
    pm.addNestedPass<func::FuncOp>(createGraphFuse());
  else
    pm.addNestedPass<func::FuncOp>(createGraphFormDispatches());
  if (stageCount == 2)
    return success();
  ExecBuildScheduleOptions schedule;
  schedule.entry = options.entry;
  schedule.target = options.target;
  schedule.targetOptions = printBackendOptions(backendOptions);
  schedule.alignment = backend->bufferAlignment();
  schedule.memory =
      backend->usesHostMemory() ? std::string("host") : backend->name().str();
  pm.addPass(createExecBuildSchedule(schedule));
  ExecPlanMemoryOptions memory;
  memory.deviceMemoryLimit = options.deviceMemoryLimit;
  pm.addPass(createExecPlanMemory(memory));
  if (stageCount == 3)
    return success();
  // The kernel module is the one nested module the schedule created.
  OpPassManager &kernels = pm.nest<ModuleOp>();
  backend->buildKernelPipeline(kernels, backendOptions);
  if (stageCount == 4)
    return success();
  backend->buildBinaryPipeline(kernels, backendOptions);
  return success();
}

std::string
kiln::describeCompilePipelineError(const CompilePipelineOptions &options) {
  BackendOptions backendOptions;
  std::string error;
  if (!checkTarget(options, backendOptions, error))
    return error;
  std::string known;
  for (StringLiteral stage : compileStages())
    known += (known.empty() ? "" : ", ") + stage.str();
  return "unknown stage '" + options.stopAfter.getValue() +
         "' (stages: " + known + ")";
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
          return errorHandler("kiln-compile: " +
                              describeCompilePipelineError(*options));
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optionHandler) {
        optionHandler(CompilePipelineOptions());
      });
}
