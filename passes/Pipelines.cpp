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
namespace {
/// A compile's targets: its backends, with the options of each checked.
struct Targets {
  /// The compile's first target: unprefixed options are its own, and the
  /// schedule's default.
  std::string main;
  std::vector<std::pair<const Backend *, BackendOptions>> backends;
  /// Every option, those of targets other than `main` as TARGET.name (the
  /// cpu's `cpu` key, from --cpu, as cpu.cpu when the cpu is not main).
  BackendOptions options;
};

/// The targets of `options`, or failure with `error` saying why.
FailureOr<Targets> checkTargets(const CompilePipelineOptions &options,
                                std::string &error) {
  std::vector<std::string> names(options.targets.begin(),
                                 options.targets.end());
  if (names.empty())
    names.push_back(options.target);
  Targets targets;
  targets.main = names.front();
  BackendOptions given;
  if (failed(parseBackendOptions(options.targetOptions, given, error)))
    return failure();
  for (const auto &[key, value] : given) {
    bool prefixed = StringRef(key).contains('.');
    if (!prefixed && key == "cpu" && targets.main != "cpu" &&
        llvm::is_contained(names, "cpu"))
      targets.options["cpu.cpu"] = value;
    else
      targets.options[key] = value;
    if (prefixed) {
      StringRef target = StringRef(key).split('.').first;
      if (!llvm::is_contained(names, target)) {
        error = "target option '" + key + "' is for target '" + target.str() +
                "', which this compile does not target";
        return failure();
      }
    }
  }
  for (const std::string &name : names) {
    const Backend *backend = lookupBackend(name);
    if (!backend) {
      error = unknownTarget(name);
      return failure();
    }
    if (llvm::any_of(targets.backends,
                     [&](auto &entry) { return entry.first == backend; })) {
      error = "target '" + name + "' is named twice";
      return failure();
    }
    BackendOptions own = optionsOfTarget(targets.options, name, targets.main);
    if (failed(backend->checkOptions(own, error)))
      return failure();
    targets.backends.emplace_back(backend, std::move(own));
  }
  if (targets.backends.size() < 2 &&
      (!options.placements.empty() || !options.placementCosts.empty())) {
    error = "placements and placement costs need several targets "
            "(--targets a,b)";
    return failure();
  }
  return targets;
}
} // namespace
} // namespace kiln

LogicalResult
kiln::buildCompilePipeline(OpPassManager &pm,
                           const CompilePipelineOptions &options) {
  std::string error;
  FailureOr<Targets> targets = checkTargets(options, error);
  ArrayRef<StringLiteral> stages = compileStages();
  const StringLiteral *last = llvm::find(stages, options.stopAfter.getValue());
  if (failed(targets) || last == stages.end())
    return failure();
  size_t stageCount = last - stages.begin() + 1;
  const Backend *main = targets->backends.front().first;
  bool several = targets->backends.size() > 1;

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
  // Each op's target, when there are several; with one, whether it can
  // run every op.
  {
    GraphPlaceOptions place;
    for (auto &[backend, unused] : targets->backends)
      place.targetNames.push_back(backend->name().str());
    place.targetOptions = printBackendOptions(targets->options);
    place.placements.assign(options.placements.begin(),
                            options.placements.end());
    place.costs.assign(options.placementCosts.begin(),
                       options.placementCosts.end());
    pm.addPass(createGraphPlace(place));
  }
  // Weights in the layout each target's micro-kernels stream.
  for (auto &[backend, own] : targets->backends)
    if (int64_t columns = backend->weightPanelColumns(own)) {
      GraphPackWeightsOptions packing;
      packing.panelColumns = columns;
      if (several)
        packing.device = backend->name().str();
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
  schedule.target = targets->main;
  schedule.targetOptions = printBackendOptions(targets->options);
  schedule.alignment = main->bufferAlignment();
  schedule.memory =
      main->usesHostMemory() ? std::string("host") : main->name().str();
  pm.addPass(createExecBuildSchedule(schedule));
  ExecPlanMemoryOptions memory;
  memory.deviceMemoryLimit = options.deviceMemoryLimit;
  pm.addPass(createExecPlanMemory(memory));
  if (stageCount == 3)
    return success();
  // Each kernel module lowered by its target's backend.
  ExecLowerKernelsOptions lower;
  lower.binary = false;
  pm.addPass(createExecLowerKernels(lower));
  if (stageCount == 4)
    return success();
  lower.kernels = false;
  lower.binary = true;
  pm.addPass(createExecLowerKernels(lower));
  return success();
}

std::string
kiln::describeCompilePipelineError(const CompilePipelineOptions &options) {
  std::string error;
  if (failed(checkTargets(options, error)))
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
