// exec-build-schedule: kernels outlined, the entry function scheduled over
// buffers (inputs, then outputs).
// RUN: kiln-opt %s -split-input-file -exec-build-schedule | FileCheck %s

// A chain with a weight, a view and an output written in place.
// CHECK-LABEL: module @kernels_cpu attributes {exec.alignment = 64 : i64, exec.target = #exec.target<"cpu">}
// CHECK: func.func @dispatch_0(%[[A:.*]]: tensor<2x8xf32>, %[[B:.*]]: tensor<8xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT: %[[S:.*]] = graph.add %[[A]], %[[B]]
// CHECK-NEXT: return %[[S]] : tensor<2x8xf32>
// CHECK: func.func @dispatch_1(%{{.*}}: tensor<16xf32>) -> tensor<16xf32>
// CHECK: graph.neg
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<2x8xf32> {exec.name = "x"}, %[[Y:.*]]: memref<16xf32> {exec.name = "output_0"})
// CHECK-SAME: attributes {exec.entry, exec.num_inputs = 1 : i64}
// CHECK: %[[W:.*]] = exec.constant dense<1.000000e+00> : tensor<8xf32> : memref<8xf32>
// CHECK: %[[T:.*]] = exec.alloc : memref<2x8xf32>
// Each dispatch records its kernel's graph ops and their arithmetic (for the
// compile report): one add and one negation per element.
// CHECK: exec.dispatch @kernels_cpu::@dispatch_0 ins(%[[X]], %[[W]] : memref<2x8xf32>, memref<8xf32>) outs(%[[T]] : memref<2x8xf32>) {exec.flops = 16 : i64, exec.ops = ["graph.add"]}
// CHECK: %[[V:.*]] = exec.view %[[T]] : memref<2x8xf32> to memref<16xf32>
// CHECK: exec.dispatch @kernels_cpu::@dispatch_1 ins(%[[V]] : memref<16xf32>) outs(%[[Y]] : memref<16xf32>) {exec.flops = 16 : i64, exec.ops = ["graph.neg"]}
// CHECK-NEXT: return
func.func @main(%x: tensor<2x8xf32> {exec.name = "x"}) -> tensor<16xf32> {
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
  return %2 : tensor<16xf32>
}

// -----

// Returned values that are not a dispatch's fresh result are copied: an
// input, a view, a constant, and a value returned twice.
// CHECK-LABEL: func.func @copies
// CHECK-SAME: (%[[X:.*]]: memref<4xf32> {exec.name = "input_0"}, %[[O0:.*]]: memref<4xf32> {exec.name = "output_0"}, %[[O1:.*]]: memref<2x2xf32> {exec.name = "output_1"}, %[[O2:.*]]: memref<4xf32> {exec.name = "output_2"}, %[[O3:.*]]: memref<4xf32> {exec.name = "output_3"}, %[[O4:.*]]: memref<4xf32> {exec.name = "output_4"})
// CHECK: %[[C:.*]] = exec.constant
// CHECK: %[[V:.*]] = exec.view %[[X]]
// CHECK: exec.dispatch @kernels_cpu::@dispatch_0 ins(%[[X]] : memref<4xf32>) outs(%[[O3]] : memref<4xf32>)
// CHECK: exec.copy %[[X]], %[[O0]]
// CHECK: exec.copy %[[V]], %[[O1]]
// CHECK: exec.copy %[[C]], %[[O2]]
// CHECK: exec.copy %[[O3]], %[[O4]]
func.func @copies(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %c = graph.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %v = graph.reshape %x : tensor<4xf32> -> tensor<2x2xf32>
  %n = graph.dispatch(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%in: tensor<4xf32>):
    %0 = graph.neg %in : tensor<4xf32>
    graph.yield %0 : tensor<4xf32>
  }
  return %x, %v, %c, %n, %n : tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
