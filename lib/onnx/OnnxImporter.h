//===- OnnxImporter.h - ONNX ModelProto to the graph dialect ----*- C++ -*-===//
//
// Kiln's ONNX frontend: a serialized ModelProto becomes a module with one
// `func.func @main` of `graph` ops. Initializers become dense resources,
// every op's location names its ONNX node, and anything Kiln cannot import
// is reported as a diagnostic naming the file, node and op.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_ONNX_ONNXIMPORTER_H
#define KILN_LIB_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {

/// Static shapes for graph inputs, by input name: they fix symbolic dims
/// (`--input-shape name=1x3x224x224`).
using InputShapes = std::map<std::string, std::vector<int64_t>>;

/// Imports the ModelProto in `bytes`. `fileName` names the model in
/// diagnostics. Returns null after emitting diagnostics on failure.
mlir::OwningOpRef<mlir::ModuleOp> importOnnx(llvm::StringRef bytes,
                                             llvm::StringRef fileName,
                                             const InputShapes &inputShapes,
                                             mlir::MLIRContext *context);

} // namespace kiln

#endif // KILN_LIB_ONNX_ONNXIMPORTER_H
