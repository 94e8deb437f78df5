// graph-place's errors: each bad request names what is wrong and where.
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl placements=body=tpu})" 2>&1 | FileCheck %s --check-prefix=DEVICE
// DEVICE: error: placement 'body=tpu' names target 'tpu', which this compile does not target (targets: cpu, opencl)
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl placements=layer9=cpu})" 2>&1 | FileCheck %s --check-prefix=NAME
// NAME: error: placement 'layer9=cpu': no op is named 'layer9' or inside it (op names look like '/body/MatMul', 'head.fc:cast')
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl placements=head=opencl})" 2>&1 | FileCheck %s --check-prefix=CANNOT
// CANNOT: error: loc("head.fc:cast"): is placed on opencl by 'head=opencl', which cannot run it: the opencl backend has no bf16 arithmetic
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=opencl})" 2>&1 | FileCheck %s --check-prefix=ONE
// ONE: error: loc("head.fc:cast"): cannot run on target 'opencl': the opencl backend has no bf16 arithmetic
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,tpu})" 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: error: unknown target 'tpu' (available: cpu, cuda, opencl)
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,cpu})" 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: error: target 'cpu' is named twice
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl costs=opencl.speed=3})" 2>&1 | FileCheck %s --check-prefix=FIGURE
// FIGURE: error: unknown placement cost figure 'speed' (gflops, memory-gbps, launch-us, transfer-gbps, transfer-us)
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl costs=opencl.gflops=-1})" 2>&1 | FileCheck %s --check-prefix=VALUE
// VALUE: error: bad placement cost 'opencl.gflops=-1': expected TARGET.FIGURE=VALUE
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl placements=head})" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: error: bad placement 'head': expected NAME=TARGET (e.g. layer4=cpu)

func.func @model(%x: tensor<8x16xf32>) -> tensor<8x16xbf16> {
  %w = graph.constant dense<1.0> : tensor<16x16xf32>
  %0 = graph.matmul %x, %w : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32> loc("/body/MatMul")
  %1 = graph.cast %0 : tensor<8x16xf32> -> tensor<8x16xbf16> loc("head.fc:cast")
  return %1 : tensor<8x16xbf16>
}
