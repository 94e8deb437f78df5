// exec-build-schedule for a target with memory of its own (memory=opencl):
// the kernels bind buffers in that memory, weights are constants there, each
// input a kernel reads is transferred in once, and results are transferred
// into the caller's output buffers, which stay on the host.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(exec-build-schedule{target=opencl memory=opencl target-options=platform=pocl})" | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(exec-build-schedule{target=opencl memory=opencl},exec-plan-memory)" | FileCheck %s --check-prefix=PLANNED

// CHECK-LABEL: module @kernels_opencl attributes {exec.alignment = 64 : i64, exec.target = #exec.target<"opencl", {platform = "pocl"}>}
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<2x8xf32> {exec.name = "x"}, %[[Y:.*]]: memref<16xf32> {exec.name = "output_0"}, %[[Z:.*]]: memref<2x8xf32> {exec.name = "output_1"})
// CHECK: %[[W:.*]] = exec.constant dense<1.000000e+00> : tensor<8xf32> : memref<8xf32, "opencl">
// CHECK: %[[DX:.*]] = exec.alloc : memref<2x8xf32, "opencl">
// CHECK: exec.transfer %[[X]], %[[DX]] : memref<2x8xf32>, memref<2x8xf32, "opencl">
// CHECK: %[[T:.*]] = exec.alloc : memref<2x8xf32, "opencl">
// CHECK: exec.dispatch @kernels_opencl::@dispatch_0 ins(%[[DX]], %[[W]] : memref<2x8xf32, "opencl">, memref<8xf32, "opencl">) outs(%[[T]] : memref<2x8xf32, "opencl">)
// CHECK: %[[V:.*]] = exec.view %[[T]] : memref<2x8xf32, "opencl"> to memref<16xf32, "opencl">
// CHECK: %[[N:.*]] = exec.alloc : memref<16xf32, "opencl">
// The input is read again: its device copy is reused, not transferred twice.
// CHECK-NOT: exec.transfer %[[X]]
// CHECK: exec.dispatch @kernels_opencl::@dispatch_1 ins(%[[V]] : memref<16xf32, "opencl">) outs(%[[N]] : memref<16xf32, "opencl">)
// CHECK: exec.dispatch @kernels_opencl::@dispatch_2 ins(%[[DX]] : memref<2x8xf32, "opencl">)
// CHECK: exec.transfer %[[N]], %[[Y]] : memref<16xf32, "opencl">, memref<16xf32>
// CHECK: exec.transfer %{{.*}}, %[[Z]] : memref<2x8xf32, "opencl">, memref<2x8xf32>
// CHECK-NEXT: return
// Planned: one arena in the device's memory, none on the host.
// PLANNED-LABEL: func.func @main
// PLANNED-SAME: exec.arenas = {opencl = {
// PLANNED: exec.alloc in "opencl" at 0 : memref<2x8xf32, "opencl">
func.func @main(%x: tensor<2x8xf32> {exec.name = "x"}) -> (tensor<16xf32>, tensor<2x8xf32>) {
  %w = graph.constant dense<1.0> : tensor<8xf32>
  %0 = graph.dispatch(%x, %w) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: tensor<2x8xf32>, %b: tensor<8xf32>):
    %s = graph.add %a, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
    graph.yield %s : tensor<2x8xf32>
  }
  %1 = graph.reshape %0 : tensor<2x8xf32> -> tensor<16xf32>
  %2 = graph.dispatch(%1) : (tensor<16xf32>) -> tensor<16xf32> {
  ^bb0(%in: tensor<16xf32>):
    %n = graph.neg %in : tensor<16xf32>
    graph.yield %n : tensor<16xf32>
  }
  %3 = graph.dispatch(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32> {
  ^bb0(%in: tensor<2x8xf32>):
    %n = graph.tanh %in : tensor<2x8xf32>
    graph.yield %n : tensor<2x8xf32>
  }
  return %2, %3 : tensor<16xf32>, tensor<2x8xf32>
}

// -----

// A returned input is copied on the host; a returned weight lives on the
// device and is transferred out.
// CHECK-LABEL: func.func @passthrough
// CHECK: %[[C:.*]] = exec.constant {{.*}} : memref<4xf32, "opencl">
// CHECK: exec.copy %arg0, %arg1 : memref<4xf32>, memref<4xf32>
// CHECK: exec.transfer %[[C]], %arg2 : memref<4xf32, "opencl">, memref<4xf32>
func.func @passthrough(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c = graph.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  return %x, %c : tensor<4xf32>, tensor<4xf32>
}
