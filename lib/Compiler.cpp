//===- Compiler.cpp - Kiln's compile API ----------------------------------===//

#include "kiln/Compiler.h"

#include "dialects/graph/GraphOps.h"
#include "kiln/Backend.h"
#include "kiln/InitAll.h"
#include "lib/ArtifactWriter.h"
#include "lib/MemoryPlot.h"
#include "lib/Report.h"
#ifdef KILN_ENABLE_ONNX
#include "lib/onnx/OnnxImporter.h"
#endif
#include "passes/Pipelines.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <mutex>

using namespace mlir;

namespace {

/// What both entry points share: a context with every Kiln dialect, the
/// source parsed with its diagnostics going to `diagnostics`.
struct ParsedSource {
  ParsedSource(std::string_view source, std::string_view sourceName,
               const kiln::SourceOptions &options, std::string &diagnosticText)
      : context(makeRegistry()), diagnostics(diagnosticText),
        handler((addBuffer(source, sourceName), sourceMgr), &context,
                diagnostics) {
    llvm::StringRef name(sourceName.data(), sourceName.size());
    std::string format = options.format;
    if (format == "auto")
      format = name.ends_with(".onnx") ? "onnx" : "mlir";
    if (format == "onnx") {
#ifdef KILN_ENABLE_ONNX
      module = kiln::importOnnx(llvm::StringRef(source.data(), source.size()),
                                name, options.inputShapes, &context);
#else
      emitError(FileLineColLoc::get(&context, name, 0, 0))
          << "this Kiln was built without the ONNX importer (it needs "
             "Debian's libonnx-dev and libprotobuf-dev)";
#endif
    } else if (format == "mlir") {
      if (!options.inputShapes.empty())
        emitError(FileLineColLoc::get(&context, name, 0, 0))
            << "input shapes apply to ONNX models; an MLIR model's function "
               "types fix its shapes";
      else
        // Verification waits for the blobs: constants are checked against
        // them.
        module = parseSourceFile<ModuleOp>(
            sourceMgr, ParserConfig(&context, /*verifyAfterParse=*/false));
    } else {
      emitError(FileLineColLoc::get(&context, name, 0, 0))
          << "unknown model format '" << format << "' (auto, mlir, onnx)";
    }
    if (module &&
        (failed(attachBlobs(options.blobs)) || failed(verify(*module))))
      module = nullptr;
  }

  /// Gives each named resource its bytes, without copying them.
  LogicalResult attachBlobs(const kiln::ResourceBlobs &blobs) {
    if (blobs.empty())
      return success();
    DialectResourceBlobManager &manager =
        DenseResourceElementsHandle::getManagerInterface(&context)
            .getBlobManager();
    for (const auto &[name, bytes] : blobs) {
      DialectResourceBlobManager::BlobEntry *entry = manager.lookup(name);
      if (!entry)
        return emitError(module->getLoc(), "weight '")
               << name << "' is given but no dense_resource names it";
      // The largest power of two, up to 64, that the bytes are aligned to.
      uintptr_t address = reinterpret_cast<uintptr_t>(bytes.data());
      size_t alignment = 64;
      while (alignment > 1 && address % alignment)
        alignment /= 2;
      entry->setBlob(UnmanagedAsmResourceBlob::allocateWithAlign(
          ArrayRef<char>(bytes.data(), bytes.size()), alignment));
    }
    return success();
  }

  static DialectRegistry makeRegistry() {
    // The pass registry is global; fill it once per process.
    static std::once_flag passesRegistered;
    std::call_once(passesRegistered, [] { kiln::registerAllPasses(); });
    DialectRegistry registry;
    kiln::registerAllDialects(registry);
    return registry;
  }
  void addBuffer(std::string_view source, std::string_view sourceName) {
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(
            llvm::StringRef(source.data(), source.size()),
            llvm::StringRef(sourceName.data(), sourceName.size())),
        llvm::SMLoc());
  }

  MLIRContext context;
  llvm::raw_string_ostream diagnostics;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler;
  // Registered after `handler`, so it sees each diagnostic first.
  ScopedDiagnosticHandler namedLocations{
      &context, [this](Diagnostic &diag) { return sayName(diag); }};
  OwningOpRef<ModuleOp> module;

  /// The names in a location, quoted: ONNX node names, torch module paths.
  static void collectNames(Location loc, std::string &names) {
    for (const std::string &name : kiln::graph::locationNames(loc))
      names += (names.empty() ? "'" : ", '") + name + "'";
  }

