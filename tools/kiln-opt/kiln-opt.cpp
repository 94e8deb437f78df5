//===- kiln-opt.cpp - mlir-opt with Kiln's dialects and passes ------------===//
//
// Parses MLIR, runs passes or pipelines (`--graph-canonicalize`), prints the
// result. The test suite and anyone replaying a compile stage use it.
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"
#include "kiln/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  kiln::rememberCommandLine(argc, argv);
  kiln::registerAllPasses();
  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
