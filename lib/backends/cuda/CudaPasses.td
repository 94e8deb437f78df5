//===- CudaPasses.td - passes of the CUDA backend ----------*- tablegen -*-===//

#ifndef KILN_CUDA_PASSES
#define KILN_CUDA_PASSES

include "mlir/Pass/PassBase.td"

def CudaContractFloatOps : Pass<"cuda-contract-float-ops"> {
  let summary = "Allow a float multiply and the add of its product to fuse";
  let description = [{
    Marks every floating-point `arith` operation `fastmath<contract>`, so
    the NVPTX backend makes `fma.rn` of a multiply and the add that takes
    its product (a dot product's step, a scale and shift). Without it LLVM
    emits `mul.rn` and `add.rn`, whose explicit rounding also keeps ptxas
    from fusing them. This is what nvcc and clang do for CUDA by default
    (`-fmad=true`, `-ffp-contract=fast`): one rounding instead of two, at
    twice the throughput. Reassociation stays off.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CudaCallLibraries : Pass<"cuda-call-libraries", "::mlir::ModuleOp"> {
  let summary = "Give GEMMs and convolutions to cuBLASLt and cuDNN where they can";
  let description = [{
    On a cuda kernel module (graph ops, before codegen): a kernel that is a
    matmul of two of its bindings (2-D, or batched: a weight shared by the
    batch folds the batch into M), optionally plus a bias over N and then
    relu or tanh-GELU, in f32, f16 or bf16, is what cuBLASLt computes with
    its epilogues (CUBLASLT_EPILOGUE_BIAS, RELU_BIAS, GELU_BIAS ...). Such a
    kernel becomes a declaration of its bindings (inputs then outputs, as
    memrefs) and its call is recorded in the module's `exec.library_calls`
    as text the runtime's CUDA device reads: `cublaslt.matmul m=512 n=512
    k=64 batch=1 stride_a=0 stride_b=0 type=f32 epilogue=relu_bias a=0 b=1
    bias=2 out=3` (row-major sizes, batch strides in elements, binding
    positions). A kernel that is a 2-D NCHW convolution of two bindings
    with symmetric padding, f32 or f16, optionally with its bias, a
    residual binding added and relu after it, is cuDNN's
    `cudnnConvolutionBiasActivationForward` (`cudnn.conv2d n=1 c=64 h=56
    ... relu=1 x=0 w_=1 bias=2 z=3 y=4`), or without a bias and epilogue its
    `cudnnConvolutionForward`. Every other kernel is Kiln's own code. f32
    is computed in f32 (CUBLAS_COMPUTE_32F, cuDNN's FMA math: no TF32)
    unless `tf32` (then CUBLAS_COMPUTE_32F_FAST_TF32 and cuDNN's default
    math, as torch's `allow_tf32`: ` compute=tf32`, ` math=tf32` in the
    call), f16 and bf16 with f32 accumulation (convolutions on tensor
    cores).
  }];
  let options = [
    Option<"tf32", "tf32", "bool", /*default=*/"false",
           "Let f32 GEMMs and convolutions use TF32 tensor cores "
           "(compute=tf32, math=tf32 in the call)">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CudaMmaMatmuls : Pass<"cuda-mma-matmuls", "::mlir::ModuleOp"> {
  let summary = "Compile f16/bf16 GEMM kernels and their epilogues for tensor cores (mma.sync)";
  let description = [{
    On a cuda kernel module (graph ops, before codegen): a kernel that is a
    GEMM of two f16 or bf16 bindings (2-D, strided-batched, or a weight
    shared by a batch; K and N multiples of 8), followed only by epilogue
    ops (a bias over N, a residual of the output's shape, relu, GELU exact
    or tanh, tanh, sigmoid, silu, in any order), becomes a gpu.func built
    for Ampere's and Hopper's warp-level `mma.sync.m16n8k16` with f32
    accumulators: 128x128 (8 warps) or 64x64 (4 warps) output tiles per
    workgroup, K in steps of 32 through two stages of workgroup memory
    filled by `cp.async` while the other stage is multiplied, operands
    loaded with `ldmatrix`, the epilogue applied to the accumulators before
    one store of each output. The kernel in the host module becomes a
    declaration of its bindings; its launch (a 3-D grid: N tiles, M tiles,
    batch) is recorded in `exec.launches`, and the rest of the codegen
    leaves it alone. Which GEMMs reach it is the pipeline's choice (the
    backend's `mma` option): before cuda-call-libraries, it takes every
    GEMM it can; after it, those cuBLASLt cannot run.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def CudaAttachTarget : Pass<"cuda-attach-target", "::mlir::ModuleOp"> {
  let summary = "Target the gpu.modules at NVIDIA GPUs, one NVVM target per arch";
  let description = [{
    Sets each `gpu.module`'s targets to one `#nvvm.target` per architecture
    in `arch` (sm_80 and sm_90 by default), optimized at O3, each with the
    PTX ISA version it needs (8.0 at least). Serialization then makes PTX
    for each, which cuda-serialize assembles into cubins.
  }];
  let options = [
    ListOption<"archs", "arch", "std::string",
               "The GPU architectures to compile for (sm_NN; default "
               "sm_80,sm_90)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

def CudaSerialize : Pass<"cuda-serialize", "::mlir::ModuleOp"> {
  let summary = "Make the gpu.modules a fatbin: a cubin per arch and the PTX";
  let description = [{
    Serializes each `gpu.module` (lowered to NVVM, with cuda-attach-target's
    targets) to PTX per target through upstream gpu-module-to-binary's
    serialization, libdevice linked from the toolkit; assembles each PTX
    with the toolkit's `ptxas -O3` for its arch; and bundles the cubins and
    the PTX of the oldest arch (which newer GPUs' drivers compile) with
    `fatbinary`. The `gpu.binary` holds that fatbin as its one object, its
    properties naming the toolkit version, the archs, the PTX version and
    what ptxas reported for each kernel and arch (registers, spill bytes,
    stack and shared memory), which tests and the compile report read. The
    toolkit is `toolkit`, or found (Toolkit.h); the error says where the
    search looked.
  }];
  let options = [
    Option<"toolkit", "toolkit", "std::string", /*default=*/"\"\"",
           "The CUDA toolkit's folder (default: found)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // KILN_CUDA_PASSES
