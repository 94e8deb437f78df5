//===- Compiler.h - Kiln's compile API --------------------------*- C++ -*-===//
//
// The compiler entry points every front end shares: kiln-opt, the compiler
// driver and the Python binding call these, so there is one pipeline, not one
// per tool. The header includes no MLIR or LLVM, so bindings can use it with
// their own compile flags (exceptions, RTTI).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_H
#define KILN_COMPILER_H

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

/// Weights handed over as bytes rather than through IR text: resource name
/// (as in `dense_resource<name>`) to its raw little-endian, row-major bytes.
/// The bytes are borrowed for the duration of the call, never copied into IR
/// text. A frontend (the Python importer) writes the graph as text whose
/// constants name these resources.
using ResourceBlobs = std::map<std::string, std::string_view>;

/// How to read a model source.
struct SourceOptions {
  /// "mlir" (text or bytecode), "onnx" (a serialized ModelProto), or "auto":
  /// ONNX when the source name ends in ".onnx", MLIR otherwise.
  std::string format = "auto";
  /// Static shapes of ONNX graph inputs by name; they fix symbolic dims
  /// (kiln-compile --input-shape name=1x3x224x224).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Bytes of dense_resources that MLIR text names but does not hold.
  ResourceBlobs blobs;
};

/// The outcome of running a pass pipeline on MLIR text.
struct PipelineResult {
  bool succeeded = false;
  /// The IR after the pipeline (empty unless it succeeded).
  std::string output;
  /// Errors, warnings and notes, each as "name:line:col: error: message"
  /// followed by the source line, as kiln-opt prints them.
  std::string diagnostics;
};

/// Parses `source` as MLIR, verifies it, runs `pipeline` on it and prints the
/// result. `pipeline` is a registered pipeline or pass ("graph-canonicalize",
/// "graph-canonicalize{cse=false}"), a comma-separated list of them, or a full
/// textual pipeline ("builtin.module(...)"). `sourceName` names the text in
/// diagnostics; `sourceOptions` says how to read it. Resources are printed
/// with their bytes unless `elideResources`. Thread-safe: each call has its
/// own MLIR context.
PipelineResult runPipeline(std::string_view source, std::string_view pipeline,
                           std::string_view sourceName = "<input>",
                           const SourceOptions &sourceOptions = {},
                           bool elideResources = false);

/// How to compile a model graph into a .kiln artifact. The fields map one to
/// one to kiln-compile's flags.
struct CompileOptions {
  /// The backend the kernels are compiled for (--target).
  std::string target = "cpu";
  /// Several backends instead of `target`: graph-place chooses each op's
  /// (--targets cuda,cpu).
  std::vector<std::string> targets;
  /// With several targets, NAME=TARGET: the ops named NAME (a torch module
  /// path, an ONNX node name) or inside it run on TARGET (--place).
  std::vector<std::string> placements;
  /// With several targets, TARGET.FIGURE=VALUE: a cost figure placement
  /// weighs (gflops, memory-gbps, launch-us, transfer-gbps, transfer-us)
  /// (--place-cost).
  std::vector<std::string> placementCosts;
  /// Options of that backend, e.g. {"cpu", "host"} (--cpu=host); with
  /// several targets, {"opencl.workgroup-size", "64"} names its target.
  std::map<std::string, std::string> backendOptions;
  /// The function to compile; empty: the module's only function (--entry).
  std::string entry;
  /// When set, the IR after every pass is written below this directory
  /// (--dump-ir-after-all).
  std::string dumpIrDir;
  /// Collect a report of the time each pass took (--timing).
  bool timing = false;
  /// Fuse ops into shared kernels; false gives one kernel per op
  /// (--no-fusion).
  bool fusion = true;
  /// Fail when the memory plan needs more than this many bytes on a device
  /// (arena, weights, inputs and outputs); 0: no limit
  /// (--device-memory-limit).
  int64_t deviceMemoryLimit = 0;
  /// Draw the memory plan: "svg", "html" or "" for none (--memory-plot).
  std::string memoryPlot;
  /// Shard the model across a mesh of named axes, "dp=2,tp=2"; empty: one
  /// device (--mesh).
  std::string mesh;
  /// Per tensor, the mesh axes splitting each dim, "fc1.weight=tp,_"; a
  /// tensor is a weight (state_dict name) or an input (its name, or
  /// "inputN") (--shard, repeatable).
  std::vector<std::string> shardings;
};

struct CompileResult {
  bool succeeded = false;
  /// The .kiln file's bytes.
  std::string artifact;
  /// Errors and warnings as "name:line:col: error: message".
  std::string diagnostics;
  /// The pass timing report, when asked for.
  std::string timing;
  /// The compile report as JSON: each dispatch's ops, flops and bytes, each
  /// device's memory plan (kiln-compile --report).
  std::string report;
  /// The memory plan drawn as options.memoryPlot asked (SVG or HTML).
  std::string memoryPlot;
};

/// Reads `source` (MLIR text or bytecode holding a model graph, or an ONNX
/// model), compiles it with the compile pipeline and the backend of
/// `options.target`, and encodes the artifact. Thread-safe: each call has
/// its own MLIR context.
CompileResult compile(std::string_view source, std::string_view sourceName,
                      const CompileOptions &options,
                      const SourceOptions &sourceOptions = {});

} // namespace kiln

#endif // KILN_COMPILER_H
