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

#endif // KILN_PASSES
