//===- OnnxImporterFuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// Feeds arbitrary bytes to the importer as a model file and verifies what it
// builds. Anything but a diagnostic (a crash, an ASan report, a hang) is a
// bug. Run by ctest (onnx/fuzz) for a bounded time from the seed corpus.
//
//===----------------------------------------------------------------------===//

#include "lib/onnx/OnnxImporter.h"

#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.loadDialect<kiln::graph::GraphDialect, kiln::exec::ExecDialect,
                      mlir::func::FuncDialect>();
  // Diagnostics are the expected outcome for most inputs: drop them.
  mlir::ScopedDiagnosticHandler quiet(&context,
                                      [](mlir::Diagnostic &) {
                                        return mlir::success();
                                      });
  mlir::OwningOpRef<mlir::ModuleOp> module = kiln::importOnnx(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "fuzz.onnx", {}, &context);
  if (module)
    (void)mlir::verify(*module);
  return 0;
}
