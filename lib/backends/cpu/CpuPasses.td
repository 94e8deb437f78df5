//===- CpuPasses.td - passes of the CPU backend ------------*- tablegen -*-===//

#ifndef KILN_CPU_PASSES
#define KILN_CPU_PASSES

include "mlir/Pass/PassBase.td"

def CpuApproximateMath : Pass<"cpu-approximate-math"> {
  let summary = "Replace f32 transcendental math by polynomial approximations";
  let description = [{
    exp, log, tanh, erf, sigmoid-style math on f32 becomes arithmetic (MLIR's
    polynomial approximations, accurate to a few ulp), which vectorizes and
    needs no libm; f16/bf16 math is computed in f32 first. Conversions to
    and from bf16 become integer ops (round to nearest even), which need no
    compiler-rt either.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuReassociateReductions : Pass<"cpu-reassociate-reductions"> {
  let summary = "Let LLVM vectorize floating-point reductions by reassociating them";
  let description = [{
    A linalg op's floating-point reduction (softmax's row maximum and sum,
    layer_norm's mean and variance, graph.reduce) is a chain through its
    output: in source order, LLVM may not vectorize it, and it runs one
    element per add's latency. The combiner that updates each output (addf,
    mulf, maximumf, minimumf, maxnumf, minnumf of the output's block
    argument) is marked `reassoc`, so LLVM sums vector lanes and combines
    them at the end: the same result up to rounding, in a fixed order (the
    same every run). Contractions are not touched: the micro-kernels order
    their own sums.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CpuVectorizeContractions : Pass<"cpu-vectorize-contractions"> {
  let summary = "Register-blocked micro-kernels for f32-accumulated contractions";
  let description = [{
    On tiled tensors (a workgroup's kernel): every contraction accumulated
    in f32 (of f32, or of f16/bf16 widened as each step loads it) with one
    M, N and K dim (matmul, batched matmul, a 1x1 convolution) of static
    shape is tiled into MR x NR output tiles with K innermost, each K step
    the outer product of an MR x 1 column of A and a 1 x NR row of B as
    vectors; `loop-invariant-subset-hoisting` after it takes the
    accumulator out of the K loop (registers for the whole loop, one
    store). NR is the largest of 2 and 1 vector widths (then 4,
    2, 1 elements) dividing N; MR the largest count of rows dividing M
    whose accumulators fit `registers` vectors. Contractions whose tile
    would be a scalar are left to the loops.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 elements a SIMD register holds (AVX2: 8)">,
    Option<"registers", "registers", "int64_t", /*default=*/"12",
           "SIMD registers the accumulators may take">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuVectorizeConvolutions : Pass<"cpu-vectorize-convolutions"> {
  let summary = "Register-blocked micro-kernels for f32-accumulated convolutions";
  let description = [{
    On tiled tensors (a workgroup's kernel): every convolution accumulated
    in f32 (f32 inputs, or f16/bf16 ones widened as they are loaded; a
    multiply-add generic whose output's innermost loop the image reads at a
    constant stride in its innermost dim, with one output-channel loop) of
    static channel, column and window extents becomes a loop nest over MR x
    NR output tiles: MR output channels by NR consecutive output columns,
    one accumulator vector per channel, held in registers for the whole
    reduction. Each reduction step loads the tile's image columns as one
    vector (every stride-th lane of a longer one when strided) and adds it
    times each channel's weight, broadcast. NR is 2 vector widths, or 1
    where that wastes fewer lanes of a row; a row's last tile is narrower (its vectors in bounds, not masked). MR
    is as many channels as `registers` holds rows of NR: a divisor of the
    channels if one fills half of them, else near-equal tiles. The loops
    around a tile carry `llvm.loop_annotation` unroll-disable (LLVM would
    copy the micro-kernel per iteration for no speed); the window loops
    inside it unroll.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 elements a SIMD register holds (AVX2: 8)">,
    Option<"registers", "registers", "int64_t", /*default=*/"12",
           "SIMD registers the accumulators may take">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuEmitEntryPoints : Pass<"cpu-emit-entry-points", "::mlir::ModuleOp"> {
  let summary = "Add the runtime's calling convention to each lowered kernel";
  let description = [{
    On the LLVM dialect: for every kernel `@k(ptr..., i64 workgroup)` adds
    `@kiln_k(ptr bindings, i64 workgroup)`, which loads the binding pointers
    from the array and calls the kernel. Entry points keep default
    visibility; everything else becomes internal.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CpuLinkKernels : Pass<"cpu-link-kernels", "::mlir::ModuleOp"> {
  let summary = "Compile the lowered kernels and link them into a shared library";
  let description = [{
    Runs on a kernel module in the LLVM dialect whose #exec.target is cpu:
    translates it to LLVM IR, optimizes and compiles it (O3, in parts on
    parallel threads) for the CPU the target's `cpu` option names, links
    the objects into a shared library with lld, and replaces the module's
    kernels by the library's bytes (`exec.library`), which the artifact
    stores as they are.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_CPU_PASSES
