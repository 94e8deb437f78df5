//===- Compiler.cpp - Kiln's compile API ----------------------------------===//

#include "kiln/Compiler.h"

#include "kiln/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <mutex>

using namespace mlir;

kiln::PipelineResult kiln::runPipeline(std::string_view source,
                                       std::string_view pipeline,
                                       std::string_view sourceName) {
  // The pass registry is global; fill it once per process.
  static std::once_flag passesRegistered;
  std::call_once(passesRegistered, [] { kiln::registerAllPasses(); });

  DialectRegistry registry;
  kiln::registerAllDialects(registry);
  MLIRContext context(registry);

  PipelineResult result;
  llvm::raw_string_ostream diagnostics(result.diagnostics);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(source.data(), source.size()),
          llvm::StringRef(sourceName.data(), sourceName.size())),
      llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagnostics);

  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
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
  module->print(output);
  result.succeeded = true;
  return result;
}
