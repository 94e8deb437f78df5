// The kernel pipeline merges the index arithmetic that unrolling a
// transfer repeats per element. ResNet's 3x3 convolution at 28x28 on an
// AVX-512 CPU: a tile of 14 pixels by 32 channels (a weight panel) stores
// each pixel's 32 channels 784 floats apart, 448 scalar stores; each store
// divided its pixel's position by the row width again (502 divisions in
// the kernel). Merged: one division per pixel, 14 (the kernel's IR a
// quarter smaller, and LLVM's output byte for byte the same).
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cpu target-options=cpu=x86-64-v4 stop-after=kernels})" | FileCheck %s

// CHECK: llvm.func internal @dispatch_0
// CHECK-COUNT-14: llvm.sdiv
// CHECK-NOT: llvm.sdiv
// CHECK: llvm.func @kiln_dispatch_0
func.func @main(%x: tensor<1x128x28x28xf32>) -> tensor<1x128x28x28xf32> {
  %w = graph.constant dense<0.5> : tensor<128x128x3x3xf32>
  %0 = graph.conv2d %x, %w padding = [1, 1, 1, 1] : (tensor<1x128x28x28xf32>, tensor<128x128x3x3xf32>) -> tensor<1x128x28x28xf32>
  return %0 : tensor<1x128x28x28xf32>
}
