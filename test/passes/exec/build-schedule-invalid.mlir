// exec-build-schedule's errors.
// RUN: kiln-opt %s -split-input-file -exec-build-schedule -verify-diagnostics

func.func @compute_outside_dispatch(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'graph.neg' op cannot run on the host; expected only graph.constant, graph.reshape, graph.dispatch and collectives here (run graph-form-dispatches first)}}
  %0 = graph.neg %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{expected one function to schedule, found 2; name it with entry=...}}
module {
  func.func @a() {
    return
  }
  func.func @b() {
    return
  }
}

// -----

// A region placed on a target no backend serves.
func.func @placed_nowhere(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'graph.dispatch' op is placed on target 'tpu', which has no backend}}
  %0 = graph.dispatch(%x) {graph.device = "tpu"} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.neg %a : tensor<4xf32>
    graph.yield %r : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
