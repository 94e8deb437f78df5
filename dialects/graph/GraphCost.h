//===- GraphCost.h - what graph ops cost ------------------------*- C++ -*-===//
//
// The cost model the compile report and fusion read: arithmetic per op, from
// its operand and result shapes, and the kind of loop nest each op becomes,
// which is what decides how it can share a kernel with its neighbours.
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

/// The shape of the loop nest an op lowers to. Fusion rules are written in
/// these terms, not in op names.
enum class LoopKind {
  /// One independent computation per result element, reading each operand
  /// element at most once (numpy broadcasting, batch_norm's per-channel
  /// parameters): cheap to recompute, fuses anywhere its result is read
  /// element by element.
  Elementwise,
  /// Reduces trailing or inner axes (reduce, softmax, log_softmax,
  /// layer_norm): reads each input element a few times.
  Reduction,
  /// matmul and conv2d: every input element is read many times, so an input
  /// must be materialized, never recomputed per read.
  Contraction,
  /// Pooling: overlapping windows read input elements several times.
  Window,
  /// Transpose, slice, concat, pad, gather, arange: index remapping.
  DataMovement,
  /// Constants and reshapes: data and views, never in a kernel.
  Host,
};

LoopKind loopKind(mlir::Operation *op);

/// Whether `op` is a graph op that runs in a kernel: not data or a view
/// (host), and not a dispatch region or its terminator.
bool isKernelOp(mlir::Operation *op);

/// Whether recomputing `op` per element read costs about as much as reading
/// a stored value: elementwise arithmetic, comparisons, casts, square roots;
/// not exponentials, logarithms and their kin (polynomials of tens of
/// instructions), nor anything that is not elementwise.
bool isCheapToRecompute(mlir::Operation *op);

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_GRAPHCOST_H
