// exec-build-schedule's entry option picks the function; a missing one is an
// error.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(exec-build-schedule{entry=b})" | FileCheck %s
// RUN: not kiln-opt %s --pass-pipeline="builtin.module(exec-build-schedule{entry=c})" 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK: func.func @a(%{{.*}}: tensor<2xf32>)
// CHECK: func.func @b(%{{.*}}: memref<2xf32> {exec.name = "input_0"}, %{{.*}}: memref<2xf32> {exec.name = "output_0"}) attributes {exec.entry
// MISSING: error: no function named 'c' to schedule
func.func @a(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
func.func @b(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
