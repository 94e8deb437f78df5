// convert-graph-to-linalg reports a dynamic shape on the op that has it.
// RUN: kiln-opt %s -convert-graph-to-linalg -verify-diagnostics

func.func @dynamic(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{'graph.add' op has the dynamic type 'tensor<?x3xf32>'; lowering to linalg needs static shapes}}
  %0 = graph.add %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
