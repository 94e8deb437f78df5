//===- ElementwiseAtTile.h - elementwise ops inside a micro-kernel -*- C++ -*-//
//
// A micro-kernel holds an output tile in registers from its first FMA to its
// one store. The elementwise ops that the workgroup tiling fused around it,
// the producer of its initial accumulators (a bias broadcast) and the
// consumer of its result (bias, ReLU, clamp, a residual add), would each be
// a pass over the workgroup's output in memory: as much traffic as a
// depthwise or 1x1 convolution's own. Evaluated on the tile's vectors
// instead, the prologue gives the accumulators their first value and the
// epilogue runs on them before the store.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_BACKENDS_CPU_ELEMENTWISEATTILE_H
#define KILN_LIB_BACKENDS_CPU_ELEMENTWISEATTILE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace kiln::cpu {

/// An all-parallel linalg.generic over a kernel's output, identity-indexed,
/// evaluated `lanes` elements at a time along one output dim (`vectorDim`).
class ElementwiseAtTile {
public:
  /// The only user of `result` when it is such a generic whose body the
  /// kernel can evaluate on vectors, reading `result` through an identity
  /// map; each of its other operands is read as a vector (a map that has
  /// `vectorDim`) or broadcast from a scalar (one that has not).
  static std::optional<ElementwiseAtTile> epilogueOf(mlir::Value result,
                                                     unsigned vectorDim);
  /// The producer of `init` when it is such a generic that computes every
  /// element from its inputs alone (not its init) and `init` is its only
  /// use: the kernel's initial accumulators.
  static std::optional<ElementwiseAtTile> prologueOf(mlir::Value init,
                                                     unsigned vectorDim);

  /// The generic's value for `lanes` elements from output indices `at`
  /// along `vectorDim`; `kernelValue` stands for the kernel's result
  /// (epilogue; null for a prologue).
  mlir::Value emit(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::ArrayRef<mlir::Value> at, int64_t lanes,
                   mlir::Value kernelValue) const;

  mlir::linalg::GenericOp op;

private:
  ElementwiseAtTile(mlir::linalg::GenericOp op, mlir::Value kernelValue,
                    unsigned vectorDim)
      : op(op), kernelValue(kernelValue), vectorDim(vectorDim) {}
  static std::optional<ElementwiseAtTile> check(mlir::linalg::GenericOp op,
                                                mlir::Value kernelValue,
                                                unsigned vectorDim);
  /// The kernel's value among the generic's operands (epilogue), or null.
  mlir::Value kernelValue;
  unsigned vectorDim;
};

} // namespace kiln::cpu

#endif // KILN_LIB_BACKENDS_CPU_ELEMENTWISEATTILE_H
