// The compile pipeline packs matmul weights and convolution filters for
// targets whose micro-kernels read panels (the CPU: two vectors of columns
// or output channels, 16 on the AVX2 CPU pinned here) and leaves them alone
// for the others (OpenCL), from the dispatch stage on, fused or not.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=dispatch target-options=cpu=x86-64-v3})" | FileCheck %s
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=dispatch fusion=false target-options=cpu=x86-64-v3})" | FileCheck %s
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=graph})" | FileCheck %s --check-prefix=GRAPH
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=dispatch target=opencl})" | FileCheck %s --check-prefix=OPENCL

// CHECK: graph.panel_conv2d %{{.*}}, %{{.*}} padding = [1, 1, 1, 1] : (tensor<1x16x4x4xf32>, tensor<1x3x3x16x16xf32>) -> tensor<1x16x4x4xf32>
// CHECK-NOT: graph.conv2d
// CHECK: graph.panel_matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<2x8x16xf32>) -> tensor<4x32xf32>
// CHECK-NOT: graph.matmul
// GRAPH: graph.conv2d
// GRAPH: graph.matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
// OPENCL: graph.conv2d
// OPENCL: graph.matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
// OPENCL-NOT: panel_
func.func @main(%x: tensor<4x8xf32>, %image: tensor<1x16x4x4xf32>) -> (tensor<4x32xf32>, tensor<1x16x4x4xf32>) {
  %f = graph.constant dense<0.5> : tensor<16x16x3x3xf32>
  %c = graph.conv2d %image, %f padding = [1, 1, 1, 1] : (tensor<1x16x4x4xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x4x4xf32>
  %w = graph.constant dense<0.25> : tensor<8x32xf32>
  %y = graph.matmul %x, %w : (tensor<4x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
  %r = graph.relu %y : tensor<4x32xf32>
  return %r, %c : tensor<4x32xf32>, tensor<1x16x4x4xf32>
}
