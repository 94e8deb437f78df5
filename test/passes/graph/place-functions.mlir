// graph-place on a module of several functions: each is placed in turn,
// from a clean slate, whether the pass places (two targets) or only checks
// (one); a placement must name an op of some function, not of each.
// RUN: kiln-opt %s --mlir-disable-threading --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl})" | FileCheck %s
// RUN: kiln-opt %s --mlir-disable-threading --pass-pipeline="builtin.module(graph-place{targets=cpu})" | FileCheck %s --check-prefix=ONE
// RUN: kiln-opt %s --mlir-disable-threading --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl placements=act=opencl})" | FileCheck %s --check-prefix=PLACED

// CHECK-LABEL: func.func @main
// CHECK: graph.relu {{.*}}graph.device = "cpu"
// CHECK-LABEL: func.func @other
// CHECK: graph.exp {{.*}}graph.device = "cpu"
// ONE-LABEL: func.func @main
// ONE: graph.relu %
// ONE-LABEL: func.func @other
// ONE: graph.exp %
// PLACED-LABEL: func.func @main
// PLACED: graph.relu {{.*}}graph.device = "opencl"
// PLACED-LABEL: func.func @other
// PLACED: graph.exp {{.*}}graph.device = "cpu"
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.relu %x : tensor<4x8xf32> loc("act")
  return %0 : tensor<4x8xf32>
}
func.func @other(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.exp %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
