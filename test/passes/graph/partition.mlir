// graph-partition: propagation, the recorded entry shardings, partitioning,
// and weight-only ops moved before a weight's slice so they still fold.
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=dp=2,tp=2 shardings="fc1.weight=tp,_;fc1.bias=tp;fc2.weight=_,tp;x=dp,_"},graph-partition)' | FileCheck %s 

// A Megatron MLP in torch's layout (nn.Linear weights [out, in], used
// transposed) on a 2x2 dp x tp mesh: the batch split over dp, fc1
// column-parallel and fc2 row-parallel over tp. The transposes of the
// weights are folded before slicing: the program slices the transposed
// weights and runs no transpose; one all_reduce over tp. The input and
// the result are split over dp (recorded in kiln.split_axes).
// CHECK: shard.grid @mesh(shape = 2x2) {kiln.axes = ["dp", "tp"]}
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32> {exec.name = "x", kiln.split_axes = [array<i16: 0>]}) -> (tensor<2x4xf32> {kiln.split_axes = [array<i16: 0>]})
// CHECK-NOT: graph.transpose
// CHECK-DAG: %[[W1:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [1] slice_axis = 1 : tensor<4x8xf32> -> tensor<4x4xf32>
// CHECK-DAG: %[[B1:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [1] slice_axis = 0 : tensor<8xf32> -> tensor<4xf32>
// CHECK: %[[H:.*]] = graph.matmul %[[X]], %[[W1]] : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
// CHECK: graph.add %[[H]], %[[B1]]
// CHECK: %[[W2:.*]] = shard.all_slice %{{.*}} on @mesh grid_axes = [1] slice_axis = 0 : tensor<8x4xf32> -> tensor<4x4xf32>
// CHECK: %[[Y:.*]] = graph.matmul %{{.*}}, %[[W2]] : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %[[S:.*]] = shard.all_reduce %[[Y]] on @mesh grid_axes = [1] : tensor<2x4xf32> -> tensor<2x4xf32>
// CHECK-NEXT: return %[[S]]
func.func @mlp(%x: tensor<4x4xf32> {exec.name = "x"}) -> tensor<4x4xf32> {
  %w1 = graph.constant {exec.name = "fc1.weight"} dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]> : tensor<8x4xf32>
  %b1 = graph.constant {exec.name = "fc1.bias"} dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %w2 = graph.constant {exec.name = "fc2.weight"} dense<[[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0, 5.0, 6.0, 7.0, 8.0], [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]]> : tensor<4x8xf32>
  %t1 = graph.transpose %w1 perm = [1, 0] : tensor<8x4xf32> -> tensor<4x8xf32>
  %h = graph.matmul %x, %t1 : (tensor<4x4xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %hb = graph.add %h, %b1 : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %r = graph.relu %hb : tensor<4x8xf32>
  %t2 = graph.transpose %w2 perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %y = graph.matmul %r, %t2 : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

