//===- RowReductions.h - a workgroup per row --------------------*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_GPU_ROWREDUCTIONS_H
#define KILN_LIB_BACKENDS_GPU_ROWREDUCTIONS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace kiln::gpu {

/// The row strategy. A kernel whose work index is a row (softmax,
/// layer_norm, reduce over the last dims: tiling kept the reduced dims
/// whole) is, once in loops, a sequence of loops over the row, some
/// accumulating into a buffer (load, combine, store at indices fixed in the
/// loop), the others writing elements. Run by a workgroup of `width` work
/// items (a power of two), each loop is strided over them; each
/// accumulation starts from the combiner's identity in a private partial,
/// and after its loop the partials meet in a tree in workgroup memory
/// (`workgroupSpace`), with a barrier between levels, before the result is
/// combined with the buffer's value and stored (a binding: by work item 0).
/// Straight-line code may read and write a binding's sum again at the same
/// indices (a mean's division, a matmul's epilogue): its reads take the
/// total every work item holds, its writes are work item 0's.
///
/// Rewrites `kernel` (its last argument the row index) for a workgroup of
/// at most `maxWidth` work items and returns the width chosen (the power of
/// two covering the longest row, up to `maxWidth`) and the workgroup memory
/// it needs, or returns failure, untouched, when the kernel is not of that
/// shape. With `barriers` false the tree has none: wrong on any device,
/// which is how the tests show PoCL catches a missing barrier.
struct RowLaunch {
  int64_t width = 1;
  int64_t sharedBytes = 0;
};
mlir::FailureOr<RowLaunch> shareRowsInWorkgroup(mlir::func::FuncOp kernel,
                                                int64_t maxWidth,
                                                mlir::Attribute workgroupSpace,
                                                bool barriers);

} // namespace kiln::gpu

#endif // KILN_LIB_BACKENDS_GPU_ROWREDUCTIONS_H
