// graph-annotate-shardings refuses modules it cannot annotate unambiguously.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(graph-annotate-shardings{mesh=tp=2 shardings="x=tp"})'

// expected-error @+1 {{the model already has a shard.grid; give either its annotations or a mesh, not both}}
module {
  shard.grid @mine(shape = 2)
  func.func @f(%x: tensor<4xf32> {exec.name = "x"}) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// expected-error @+1 {{expected one function to shard, found 2; name it with entry=...}}
module {
  func.func @f(%x: tensor<4xf32> {exec.name = "x"}) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  func.func @g(%x: tensor<4xf32> {exec.name = "x"}) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
