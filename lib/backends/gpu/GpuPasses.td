//===- GpuPasses.td - GPU codegen shared by GPU backends ---*- tablegen -*-===//

#ifndef KILN_GPU_PASSES
#define KILN_GPU_PASSES

include "mlir/Pass/PassBase.td"

def GpuBuildKernels : Pass<"gpu-build-kernels", "::mlir::ModuleOp"> {
  let summary = "Make each workgroup-distributed kernel a gpu.func in binding order";
  let description = [{
    On a kernel module after `kernel-distribute-workgroups` (each kernel a
    `func.func` over its bindings plus a trailing work index, its count in
    `exec.workgroups`): builds, for each kernel, a `gpu.func` of the same
    name taking exactly the bindings, inputs then outputs (Kiln's kernel ABI;
    upstream outlining would order arguments by first use), in one
    `gpu.module @kernels`. Each work item runs one index of the kernel's
    grid: index = workgroup id * workgroup size + local id, guarded by the
    count. A kernel whose work index is a row it reduces (softmax,
    layer_norm, reduce) instead runs a workgroup per row: its loops strided
    over the work items, each accumulation a tree in workgroup memory with
    barriers between levels. The launch (grid, workgroup size, workgroup
    memory) is recorded
    per kernel in the module's `exec.launches`, and on the `gpu.func` as
    `known_block_size` (and, with `spirv`, as the SPIR-V entry point ABI).
    A kernel's private temporaries (`memref.alloca`, read and written by
    loads and stores only once aliases are folded) move to private memory.
  }];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", /*default=*/"64",
           "Work items per workgroup (fewer when the kernel has fewer)">,
    Option<"spirv", "spirv", "bool", /*default=*/"false",
           "Also record the workgroup size as #spirv.entry_point_abi">,
    Option<"rowStrategy", "rows", "bool", /*default=*/"true",
           "A workgroup per row for kernels whose work index is a row they "
           "reduce (RowReductions.h); false: a work item per index for all">,
    Option<"barriers", "barriers", "bool", /*default=*/"true",
           "Barriers between the levels of a workgroup's reduction tree; "
           "false only to show that tests catch their absence">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::spirv::SPIRVDialect"];
}

def GpuExpandIntegerPowers : Pass<"gpu-expand-integer-powers"> {
  let summary = "Compute math.ipowi by squaring, in a loop of constant length";
  let description = [{
    Device code cannot call the helper functions `convert-math-to-funcs`
    outlines, and no GPU lowering has `math.ipowi`. For b >= 0, a^b is the
    product of a^(2^i) over the set bits of b: a loop over the bit width.
    For b < 0 it is 1 for a = 1, +-1 for a = -1 (by b's parity), and 0
    otherwise (0 for a = 0 too, where the CPU's helper divides by zero).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // KILN_GPU_PASSES
