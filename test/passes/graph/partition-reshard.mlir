// graph-partition reshards where an op needs a dim whole.
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=dp=2 shardings="x=_,dp"},graph-partition)' | FileCheck %s

// Propagation splits the other input of an elementwise op the same way; a
// softmax along the split dim needs the whole row: all_gather first.
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.*]]: tensor<4x4xf32> {exec.name = "x", kiln.split_axes = [array<i16>, array<i16: 0>]}, %[[Y:.*]]: tensor<4x4xf32> {exec.name = "y", kiln.split_axes = [array<i16>, array<i16: 0>]}) -> tensor<4x2xf32>
// CHECK: %[[S:.*]] = graph.add %[[X]], %[[Y]] : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
// CHECK: %[[G:.*]] = shard.all_gather %[[S]] on @mesh grid_axes = [0] gather_axis = 1 : tensor<4x4xf32> -> tensor<4x8xf32>
// CHECK: graph.softmax %[[G]] axis = 1 : tensor<4x8xf32>
func.func @softmax(%x: tensor<4x8xf32> {exec.name = "x"}, %y: tensor<4x8xf32> {exec.name = "y"}) -> tensor<4x2xf32> {
  %0 = graph.add %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = graph.softmax %0 axis = 1 : tensor<4x8xf32>
  %2 = graph.reshape %1 : tensor<4x8xf32> -> tensor<4x2x4xf32>
  %3 = graph.reduce sum %2 axes = [2] : tensor<4x2x4xf32> -> tensor<4x2xf32>
  return %3 : tensor<4x2xf32>
}
