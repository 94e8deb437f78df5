// The whole cpu kernel pipeline, for AVX2, on a linear layer with bias and
// relu: the contraction's steps are multiply-adds on 8-wide vectors
// (llvm.fmuladd: one FMA instruction where the CPU has FMA) (four rows a
// step: the workgroup's four rows), no separate multiply; the epilogue
// stays a loop.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cpu target-options=cpu=x86-64-v3 stop-after=kernels})" | FileCheck %s

// CHECK: llvm.func internal @dispatch_0
// CHECK-NOT: llvm.fmul
// CHECK-COUNT-4: llvm.intr.fmuladd({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK-NOT: llvm.intr.fmuladd
// CHECK: llvm.intr.maximum
func.func @main(%x: tensor<256x512xf32>, %w: tensor<512x1000xf32>, %b: tensor<1000xf32>) -> tensor<256x1000xf32> {
  %0 = graph.matmul %x, %w : (tensor<256x512xf32>, tensor<512x1000xf32>) -> tensor<256x1000xf32>
  %1 = graph.add %0, %b : (tensor<256x1000xf32>, tensor<1000xf32>) -> tensor<256x1000xf32>
  %2 = graph.relu %1 : tensor<256x1000xf32>
  return %2 : tensor<256x1000xf32>
}
