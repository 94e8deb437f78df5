// graph-pack-weights: a matmul weight [K, N] is stored once as
// [N/P, K, P] column panels and its matmuls read it as graph.panel_matmul.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-pack-weights{panel-columns=2}))" | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-pack-weights{panel-columns=0}))" | FileCheck %s --check-prefix=OFF
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-pack-weights{panel-columns=2 min-conv-reduction=1}))" | FileCheck %s --check-prefix=CONV

// w = [[1, 2, 3, 4], [5, 6, 7, 8]] in panels of 2 columns: [[1, 2], [5, 6]]
// then [[3, 4], [7, 8]]. Both matmuls read the one packed copy; the
// original is gone.
// CHECK-LABEL: func.func @panels
// CHECK: %[[W:.*]] = graph.constant dense_resource<w_panels> : tensor<2x2x2xf32>
// CHECK: graph.panel_matmul %arg0, %[[W]] : (tensor<3x2xf32>, tensor<2x2x2xf32>) -> tensor<3x4xf32>
// CHECK: graph.panel_matmul %arg1, %[[W]] : (tensor<5x3x2xf32>, tensor<2x2x2xf32>) -> tensor<5x3x4xf32>
// CHECK-NOT: graph.matmul
// CHECK-NOT: dense_resource<w>
// The blob: its alignment (16) then 1, 2, 5, 6, 3, 4, 7, 8.
// CHECK: w_panels: "0x100000000000803F000000400000A0400000C04000004040000080400000E04000000041"
// OFF-LABEL: func.func @panels
// OFF-NOT: panel_matmul
func.func @panels(%x: tensor<3x2xf32>, %y: tensor<5x3x2xf32>) -> (tensor<3x4xf32>, tensor<5x3x4xf32>) {
  %w = graph.constant dense_resource<w> : tensor<2x4xf32>
  %a = graph.matmul %x, %w : (tensor<3x2xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
  %b = graph.matmul %y, %w : (tensor<5x3x2xf32>, tensor<2x4xf32>) -> tensor<5x3x4xf32>
  return %a, %b : tensor<3x4xf32>, tensor<5x3x4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080400000A0400000C0400000E04000000041"
    }
  }
#-}

// -----

// A splat weight stays a splat.
// CHECK-LABEL: func.func @splat
// CHECK: %[[W:.*]] = graph.constant dense<5.000000e-01> : tensor<2x3x2xf32>
// CHECK: graph.panel_matmul %arg0, %[[W]]
func.func @splat(%x: tensor<1x3xf32>) -> tensor<1x4xf32> {
  %w = graph.constant dense<0.5> : tensor<3x4xf32>
  %y = graph.matmul %x, %w : (tensor<1x3xf32>, tensor<3x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// Left as they are: a weight something else also reads (packing it would
// store it twice), N not a multiple of the panel width, a weight read as the
// lhs, a batched weight, an integer weight, and an activation as the rhs.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: panel_matmul
// CHECK-NOT: _panels
func.func @kept(%x: tensor<4x4xf32>, %h: tensor<4x4xi32>, %r: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<2x4x4xf32>, tensor<4x4xi32>, tensor<4x4xf32>) {
  %shared = graph.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0]]> : tensor<4x4xf32>
  %a = graph.matmul %x, %shared : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = graph.add %x, %shared : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %odd = graph.constant dense<[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 4.0]]> : tensor<4x3xf32>
  %c = graph.matmul %x, %odd : (tensor<4x4xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  %left = graph.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 6.0]]> : tensor<4x4xf32>
  %d = graph.matmul %left, %x : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %batched = graph.constant dense<1.5> : tensor<2x4x4xf32>
  %e = graph.matmul %x, %batched : (tensor<4x4xf32>, tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %int = graph.constant dense<1> : tensor<4x4xi32>
  %f = graph.matmul %h, %int : (tensor<4x4xi32>, tensor<4x4xi32>) -> tensor<4x4xi32>
  %g = graph.matmul %x, %r : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %a, %b, %c, %d, %e, %f, %g : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x3xf32>, tensor<4x4xf32>, tensor<2x4x4xf32>, tensor<4x4xi32>, tensor<4x4xf32>
}

// -----

