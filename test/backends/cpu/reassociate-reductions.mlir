// cpu-reassociate-reductions: the combiner of each floating-point reduction
// is marked reassoc (so LLVM vectorizes it); nothing else changes.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(cpu-reassociate-reductions))" | FileCheck %s

#in = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// Softmax's row maximum and its sum of exponentials: both combiners; the
// subtraction and the exponential are not combiners and keep their flags.
// CHECK-LABEL: func.func @softmax_rows
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK: arith.subf %{{.*}}, %{{.*}} : f32
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc,nnan> : f32
func.func @softmax_rows(%x: tensor<4x128xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %max = linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x128xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %m: f32):
    %r = arith.maximumf %m, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#in, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %max : tensor<4x128xf32>, tensor<4xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %m: f32, %s: f32):
    %d = arith.subf %a, %m : f32
    %e = math.exp %d : f32
    %r = arith.addf %s, %e fastmath<nnan> : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %sum : tensor<4xf32>
}

// -----

#in = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// Flags already there are kept. Two outputs: each combiner is its own.
// CHECK-LABEL: func.func @two_outputs
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc,nnan> : f32
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
func.func @two_outputs(%x: tensor<4x128xf32>, %init: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = linalg.generic {indexing_maps = [#in, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x128xf32>) outs(%init, %init : tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%a: f32, %s: f32, %q: f32):
    %sum = arith.addf %a, %s fastmath<nnan> : f32
    %sq = arith.mulf %a, %a : f32
    %sumsq = arith.addf %q, %sq : f32
    linalg.yield %sum, %sumsq : f32, f32
  } -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

// -----

#in = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// Not reassociated: an output read twice (not a plain chain), an integer
// sum, an elementwise op (no reduction), a contraction (the micro-kernels
// order its sums).
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: reassoc
func.func @untouched(%x: tensor<4x128xf32>, %i: tensor<4x128xi32>, %init: tensor<4xf32>, %iinit: tensor<4xi32>,
                     %m: tensor<4x4xf32>) -> (tensor<4xf32>, tensor<4xi32>, tensor<4x128xf32>, tensor<4x4xf32>) {
  %twice = linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x128xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %s: f32):
    %p = arith.mulf %s, %a : f32
    %r = arith.addf %s, %p : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %isum = linalg.generic {indexing_maps = [#in, #row], iterator_types = ["parallel", "reduction"]}
      ins(%i : tensor<4x128xi32>) outs(%iinit : tensor<4xi32>) {
  ^bb0(%a: i32, %s: i32):
    %r = arith.addi %s, %a : i32
    linalg.yield %r : i32
  } -> tensor<4xi32>
  %add = linalg.generic {indexing_maps = [#in, #in], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x128xf32>) outs(%x : tensor<4x128xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<4x128xf32>
  %mm = linalg.matmul ins(%m, %m : tensor<4x4xf32>, tensor<4x4xf32>) outs(%m : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %twice, %isum, %add, %mm : tensor<4xf32>, tensor<4xi32>, tensor<4x128xf32>, tensor<4x4xf32>
}
