//===- TilingPasses.td - kernel tiling every backend shares -*- tablegen -*-===//

#ifndef KILN_TILING_PASSES
#define KILN_TILING_PASSES

include "mlir/Pass/PassBase.td"

def KernelTileWorkgroups : Pass<"kernel-tile-workgroups", "::mlir::ModuleOp"> {
  let summary = "Give kernels buffer bindings and tile them over workgroups";
  let description = [{
    On a kernel module (functions from tensors to tensors, lowered to linalg):
    rewrites each kernel to take its bindings as buffers, inputs then outputs
    (`bufferization.to_tensor` reads the inputs, the results are materialized
    into the outputs), then tiles the op producing the result with an
    `scf.forall` over its outer parallel dims, fusing its producers into the
    loop. Each iteration of the forall becomes one workgroup (with
    `work-items`, one GPU work item). An operand read through `loop floordiv
    c` / `loop mod c` (a weight packed in panels of c) is stored in blocks
    along that loop: tiles along it hold whole blocks, and a kernel whose
    blocks cannot be traced to the root's loops stays one workgroup.
  }];
  let options = [
    Option<"maxWorkgroups", "max-workgroups", "int64_t", /*default=*/"64",
           "Upper bound on the workgroups of one dispatch">,
    Option<"minWorkgroupIterations", "min-workgroup-iterations", "int64_t",
           /*default=*/"4096",
           "Iterations of the root op a workgroup should at least get">,
    Option<"workItems", "work-items", "bool", /*default=*/"false",
           "Tiles are GPU work items: every parallel loop may split (a "
           "contraction's too: a work item per output element), and "
           "reductions stay innermost, each output summed in one register; "
           "false: CPU workgroups, which stream a contraction's operands "
           "along its innermost parallel loop and keep that loop whole">,
    Option<"registerTileItems", "register-tile-items", "int64_t",
           /*default=*/"16384",
           "With work-items: a contraction's or convolution's work item "
           "computes a register tile of up to 4x4 outputs (its two innermost "
           "split loops, by sizes dividing them) when at least this many work "
           "items remain; fewer outputs keep a work item each">,
  ];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}


def KernelDistributeWorkgroups
    : Pass<"kernel-distribute-workgroups", "::mlir::ModuleOp"> {
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


def KernelStackTemporaries : Pass<"kernel-stack-temporaries", "::mlir::ModuleOp"> {
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
    kernel-distribute-workgroups and before deallocation.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"262144",
           "Stack bytes one kernel may use for temporaries">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}


def KernelExpandCopies : Pass<"kernel-expand-copies"> {
  let summary = "Turn memref.copy into linalg.copy, compiled into loops";
  let description = [{
    Bufferization copies buffers with `memref.copy`, whose strided form
    lowers to a call into MLIR's C runner library. Kernels must not depend on
    it, so copies become `linalg.copy` and then plain loops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}


#endif // KILN_TILING_PASSES
