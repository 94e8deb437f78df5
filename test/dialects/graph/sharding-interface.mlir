// Graph ops under upstream MLIR's sharding-propagation and shard-partition
// (dialects/graph/GraphSharding.cpp): the per-device program and its
// collectives.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(sharding-propagation{traversal=forward-backward},shard-partition,canonicalize,cse))" | FileCheck %s

// A Megatron MLP, tp=2: the first linear column-parallel (weight and bias
// split along N), the second row-parallel (weight split along K). Each
// device computes its half of the hidden layer with no communication, and
// the second matmul's partial sums need exactly one all_reduce.
// CHECK-LABEL: func.func @megatron_tp2
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[W1:.*]]: tensor<8x8xf32>, %[[B1:.*]]: tensor<8xf32>, %[[W2:.*]]: tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[H:.*]] = graph.matmul %[[X]], %[[W1]] : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[HB:.*]] = graph.add %[[H]], %[[B1]] : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[R:.*]] = graph.relu %[[HB]] : tensor<4x8xf32>
// CHECK-NEXT: %[[Y:.*]] = graph.matmul %[[R]], %[[W2]] : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[S:.*]] = shard.all_reduce %[[Y]] on @tp grid_axes = [0] : tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: return %[[S]]
shard.grid @tp(shape = 2)
func.func @megatron_tp2(%x: tensor<4x8xf32>, %w1: tensor<8x16xf32>, %b1: tensor<16xf32>, %w2: tensor<16x8xf32>) -> tensor<4x8xf32> {
  %column = shard.sharding @tp split_axes = [[], [0]] : !shard.sharding
  %w1s = shard.shard %w1 to %column : tensor<8x16xf32>
  %vector = shard.sharding @tp split_axes = [[0]] : !shard.sharding
  %b1s = shard.shard %b1 to %vector : tensor<16xf32>
  %row = shard.sharding @tp split_axes = [[0], []] : !shard.sharding
  %w2s = shard.shard %w2 to %row : tensor<16x8xf32>
  %h = graph.matmul %x, %w1s : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %hb = graph.add %h, %b1s : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %r = graph.relu %hb : tensor<4x16xf32>
  %y = graph.matmul %r, %w2s : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// tp=4 on a batched (3-D) input: a quarter of the hidden layer per device,
// still one all_reduce.
// CHECK-LABEL: func.func @megatron_tp4
// CHECK-SAME: (%{{.*}}: tensor<2x4x8xf32>, %{{.*}}: tensor<8x4xf32>, %{{.*}}: tensor<4x8xf32>) -> tensor<2x4x8xf32>
// CHECK: graph.matmul {{.*}} -> tensor<2x4x4xf32>
// CHECK: graph.gelu {{.*}} : tensor<2x4x4xf32>
// CHECK: graph.matmul {{.*}} -> tensor<2x4x8xf32>
// CHECK-NEXT: shard.all_reduce %{{.*}} on @tp4 grid_axes = [0] : tensor<2x4x8xf32> -> tensor<2x4x8xf32>
// CHECK-NEXT: return
shard.grid @tp4(shape = 4)
func.func @megatron_tp4(%x: tensor<2x4x8xf32>, %w1: tensor<8x16xf32>, %w2: tensor<16x8xf32>) -> tensor<2x4x8xf32> {
  %column = shard.sharding @tp4 split_axes = [[], [0]] : !shard.sharding
  %w1s = shard.shard %w1 to %column : tensor<8x16xf32>
  %row = shard.sharding @tp4 split_axes = [[0], []] : !shard.sharding
  %w2s = shard.shard %w2 to %row : tensor<16x8xf32>
  %h = graph.matmul %x, %w1s : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %r = graph.gelu %h : tensor<2x4x16xf32>
  %y = graph.matmul %r, %w2s : (tensor<2x4x16xf32>, tensor<16x8xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// Data parallel, dp=2: the batch split, weights replicated, no collective;
// each device returns its half of the batch.
// CHECK-LABEL: func.func @data_parallel
// CHECK-SAME: (%{{.*}}: tensor<2x8xf32>, %{{.*}}: tensor<8x16xf32>) -> tensor<2x16xf32>
// CHECK-NOT: shard.
// CHECK: return
shard.grid @dp(shape = 2)
func.func @data_parallel(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %batch = shard.sharding @dp split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %batch : tensor<4x8xf32>
  %h = graph.matmul %xs, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %r = graph.relu %h : tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// dp=2 x tp=2: the batch on axis 0, the Megatron split on axis 1; the one
// all_reduce runs over tp only.
// CHECK-LABEL: func.func @dp_tp
// CHECK-SAME: (%{{.*}}: tensor<2x8xf32>, %{{.*}}: tensor<8x8xf32>, %{{.*}}: tensor<8x8xf32>) -> tensor<2x8xf32>
// CHECK: graph.matmul {{.*}} -> tensor<2x8xf32>
// CHECK: graph.gelu
// CHECK: graph.matmul {{.*}} -> tensor<2x8xf32>
// CHECK-NEXT: shard.all_reduce %{{.*}} on @mesh grid_axes = [1] : tensor<2x8xf32> -> tensor<2x8xf32>
// CHECK-NEXT: return
shard.grid @mesh(shape = 2x2)
func.func @dp_tp(%x: tensor<4x8xf32>, %w1: tensor<8x16xf32>, %w2: tensor<16x8xf32>) -> tensor<4x8xf32> {
  %batch = shard.sharding @mesh split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %batch : tensor<4x8xf32>
  %column = shard.sharding @mesh split_axes = [[], [1]] : !shard.sharding
  %w1s = shard.shard %w1 to %column : tensor<8x16xf32>
  %row = shard.sharding @mesh split_axes = [[1], []] : !shard.sharding
  %w2s = shard.shard %w2 to %row : tensor<16x8xf32>
  %h = graph.matmul %xs, %w1s : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %r = graph.gelu %h : tensor<4x16xf32>
  %y = graph.matmul %r, %w2s : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
