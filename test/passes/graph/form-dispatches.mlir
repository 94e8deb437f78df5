// graph-form-dispatches: one region per compute op; constants and reshapes
// stay outside; splat constants are copied in.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-form-dispatches))" | FileCheck %s

// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[W:.*]] = graph.constant dense_resource<w> : tensor<8xf32>
// CHECK: %[[ADD:.*]] = graph.dispatch(%[[X]], %[[W]]) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<2x8xf32>, %[[B:.*]]: tensor<8xf32>):
// CHECK-NEXT: %[[S:.*]] = graph.add %[[A]], %[[B]]
// CHECK-NEXT: graph.yield %[[S]]
// CHECK: %[[R:.*]] = graph.reshape %[[ADD]] : tensor<2x8xf32> -> tensor<16xf32>
// CHECK: %[[SCALED:.*]] = graph.dispatch(%[[R]]) : (tensor<16xf32>) -> tensor<16xf32> {
// CHECK-NEXT: ^bb0(%[[IN:.*]]: tensor<16xf32>):
// CHECK-NEXT: %[[TWO:.*]] = graph.constant dense<2.000000e+00> : tensor<16xf32>
// CHECK-NEXT: %[[M:.*]] = graph.mul %[[IN]], %[[TWO]]
// CHECK-NEXT: graph.yield %[[M]]
// CHECK: return %[[SCALED]]
func.func @chain(%x: tensor<2x8xf32>) -> tensor<16xf32> {
  %w = graph.constant dense_resource<w> : tensor<8xf32>
  %two = graph.constant dense<2.0> : tensor<16xf32>
  %0 = graph.add %x, %w : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %1 = graph.reshape %0 : tensor<2x8xf32> -> tensor<16xf32>
  %2 = graph.mul %1, %two : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %2 : tensor<16xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F"
    }
  }
#-}

// -----

// An operand used twice is one input; an existing dispatch is left alone.
// CHECK-LABEL: func.func @reuse
// CHECK: graph.dispatch(%{{.*}}) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT: ^bb0(%[[IN:.*]]: tensor<4xf32>):
// CHECK-NEXT: graph.mul %[[IN]], %[[IN]]
// CHECK: graph.dispatch(%{{.*}}) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<4xf32>):
// CHECK-NEXT: graph.neg
// CHECK-NOT: graph.dispatch
func.func @reuse(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.mul %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = graph.dispatch(%0) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%in: tensor<4xf32>):
    %n = graph.neg %in : tensor<4xf32>
    graph.yield %n : tensor<4xf32>
  }
  return %1 : tensor<4xf32>
}
