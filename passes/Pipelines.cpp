//===- Pipelines.cpp - Kiln's pass pipelines ------------------------------===//

#include "passes/Pipelines.h"

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

void kiln::registerPipelines() {
  PassPipelineRegistration<GraphCanonicalizeOptions>(
      "graph-canonicalize",
      "Fold and canonicalize the model graph to a fixed point, then CSE",
      buildGraphCanonicalizePipeline);
}
