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
/// Each kernel module is serialized by the backend its #exec.target names,
/// with the options recorded there. Errors are reported on the module's ops.
mlir::FailureOr<std::string> writeArtifact(mlir::ModuleOp module);

} // namespace kiln

#endif // KILN_LIB_ARTIFACTWRITER_H
