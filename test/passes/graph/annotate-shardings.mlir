// graph-annotate-shardings: the user's mesh and shardings as shard
// annotations; inputs by exec.name or position, weights by exec.name or
// resource name.
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=dp=2,tp=2 shardings="fc1.weight=tp,_;input0=dp+tp,_;b=_"})' | FileCheck %s

// CHECK: shard.grid @mesh(shape = 2x2) {kiln.axes = ["dp", "tp"]}
// CHECK-LABEL: func.func @mlp
// An input is annotated where it enters.
// CHECK: %[[S0:.*]] = shard.sharding @mesh split_axes = {{\[\[}}0, 1]] : !shard.sharding
// CHECK: %[[X:.*]] = shard.shard %arg0 to %[[S0]] : tensor<8x4xf32>
// A weight is whole where it is defined, split for its users.
// CHECK: %[[W:.*]] = graph.constant {exec.name = "fc1.weight"}
// CHECK: %[[SPLIT:.*]] = shard.sharding @mesh split_axes = {{\[\[}}1]] : !shard.sharding
// CHECK: %[[WHOLE:.*]] = shard.sharding @mesh split_axes = [] : !shard.sharding
// CHECK: %[[WW:.*]] = shard.shard %[[W]] to %[[WHOLE]] : tensor<8x4xf32>
// CHECK: %[[WS:.*]] = shard.shard %[[WW]] to %[[SPLIT]] annotate_for_users : tensor<8x4xf32>
// A dim not split ("_") leaves the tensor replicated.
// CHECK: %[[B:.*]] = graph.constant dense_resource<b>
// CHECK: %[[BW:.*]] = shard.shard %[[B]] to %{{.*}} : tensor<4xf32>
// CHECK: shard.shard %[[BW]] to %{{.*}} annotate_for_users : tensor<4xf32>
// CHECK: graph.transpose %[[WS]]
func.func @mlp(%x: tensor<8x4xf32> {exec.name = "x"}) -> tensor<8x8xf32> {
  %w = graph.constant {exec.name = "fc1.weight"} dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]> : tensor<8x4xf32>
  %b = graph.constant dense_resource<b> : tensor<4xf32>
  %xb = graph.add %x, %b : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %t = graph.transpose %w perm = [1, 0] : tensor<8x4xf32> -> tensor<4x8xf32>
  %y = graph.matmul %xb, %t : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  return %y : tensor<8x8xf32>
}

{-#
  dialect_resources: {
    builtin: {
      b: "0x040000000000803F0000803F0000803F0000803F"
    }
  }
#-}
