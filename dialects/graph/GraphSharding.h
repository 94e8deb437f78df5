//===- GraphSharding.h - graph ops under upstream shard ---------*- C++ -*-===//
//
// Graph ops implement upstream MLIR's ShardingInterface (as external models),
// so upstream `sharding-propagation` and `shard-partition` shard a model
// graph: each op describes its loops (parallel or reduction) and how each
// operand and result is indexed by them, as linalg ops do.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_GRAPH_GRAPHSHARDING_H
#define KILN_DIALECTS_GRAPH_GRAPHSHARDING_H

#include "mlir/Dialect/Shard/IR/ShardOps.h"

#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln::graph {

/// Attaches the ShardingInterface to graph.matmul and the elementwise graph
/// ops.
void registerGraphShardingInterfaces(mlir::DialectRegistry &registry);

/// On a shard.grid: the names of its axes, as the user gave the mesh.
inline constexpr llvm::StringLiteral kAxesAttr = "kiln.axes";
/// On an entry argument or result after partitioning: the grid axes each
/// dim is split along (an array of i16 arrays, one per dim, as a sharding's
/// split_axes); absent when replicated.
inline constexpr llvm::StringLiteral kSplitAxesAttr = "kiln.split_axes";

/// "'fc1.weight'" for a named argument or constant, else what computes the
/// value.
std::string describeTensor(mlir::Value value);
/// "'tp'" when the grid names its axes, else the axis number.
std::string axisName(mlir::shard::GridOp grid, int64_t axis);

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_GRAPHSHARDING_H
