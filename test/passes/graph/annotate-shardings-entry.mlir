// graph-annotate-shardings: entry= names the function whose inputs are
// sharded, and must exist.
// RUN: kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="x=tp" entry=g})' | FileCheck %s
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="x=tp" entry=h})' 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK-LABEL: func.func @f
// CHECK-NOT: shard.shard
// CHECK-LABEL: func.func @g
// CHECK: shard.shard %arg0
// MISSING: error: no function named 'h' to shard
func.func @f(%x: tensor<4xf32> {exec.name = "x"}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @g(%x: tensor<4xf32> {exec.name = "x"}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
