// kernel-tile-workgroups: buffer bindings, contraction and convolution loops
// reordered, the root tiled over an scf.forall of workgroups.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(kernel-tile-workgroups{min-workgroup-iterations=64})" | FileCheck %s

// Small enough for one workgroup: only the bindings change.
// CHECK-LABEL: func.func @small
// CHECK-SAME: (%[[A:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[A]] restrict : memref<4xf32> to tensor<4xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[T]]
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[OUT]]
// CHECK-NOT: scf.forall
// CHECK: return
module {
  func.func @small(%a: tensor<4xf32>) -> tensor<4xf32> {
    %e = tensor.empty() : tensor<4xf32>
    %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%x: f32, %o: f32):
      %n = arith.negf %x : f32
      linalg.yield %n : f32
    } -> tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

// -----

// A matmul: k moves outside n, and m is split over workgroups with the
// zero fill fused into each tile.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%{{.*}}: memref<64x32xf32>, %{{.*}}: memref<32x16xf32>, %[[OUT_BUF:.*]]: memref<64x16xf32>)
// CHECK: scf.forall (%{{.*}}) in (64) shared_outs
// CHECK: %[[TILE:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: outs(%[[TILE]] : tensor<1x16xf32>)
// CHECK: scf.forall.in_parallel
module {
  func.func @matmul(%a: tensor<64x32xf32>, %b: tensor<32x16xf32>) -> tensor<64x16xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x16xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x16xf32>) -> tensor<64x16xf32>
    %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x32xf32>, tensor<32x16xf32>) outs(%acc : tensor<64x16xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %o, %p : f32
      linalg.yield %s : f32
    } -> tensor<64x16xf32>
    return %0 : tensor<64x16xf32>
  }
}

// -----

// A plain reduction over the contiguous dim keeps its order.
// CHECK-LABEL: func.func @row_sum
// CHECK: iterator_types = ["parallel", "reduction"]
module {
  func.func @row_sum(%a: tensor<8x16xf32>) -> tensor<8xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<8xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
    %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%a : tensor<8x16xf32>) outs(%acc : tensor<8xf32>) {
    ^bb0(%x: f32, %o: f32):
      %s = arith.addf %o, %x : f32
      linalg.yield %s : f32
    } -> tensor<8xf32>
    return %0 : tensor<8xf32>
  }
}

// -----

// A named convolution is generalized and its reductions (channels, window)
// move outside the output's width, the contiguous dim.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d3, d2 + d4, d5 + d6)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d6)>
// CHECK-LABEL: func.func @conv
// CHECK: scf.forall
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.*}}, #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
// CHECK-NOT: linalg.conv_2d
module {
  func.func @conv(%x: tensor<1x4x10x10xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x8x8x8xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x4x10x10xf32>, tensor<8x4x3x3xf32>) outs(%acc : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    return %0 : tensor<1x8x8x8xf32>
  }
}

// -----

// Pooling is a convolution too: the window moves outside the output's width.
// CHECK-LABEL: func.func @max_pool
// CHECK: scf.forall
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
// CHECK: arith.maximumf
// CHECK-NOT: linalg.pooling_nchw_max
module {
  func.func @max_pool(%x: tensor<1x4x10x10xf32>) -> tensor<1x4x8x8xf32> {
    %ninf = arith.constant 0xFF800000 : f32
    %window = tensor.empty() : tensor<3x3xf32>
    %e = tensor.empty() : tensor<1x4x8x8xf32>
    %acc = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %window : tensor<1x4x10x10xf32>, tensor<3x3xf32>) outs(%acc : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    return %0 : tensor<1x4x8x8xf32>
  }
}

// -----

