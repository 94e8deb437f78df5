// gather (an embedding lookup) under sharding: split indices give local
// lookups into the whole table; a table split along its embedding dim gives
// each device those columns of every row, with no collective.
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=dp=2 shardings="ids=dp,_"},graph-partition)' | FileCheck %s --check-prefix=IDS
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="embed.weight=_,tp"},graph-partition)' | FileCheck %s --check-prefix=TABLE

// IDS-LABEL: func.func @embed
// IDS-SAME: (%[[IDS:.*]]: tensor<2x6xi64> {exec.name = "ids", kiln.split_axes = [array<i16: 0>]}) -> (tensor<2x6x8xf32> {kiln.split_axes = [array<i16: 0>]})
// IDS-NOT: shard.
// IDS: graph.gather %{{.*}}, %[[IDS]] axis = 0 : (tensor<3x8xf32>, tensor<2x6xi64>) -> tensor<2x6x8xf32>

// TABLE-LABEL: func.func @embed
// TABLE-SAME: -> (tensor<4x6x4xf32> {kiln.split_axes = [array<i16>, array<i16>, array<i16: 0>]})
// TABLE: %[[T:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [0] slice_axis = 1 : tensor<3x8xf32> -> tensor<3x4xf32>
// TABLE: graph.gather %[[T]], %arg0 axis = 0 : (tensor<3x4xf32>, tensor<4x6xi64>) -> tensor<4x6x4xf32>
// TABLE-NOT: shard.all
func.func @embed(%ids: tensor<4x6xi64> {exec.name = "ids"}) -> tensor<4x6x8xf32> {
  %table = graph.constant {exec.name = "embed.weight"} dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]> : tensor<3x8xf32>
  %e = graph.gather %table, %ids axis = 0 : (tensor<3x8xf32>, tensor<4x6xi64>) -> tensor<4x6x8xf32>
  return %e : tensor<4x6x8xf32>
}