// 16-bit float weights are packed too (the micro-kernel widens each panel
// row as it loads it), two bytes an element: bf16 [[1, 2, 3, 4], [5, 6, 7,
// 8]] (0x3F80, 0x4000, 0x4040, 0x4080, 0x40A0, 0x40C0, 0x40E0, 0x4100) as
// panels [[1, 2], [5, 6]] then [[3, 4], [7, 8]].
// CHECK-LABEL: func.func @half
// CHECK: %[[W:.*]] = graph.constant dense_resource<b_panels> : tensor<2x2x2xbf16>
// CHECK: graph.panel_matmul %arg0, %[[W]] : (tensor<3x2xbf16>, tensor<2x2x2xbf16>) -> tensor<3x4xbf16>
// CHECK: graph.panel_matmul %arg1, %{{.*}} : (tensor<3x1xf16>, tensor<2x1x2xf16>) -> tensor<3x4xf16>
// CHECK: b_panels: "0x{{[0-9A-F]+}}803F0040A040C04040408040E0400041"
func.func @half(%x: tensor<3x2xbf16>, %h: tensor<3x1xf16>) -> (tensor<3x4xbf16>, tensor<3x4xf16>) {
  %b = graph.constant dense_resource<b> : tensor<2x4xbf16>
  %y = graph.matmul %x, %b : (tensor<3x2xbf16>, tensor<2x4xbf16>) -> tensor<3x4xbf16>
  %f = graph.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf16>
  %z = graph.matmul %h, %f : (tensor<3x1xf16>, tensor<1x4xf16>) -> tensor<3x4xf16>
  return %y, %z : tensor<3x4xbf16>, tensor<3x4xf16>
}
{-#
  dialect_resources: {
    builtin: {
      b: "0x02000000803F004040408040A040C040E0400041"
    }
  }
#-}

// -----

// A convolution filter [O=4, C=2, KH=1, KW=2] holding 1..16 in panels of 2
// output channels, [2, 1, 2, 2, 2] = [O/P, KH, KW, C, P]: panel 0 is, per
// window column, per input channel, channels 0 and 1: (1, 5), (3, 7),
// (2, 6), (4, 8); panel 1 the same for channels 2 and 3. Its reduction (C x
// KH x KW = 4) is below the default min-conv-reduction (144): unpacked then.
// CHECK-LABEL: func.func @conv
// CHECK: graph.conv2d
// CONV-LABEL: func.func @conv
// CONV: %[[W:.*]] = graph.constant dense_resource<f_panels> : tensor<2x1x2x2x2xf32>
// CONV: graph.panel_conv2d %arg0, %[[W]], %arg1 strides = [2, 1] padding = [0, 1, 0, 1] : (tensor<1x2x4x4xf32>, tensor<2x1x2x2x2xf32>, tensor<4xf32>) -> tensor<1x4x2x5xf32>
// CONV-NOT: graph.conv2d
// CONV: f_panels: "0x100000000000803F0000A040000040400000E040000000400000C04000008040000000410000104100005041000030410000704100002041000060410000404100008041"
func.func @conv(%x: tensor<1x2x4x4xf32>, %b: tensor<4xf32>) -> tensor<1x4x2x5xf32> {
  %f = graph.constant dense_resource<f> : tensor<4x2x1x2xf32>
  %y = graph.conv2d %x, %f, %b strides = [2, 1] padding = [0, 1, 0, 1] : (tensor<1x2x4x4xf32>, tensor<4x2x1x2xf32>, tensor<4xf32>) -> tensor<1x4x2x5xf32>
  return %y : tensor<1x4x2x5xf32>
}
{-#
  dialect_resources: {
    builtin: {
      f: "0x040000000000803F0000004000004040000080400000A0400000C0400000E040000000410000104100002041000030410000404100005041000060410000704100008041"
    }
  }
#-}

// -----

// Grouped convolutions keep their filters.
// CONV-LABEL: func.func @grouped
// CONV: graph.conv2d
// CONV-NOT: panel
func.func @grouped(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %f = graph.constant dense<1.0> : tensor<4x2x1x1xf32>
  %y = graph.conv2d %x, %f groups = 2 : (tensor<1x4x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// A rhs computed at run time is packed at run time: a reshape to
// [K, N/P, P] and a transpose to [N/P, K, P] (a kernel of its own), when
// the matmul has at least min-activation-rows (default 64) rows to reuse
// each panel; 8 rows are too few.
// CHECK-LABEL: func.func @activation
// CONV-LABEL: func.func @activation
// CHECK: %[[SPLIT:.*]] = graph.reshape %arg1 : tensor<4x6xf32> -> tensor<4x3x2xf32>
// CHECK: %[[PANELS:.*]] = graph.transpose %[[SPLIT]] perm = [1, 0, 2] : tensor<4x3x2xf32> -> tensor<3x4x2xf32>
// CHECK: graph.panel_matmul %arg0, %[[PANELS]] : (tensor<64x4xf32>, tensor<3x4x2xf32>) -> tensor<64x6xf32>
// CHECK: graph.matmul %arg2, %arg1 : (tensor<8x4xf32>, tensor<4x6xf32>) -> tensor<8x6xf32>
func.func @activation(%a: tensor<64x4xf32>, %b: tensor<4x6xf32>, %c: tensor<8x4xf32>) -> (tensor<64x6xf32>, tensor<8x6xf32>) {
  %0 = graph.matmul %a, %b : (tensor<64x4xf32>, tensor<4x6xf32>) -> tensor<64x6xf32>
  %1 = graph.matmul %c, %b : (tensor<8x4xf32>, tensor<4x6xf32>) -> tensor<8x6xf32>
  return %0, %1 : tensor<64x6xf32>, tensor<8x6xf32>
}