// A fused matmul with its epilogue (bias, then ReLU): the two elementwise
// generics merge into one, which updates the matmul's result in place, so
// the fill, the matmul and the epilogue all write the workgroup's slice of
// the output; no tile-sized temporary. A and B are the same size, so rows
// and columns split alike, columns in whole 64-byte lines: 16 x 4 tiles.
// CHECK-LABEL: func.func @matmul_epilogue
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (64, 64) step (4, 16) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][%[[I]], %[[J]]] [4, 16]
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} outs(%[[SLICE]] : tensor<4x16xf32>)
// CHECK: %[[MM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]{{.*}} outs(%[[ZERO]] : tensor<4x16xf32>)
// CHECK: %[[EPI:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : tensor<16xf32>) outs(%[[MM]] : tensor<4x16xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: tensor.parallel_insert_slice %[[EPI]] into %[[OUT]]
module {
  func.func @matmul_epilogue(%x: tensor<64x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>) -> tensor<64x64xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x64xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    %0 = linalg.matmul ins(%x, %w : tensor<64x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<64x64xf32>) -> tensor<64x64xf32>
    %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%0, %b : tensor<64x64xf32>, tensor<64xf32>) outs(%e : tensor<64x64xf32>) {
    ^bb0(%m: f32, %v: f32, %o: f32):
      %s = arith.addf %m, %v : f32
      linalg.yield %s : f32
    } -> tensor<64x64xf32>
    %2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%1 : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
    ^bb0(%s: f32, %o: f32):
      %r = arith.maximumf %s, %zero : f32
      linalg.yield %r : f32
    } -> tensor<64x64xf32>
    return %2 : tensor<64x64xf32>
  }
}

// -----

// A root that reads a reduction computed in the kernel (x - rowmax(x)) is
// split only along the rows: splitting the reduced dim would make every tile
// recompute its row's maximum. 4 rows, 4 workgroups, though 16384
// iterations would allow 64.
// CHECK-LABEL: func.func @row_reduction
// CHECK: scf.forall (%[[ROW:.*]]) in (4)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: tensor<1x4096xf32>
module {
  func.func @row_reduction(%x: tensor<4x4096xf32>) -> tensor<4x4096xf32> {
    %ninf = arith.constant 0xFF800000 : f32
    %er = tensor.empty() : tensor<4xf32>
    %init = linalg.fill ins(%ninf : f32) outs(%er : tensor<4xf32>) -> tensor<4xf32>
    %max = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x4096xf32>) outs(%init : tensor<4xf32>) {
    ^bb0(%a: f32, %m: f32):
      %r = arith.maximumf %a, %m : f32
      linalg.yield %r : f32
    } -> tensor<4xf32>
    %e = tensor.empty() : tensor<4x4096xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %max : tensor<4x4096xf32>, tensor<4xf32>) outs(%e : tensor<4x4096xf32>) {
    ^bb0(%a: f32, %m: f32, %o: f32):
      %d = arith.subf %a, %m : f32
      linalg.yield %d : f32
    } -> tensor<4x4096xf32>
    return %y : tensor<4x4096xf32>
  }
}


// -----

// A row reduction kept as [rows, 1] (an expand_shape adding a unit dim)
// and read by the elementwise root: the root reads the reduction directly,
// so the reduction is computed per workgroup tile, inside the forall, not
// whole by every workgroup before it (the untiled ops left before the
// forall are dead: canonicalize erases them).
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @unit_expand
// CHECK-NOT: tensor.expand_shape
// CHECK: scf.forall
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]], #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[SUM]] :
// CHECK: scf.forall.in_parallel
module {
  func.func @unit_expand(%a: tensor<64x16xf32>) -> tensor<64x16xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
    %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%a : tensor<64x16xf32>) outs(%acc : tensor<64xf32>) {
    ^bb0(%x: f32, %o: f32):
      %s = arith.addf %o, %x : f32
      linalg.yield %s : f32
    } -> tensor<64xf32>
    %rows = tensor.expand_shape %sum [[0, 1]] output_shape [64, 1] : tensor<64xf32> into tensor<64x1xf32>
    %out = tensor.empty() : tensor<64x16xf32>
    %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %rows : tensor<64x16xf32>, tensor<64x1xf32>) outs(%out : tensor<64x16xf32>) {
    ^bb0(%x: f32, %s: f32, %o: f32):
      %d = arith.divf %x, %s : f32
      linalg.yield %d : f32
    } -> tensor<64x16xf32>
    return %0 : tensor<64x16xf32>
  }
}
