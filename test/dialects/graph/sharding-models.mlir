// The sharding models of graph ops beyond matmul and elementwise: what a
// split dim does to each (dialects/graph/GraphSharding.cpp).
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=dp=2 shardings="x=dp,_;img=dp,_,_,_"},graph-partition)' | FileCheck %s --check-prefix=BATCH
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=dp=2 shardings="x=_,dp;img=_,dp,_,_"},graph-partition)' | FileCheck %s --check-prefix=INNER

// Split along the batch: a slice of the other dim, the layer norm, the
// convolution and the batch norm run on local blocks (the slice's limit is
// the local size); a sum over the split dim is an all_reduce of partial
// sums; a mean over it gathers first (partial means do not add up).
// BATCH-LABEL: func.func @ops
// BATCH-SAME: tensor<2x6xf32> {exec.name = "x", kiln.split_axes = [array<i16: 0>]}
// BATCH-DAG: %[[X:.*]] = shard.all_gather %arg0 on @mesh grid_axes = [0] gather_axis = 0 : tensor<2x6xf32> -> tensor<4x6xf32>
// BATCH-DAG: graph.slice %arg0 start = [0, 1] limit = [2, 3] step = [1, 1] : tensor<2x6xf32> -> tensor<2x2xf32>
// BATCH-DAG: graph.layer_norm %arg0, %{{.*}}, %{{.*}} axis = 1 : tensor<2x6xf32>, tensor<6xf32>
// BATCH-DAG: %[[SUM:.*]] = graph.reduce sum %arg0 axes = [0] : tensor<2x6xf32> -> tensor<6xf32>
// BATCH-DAG: shard.all_reduce %[[SUM]] on @mesh grid_axes = [0] : tensor<6xf32> -> tensor<6xf32>
// BATCH-DAG: graph.reduce mean %[[X]] axes = [0] : tensor<4x6xf32> -> tensor<6xf32>
// BATCH-DAG: %[[C:.*]] = graph.conv2d %arg1, %{{.*}} padding = [1, 1, 1, 1] : (tensor<2x2x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<2x3x5x5xf32>
// BATCH-DAG: graph.batch_norm %[[C]], {{.*}} : tensor<2x3x5x5xf32>, tensor<3xf32>

// Split along the inner dim: the slice, the layer norm's axis and the
// convolution's channels need it whole (one all_gather each input, shared
// by its users); the reductions over the other dim stay split.
// INNER-LABEL: func.func @ops
// INNER-SAME: tensor<4x3xf32> {exec.name = "x", kiln.split_axes = [array<i16>, array<i16: 0>]}
// INNER-DAG: %[[IMG:.*]] = shard.all_gather %arg1 on @mesh grid_axes = [0] gather_axis = 1 : tensor<4x1x5x5xf32> -> tensor<4x2x5x5xf32>
// INNER-DAG: %[[X:.*]] = shard.all_gather %arg0 on @mesh grid_axes = [0] gather_axis = 1 : tensor<4x3xf32> -> tensor<4x6xf32>
// INNER-DAG: graph.slice %[[X]] start = [0, 1] limit = [4, 3]
// INNER-DAG: graph.layer_norm %[[X]]
// INNER-DAG: graph.reduce sum %arg0 axes = [0] : tensor<4x3xf32> -> tensor<3xf32>
// INNER-DAG: graph.reduce mean %arg0 axes = [0] : tensor<4x3xf32> -> tensor<3xf32>
// INNER-DAG: graph.conv2d %[[IMG]]
// INNER-NOT: shard.all_gather
func.func @ops(%x: tensor<4x6xf32> {exec.name = "x"}, %img: tensor<4x2x5x5xf32> {exec.name = "img"}) -> (tensor<4x2xf32>, tensor<4x6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<4x3x5x5xf32>) {
  %s = graph.slice %x start = [0, 1] limit = [4, 3] step = [1, 1] : tensor<4x6xf32> -> tensor<4x2xf32>
  %g = graph.constant dense<1.0> : tensor<6xf32>
  %b = graph.constant dense<0.0> : tensor<6xf32>
  %n = graph.layer_norm %x, %g, %b axis = 1 : tensor<4x6xf32>, tensor<6xf32>
  %sum = graph.reduce sum %x axes = [0] : tensor<4x6xf32> -> tensor<6xf32>
  %mean = graph.reduce mean %x axes = [0] : tensor<4x6xf32> -> tensor<6xf32>
  %w = graph.constant dense<0.5> : tensor<3x2x3x3xf32>
  %c = graph.conv2d %img, %w padding = [1, 1, 1, 1] : (tensor<4x2x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<4x3x5x5xf32>
  %scale = graph.constant dense<2.0> : tensor<3xf32>
  %shift = graph.constant dense<0.0> : tensor<3xf32>
  %bn = graph.batch_norm %c, %scale, %shift, %shift, %scale : tensor<4x3x5x5xf32>, tensor<3xf32>
  return %s, %n, %sum, %mean, %bn : tensor<4x2xf32>, tensor<4x6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<4x3x5x5xf32>
}
