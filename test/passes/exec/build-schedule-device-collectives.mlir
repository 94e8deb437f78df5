// exec-build-schedule for a target with memory of its own: a collective
// works in its source's memory. The Megatron MLP's partial sums stay in
// the device's memory, all-reduced there and transferred to the output; a
// gather of the caller's input runs on the host and its result is
// transferred to the kernel that reads it.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(exec-build-schedule{target=opencl memory=opencl},exec-plan-memory)" | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK-SAME: exec.mesh = array<i64: 2>
// CHECK: exec.dispatch @kernels_opencl::@dispatch_0 {{.*}} outs(%[[P:.*]] : memref<4x8xf32, "opencl">)
// CHECK: %[[SUM:.*]] = exec.alloc in "opencl" at {{[0-9]+}} : memref<4x8xf32, "opencl">
// CHECK: exec.all_reduce %[[P]], %[[SUM]] axes = [0] reduction = "sum" : memref<4x8xf32, "opencl">, memref<4x8xf32, "opencl">
// CHECK: exec.transfer %[[SUM]], %{{.*}} : memref<4x8xf32, "opencl">, memref<4x8xf32>
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

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<2x8xf32>
// CHECK: %[[WHOLE:.*]] = exec.alloc in "host" at {{[0-9]+}} : memref<4x8xf32>
// CHECK: exec.all_gather %[[X]], %[[WHOLE]] axes = [0] dim = 0 : memref<2x8xf32>, memref<4x8xf32>
// CHECK: %[[ON_DEVICE:.*]] = exec.alloc in "opencl" at {{[0-9]+}} : memref<4x8xf32, "opencl">
// CHECK: exec.transfer %[[WHOLE]], %[[ON_DEVICE]] : memref<4x8xf32>, memref<4x8xf32, "opencl">
// CHECK: exec.dispatch @kernels_opencl::@dispatch_0 ins(%[[ON_DEVICE]] : memref<4x8xf32, "opencl">)
module {
  shard.grid @mesh(shape = 2)
  func.func @main(%x: tensor<2x8xf32>) -> tensor<4x8xf32> {
    %0 = shard.all_gather %x on @mesh grid_axes = [0] gather_axis = 0 : tensor<2x8xf32> -> tensor<4x8xf32>
    %1 = graph.dispatch(%0) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
    ^bb0(%a: tensor<4x8xf32>):
      %e = graph.exp %a : tensor<4x8xf32>
      graph.yield %e : tensor<4x8xf32>
    }
    return %1 : tensor<4x8xf32>
  }
}
