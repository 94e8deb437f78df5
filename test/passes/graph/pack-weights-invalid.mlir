// graph-pack-weights rejects a negative panel width.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(graph-pack-weights{panel-columns=-4}))" -verify-diagnostics

// expected-error @+1 {{graph-pack-weights: panel-columns must be >= 0, got -4}}
func.func @negative(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  return %x : tensor<1x4xf32>
}
