// exec-build-schedule: a buffer alignment that is not a power of two.
// RUN: kiln-opt %s -verify-diagnostics --pass-pipeline="builtin.module(exec-build-schedule{alignment=48})"

// expected-error @+1 {{buffer alignment must be a power of two, got 48}}
module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
