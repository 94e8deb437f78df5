// The whole compile pipeline, as kiln-compile runs it before writing the
// artifact: an exec schedule plus CPU kernels in the LLVM dialect.
// RUN: kiln-opt %s --kiln-compile | FileCheck %s
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{fusion=false})" | FileCheck %s --check-prefix=NOFUSION
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=tpu})" 2>&1 | FileCheck %s --check-prefix=TARGET
// The target's options reach the kernel module's #exec.target (and from
// there the kernel pipeline and the serializer); bad ones are refused:
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu=x86-64-v3})" | FileCheck %s --check-prefix=OPTIONS
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpux=host})" 2>&1 | FileCheck %s --check-prefix=BADOPTION
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target-options=cpu})" 2>&1 | FileCheck %s --check-prefix=BADOPTION2
// OPTIONS: module @kernels_cpu attributes {{{.*}}exec.target = #exec.target<"cpu", {cpu = "x86-64-v3"}>
// BADOPTION: error: kiln-compile: the cpu backend has no option 'cpux' (it has: cpu)
// BADOPTION2: error: kiln-compile: bad target option 'cpu': expected name=value (e.g. cpu=host)
// Each stage can be stopped after, to see the IR there (kiln's ir(stage)):
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=graph})" | FileCheck %s --check-prefix=GRAPH
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=dispatch})" | FileCheck %s --check-prefix=DISPATCH
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=schedule})" | FileCheck %s --check-prefix=SCHEDULE
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{stop-after=llvm})" 2>&1 | FileCheck %s --check-prefix=STAGE

// Fused: add and tanh are one kernel (the reshape between them sinks below
// tanh), written through a view of the output: no copy.
// The kernels end as the shared library the artifact stores, each kernel a
// declaration the dispatches name.
// CHECK-LABEL: module @kernels_cpu attributes {exec.alignment = 64 : i64, exec.library = "\7FELF
// CHECK-SAME: exec.target = #exec.target<"cpu">, exec.workgroups = {dispatch_0 = 1 : i64}
// CHECK-NEXT: llvm.func @dispatch_0(!llvm.ptr, !llvm.ptr, i64)
// CHECK-NEXT: }
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%{{.*}}: memref<2x8xf32> {exec.name = "input_0"}, %[[OUT:.*]]: memref<16xf32> {exec.name = "output_0"})
// CHECK-SAME: attributes {exec.arenas = {}, exec.entry, exec.num_inputs = 1 : i64}
// CHECK: %[[VIEW:.*]] = exec.view %[[OUT]] : memref<16xf32> to memref<2x8xf32>
// CHECK: exec.dispatch @kernels_cpu::@dispatch_0 ins({{.*}}) outs(%[[VIEW]] : memref<2x8xf32>) {exec.flops = 32 : i64, exec.ops = ["graph.add", "graph.tanh"]}
// CHECK-NOT: exec.copy
// Without fusion: one kernel per op, the reshape a view between them.
// NOFUSION-LABEL: module @kernels_cpu attributes {exec.alignment = 64 : i64, exec.library = "\7FELF
// NOFUSION-SAME: exec.target = #exec.target<"cpu">, exec.workgroups = {dispatch_0 = 1 : i64, dispatch_1 = 1 : i64}
// NOFUSION-LABEL: func.func @main
// NOFUSION-SAME: exec.arenas = {host = {alignment = 64 : i64, buffers = 1 : i64, bytes = 64 : i64, in_place = 0 : i64, lower_bound_bytes = 64 : i64, naive_bytes = 64 : i64}}
// NOFUSION: exec.alloc in "host" at 0 : memref<2x8xf32>
// NOFUSION: exec.dispatch @kernels_cpu::@dispatch_0
// NOFUSION: exec.view
// NOFUSION: exec.dispatch @kernels_cpu::@dispatch_1
// TARGET: kiln-compile: unknown target 'tpu' (available: cpu, cuda, opencl)

// GRAPH-LABEL: func.func @main
// GRAPH: graph.add
// GRAPH-NOT: graph.dispatch
// DISPATCH: graph.dispatch
// DISPATCH-NOT: exec.
// SCHEDULE: module @kernels_cpu
// SCHEDULE: graph.tanh
// SCHEDULE: exec.dispatch @kernels_cpu::@dispatch_0
// SCHEDULE-NOT: llvm.func
// STAGE: kiln-compile: unknown stage 'llvm' (stages: graph, dispatch, schedule, kernels, binary)
func.func @main(%x: tensor<2x8xf32>) -> tensor<16xf32> {
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.add %x, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reshape %0 : tensor<2x8xf32> -> tensor<16xf32>
  %2 = graph.tanh %1 : tensor<16xf32>
  return %2 : tensor<16xf32>
}
