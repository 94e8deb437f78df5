//===- Indices.h - what GPU passes know of index arithmetic -----*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_GPU_INDICES_H
#define KILN_LIB_BACKENDS_GPU_INDICES_H

#include "mlir/IR/Value.h"

#include <cstdint>
#include <utility>

namespace kiln::gpu {

/// `index` as a base plus a constant, through arith.addi of constants (no
/// base, null, for a constant): the indices of an unrolled tile's elements
/// are one base plus 0, 1, 2, ...
std::pair<mlir::Value, int64_t> splitOffset(mlir::Value index);

/// Whether `index` is a multiple of `factor`, as far as its arithmetic
/// (constants, products, sums) shows.
bool isMultipleOf(mlir::Value index, int64_t factor);

} // namespace kiln::gpu

#endif // KILN_LIB_BACKENDS_GPU_INDICES_H
