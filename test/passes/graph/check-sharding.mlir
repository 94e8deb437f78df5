// graph-check-sharding: shardings that cannot partition the graph, one case
// each; the error names the tensor, the dim and the axis.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(func.func(graph-check-sharding))"

// A dim that does not divide: upstream shard-partition would floor 15 / 2.
shard.grid @mesh(shape = 2) {kiln.axes = ["tp"]}
func.func @not_divisible(%w: tensor<8x15xf32> {exec.name = "fc1.weight"}) -> tensor<8x15xf32> {
  %s = shard.sharding @mesh split_axes = [[], [0]] : !shard.sharding
  // expected-error @+1 {{'shard.shard' op cannot split dim 1 of 'fc1.weight' (size 15) across axis 'tp' of grid @mesh (2 devices): 15 is not a multiple of 2}}
  %ws = shard.shard %w to %s : tensor<8x15xf32>
  return %ws : tensor<8x15xf32>
}

// -----

shard.grid @mesh(shape = 2x2) {kiln.axes = ["dp", "tp"]}
func.func @unknown_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = shard.sharding @mesh split_axes = [[2]] : !shard.sharding
  // expected-error @+1 {{'shard.shard' op the sharding of argument #0 splits dim 0 along axis 2, but grid @mesh has 2 axes}}
  %xs = shard.shard %x to %s : tensor<4x8xf32>
  return %xs : tensor<4x8xf32>
}

// -----

shard.grid @mesh(shape = 2)
func.func @too_many_dims(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = shard.sharding @mesh split_axes = [[], [0]] : !shard.sharding
  // expected-error @+1 {{'shard.shard' op the sharding of argument #0 splits 2 dims; the tensor 'tensor<4xf32>' has 1}}
  %xs = shard.shard %x to %s : tensor<4xf32>
  return %xs : tensor<4xf32>
}

// -----

// Over two axes, a dim must divide by the product (4 devices here), and a
// result is named by its op.
shard.grid @mesh(shape = 2x2)
func.func @product(%x: tensor<6x8xf32>) -> tensor<6x8xf32> {
  %n = graph.neg %x : tensor<6x8xf32>
  %s = shard.sharding @mesh split_axes = [[0, 1]] : !shard.sharding
  // expected-error @+1 {{'shard.shard' op cannot split dim 0 of the result of 'graph.neg' (size 6) across axes 0, 1 of grid @mesh (4 devices): 6 is not a multiple of 4}}
  %ns = shard.shard %n to %s : tensor<6x8xf32>
  return %ns : tensor<6x8xf32>
}

// -----

// Valid shardings pass unchanged.
shard.grid @mesh(shape = 2x2)
func.func @fine(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = shard.sharding @mesh split_axes = [[0], [1]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<4x8xf32>
  return %xs : tensor<4x8xf32>
}
