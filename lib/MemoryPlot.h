//===- MemoryPlot.h - a picture of the memory plan --------------*- C++ -*-===//

#ifndef KILN_LIB_MEMORYPLOT_H
#define KILN_LIB_MEMORYPLOT_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace kiln {

/// The memory plan of a module compiled by the kiln-compile pipeline as an
/// SVG drawing: per device arena, each transient buffer a rectangle over the
/// steps it is live at (x) and the bytes it occupies (y), the bytes live at
/// each step as a line, the peak marked. Hovering a buffer names its type,
/// size, offset, lifetime and producer. With `html`, a page holding the
/// drawing and a table of the buffers.
std::string buildMemoryPlot(mlir::ModuleOp module, bool html);

} // namespace kiln

#endif // KILN_LIB_MEMORYPLOT_H
