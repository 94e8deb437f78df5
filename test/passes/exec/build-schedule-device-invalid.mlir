// exec-build-schedule for a target with memory of its own refuses what it
// cannot schedule yet: a sharded program (its collectives run on host
// memory).
// RUN: kiln-opt %s -verify-diagnostics --pass-pipeline="builtin.module(exec-build-schedule{target=opencl memory=opencl})"

// expected-error @+1 {{a sharded program runs its collectives on host memory, and target 'opencl' has memory of its own; shard for a target working on host memory (cpu) for now}}
module {
  shard.grid @tp(shape = 2)
  func.func @main(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
    %0 = graph.dispatch(%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> {
    ^bb0(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>):
      %m = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
      graph.yield %m : tensor<4x8xf32>
    }
    %1 = shard.all_reduce %0 on @tp grid_axes = [0] : tensor<4x8xf32> -> tensor<4x8xf32>
    return %1 : tensor<4x8xf32>
  }
}
