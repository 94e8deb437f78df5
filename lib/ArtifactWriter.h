//===- ArtifactWriter.h - module to .kiln artifact --------------*- C++ -*-===//

#ifndef KILN_LIB_ARTIFACTWRITER_H
#define KILN_LIB_ARTIFACTWRITER_H

#include "kiln/Backend.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <string>

namespace kiln {

/// The bytes of the .kiln file for a module compiled by the kiln-compile
/// pipeline (an exec.entry host function plus lowered kernel modules).
/// Errors are reported on the module's ops.
mlir::FailureOr<std::string> writeArtifact(mlir::ModuleOp module,
                                           const BackendOptions &options);

} // namespace kiln

#endif // KILN_LIB_ARTIFACTWRITER_H
