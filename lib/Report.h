//===- Report.h - the compile report ----------------------------*- C++ -*-===//

#ifndef KILN_LIB_REPORT_H
#define KILN_LIB_REPORT_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace kiln {

/// The compile report of a module compiled by the kiln-compile pipeline, as
/// JSON: {"dispatches": [{"name", "target", "ops", "flops", "bytes_read",
/// "bytes_written"}...], "totals": {...}, "memory": {<device>: {"arena_bytes",
/// "lower_bound_bytes", "naive_bytes", "buffers", "in_place", "alignment",
/// "steps", "peak_step", "peak_at", "largest": [{"bytes", "type", "offset",
/// "live": [first, last], "producer"}...]}}, "collectives": []}.
/// Buffers are counted at their full size each time a dispatch binds them.
std::string buildReport(mlir::ModuleOp module);

} // namespace kiln

#endif // KILN_LIB_REPORT_H
