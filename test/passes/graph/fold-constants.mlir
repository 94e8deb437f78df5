// graph-fold-constants: weight-only subgraphs are evaluated at compile time.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-fold-constants))" | FileCheck %s

// A transposed weight becomes a constant of its own (named after the
// weight); the original goes once nothing reads it.
// CHECK-LABEL: func.func @transpose
// CHECK: %[[W:.*]] = graph.constant dense_resource<w_folded> : tensor<3x2xf32>
// CHECK: graph.matmul %{{.*}}, %[[W]]
// CHECK-NOT: graph.transpose
// The blob: its alignment (16) then 1, 4, 2, 5, 3, 6.
// CHECK: w_folded: "0x100000000000803F00008040000000400000A040000040400000C040"
func.func @transpose(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = graph.constant dense_resource<w> : tensor<2x3xf32>
  %t = graph.transpose %w perm = [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %y = graph.matmul %x, %t : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080400000A0400000C040"
    }
  }
#-}

// -----

// Arithmetic with numpy broadcasting (a per-row scale, as a folded batch
// norm has), through a reshape, computed in double and rounded once.
// CHECK-LABEL: func.func @scale_rows
// CHECK: %[[W:.*]] = graph.constant dense_resource<w_folded> : tensor<2x3xf32>
// CHECK-NEXT: return %[[W]]
// 2, 4, 6, 12, 15, 18:
// CHECK: w_folded: "0x1000000000000040000080400000C040000040410000704100009041"
func.func @scale_rows() -> tensor<2x3xf32> {
  %w = graph.constant dense_resource<w> : tensor<2x3xf32>
  %s = graph.constant dense_resource<s> : tensor<2xf32>
  %c = graph.reshape %s : tensor<2xf32> -> tensor<2x1xf32>
  %y = graph.mul %w, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080400000A0400000C040",
      s: "0x040000000000004000004040"
    }
  }
#-}

// -----

// Splats fold to splats: rsqrt(3 + 1) = 0.5, evaluated on one element.
// CHECK-LABEL: func.func @splats
// CHECK: %[[C:.*]] = graph.constant dense<5.000000e-01> : tensor<64x64xf32>
// CHECK-NEXT: return %[[C]]
func.func @splats() -> tensor<64x64xf32> {
  %a = graph.constant dense<3.0> : tensor<64x64xf32>
  %b = graph.constant dense<1.0> : tensor<64x64xf32>
  %0 = graph.add %a, %b : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %1 = graph.rsqrt %0 : tensor<64x64xf32>
  return %1 : tensor<64x64xf32>
}

// -----

// A result that is the same everywhere becomes a splat, whatever the
// operands were: v * 0 for a weight v.
// CHECK-LABEL: func.func @becomes_splat
// CHECK: %[[C:.*]] = graph.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK-NEXT: return %[[C]]
func.func @becomes_splat() -> tensor<2xf32> {
  %v = graph.constant dense_resource<v> : tensor<2xf32>
  %z = graph.constant dense<0.0> : tensor<2xf32>
  %0 = graph.mul %v, %z : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      v: "0x040000000000404000000000"
    }
  }
#-}

// -----

// A broadcast that would store many times its operand stays a kernel
// (8 KiB from 8 bytes); a small one folds.
// CHECK-LABEL: func.func @broadcasts
// CHECK: %[[B:.*]] = graph.constant dense_resource<b> : tensor<2xf32>
// CHECK: %[[SMALL:.*]] = graph.constant dense_resource<b_folded> : tensor<4x2xf32>
// CHECK: %[[BIG:.*]] = graph.broadcast_to %[[B]] : tensor<2xf32> -> tensor<1024x2xf32>
// CHECK: return %[[SMALL]], %[[BIG]]
func.func @broadcasts() -> (tensor<4x2xf32>, tensor<1024x2xf32>) {
  %b = graph.constant dense_resource<b> : tensor<2xf32>
  %0 = graph.broadcast_to %b : tensor<2xf32> -> tensor<4x2xf32>
  %1 = graph.broadcast_to %b : tensor<2xf32> -> tensor<1024x2xf32>
  return %0, %1 : tensor<4x2xf32>, tensor<1024x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      b: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// Integers and casts: -[5, -7] as i32, then to f32 and f16 (round to
// nearest even: 1.0 is 0x3C00, 2.0 is 0x4000 in f16).
// CHECK-LABEL: func.func @integers_and_casts
// CHECK-DAG: graph.constant dense_resource<i_folded> : tensor<2xi32>
// CHECK-DAG: graph.constant dense_resource<i_folded{{.*}}> : tensor<2xf32>
// CHECK-DAG: graph.constant dense_resource<h_folded> : tensor<2xf16>
// CHECK-NOT: graph.neg
// CHECK-NOT: graph.cast
// CHECK-DAG: i_folded: "0x10000000FBFFFFFF07000000"
// CHECK-DAG: "0x100000000000A0C00000E040"
// CHECK-DAG: h_folded: "0x10000000003C0040"
func.func @integers_and_casts() -> (tensor<2xi32>, tensor<2xf32>, tensor<2xf16>) {
  %i = graph.constant dense_resource<i> : tensor<2xi32>
  %h = graph.constant dense_resource<h> : tensor<2xf32>
  %0 = graph.neg %i : tensor<2xi32>
  %1 = graph.cast %0 : tensor<2xi32> -> tensor<2xf32>
  %2 = graph.cast %h : tensor<2xf32> -> tensor<2xf16>
  return %0, %1, %2 : tensor<2xi32>, tensor<2xf32>, tensor<2xf16>
}
{-#
  dialect_resources: {
    builtin: {
      i: "0x0800000005000000F9FFFFFF",
      h: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// Left to the kernels: ops reading a run-time value, ops the evaluator does
// not know (exp), and float-to-int casts out of the integer's range.
// CHECK-LABEL: func.func @not_folded
// CHECK: graph.add
// CHECK: graph.exp
// CHECK: graph.cast
func.func @not_folded(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xi8>) {
  %w = graph.constant dense_resource<w> : tensor<2xf32>
  %0 = graph.add %x, %w : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = graph.exp %w : tensor<2xf32>
  %2 = graph.cast %w : tensor<2xf32> -> tensor<2xi8>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<2xi8>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x0400000000C0794400000040"
    }
  }
#-}
