//===- Pipelines.h - Kiln's pass pipelines ----------------------*- C++ -*-===//
//
// Pipelines are defined once, here, and shared by kiln-opt, the compiler
// driver and the Python binding, so any real compile can be replayed stage by
// stage with kiln-opt.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_PIPELINES_H
#define KILN_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace kiln {

struct GraphCanonicalizeOptions
    : public mlir::PassPipelineOptions<GraphCanonicalizeOptions> {
  Option<bool> cse{*this, "cse",
                   llvm::cl::desc("Merge identical ops (common subexpression "
                                  "elimination) after folding"),
                   llvm::cl::init(true)};
  Option<int64_t> maxIterations{
      *this, "max-iterations",
      llvm::cl::desc("Rounds of folding and pattern rewriting before giving "
                     "up on a fixed point"),
      llvm::cl::init(10)};
};

/// graph-canonicalize: folds and canonicalization patterns of every dialect
/// in the module to a fixed point, then CSE.
void buildGraphCanonicalizePipeline(mlir::OpPassManager &pm,
                                    const GraphCanonicalizeOptions &options);

struct CompilePipelineOptions
    : public mlir::PassPipelineOptions<CompilePipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Backend to compile kernels for"),
                             llvm::cl::init("cpu")};
  ListOption<std::string> targets{
      *this, "targets",
      llvm::cl::desc("Several targets: graph-place chooses each op's "
                     "(kiln-compile --targets cuda,cpu); replaces `target`")};
  ListOption<std::string> placements{
      *this, "placements",
      llvm::cl::desc("With several targets, NAME=TARGET: the ops named NAME "
                     "or inside it run on TARGET (kiln-compile --place)")};
  ListOption<std::string> placementCosts{
      *this, "placement-costs",
      llvm::cl::desc("With several targets, TARGET.FIGURE=VALUE: a cost "
                     "figure placement uses (kiln-compile --place-cost)")};
  Option<std::string> targetOptions{
      *this, "target-options",
      llvm::cl::desc("The backend's options, name=value separated by ',' "
                     "(kiln-compile --cpu=host gives cpu=host); with "
                     "several targets, TARGET.name=value"),
      llvm::cl::init("")};
  Option<std::string> entry{
      *this, "entry",
      llvm::cl::desc("Function to compile (default: the only function)"),
      llvm::cl::init("")};
  Option<std::string> stopAfter{
      *this, "stop-after",
      llvm::cl::desc("End the pipeline after a stage: graph (canonicalized "
                     "model graph), dispatch (dispatch regions formed), "
                     "schedule (exec schedule + kernels on tensors), kernels "
                     "(the backend's lowered kernels), binary (their "
                     "binary, as the artifact holds it; the default)"),
      llvm::cl::init("binary")};
  Option<bool> fusion{
      *this, "fusion",
      llvm::cl::desc("Fuse ops into shared kernels (graph-fuse) and fold "
                     "batch norms into convolutions; false: one kernel per "
                     "op (kiln-compile --no-fusion)"),
      llvm::cl::init(true)};
  Option<std::string> mesh{
      *this, "mesh",
      llvm::cl::desc("Shard the model across a device mesh of named axes: "
                     "dp=2,tp=2 (kiln-compile --mesh)"),
      llvm::cl::init("")};
  Option<std::string> shardings{
      *this, "shardings",
      llvm::cl::desc("Per-tensor shardings over the mesh, separated by ';': "
                     "fc1.weight=tp,_;x=dp,_ (kiln-compile --shard)"),
      llvm::cl::init("")};
  Option<int64_t> deviceMemoryLimit{
      *this, "device-memory-limit",
      llvm::cl::desc("Fail when the memory plan needs more than this many "
                     "bytes on a device (arena, weights, inputs, outputs); 0: "
                     "no limit"),
      llvm::cl::init(0)};
};

/// The compile pipeline's stages, in order: the names `stop-after` takes.
llvm::ArrayRef<llvm::StringLiteral> compileStages();

/// kiln-compile: model graph → host schedule (exec) plus a kernel module the
/// backend of `target` has lowered, ready for the artifact writer. With
/// `stop-after`, only the stages up to that one. Fails to build (returns
/// failure) for an unknown target or stage, or options the target rejects.
llvm::LogicalResult buildCompilePipeline(mlir::OpPassManager &pm,
                                         const CompilePipelineOptions &options);

/// Why buildCompilePipeline failed for `options`: the unknown target (with
/// the available ones), its bad options, or the unknown stage (with the
/// stage names).
std::string describeCompilePipelineError(const CompilePipelineOptions &options);

/// Registers every Kiln pipeline with the pass registry (`--<name>` in
/// kiln-opt, `--pass-pipeline=...` everywhere).
void registerPipelines();

} // namespace kiln

#endif // KILN_PASSES_PIPELINES_H
