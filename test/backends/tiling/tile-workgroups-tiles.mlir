// kernel-tile-workgroups: which loops a kernel splits over workgroups.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(kernel-tile-workgroups{min-workgroup-iterations=2304})" | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(kernel-tile-workgroups{max-workgroups=1073741824 min-workgroup-iterations=1 work-items=1})" | FileCheck %s --check-prefix=ITEMS
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(kernel-tile-workgroups{max-workgroups=1073741824 min-workgroup-iterations=1 work-items=1 register-tile-items=16})" | FileCheck %s --check-prefix=TILES

// A CPU convolution's tile counts double along the loop whose tiles re-read
// the fewest bytes: a band of rows reads all of the filter (1152 B), a tile
// of channels pads all of the input (1600 B). So rows, channels, rows:
// bands of 2 rows by 4 channels (8 workgroups: 18432 iterations, at least
// 2304 each), each padding its band.
// CHECK-LABEL: func.func @conv_rows
// CHECK: scf.forall (%{{.*}}, %[[ROW:.*]]) = (0, 0) to (8, 8) step (4, 2)
// CHECK: tensor.pad %{{.*}} low[0, 0, %{{.*}}, 1] high[0, 0, %{{.*}}, 1]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x4x10xf32>, tensor<4x4x3x3xf32>) outs(%{{.*}} : tensor<1x4x2x8xf32>)
// As GPU work items: a work item per output element (512 outputs are too
// few for register tiles), the convolution's window in the tile.
// ITEMS-LABEL: func.func @conv_rows
// ITEMS: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) in (1, 8, 8, 8)
// ITEMS: linalg.conv_2d_nchw_fchw {{.*}} outs(%{{.*}} : tensor<1x1x1x1xf32>)
// With register tiles from 16 work items on: 4x4 outputs each (rows and
// columns), the channels and window outermost.
// TILES-LABEL: func.func @conv_rows
// TILES: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0, 0) to (1, 8, 8, 8) step (1, 1, 4, 4)
// TILES: linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "reduction", "parallel", "parallel", "parallel", "parallel"]
// TILES-SAME: outs(%{{.*}} : tensor<1x1x4x4xf32>)
module {
  func.func @conv_rows(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32> {
    %zero = arith.constant 0.0 : f32
    %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero : f32
    } : tensor<1x4x8x8xf32> to tensor<1x4x10x10xf32>
    %e = tensor.empty() : tensor<1x8x8x8xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : tensor<1x4x10x10xf32>, tensor<8x4x3x3xf32>) outs(%acc : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    return %0 : tensor<1x8x8x8xf32>
  }
}

// -----

// A filter much larger than its image (ResNet's last layers): a band of
// rows would re-read the 18 KiB filter, a tile of channels the 1 KiB image,
// so all 32 workgroups (73728 iterations) split the channels, rows whole.
// CHECK-LABEL: func.func @conv_channels
// CHECK: scf.forall (%{{.*}}) = (0) to (64) step (2)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x6x6xf32>, tensor<2x8x3x3xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>)
module {
  func.func @conv_channels(%x: tensor<1x8x6x6xf32>, %w: tensor<64x8x3x3xf32>) -> tensor<1x64x4x4xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x64x4x4xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64x4x4xf32>) -> tensor<1x64x4x4xf32>
    %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x6x6xf32>, tensor<64x8x3x3xf32>) outs(%acc : tensor<1x64x4x4xf32>) -> tensor<1x64x4x4xf32>
    return %0 : tensor<1x64x4x4xf32>
  }
}

// -----

// A matmul of few rows with its epilogue splits its columns (n): a band of
// rows would re-read all of B (512 KiB), a panel of columns re-reads A
// (8 KiB). Panels are whole 64-byte lines: 64 of 32 columns.
// CHECK-LABEL: func.func @matmul_rows
// CHECK: scf.forall (%{{.*}}) = (0) to (2048) step (32)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<32x64xf32>, tensor<64x32xf32>) outs(%{{.*}} : tensor<32x32xf32>)
// CHECK-NOT: scf.forall (
// As GPU work items, every output is a work item's: 65536 outputs leave
// 16384 work items of 1x4 register tiles (k outermost in the tile: each
// step reads A once for the tile's four outputs), the epilogue in place.
// ITEMS-LABEL: func.func @matmul_rows
// ITEMS: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (32, 2048) step (1, 4)
// ITEMS: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel"]} ins(%{{.*}}, %{{.*}} : tensor<1x64xf32>, tensor<64x4xf32>) outs(%{{.*}} : tensor<1x4xf32>)
// ITEMS: linalg.generic
// ITEMS-SAME: outs(%{{.*}} : tensor<1x4xf32>)
// ITEMS: arith.maximumf
module {
  func.func @matmul_rows(%x: tensor<32x64xf32>, %w: tensor<64x2048xf32>) -> tensor<32x2048xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<32x2048xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<32x2048xf32>) -> tensor<32x2048xf32>
    %0 = linalg.matmul ins(%x, %w : tensor<32x64xf32>, tensor<64x2048xf32>) outs(%acc : tensor<32x2048xf32>) -> tensor<32x2048xf32>
    %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<32x2048xf32>) outs(%e : tensor<32x2048xf32>) {
    ^bb0(%m: f32, %o: f32):
      %r = arith.maximumf %m, %zero : f32
      linalg.yield %r : f32
    } -> tensor<32x2048xf32>
    return %1 : tensor<32x2048xf32>
  }
}

