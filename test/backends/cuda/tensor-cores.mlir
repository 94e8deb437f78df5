// The tensor-core kernels as the GPU runs them: with mma=1 an f16 GEMM with
// bias and relu and a bf16 strided batch are Kiln's mma.sync kernels (not
// cuBLASLt calls), whose SASS for sm_80 and sm_90 has HMMA.16816 (f32
// accumulators; .BF16 for bf16) and no spills in what ptxas reports.
// REQUIRES: cuda-toolkit, cuobjdump
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=mma=1})" -o %t.mlir
// RUN: FileCheck %s --check-prefix=PTXAS < %t.mlir
// RUN: %python %S/Inputs/fatbin.py %t.fatbin < %t.mlir
// RUN: %cuobjdump -sass %t.fatbin | FileCheck %s

// PTXAS-NOT: exec.library_calls
// PTXAS: resources = {sm_80 = {dispatch_0 = {registers = {{[0-9]+}} : i64, shared = 19456 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}, dispatch_1 = {registers = {{[0-9]+}} : i64, shared = 19456 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}}, sm_90 = {dispatch_0 = {registers = {{[0-9]+}} : i64, shared = 19456 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}, dispatch_1 = {registers = {{[0-9]+}} : i64, shared = 19456 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}}}

// CHECK: code for sm_80
// CHECK: Function : dispatch_1
// CHECK: LDGSTS.E.BYPASS.128
// CHECK: LDSM.16.M88.4
// CHECK: LDSM.16.MT88.4
// CHECK: HMMA.16816.F32.BF16
// CHECK: Function : dispatch_0
// CHECK: HMMA.16816.F32 R
// CHECK: code for sm_90
// CHECK: Function : dispatch_1
// CHECK: HMMA.16816.F32.BF16
// CHECK: Function : dispatch_0
// CHECK: HMMA.16816.F32 R
func.func @main(%x: tensor<256x128xf16>, %w: tensor<128x256xf16>, %b: tensor<256xf16>, %q: tensor<4x128x64xbf16>, %k: tensor<4x64x128xbf16>) -> (tensor<256x256xf16>, tensor<4x128x128xbf16>) {
  %0 = graph.matmul %x, %w : (tensor<256x128xf16>, tensor<128x256xf16>) -> tensor<256x256xf16>
  %1 = graph.add %0, %b : (tensor<256x256xf16>, tensor<256xf16>) -> tensor<256x256xf16>
  %2 = graph.relu %1 : tensor<256x256xf16>
  %3 = graph.matmul %q, %k : (tensor<4x128x64xbf16>, tensor<4x64x128xbf16>) -> tensor<4x128x128xbf16>
  return %2, %3 : tensor<256x256xf16>, tensor<4x128x128xbf16>
}
