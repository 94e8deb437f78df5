//===- GraphCost.h - what graph ops cost ------------------------*- C++ -*-===//
//
// The cost model the compile report (and fusion) read: arithmetic per op,
// from its operand and result shapes.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_GRAPH_GRAPHCOST_H
#define KILN_DIALECTS_GRAPH_GRAPHCOST_H

#include "mlir/IR/Operation.h"

namespace kiln::graph {

/// Floating-point (or integer) operations `op` performs, counting a
/// multiply-add as 2 and every elementwise function (exp, erf, ...) as 1;
/// 0 for data movement (reshape, transpose, slice, ...) and for ops with
/// dynamic shapes.
int64_t estimateFlops(mlir::Operation *op);

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_GRAPHCOST_H
