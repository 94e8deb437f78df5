// A contraction reading B in 16-column panels must compute whole panels: a
// tile of 24 columns would cut one (kernel-tile-workgroups never makes one).
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(cpu-vectorize-contractions))" -verify-diagnostics

#a = affine_map<(m, k, n) -> (m, k)>
#panel = affine_map<(m, k, n) -> (n floordiv 16, k, n mod 16)>
#c = affine_map<(m, k, n) -> (m, n)>
func.func @partial_panel(%x: tensor<4x8xf32>, %w: tensor<2x8x16xf32>, %acc: tensor<4x24xf32>) -> tensor<4x24xf32> {
  // expected-error @+1 {{reads 16-column panels but computes 24 columns, not whole panels}}
  %0 = linalg.generic {indexing_maps = [#a, #panel, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x, %w : tensor<4x8xf32>, tensor<2x8x16xf32>) outs(%acc : tensor<4x24xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<4x24xf32>
  return %0 : tensor<4x24xf32>
}
