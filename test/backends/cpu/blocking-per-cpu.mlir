// The CPU the target's cpu= option names decides the micro-kernels'
// blocking: weight panels two vectors wide, and as many accumulator rows as
// its registers hold, 4 of them kept for B's row and A's broadcasts.
//   AVX-512 (skylake-avx512):  16 floats a vector, 28 of 32 registers: 14 x 32
//   AVX2 (x86-64-v3):           8 floats, 12 of 16 registers:            6 x 16
//   SSE (x86-64):               4 floats, 12 of 16 registers:            6 x 8
//   NEON (aarch64):             4 floats, 28 of 32 registers:           14 x 8
// 28 rows are two 14-row tiles, or four of 6 and one of 4.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=skylake-avx512 stop-after=dispatch})" | FileCheck %s --check-prefix=PANELS-AVX512
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=x86-64-v3 stop-after=dispatch})" | FileCheck %s --check-prefix=PANELS-AVX2
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=x86-64 stop-after=dispatch})" | FileCheck %s --check-prefix=PANELS-SSE
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=aarch64 stop-after=dispatch})" | FileCheck %s --check-prefix=PANELS-SSE
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=skylake-avx512 stop-after=kernels})" | FileCheck %s --check-prefix=AVX512
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=x86-64-v3 stop-after=kernels})" | FileCheck %s --check-prefix=AVX2
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=x86-64 stop-after=kernels})" | FileCheck %s --check-prefix=SSE
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=aarch64 stop-after=kernels})" | FileCheck %s --check-prefix=NEON

// PANELS-AVX512: graph.panel_matmul %{{.*}}, %{{.*}} : (tensor<28x8xf32>, tensor<2x8x32xf32>) -> tensor<28x64xf32>
// PANELS-AVX2: graph.panel_matmul %{{.*}}, %{{.*}} : (tensor<28x8xf32>, tensor<4x8x16xf32>) -> tensor<28x64xf32>
// PANELS-SSE: graph.panel_matmul %{{.*}}, %{{.*}} : (tensor<28x8xf32>, tensor<8x8x8xf32>) -> tensor<28x64xf32>

// AVX512-COUNT-14: llvm.intr.fmuladd({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// AVX512-NOT: llvm.intr.fmuladd
// AVX2-COUNT-10: llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// AVX2-NOT: llvm.intr.fmuladd
// SSE-COUNT-10: llvm.intr.fmuladd({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// SSE-NOT: llvm.intr.fmuladd
// NEON-COUNT-14: llvm.intr.fmuladd({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// NEON-NOT: llvm.intr.fmuladd
func.func @main(%x: tensor<28x8xf32>) -> tensor<28x64xf32> {
  %w = graph.constant dense<[[-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0],[-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0],[-1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0],[0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0],[1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0],[2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0],[3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0],[-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, -3.0]]> : tensor<8x64xf32>
  %0 = graph.matmul %x, %w : (tensor<28x8xf32>, tensor<8x64xf32>) -> tensor<28x64xf32>
  return %0 : tensor<28x64xf32>
}
