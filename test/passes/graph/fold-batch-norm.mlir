// graph-fold-batch-norm: inference batch norm after a convolution becomes
// weight and bias arithmetic, which graph-fold-constants then evaluates.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-fold-batch-norm))" | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-fold-batch-norm,graph-fold-constants))" | FileCheck %s --check-prefix=FOLDED

// s = scale / sqrt(var + eps) = [2, 3] / [2, 1] = [1, 3];
// W' = W * s per output channel = [[1, 2], [9, 12]];
// b' = (0 - mean) * s + beta = [-0.5 + 1, -3 + 0] = [0.5, -3].
// CHECK-LABEL: func.func @conv_then_batch_norm
// CHECK-DAG: %[[W:.*]] = graph.constant dense_resource<w>
// CHECK-DAG: %[[SCALE:.*]] = graph.constant dense_resource<scale>
// CHECK-DAG: %[[BETA:.*]] = graph.constant dense_resource<beta>
// CHECK-DAG: %[[MEAN:.*]] = graph.constant dense_resource<mean>
// CHECK-DAG: %[[VAR:.*]] = graph.constant dense_resource<var>
// (var + epsilon with epsilon = 0 folds to var.)
// CHECK: %[[INV:.*]] = graph.rsqrt %[[VAR]]
// (Operands of commutative ops may come in either order.)
// CHECK: %[[S:.*]] = graph.mul {{.*}}%[[INV]]
// CHECK: %[[COLUMN:.*]] = graph.reshape %[[S]] : tensor<2xf32> -> tensor<2x1x1x1xf32>
// CHECK: %[[NEWW:.*]] = graph.mul {{.*}}%[[COLUMN]]
// CHECK: %[[NEG:.*]] = graph.neg %[[MEAN]]
// CHECK: %[[SHIFT:.*]] = graph.mul %[[NEG]], %[[S]]
// CHECK: %[[NEWB:.*]] = graph.add %[[SHIFT]], %[[BETA]]
// CHECK: %[[Y:.*]] = graph.conv2d %{{.*}}, %[[NEWW]], %[[NEWB]] :
// CHECK-NOT: graph.batch_norm
// CHECK: return %[[Y]]
// FOLDED-LABEL: func.func @conv_then_batch_norm
// FOLDED: graph.conv2d %{{.*}}, %{{.*}}, %{{.*}} :
// FOLDED-NOT: graph.batch_norm
// FOLDED-DAG: w_folded: "0x100000000000803F000000400000104100004041"
// FOLDED-DAG: "0x100000000000003F000040C0"
func.func @conv_then_batch_norm(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = graph.constant dense_resource<w> : tensor<2x2x1x1xf32>
  %scale = graph.constant dense_resource<scale> : tensor<2xf32>
  %beta = graph.constant dense_resource<beta> : tensor<2xf32>
  %mean = graph.constant dense_resource<mean> : tensor<2xf32>
  %var = graph.constant dense_resource<var> : tensor<2xf32>
  %0 = graph.conv2d %x, %w : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %1 = graph.batch_norm %0, %scale, %beta, %mean, %var epsilon = 0.0 : tensor<1x2x2x2xf32>, tensor<2xf32>
  return %1 : tensor<1x2x2x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F000000400000404000008040",
      scale: "0x040000000000004000004040",
      beta: "0x040000000000803F00000000",
      mean: "0x040000000000003F0000803F",
      var: "0x04000000000080400000803F"
    }
  }
#-}

// -----

// A convolution bias folds too: b' = (b - mean) * s + beta.
// CHECK-LABEL: func.func @with_bias
// CHECK: %[[SHIFTED:.*]] = graph.sub %[[B:.*]], %{{.*}}
// CHECK: graph.mul %[[SHIFTED]]
// CHECK: graph.conv2d
// CHECK-NOT: graph.batch_norm
func.func @with_bias(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = graph.constant dense<1.0> : tensor<2x2x1x1xf32>
  %b = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %p = graph.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %0 = graph.conv2d %x, %w, %b : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %1 = graph.batch_norm %0, %p, %p, %p, %p : tensor<1x2x2x2xf32>, tensor<2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Not folded: a convolution with another user (it would be computed twice),
// and parameters known only at run time.
// CHECK-LABEL: func.func @not_folded
// CHECK: %[[C:.*]] = graph.conv2d
// CHECK: graph.batch_norm %[[C]]
// CHECK: graph.conv2d
// CHECK: graph.batch_norm
func.func @not_folded(%x: tensor<1x2x2x2xf32>, %m: tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = graph.constant dense<1.0> : tensor<2x2x1x1xf32>
  %p = graph.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %0 = graph.conv2d %x, %w : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %1 = graph.batch_norm %0, %p, %p, %p, %p : tensor<1x2x2x2xf32>, tensor<2xf32>
  %2 = graph.conv2d %x, %w : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
  %3 = graph.batch_norm %2, %p, %p, %m, %p : tensor<1x2x2x2xf32>, tensor<2xf32>
  return %0, %1, %3 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
