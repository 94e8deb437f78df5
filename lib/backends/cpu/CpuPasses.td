//===- CpuPasses.td - passes of the CPU backend ------------*- tablegen -*-===//

#ifndef KILN_CPU_PASSES
#define KILN_CPU_PASSES

include "mlir/Pass/PassBase.td"

def CpuPrepareKernels : Pass<"cpu-prepare-kernels", "::mlir::ModuleOp"> {
  let summary = "Give kernels buffer bindings and tile them over workgroups";
  let description = [{
    On a kernel module (functions from tensors to tensors, lowered to linalg):
    rewrites each kernel to take its bindings as buffers, inputs then outputs
    (`bufferization.to_tensor` reads the inputs, the results are materialized
    into the outputs), then tiles the op producing the result with an
    `scf.forall` over its outer parallel dims, fusing its producers into the
    loop. Each iteration of the forall becomes one workgroup.
  }];
  let options = [
    Option<"maxWorkgroups", "max-workgroups", "int64_t", /*default=*/"64",
           "Upper bound on the workgroups of one dispatch">,
    Option<"minWorkgroupIterations", "min-workgroup-iterations", "int64_t",
           /*default=*/"4096",
           "Iterations of the root op a workgroup should at least get">,
  ];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def CpuDistributeWorkgroups
    : Pass<"cpu-distribute-workgroups", "::mlir::ModuleOp"> {
  let summary = "Turn the workgroup forall into code for one workgroup";
  let description = [{
    After bufferization: adds a trailing `index` argument, the workgroup id, to
    each kernel and replaces its top-level `scf.forall` by the body of one
    iteration, selected by that id. The grid (the forall's trip count, 1
    without one) is recorded in the module's `exec.workgroups` dictionary.
    When work outside the forall writes memory the workgroups share, the
    forall instead runs sequentially in a single workgroup.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CpuApproximateMath : Pass<"cpu-approximate-math"> {
  let summary = "Replace f32 transcendental math by polynomial approximations";
  let description = [{
    exp, log, tanh, erf, sigmoid-style math on f32 becomes arithmetic (MLIR's
    polynomial approximations, accurate to a few ulp), which vectorizes and
    needs no libm; f16/bf16 math is computed in f32 first.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuStackTemporaries : Pass<"cpu-stack-temporaries", "::mlir::ModuleOp"> {
  let summary = "Put each workgroup's temporary buffers on its stack";
  let description = [{
    A kernel's own buffers (padded tiles, partial reductions) are allocated
    per workgroup. On the heap that is a malloc and a free per workgroup per
    run; on the stack it is free. Each `memref.alloc` of a kernel that sits
    in no loop becomes a `memref.alloca` at the start of the kernel (one
    buffer per call, which is one workgroup) while the kernel's total stays
    within `max-bytes`, a small part of any thread's stack; the rest stay on
    the heap. A dynamic size (a partial last tile) takes its constant upper
    bound, the buffer a `memref.view` of that many bytes. Runs after
    cpu-distribute-workgroups and before deallocation.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"262144",
           "Stack bytes one kernel may use for temporaries">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CpuExpandCopies : Pass<"cpu-expand-copies"> {
  let summary = "Turn memref.copy into linalg.copy, compiled into loops";
  let description = [{
    Bufferization copies buffers with `memref.copy`, whose strided form
    lowers to a call into MLIR's C runner library. Kernels must not depend on
    it, so copies become `linalg.copy` and then plain loops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
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
