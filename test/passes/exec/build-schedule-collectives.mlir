// exec-build-schedule on a partitioned graph: shard collectives become exec
// collectives over buffers, the grid the function's mesh; memory planning
// counts them as steps.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(exec-build-schedule,exec-plan-memory)" | FileCheck %s

// The Megatron MLP's second half on one device: its partial sums are
// all-reduced straight into the output buffer.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<4x8xf32> {exec.name = "input_0"}, %[[W:.*]]: memref<8x8xf32> {exec.name = "input_1"}, %[[Y:.*]]: memref<4x8xf32> {exec.name = "output_0"})
// CHECK-SAME: exec.mesh = array<i64: 2>
// CHECK: %[[P:.*]] = exec.alloc in "cpu" at 0 : memref<4x8xf32>
// CHECK: exec.dispatch @kernels_cpu::@dispatch_0 ins(%[[X]], %[[W]] : memref<4x8xf32>, memref<8x8xf32>) outs(%[[P]] : memref<4x8xf32>)
// CHECK: exec.all_reduce %[[P]], %[[Y]] axes = [0] reduction = "sum" : memref<4x8xf32>, memref<4x8xf32>
// CHECK-NEXT: return
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

// -----

// A gather whose result feeds a kernel gets a buffer of its own.
// CHECK-LABEL: func.func @gather
// CHECK-SAME: exec.mesh = array<i64: 2, 2>
// CHECK: %[[G:.*]] = exec.alloc in "cpu" at {{[0-9]+}} : memref<4x8xf32>
// CHECK: exec.all_gather %{{.*}}, %[[G]] axes = [0] dim = 0 : memref<2x8xf32>, memref<4x8xf32>
// CHECK: exec.dispatch @kernels_cpu::@dispatch_0 ins(%[[G]] : memref<4x8xf32>)
module {
  shard.grid @mesh(shape = 2x2)
  func.func @gather(%x: tensor<2x8xf32>) -> tensor<4x8xf32> {
    %0 = shard.all_gather %x on @mesh grid_axes = [0] gather_axis = 0 : tensor<2x8xf32> -> tensor<4x8xf32>
    %1 = graph.dispatch(%0) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
    ^bb0(%a: tensor<4x8xf32>):
      %n = graph.neg %a : tensor<4x8xf32>
      graph.yield %n : tensor<4x8xf32>
    }
    return %1 : tensor<4x8xf32>
  }
}

// -----

module {
  shard.grid @a(shape = 2)
  shard.grid @b(shape = 4)
  func.func @two_grids(%x: tensor<8xf32>) -> tensor<8xf32> {
    %0 = shard.all_reduce %x on @a grid_axes = [0] : tensor<8xf32> -> tensor<8xf32>
    // expected-error @+1 {{'shard.all_reduce' op runs on grid @b of shape array<i64: 4>, but the schedule already runs on a mesh of shape array<i64: 2>; one mesh per program}}
    %1 = shard.all_reduce %0 on @b grid_axes = [0] : tensor<8xf32> -> tensor<8xf32>
    return %1 : tensor<8xf32>
  }
}

// -----

module {
  shard.grid @a(shape = 2)
  func.func @product(%x: tensor<8xf32>) -> tensor<8xf32> {
    // expected-error @+1 {{'shard.all_reduce' op reduces with product; the runtime has sum, max and min}}
    %0 = shard.all_reduce %x on @a grid_axes = [0] reduction = product : tensor<8xf32> -> tensor<8xf32>
    return %0 : tensor<8xf32>
  }
}
