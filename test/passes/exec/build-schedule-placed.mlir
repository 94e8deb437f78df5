// exec-build-schedule over dispatches graph-place spread over two targets:
// one kernel module per target, each dispatch's buffers in its target's
// memory, a transfer only where a value crosses (once per memory reading
// it), and a weight stored once in each memory whose kernels read it.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(exec-build-schedule{target-options=cpu=x86-64-v3,opencl.workgroup-size=32})" | FileCheck %s

// CHECK: module @kernels_cpu attributes {exec.alignment = 64 : i64, exec.target = #exec.target<"cpu", {cpu = "x86-64-v3"}>}
// CHECK: func.func @dispatch_1
// CHECK: module @kernels_opencl attributes {exec.alignment = 128 : i64, exec.target = #exec.target<"opencl", {"workgroup-size" = "32"}>}
// CHECK: func.func @dispatch_0
// CHECK: func.func @dispatch_2
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<4x8xf32> {{.*}}, %[[OUT:.*]]: memref<4x8xf32> {{.*}}, %[[OUT2:.*]]: memref<4x8xf32> {{.*}})
// The weight both targets read: once in each memory, and its view too.
// CHECK: %[[WH:.*]] = exec.constant {{.*}} : memref<8x8xf32>
// CHECK: %[[WD:.*]] = exec.constant {{.*}} : memref<8x8xf32, "opencl">
// CHECK: %[[VH:.*]] = exec.view %[[WH]] : memref<8x8xf32> to memref<64xf32>
// CHECK: %[[VD:.*]] = exec.view %[[WD]] : memref<8x8xf32, "opencl"> to memref<64xf32, "opencl">
// x crosses to the device once, for both device dispatches.
// CHECK: %[[XD:.*]] = exec.alloc : memref<4x8xf32, "opencl">
// CHECK: exec.transfer %[[X]], %[[XD]]
// CHECK: %[[A:.*]] = exec.alloc : memref<4x8xf32, "opencl">
// CHECK: exec.dispatch @kernels_opencl::@dispatch_0 ins(%[[XD]], %[[WD]] : {{.*}}) outs(%[[A]] :
// Its result crosses to the cpu dispatch, which writes the caller's
// output itself.
// CHECK: %[[AH:.*]] = exec.alloc : memref<4x8xf32>
// CHECK: exec.transfer %[[A]], %[[AH]]
// CHECK: exec.dispatch @kernels_cpu::@dispatch_1 ins(%[[AH]], %[[WH]], %[[VH]] : {{.*}}) outs(%[[OUT]] :
// The device's result is transferred into its output.
// CHECK: %[[B:.*]] = exec.alloc : memref<4x8xf32, "opencl">
// CHECK: exec.dispatch @kernels_opencl::@dispatch_2 ins(%[[XD]], %[[VD]] : {{.*}}) outs(%[[B]] :
// CHECK: exec.transfer %[[B]], %[[OUT2]]
func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %w = graph.constant dense<1.0> : tensor<8x8xf32>
  %v = graph.reshape %w : tensor<8x8xf32> -> tensor<64xf32>
  %0 = graph.dispatch(%x, %w) {graph.device = "opencl"} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>):
    %r = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    graph.yield %r : tensor<4x8xf32>
  }
  %1 = graph.dispatch(%0, %w, %v) {graph.device = "cpu"} : (tensor<4x8xf32>, tensor<8x8xf32>, tensor<64xf32>) -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>, %c: tensor<64xf32>):
    %r = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    graph.yield %r : tensor<4x8xf32>
  }
  %2 = graph.dispatch(%x, %v) {graph.device = "opencl"} : (tensor<4x8xf32>, tensor<64xf32>) -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4x8xf32>, %c: tensor<64xf32>):
    %r = graph.relu %a : tensor<4x8xf32>
    graph.yield %r : tensor<4x8xf32>
  }
  return %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>
}
