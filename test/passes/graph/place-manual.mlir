// graph-place with ops placed by hand (placements=NAME=TARGET): the ops
// named NAME, or inside it, run there whatever the estimate says; the
// others follow the estimate (here: the epilogue of the placed matmul goes
// with it, not to the device the figures favour).
// RUN: kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl placements=head=cpu costs=cpu.gflops=100,cpu.memory-gbps=20,cpu.launch-us=1,opencl.gflops=10000,opencl.memory-gbps=500,opencl.launch-us=10,opencl.transfer-gbps=10,opencl.transfer-us=10})" | FileCheck %s
// Without the placement, all of it goes to the device.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl costs=cpu.gflops=100,cpu.memory-gbps=20,cpu.launch-us=1,opencl.gflops=10000,opencl.memory-gbps=500,opencl.launch-us=10,opencl.transfer-gbps=10,opencl.transfer-us=10})" | FileCheck %s --check-prefix=ESTIMATED
// An ONNX-style name (a leading '/', '/'-separated) is matched the same way.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl placements=/body=cpu costs=cpu.gflops=100,cpu.memory-gbps=20,cpu.launch-us=1,opencl.gflops=10000,opencl.memory-gbps=500,opencl.launch-us=10,opencl.transfer-gbps=10,opencl.transfer-us=10})" | FileCheck %s --check-prefix=ONNX

// CHECK-LABEL: func.func @model
// CHECK: graph.matmul {{.*}}graph.device = "opencl"
// CHECK: graph.matmul {{.*}}graph.device = "cpu"
// CHECK: graph.relu {{.*}}graph.device = "cpu"
// ESTIMATED-LABEL: func.func @model
// ESTIMATED: graph.matmul {{.*}}graph.device = "opencl"
// ESTIMATED: graph.matmul {{.*}}graph.device = "opencl"
// ESTIMATED: graph.relu {{.*}}graph.device = "opencl"
// ONNX-LABEL: func.func @model
// ONNX: graph.matmul {{.*}}graph.device = "cpu"
// ONNX: graph.matmul {{.*}}graph.device = "opencl"
func.func @model(%x: tensor<256x1024xf32>) -> tensor<256x1024xf32> {
  %w = graph.constant dense<1.0> : tensor<1024x1024xf32>
  %0 = graph.matmul %x, %w : (tensor<256x1024xf32>, tensor<1024x1024xf32>) -> tensor<256x1024xf32> loc("/body/MatMul")
  %1 = graph.matmul %0, %w : (tensor<256x1024xf32>, tensor<1024x1024xf32>) -> tensor<256x1024xf32> loc("head.fc:addmm")
  %2 = graph.relu %1 : tensor<256x1024xf32>
  return %2 : tensor<256x1024xf32>
}
