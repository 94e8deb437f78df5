// The whole cpu kernel pipeline on ResNet's 3x3 convolution with bias and
// relu: a workgroup computes 16 channels of 4 rows (the filter, 144 KiB,
// and the padded image, 841 KiB, re-read by as few tiles as they can be);
// each reduction step of a tile is 8 multiply-adds of one 8-wide image
// vector by 8 channels' broadcast weights (llvm.fmuladd: one FMA
// instruction where the CPU has FMA), the accumulators in registers.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cpu target-options=cpu=x86-64-v3 stop-after=kernels})" | FileCheck %s

// CHECK: llvm.func internal @dispatch_0
// CHECK: llvm.intr.fmuladd(%{{.*}}, %[[X:[0-9]+]], %{{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK-COUNT-7: llvm.intr.fmuladd(%{{.*}}, %[[X]], %{{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK-NOT: llvm.intr.fmuladd
// CHECK: llvm.intr.maximum
func.func @main(%x: tensor<1x64x56x56xf32>, %w: tensor<64x64x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x56x56xf32> {
  %0 = graph.conv2d %x, %w, %b padding = [1, 1, 1, 1] : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %1 = graph.relu %0 : tensor<1x64x56x56xf32>
  return %1 : tensor<1x64x56x56xf32>
}
