// Bad input makes kiln-opt exit non-zero with the file, line, column, op and
// expected-vs-got in the message, and print nothing on stdout.
// RUN: not kiln-opt %s --graph-canonicalize 2>%t.err > %t.out
// RUN: FileCheck %s < %t.err
// RUN: count 0 < %t.out

// CHECK: errors.mlir:[[@LINE+2]]:8: error: 'graph.matmul' op contraction sizes differ: lhs [2, 4] has K = 4, rhs [5, 2] has K = 5
func.func @bad(%a: tensor<2x4xf32>, %b: tensor<5x2xf32>) -> tensor<2x2xf32> {
  %0 = graph.matmul %a, %b : (tensor<2x4xf32>, tensor<5x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
