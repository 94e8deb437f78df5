//===- InitAll.h - register everything a Kiln tool needs --------*- C++ -*-===//
//
// One place that lists Kiln's dialects and passes, so kiln-opt, the compiler
// driver and the Python binding always agree on what they can parse and run.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_INITALL_H
#define KILN_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln {

/// Kiln's dialects plus the upstream dialects (and their interface
/// extensions) that Kiln lowers through.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Kiln's passes and pipelines plus the upstream passes, so kiln-opt can run
/// any stage of a compile by itself.
void registerAllPasses();

} // namespace kiln

#endif // KILN_INITALL_H