// -----

// B stored in 32-column panels (graph.panel_matmul): a tile of columns
// holds whole panels. With 64-byte lines alone 4 tiles of 48 columns would
// do (they re-read only A); panels allow 2 of 96, then the rows split.
// CHECK-LABEL: func.func @panel_columns
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (2, 192) step (1, 96)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x64xf32>, tensor<3x64x32xf32>) outs(%{{.*}} : tensor<1x96xf32>)
// GPU work items never split along panels.
// ITEMS-LABEL: func.func @panel_columns
// ITEMS: scf.forall (%{{.*}}) in (2)
// ITEMS: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x192xf32>)
module {
  func.func @panel_columns(%x: tensor<2x64xf32>, %w: tensor<6x64x32xf32>) -> tensor<2x192xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x192xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x192xf32>) -> tensor<2x192xf32>
    %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n floordiv 32, k, n mod 32)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<2x64xf32>, tensor<6x64x32xf32>) outs(%acc : tensor<2x192xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
    } -> tensor<2x192xf32>
    return %0 : tensor<2x192xf32>
  }
}

// -----

// A convolution whose filter is in 16-channel panels, under a padded
// pooling window (ResNet's stem, fusion rule 4): the panels are traced to
// the pool's channel loop through the padding, so the kernel splits into
// workgroups, with channel tiles of whole panels, instead of running as one.
// CHECK-LABEL: func.func @panel_conv_under_pool
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (32, 8) step (16, {{[0-9]+}})
module {
  func.func @panel_conv_under_pool(%x: tensor<1x4x18x18xf32>, %w: tensor<2x3x3x4x16xf32>) -> tensor<1x32x8x8xf32> {
    %zero = arith.constant 0.0 : f32
    %low = arith.constant -3.40282347E+38 : f32
    %e = tensor.empty() : tensor<1x32x16x16xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
    %conv = linalg.generic {indexing_maps = [affine_map<(n, o, h, w, kh, kw, c) -> (n, c, h + kh, w + kw)>, affine_map<(n, o, h, w, kh, kw, c) -> (o floordiv 16, kh, kw, c, o mod 16)>, affine_map<(n, o, h, w, kh, kw, c) -> (n, o, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x4x18x18xf32>, tensor<2x3x3x4x16xf32>) outs(%acc : tensor<1x32x16x16xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x32x16x16xf32>
    %relu = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%conv : tensor<1x32x16x16xf32>) {
    ^bb0(%o: f32):
      %r = arith.maximumf %o, %zero : f32
      linalg.yield %r : f32
    } -> tensor<1x32x16x16xf32>
    %padded = tensor.pad %relu low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %low : f32
    } : tensor<1x32x16x16xf32> to tensor<1x32x18x18xf32>
    %window = tensor.empty() : tensor<3x3xf32>
    %pe = tensor.empty() : tensor<1x32x8x8xf32>
    %pacc = linalg.fill ins(%low : f32) outs(%pe : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
    %pool = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%padded, %window : tensor<1x32x18x18xf32>, tensor<3x3xf32>) outs(%pacc : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
    return %pool : tensor<1x32x8x8xf32>
  }
}

// -----

// A grouped convolution's result is stored in its grouped shape into a view
// of the output binding: written in place, no copy after the workgroups.
// CHECK-LABEL: func.func @grouped_store
// CHECK-SAME: %[[OUT:[^:]*]]: memref<1x4x6x6xf32>)
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: %[[VIEW:.*]] = memref.expand_shape %[[OUT]] {{\[}}[0], [1, 2], [3], [4]]
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[VIEW]] : (tensor<1x4x1x6x6xf32>
module {
  func.func @grouped_store(%x: tensor<1x4x1x8x8xf32>, %w: tensor<4x1x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x4x1x6x6xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x1x6x6xf32>) -> tensor<1x4x1x6x6xf32>
    %0 = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x4x1x8x8xf32>, tensor<4x1x1x3x3xf32>) outs(%acc : tensor<1x4x1x6x6xf32>) -> tensor<1x4x1x6x6xf32>
    %1 = tensor.collapse_shape %0 [[0], [1, 2], [3], [4]] : tensor<1x4x1x6x6xf32> into tensor<1x4x6x6xf32>
    return %1 : tensor<1x4x6x6xf32>
  }
}
