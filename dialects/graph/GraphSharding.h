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

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln::graph {

/// Attaches the ShardingInterface to graph.matmul and the elementwise graph
/// ops.
void registerGraphShardingInterfaces(mlir::DialectRegistry &registry);

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_GRAPHSHARDING_H
