// graph-place on a module of several functions: one pass instance (no
// threads) places each in turn, from a clean slate, whether it places
// (two targets) or only checks (one).
// RUN: kiln-opt %s --mlir-disable-threading --pass-pipeline="builtin.module(func.func(graph-place{targets=cpu,opencl}))" | FileCheck %s
// RUN: kiln-opt %s --mlir-disable-threading --pass-pipeline="builtin.module(func.func(graph-place{targets=cpu}))" | FileCheck %s --check-prefix=ONE

// CHECK-LABEL: func.func @main
// CHECK: graph.relu {{.*}}graph.device = "cpu"
// CHECK-LABEL: func.func @other
// CHECK: graph.exp {{.*}}graph.device = "cpu"
// ONE-LABEL: func.func @main
// ONE: graph.relu %
// ONE-LABEL: func.func @other
// ONE: graph.exp %
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.relu %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
func.func @other(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.exp %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
