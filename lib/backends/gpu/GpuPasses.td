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
    layer_norm, reduce, a matmul's output element) and which has too few
    rows to fill a GPU alone (`rows-below`) instead runs a workgroup per
    row: its loops strided
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
    Option<"rowsBelow", "rows-below", "int64_t", /*default=*/"16384",
           "The row strategy only for kernels of fewer rows than this: more "
           "rows fill a GPU with a work item each (a matmul's output "
           "elements, each summing its row of products)">,
    Option<"barriers", "barriers", "bool", /*default=*/"true",
           "Barriers between the levels of a workgroup's reduction tree; "
           "false only to show that tests catch their absence">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::spirv::SPIRVDialect"];
}

def GpuReadPaddedSlices : Pass<"gpu-read-padded-slices"> {
  let summary = "Read a tile's padded input through bounds checks, not a copy";
  let description = [{
    On tiled kernels (after kernel-tile-workgroups, before bufferization):
    a tile of a padded convolution or pooling reads its window of the
    input as `tensor.pad` of an `extract_slice` (inside an `scf.if` whose
    other branch is the all-padding window), which bufferizes to a private
    copy of the window filled per work item: kilobytes of local memory on a
    GPU (18 KB per work item in resnet18's last layers). Here the linalg op
    reading that window reads the input itself instead: for each element
    its window position (the operand's indexing map) plus the window's
    origin in the input (slice offset minus low padding) is the input
    index; in bounds it is loaded (`tensor.extract` at the index clamped
    into the input), out of bounds it is the padding value (a `select`).
    Only pads of a constant value over unit-stride, same-rank slices.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
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

def GpuPromoteAccumulators : Pass<"gpu-promote-accumulators"> {
  let summary = "Carry a loop's sum into one element through the loop";
  let description = [{
    A work item summing into one element of memory (a matmul's or
    convolution's output, a reduction's private partial) loads, combines
    and stores it at indices fixed in the loop, every iteration; the device
    compiler keeps those accesses, unable to tell the kernel's pointers
    apart. When nothing else in the loop may touch that element's buffer
    (index computations fixed in the loop are hoisted out of it first;
    bindings never share bytes, temporaries are distinct, and elements of
    one buffer whose indices differ by a constant are apart), the element is
    instead loaded once before the loop, carried as an `scf.for` iteration
    argument (a register), and stored once after it; innermost loops
    first, so a sum over several loops (a convolution's channels and
    window) is carried through all of them. Only in a loop known to run at
    least once: the store after it then writes only what the loop would
    have, and MLIR 22's SPIR-V conversion gets the result of a loop that
    does not run wrong. Then, in straight-line code, a load of an element
    stored before it takes the stored value, and a store that another store
    of the element overwrites goes, until something may touch the element
    otherwise: a sum reaches its epilogue in a register, and only the
    epilogue's result is written.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def GpuUnrollRegisterTiles : Pass<"gpu-unroll-register-tiles"> {
  let summary = "Unroll the loops over a work item's register tile";
  let description = [{
    A contraction's work item may compute a small tile of outputs (a
    register tile, kernel-tile-workgroups{work-items}), its reductions
    outermost, and an elementwise work item four adjacent elements: loops
    of constant trip counts over the tile's outputs, each iteration storing
    another element. Those loops (at most `max-iterations` in all) are
    fully unrolled, so each output is summed at fixed indices in the
    reduction loop, which gpu-promote-accumulators keeps in a register, the
    operand loads the outputs share become one, and adjacent accesses can
    become vector ones (gpu-vectorize-accesses). Loops whose iterations all
    store the same element (reductions) are left alone.
  }];
  let options = [
    Option<"maxIterations", "max-iterations", "int64_t", /*default=*/"16",
           "The most iterations a register tile's loops may have in all">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def GpuVectorizeAccesses : Pass<"gpu-vectorize-accesses"> {
  let summary = "Make four adjacent accesses of a binding one 4-wide access";
  let description = [{
    Four loads (or four stores) in one block of the elements at last index
    4i, 4i+1, 4i+2, 4i+3 of one row of a binding become one `vector.load`
    (at the first of them) or `vector.store` (at the last), when nothing
    between them may write (for stores: read or write) that binding. The
    binding must have a static row-major shape whose rows are whole
    vectors, of f32, f16 or i32, so that with the buffer's alignment the
    vector is aligned to its size. The accesses come from a work item's
    tile of four: an elementwise kernel's, a register tile's row of an
    operand or of its outputs.
  }];
  let options = [
    Option<"stores", "stores", "bool", /*default=*/"true",
           "Vectorize stores too; false for consumers that cannot build a "
           "vector from values (llvm-spirv 15 reads SPIR-V's "
           "OpCompositeConstruct of non-constants as a constant and "
           "crashes)">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect"];
}

#endif // KILN_GPU_PASSES
