//===- OpenCLPasses.td - passes of the OpenCL backend ------*- tablegen -*-===//

#ifndef KILN_OPENCL_PASSES
#define KILN_OPENCL_PASSES

include "mlir/Pass/PassBase.td"

def OpenCLTranslateToSpir
    : Pass<"opencl-translate-to-spir", "::mlir::ModuleOp"> {
  let summary = "Turn the SPIR-V kernels of gpu.binary into SPIR 1.2 bitcode";
  let description = [{
    OpenCL platforms without SPIR-V (Debian 12's PoCL 3.1) load SPIR 1.2:
    LLVM bitcode of the LLVM 15 era. Each `gpu.binary` object holding a
    SPIR-V module (from gpu-module-to-binary) is replaced by the bitcode
    `llvm-spirv -r` makes of it. The tool is found on PATH as
    `llvm-spirv-15` or `llvm-spirv`, or in /usr/lib/llvm-15/bin, unless
    `llvm-spirv` names it; when it is missing the error names the Debian
    package (llvm-spirv-15).
  }];
  let options = [
    Option<"llvmSpirv", "llvm-spirv", "std::string", /*default=*/"\"\"",
           "Path of the llvm-spirv tool (default: found)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def OpenCLAttachTarget : Pass<"opencl-attach-target", "::mlir::ModuleOp"> {
  let summary = "Target the gpu.modules at OpenCL's SPIR-V (Kernel, Physical64)";
  let description = [{
    Sets each `gpu.module`'s target (what gpu-module-to-binary serializes
    for) and its `spirv.target_env` (what the SPIR-V conversions read: with
    it, math becomes OpenCL.std instructions rather than GLSL ones) to one
    SPIR-V 1.0 environment for OpenCL: Physical64 addressing, the Kernel,
    Addresses, Int8/16/64, Float16/64 capabilities.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::spirv::SPIRVDialect"];
}

#endif // KILN_OPENCL_PASSES
