//===- Passes.td - Kiln's passes ---------------------------*- tablegen -*-===//
//
// Every Kiln pass, declared once; each is implemented in its own file under
// passes/<group>/. Flags read <dialect>-<verb>, conversions convert-<a>-to-<b>.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES
#define KILN_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-graph-to-linalg"> {
  let summary = "Lower graph ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every `graph` op into ops of upstream dialects on tensors:
    elementwise ops and broadcasts into `linalg.generic`s with numpy
    broadcasting maps, matmul into a contraction `linalg.generic`, conv2d
    and pooling into linalg's named convolution and pooling ops (grouped
    convolutions through `linalg.conv_2d_ngchw_gfchw`), reductions and
    normalizations into reduction generics, data movement into `tensor` ops
    or index-computing generics. `graph.dispatch` regions stay, with their
    contents lowered. Shapes must be static; a dynamic one is reported on the
    op that has it.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def GraphFormDispatches : Pass<"graph-form-dispatches", "::mlir::func::FuncOp"> {
  let summary = "Wrap each compute op of the model graph in a dispatch region";
  let description = [{
    Puts every graph op that computes (all but `graph.constant` and
    `graph.reshape`, which are data and views) into its own `graph.dispatch`
    region, the unit that becomes one kernel. Splat constants it reads are
    copied into the region, so kernels see them as scalars; other values
    become the region's inputs. This is the one-op-per-kernel rule the fusion
    pass replaces.
  }];
}

def ExecBuildSchedule : Pass<"exec-build-schedule", "::mlir::ModuleOp"> {
  let summary = "Outline dispatch regions into kernels and schedule them over buffers";
  let description = [{
    Turns the entry function (`entry`, or the module's only function) into
    the host schedule the runtime runs: each `graph.dispatch` region becomes
    a kernel function in the nested module `@kernels_<target>`, launched by
    `exec.dispatch`; `graph.constant` becomes `exec.constant`,
    `graph.reshape` an `exec.view` of the same bytes, and every other
    intermediate tensor an `exec.alloc`ated buffer. The function then takes
    its inputs followed by its outputs as buffers (`exec.num_inputs` says
    where the outputs start); a dispatch writes a returned value straight into
    its output buffer, anything else is copied there.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "Function to schedule (default: the module's only function)">,
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Backend the kernels are compiled for">,
  ];
  let dependentDialects = ["::kiln::exec::ExecDialect"];
}

#endif // KILN_PASSES
