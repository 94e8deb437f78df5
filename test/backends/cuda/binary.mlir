// The whole cuda compile ends in a fatbin: cubins for sm_80 and sm_90 (or
// the archs named) and the sm_80 PTX, after a header the runtime reads
// (toolkit, PTX ISA, archs). The object's properties keep what ptxas said
// of each kernel. Bad options are refused, naming what is expected.
// REQUIRES: cuda-toolkit
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda})" | FileCheck %s
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=arch=sm_86,sm_90a})" | FileCheck %s --check-prefix=ARCHS
// RUN: kiln-compile %s --target cuda --target-option arch=sm_90 --target-option toolkit=%cuda_toolkit -o %t.kiln
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=arch=gfx90a})" 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=toolkit=/nonexistent})" 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=workgroup-size=48})" 2>&1 | FileCheck %s --check-prefix=SIZE
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=device-kind=cpu})" 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=mma=yes})" 2>&1 | FileCheck %s --check-prefix=MMA

// CHECK: gpu.binary @kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, properties = {archs = ["sm_80", "sm_90"], format = "kiln-cuda", resources = {sm_80 = {dispatch_0 = {registers = {{[0-9]+}} : i64, shared = 0 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}}, sm_90 = {dispatch_0 = {{.*}}}}, toolkit = "{{[0-9]+\.[0-9]+}}"}, "kiln-cuda 1\0Atoolkit {{[0-9]+\.[0-9]+}}\0Aptx 8.0\0Aarchs sm_80 sm_90\0A\0A
// ARCHS: properties = {archs = ["sm_86", "sm_90a"]
// ARCHS-SAME: "kiln-cuda 1\0Atoolkit {{[0-9.]+}}\0Aptx 8.0\0Aarchs sm_86 sm_90a\0A\0A
// ARCH: error: kiln-compile: the cuda backend's arch must be sm_NN names (e.g. arch=sm_80,sm_90 or sm_90a), got 'gfx90a'
// TOOLKIT: error: kiln-compile: the cuda target's toolkit is not a usable CUDA toolkit: /nonexistent (no bin/ptxas bin/fatbinary nvvm/libdevice/libdevice.10.bc)
// SIZE: error: kiln-compile: the cuda backend's workgroup-size must be a multiple of 32 (a warp) from 32 to 1024, got '48'
// MMA: error: kiln-compile: the cuda backend's mma must be auto (tensor-core kernels for f16/bf16 GEMMs the libraries do not run), 1 (for every f16/bf16 GEMM they can compile) or 0 (none), got 'yes'
// OPTION: error: kiln-compile: the cuda backend has no option 'device-kind' (it has: arch, barriers, libraries, mma, tf32, toolkit, workgroup-size)
func.func @main(%x: tensor<64xf32>) -> tensor<64xf32> {
  %0 = graph.exp %x : tensor<64xf32>
  return %0 : tensor<64xf32>
}
