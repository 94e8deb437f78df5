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

#include <string>
#include <string_view>

namespace kiln {

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
/// diagnostics. Thread-safe: each call has its own MLIR context.
PipelineResult runPipeline(std::string_view source, std::string_view pipeline,
                           std::string_view sourceName = "<input>");

} // namespace kiln

#endif // KILN_COMPILER_H
