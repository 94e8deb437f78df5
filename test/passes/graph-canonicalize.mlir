// The graph-canonicalize pipeline: folds to a fixed point, then CSE unless
// `cse=false`. The same pipeline runs by flag and by textual pipeline.
// RUN: kiln-opt %s --graph-canonicalize | FileCheck %s --check-prefixes=CHECK,CSE
// RUN: kiln-opt %s --pass-pipeline="builtin.module(graph-canonicalize)" | FileCheck %s --check-prefixes=CHECK,CSE
// RUN: kiln-opt %s --pass-pipeline="builtin.module(graph-canonicalize{cse=false max-iterations=4})" | FileCheck %s --check-prefixes=CHECK,NOCSE

// Folds run (x * 1 and a reshape chain go); identical exps merge only with CSE.
// CHECK-LABEL: func.func @folds_then_cse
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: graph.mul
// CHECK: %[[E0:.*]] = graph.exp %[[X]]
// CHECK: %[[R:.*]] = graph.reshape %[[E0]] : tensor<2x3xf32> -> tensor<3x2xf32>
// NOCSE: %[[E1:.*]] = graph.exp %[[X]]
// CSE-NOT: graph.exp
// CSE: return %[[R]], %[[E0]]
// NOCSE: return %[[R]], %[[E1]]
func.func @folds_then_cse(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x3xf32>) {
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.mul %x, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = graph.exp %0 : tensor<2x3xf32>
  %2 = graph.reshape %1 : tensor<2x3xf32> -> tensor<6xf32>
  %3 = graph.reshape %2 : tensor<6xf32> -> tensor<3x2xf32>
  %4 = graph.exp %x : tensor<2x3xf32>
  return %3, %4 : tensor<3x2xf32>, tensor<2x3xf32>
}