  /// The file position inside `loc`, if it has one.
  static std::optional<FileLineColLoc> filePosition(Location loc) {
    std::optional<FileLineColLoc> found;
    loc->walk([&](Location inner) {
      if (auto file = dyn_cast<FileLineColLoc>(inner)) {
        found = file;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return found;
  }

  /// SourceMgrDiagnosticHandler prints only file:line:col, so a diagnostic
  /// or note at a named location gets the name in front of its message.
  LogicalResult sayName(Diagnostic &diag) {
    bool named = false;
    std::string names;
    collectNames(diag.getLocation(), names);
    named |= !names.empty();
    for (Diagnostic &note : diag.getNotes()) {
      std::string noteNames;
      collectNames(note.getLocation(), noteNames);
      named |= !noteNames.empty();
    }
    if (!named)
      return failure(); // `handler` prints it as it is
    auto emit = [&](Diagnostic &part) {
      std::string partNames;
      collectNames(part.getLocation(), partNames);
      std::string message = partNames.empty()
                                ? part.str()
                                : "at " + partNames + ": " + part.str();
      // A name without a file position is printed as the name alone.
      std::optional<FileLineColLoc> position = filePosition(part.getLocation());
      if (!position && !partNames.empty()) {
        diagnostics << (part.getSeverity() == DiagnosticSeverity::Note
                            ? "note: "
                        : part.getSeverity() == DiagnosticSeverity::Warning
                            ? "warning: "
                            : "error: ")
                    << message << "\n";
        return;
      }
      handler.emitDiagnostic(position ? Location(*position)
                                      : part.getLocation(),
                             message, part.getSeverity());
    };
    emit(diag);
    for (Diagnostic &note : diag.getNotes())
      emit(note);
    return success();
  }
};

} // namespace

kiln::PipelineResult kiln::runPipeline(std::string_view source,
                                       std::string_view pipeline,
                                       std::string_view sourceName,
                                       const SourceOptions &sourceOptions,
                                       bool elideResources) {
  PipelineResult result;
  ParsedSource parsed(source, sourceName, sourceOptions, result.diagnostics);
  OwningOpRef<ModuleOp> &module = parsed.module;
  MLIRContext &context = parsed.context;
  llvm::raw_string_ostream &diagnostics = parsed.diagnostics;
  if (!module)
    return result;

  // The pass manager is anchored on the module; a "builtin.module(...)"
  // wrapper names that same anchor, so only its contents are parsed.
  llvm::StringRef text =
      llvm::StringRef(pipeline.data(), pipeline.size()).trim();
  if (text.starts_with("builtin.module(") && text.ends_with(")"))
    text = text.drop_front(strlen("builtin.module(")).drop_back();
  PassManager pm(&context);
  if (failed(parsePassPipeline(text, pm, diagnostics)) ||
      failed(pm.run(*module)))
    return result;

  llvm::raw_string_ostream output(result.output);
  OpPrintingFlags flags;
  if (elideResources)
    flags.elideLargeResourceString(0);
  module->print(output, flags);
  result.succeeded = true;
  return result;
}

kiln::CompileResult kiln::compile(std::string_view source,
                                  std::string_view sourceName,
                                  const CompileOptions &options,
                                  const SourceOptions &sourceOptions) {
  CompileResult result;
  ParsedSource parsed(source, sourceName, sourceOptions, result.diagnostics);
  if (!parsed.module)
    return result;
  ModuleOp module = *parsed.module;

  CompilePipelineOptions pipeline;
  pipeline.target = options.target;
  pipeline.targets = options.targets;
  pipeline.placements = options.placements;
  pipeline.placementCosts = options.placementCosts;
  pipeline.targetOptions = printBackendOptions(options.backendOptions);
  pipeline.entry = options.entry;
  pipeline.fusion = options.fusion;
  pipeline.deviceMemoryLimit = options.deviceMemoryLimit;
  pipeline.mesh = options.mesh;
  std::string shardings;
  for (const std::string &sharding : options.shardings) {
    if (sharding.find(';') != std::string::npos) {
      emitError(module.getLoc(), "bad sharding '")
          << sharding << "': one tensor per sharding (no ';')";
      return result;
    }
    shardings += (shardings.empty() ? "" : ";") + sharding;
  }
  pipeline.shardings = shardings;
  if (!options.memoryPlot.empty() && options.memoryPlot != "svg" &&
      options.memoryPlot != "html") {
    emitError(module.getLoc(), "unknown memory plot format '")
        << options.memoryPlot << "' (svg or html)";
    return result;
  }
  OpPassManager probe(ModuleOp::getOperationName());
  if (failed(buildCompilePipeline(probe, pipeline))) {
    emitError(module.getLoc(), describeCompilePipelineError(pipeline));
    return result;
  }

  // The timing report is printed when the timing manager goes away at the
  // end of the block below: the stream must outlive it.
  std::string timingText;
  llvm::raw_string_ostream timingStream(timingText);
  LogicalResult compiled = failure();
  {
    // Declared before the pass manager: the root scope ends first, then the
    // manager prints its report into timingStream.
    DefaultTimingManager timing;
    timing.setEnabled(options.timing);
    timing.setOutput(createOutputStrategy(
        DefaultTimingManager::OutputFormat::Text, timingStream));
    TimingScope timingScope = timing.getRootScope();
    PassManager pm(&parsed.context);
    if (!options.dumpIrDir.empty()) {
      // MLIR prints IR per pass only from a single-threaded pass manager.
      parsed.context.disableMultithreading();
      pm.enableIRPrintingToFileTree(
          [](Pass *, Operation *) { return false; },
          [](Pass *, Operation *) { return true; },
          /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
          /*printAfterOnlyOnFailure=*/false, options.dumpIrDir);
    }
    if (options.timing)
      pm.enableTiming(timingScope);
    compiled = success(succeeded(buildCompilePipeline(pm, pipeline)) &&
                       succeeded(pm.run(module)));
  }
  if (failed(compiled))
    return result;
  FailureOr<std::string> artifact = writeArtifact(module);
  if (failed(artifact))
    return result;
  result.timing = std::move(timingText);
  result.report = buildReport(module);
  if (!options.memoryPlot.empty())
    result.memoryPlot = buildMemoryPlot(module, options.memoryPlot == "html");
  result.artifact = std::move(*artifact);
  result.succeeded = true;
  return result;
}
