// The whole opencl compile ends in SPIR 1.2 bitcode, made by a pass: the
// module's gpu.binary holds LLVM bitcode ("BC\C0\DE"), and kiln-compile
// writes it into the artifact. Bad options and a missing llvm-spirv are
// reported, naming what to install.
// REQUIRES: llvm-spirv
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl})" | FileCheck %s
// RUN: kiln-compile %s --target opencl --target-option workgroup-size=32 -o %t.kiln
// RUN: not kiln-compile %s --target opencl --target-option 32 -o %t.kiln 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl target-options=llvm-spirv=/nonexistent/llvm-spirv})" 2>&1 | FileCheck %s --check-prefix=GIVEN
// RUN: not env PATH=/nonexistent %kiln_obj_root/bin/kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl})" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl target-options=workgroup-size=0})" 2>&1 | FileCheck %s --check-prefix=SIZE
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl target-options=cpu=host})" 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl target-options=device-kind=fpga})" 2>&1 | FileCheck %s --check-prefix=KIND

// CHECK: gpu.binary @kernels  [#gpu.object<#spirv.target_env<{{.*}}>, properties = {format = "spir-1.2"}, bin = "BC\C0\DE
// GIVEN: error: the opencl target's llvm-spirv '/nonexistent/llvm-spirv' is not an executable file
// MISSING: error: the opencl target needs llvm-spirv (LLVM 15's) to turn its SPIR-V kernels into the SPIR 1.2 bitcode OpenCL platforms without SPIR-V load, and found none on PATH or in /usr/lib/llvm-15/bin; on Debian: apt-get install llvm-spirv-15 (or name it: kiln-compile --target-option llvm-spirv=PATH)
// FLAG: kiln-compile: error: bad --target-option '32': expected name=value (e.g. workgroup-size=128)
// SIZE: error: kiln-compile: the opencl backend's workgroup-size must be 1 to 1024, got '0'
// OPTION: error: kiln-compile: the opencl backend has no option 'cpu' (it has: barriers, device-kind, llvm-spirv, workgroup-size)
// KIND: error: kiln-compile: the opencl backend's device-kind must be gpu or cpu, got 'fpga'
func.func @main(%x: tensor<64xf32>) -> tensor<64xf32> {
  %0 = graph.exp %x : tensor<64xf32>
  return %0 : tensor<64xf32>
}
