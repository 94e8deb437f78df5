// A convolution reading its filter in 16-channel panels must compute whole
// panels: 8 channels would cut one (kernel-tile-workgroups never makes
// such a tile).
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(cpu-vectorize-convolutions))" -verify-diagnostics

#image = affine_map<(n, o, oh, ow, kh, kw, c) -> (n, c, oh + kh, ow + kw)>
#panel = affine_map<(n, o, oh, ow, kh, kw, c) -> (o floordiv 16, kh, kw, c, o mod 16)>
#out = affine_map<(n, o, oh, ow, kh, kw, c) -> (n, o, oh, ow)>
func.func @partial_panel(%x: tensor<1x4x5x9xf32>, %w: tensor<1x3x3x4x16xf32>, %acc: tensor<1x8x3x7xf32>) -> tensor<1x8x3x7xf32> {
  // expected-error @+1 {{reads 16-channel filter panels but computes 8 channels, not whole panels}}
  %0 = linalg.generic {indexing_maps = [#image, #panel, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x4x5x9xf32>, tensor<1x3x3x4x16xf32>) outs(%acc : tensor<1x8x3x7xf32>) {
  ^bb0(%in: f32, %f: f32, %out: f32):
    %1 = arith.mulf %in, %f : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x8x3x7xf32>
  return %0 : tensor<1x8x3x7xf32>
}
