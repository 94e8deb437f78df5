// exec-lower-kernels: a kernel module whose target no backend serves.
// RUN: kiln-opt %s -exec-lower-kernels -verify-diagnostics

module {
  // expected-error @+1 {{no backend for target 'tpu'}}
  module @kernels_tpu attributes {exec.target = #exec.target<"tpu">} {
    func.func @dispatch_0(%x: tensor<4xf32>) -> tensor<4xf32> {
      return %x : tensor<4xf32>
    }
  }
}
