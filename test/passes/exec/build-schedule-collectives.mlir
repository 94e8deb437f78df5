// exec-build-schedule on a partitioned graph: shard collectives become exec
// collectives over buffers, the grid the function's mesh; memory planning
// counts them as steps.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(exec-build-schedule,exec-plan-memory)" | FileCheck %s

// The Megatron MLP's second half on one device: its partial sums are
// all-reduced straight into the output buffer.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<4x8xf32> {exec.name = "input_0"}, %[[W:.*]]: memref<8x8xf32> {exec.name = "input_1"}, %[[Y:.*]]: memref<4x8xf32> {exec.name = "output_0"})
// CHECK-SAME: exec.mesh = array<i64: 2>
// CHECK: %[[P:.*]] = exec.alloc in "host" at 0 : memref<4x8xf32>
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
// CHECK: %[[G:.*]] = exec.alloc in "host" at {{[0-9]+}} : memref<4x8xf32>
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
  // expected-error @+1 {{'shard.grid' op is a second grid; a program runs on one device mesh}}
  shard.grid @b(shape = 4)
  func.func @two_grids(%x: tensor<8xf32>) -> tensor<8xf32> {
    %0 = shard.all_reduce %x on @a grid_axes = [0] : tensor<8xf32> -> tensor<8xf32>
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

// -----

// A weight sliced per device stays a weight: one exec.constant holding the
// whole value, split as the slices say; the whole one is not kept. A
// computed value sliced is an exec.all_slice step; a splat, a smaller splat.
// The mesh and its names come from the grid, the entry's shardings from its
// kiln.split_axes.
// CHECK-LABEL: func.func @slices
// CHECK-SAME: (%[[X:.*]]: memref<2x4xf32> {exec.name = "input_0", exec.split = [array<i16: 0>]}, %{{.*}}: memref<2x4xf32> {exec.name = "output_0"})
// CHECK-SAME: exec.mesh = array<i64: 2, 2>, exec.mesh_axes = ["dp", "tp"]
// CHECK-NOT: exec.constant dense<{{.*}}> : tensor<4x8xf32> :
// CHECK: exec.constant dense<{{.*}}> : tensor<4x8xf32> split = [array<i16: 0>, array<i16: 1>] : memref<2x4xf32>
// CHECK: exec.constant dense<1.000000e+00> : tensor<2x4xf32> : memref<2x4xf32>
// CHECK: exec.all_slice %{{.*}}, %{{.*}} axes = [0] dim = 0 : memref<4x4xf32>, memref<2x4xf32>
module {
  shard.grid @mesh(shape = 2x2) {kiln.axes = ["dp", "tp"]}
  func.func @slices(%x: tensor<2x4xf32> {kiln.split_axes = [array<i16: 0>]}, %full: tensor<4x4xf32>) -> tensor<2x4xf32> {
    %w = graph.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]]> : tensor<4x8xf32>
    %rows = shard.all_slice %w on @mesh grid_axes = [0] slice_axis = 0 : tensor<4x8xf32> -> tensor<2x8xf32>
    %block = shard.all_slice %rows on @mesh grid_axes = [1] slice_axis = 1 : tensor<2x8xf32> -> tensor<2x4xf32>
    %ones = graph.constant dense<1.0> : tensor<4x4xf32>
    %half = shard.all_slice %ones on @mesh grid_axes = [0] slice_axis = 0 : tensor<4x4xf32> -> tensor<2x4xf32>
    %part = shard.all_slice %full on @mesh grid_axes = [0] slice_axis = 0 : tensor<4x4xf32> -> tensor<2x4xf32>
    %0 = graph.dispatch(%x, %block, %half, %part) : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32> {
    ^bb0(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>, %c: tensor<2x4xf32>, %d: tensor<2x4xf32>):
      %s = graph.add %a, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
      %t = graph.add %s, %c : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
      %u = graph.add %t, %d : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
      graph.yield %u : tensor<2x4xf32>
    }
    return %0 : tensor<2x4xf32>
  }
}
