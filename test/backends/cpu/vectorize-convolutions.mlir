// cpu-vectorize-convolutions: a convolution accumulated in f32 (f32 inputs,
// or f16/bf16 ones widened) becomes MR x NR output tiles (MR output
// channels, NR output columns), one accumulator vector per
// channel carried through the reduction loops (input channel, window row,
// window column) and stored once. Each step loads the tile's image columns
// as one vector and adds it times each channel's broadcast weight (an FMA).
// NR is 8 or 16 (whichever wastes fewer lanes of a row), MR the channels 12
// vectors of accumulators hold, split into near-equal tiles. A row that is
// not whole tiles ends in a tile overlapping the one before it, whose
// overlapped lanes are stored as they were (a select): every vector is
// whole and in bounds, never masked. Channel tiles are the outermost
// loop (a tile's weights stay in cache for every row), then rows, columns.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(cpu-vectorize-convolutions),canonicalize,cse)" | FileCheck %s

// 56 columns: 7 full 8-wide vectors (16 would waste 8 lanes), so 12 rows
// of 8; 46 channels (no divisor from 6 to 12) in 4 near-equal tiles: 2 of
// 12, 2 of 11. The loops around the tile stay loops (unroll disabled).
// CHECK-LABEL: func.func @conv3x3
// CHECK: scf.for %[[CH:.*]] = %c0 to %c24 step %c12 iter_args
// CHECK: scf.for %[[ROW:.*]] = %c0 to %c2 step %c1 iter_args
// CHECK: scf.for %[[COL:.*]] = %c0 to %c56 step %c8 iter_args
// CHECK-COUNT-12: vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<1x46x2x56xf32>, vector<8xf32>
// CHECK: scf.for %[[C:.*]] = %c0 to %c32 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3 step %c1
// CHECK: scf.for %[[KW:.*]] = %c0 to %c3 step %c1
// CHECK: %[[X:.*]] = vector.transfer_read %{{.*}}[%c0, %[[C]], {{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x32x4x58xf32>, vector<8xf32>
// CHECK: %[[W:.*]] = tensor.extract %{{.*}}[%[[CH]], %[[C]], %[[KH]], %[[KW]]] : tensor<46x32x3x3xf32>
// CHECK: %[[B:.*]] = vector.broadcast %[[W]] : f32 to vector<8xf32>
// CHECK: vector.fma %[[B]], %[[X]], %{{.*}} : vector<8xf32>
// CHECK-COUNT-11: vector.fma
// CHECK-NOT: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-12: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xf32>, tensor<1x46x2x56xf32>
// CHECK: {llvm.loop_annotation = #[[KEEP:.*]]}
// The two tiles of 11 channels.
// CHECK: scf.for %{{.*}} = %c24 to %c46 step %c11
// CHECK-NOT: linalg.conv
func.func @conv3x3(%x: tensor<1x32x4x58xf32>, %w: tensor<46x32x3x3xf32>, %acc: tensor<1x46x2x56xf32>) -> tensor<1x46x2x56xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x32x4x58xf32>, tensor<46x32x3x3xf32>) outs(%acc : tensor<1x46x2x56xf32>) -> tensor<1x46x2x56xf32>
  return %0 : tensor<1x46x2x56xf32>
}

// Stride 2, 7 columns: a row narrower than a vector is one tile of its
// width. Its 7 columns read 13 image elements, as two 7-lane vectors (the
// second ending at the 13th), every other element kept. 16 channels: 2
// tiles of 8.
// CHECK-LABEL: func.func @strided
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8 iter_args
// CHECK-COUNT-8: vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<1x16x1x7xf32>, vector<7xf32>
// CHECK: %[[LOW:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<1x8x3x15xf32>, vector<7xf32>
// CHECK: %[[HIGH:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<1x8x3x15xf32>, vector<7xf32>
// CHECK: %[[X:.*]] = vector.shuffle %[[LOW]], %[[HIGH]] [0, 2, 4, 6, 9, 11, 13] : vector<7xf32>, vector<7xf32>
// CHECK-COUNT-8: vector.fma %{{.*}}, %[[X]], %{{.*}} : vector<7xf32>
// CHECK-COUNT-8: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<7xf32>, tensor<1x16x1x7xf32>
func.func @strided(%x: tensor<1x8x3x15xf32>, %w: tensor<16x8x3x3xf32>, %acc: tensor<1x16x1x7xf32>) -> tensor<1x16x1x7xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x8x3x15xf32>, tensor<16x8x3x3xf32>) outs(%acc : tensor<1x16x1x7xf32>) -> tensor<1x16x1x7xf32>
  return %0 : tensor<1x16x1x7xf32>
}

// Depthwise (groups of one channel): the group and the output row are
// outer loops, one channel a tile (single-iteration loops fold away); 28
// columns: a full 16-wide tile, then one at column 12 whose first 4 lanes
// (columns 12..15, done) keep what the first tile stored.
// CHECK-LABEL: func.func @depthwise
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args
// CHECK: scf.for %{{.*}} = %c0 to %c28 step %c1 iter_args
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x16x1x28x28xf32>, vector<16xf32>
// CHECK: vector.fma {{.*}} : vector<16xf32>
// CHECK: %[[FIRST:.*]] = vector.transfer_write {{.*}}, %c0] {in_bounds = [true]} : vector<16xf32>, tensor<1x16x1x28x28xf32>
// CHECK: %[[OLD:.*]] = vector.transfer_read %[[FIRST]][{{.*}}, %c12], %{{.*}} {in_bounds = [true]} : tensor<1x16x1x28x28xf32>, vector<16xf32>
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x16x1x30x30xf32>, vector<16xf32>
// CHECK: %[[SUM:.*]] = vector.fma {{.*}} : vector<16xf32>
// CHECK: %[[KEPT:.*]] = arith.select %[[LANES:.*]], %{{.*}}, %[[OLD]] : vector<16xi1>, vector<16xf32>
// CHECK: vector.transfer_write %[[KEPT]], %[[FIRST]][{{.*}}, %c12] {in_bounds = [true]} : vector<16xf32>, tensor<1x16x1x28x28xf32>
func.func @depthwise(%x: tensor<1x16x1x30x30xf32>, %w: tensor<16x1x1x3x3xf32>, %acc: tensor<1x16x1x28x28xf32>) -> tensor<1x16x1x28x28xf32> {
  %0 = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x16x1x30x30xf32>, tensor<16x1x1x3x3xf32>) outs(%acc : tensor<1x16x1x28x28xf32>) -> tensor<1x16x1x28x28xf32>
  return %0 : tensor<1x16x1x28x28xf32>
}

// Depthwise as graph.conv2d lowers it: the filter follows the group, not
// the one output channel per group, so no loop is the filter's alone. The
// tile's rows are output rows instead: per reduction step one broadcast
// weight and an image vector per row (8 rows of 8 columns: 8 reads, 8 FMAs).
// CHECK-LABEL: func.func @depthwise_rows
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args
// CHECK-COUNT-8: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x4x1x8x8xf32>, vector<8xf32>
// CHECK: scf.for
// CHECK: tensor.extract %{{.*}} : tensor<4x1x3x3xf32>
// CHECK-NEXT: %[[W:.*]] = vector.broadcast
// CHECK-COUNT-8: vector.transfer_read {{.*}} : tensor<1x4x1x10x10xf32>, vector<8xf32>
// CHECK-NEXT: vector.fma %{{.*}}, %[[W]], %{{.*}} : vector<8xf32>
// CHECK-NOT: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-8: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xf32>, tensor<1x4x1x8x8xf32>
#dw_image = affine_map<(n, g, f, h, c, kh, kw, w) -> (n, g, c, h + kh, w + kw)>
#dw_filter = affine_map<(n, g, f, h, c, kh, kw, w) -> (g, c, kh, kw)>
#dw_out = affine_map<(n, g, f, h, c, kh, kw, w) -> (n, g, f, h, w)>
func.func @depthwise_rows(%x: tensor<1x4x1x10x10xf32>, %w: tensor<4x1x3x3xf32>, %acc: tensor<1x4x1x8x8xf32>) -> tensor<1x4x1x8x8xf32> {
  %0 = linalg.generic {indexing_maps = [#dw_image, #dw_filter, #dw_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%x, %w : tensor<1x4x1x10x10xf32>, tensor<4x1x3x3xf32>) outs(%acc : tensor<1x4x1x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4x1x8x8xf32>
  return %0 : tensor<1x4x1x8x8xf32>
}

// Left as they are: pooling (no multiply-add), accumulators other than f32.
// CHECK-LABEL: func.func @untouched
// CHECK: linalg.pooling_nchw_max
// CHECK: linalg.conv_2d_nchw_fchw
func.func @untouched(%x: tensor<1x8x4x10xf32>, %win: tensor<3x3xf32>, %p: tensor<1x8x2x8xf32>, %h: tensor<1x8x4x10xf16>, %w: tensor<8x8x3x3xf16>, %acc: tensor<1x8x2x8xf16>) -> (tensor<1x8x2x8xf32>, tensor<1x8x2x8xf16>) {
  %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %win : tensor<1x8x4x10xf32>, tensor<3x3xf32>) outs(%p : tensor<1x8x2x8xf32>) -> tensor<1x8x2x8xf32>
  %1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%h, %w : tensor<1x8x4x10xf16>, tensor<8x8x3x3xf16>) outs(%acc : tensor<1x8x2x8xf16>) -> tensor<1x8x2x8xf16>
  return %0, %1 : tensor<1x8x2x8xf32>, tensor<1x8x2x8xf16>
}

// A filter in output-channel panels ([O/16, KH, KW, C, 16], as
// graph.panel_conv2d lowers): tiles of 6 output pixels by one panel's 16
// channels, one 16-wide accumulator per pixel. The 3 x 7 output is 21
// pixels along its rows: 3 tiles of 6 and one of 3 (not 3 x (6 + 1)). Each
// reduction step (kh, kw, then input channels innermost) loads the panel's
// 16 weights as one vector and FMAs it with each pixel's value broadcast.
// CHECK-LABEL: func.func @panels
// CHECK: scf.for %[[PANEL:.*]] = %c0 to %c32 step %c16
// CHECK: scf.for %[[FIRST:.*]] = %c0 to %c18 step %c6
// CHECK-COUNT-6: vector.transfer_read %{{.*}} : tensor<1x32x3x7xf32>, vector<16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: vector.transfer_read %arg1{{.*}} {in_bounds = [true]} : tensor<2x3x3x16x16xf32>, vector<16xf32>
// CHECK-COUNT-6: vector.fma
// CHECK-COUNT-6: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x32x3x7xf32>
// CHECK: iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-3: vector.fma
#image = affine_map<(n, o, oh, ow, kh, kw, c) -> (n, c, oh + kh, ow + kw)>
#panel = affine_map<(n, o, oh, ow, kh, kw, c) -> (o floordiv 16, kh, kw, c, o mod 16)>
#out = affine_map<(n, o, oh, ow, kh, kw, c) -> (n, o, oh, ow)>
func.func @panels(%x: tensor<1x16x5x9xf32>, %w: tensor<2x3x3x16x16xf32>, %acc: tensor<1x32x3x7xf32>) -> tensor<1x32x3x7xf32> {
  %0 = linalg.generic {indexing_maps = [#image, #panel, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x16x5x9xf32>, tensor<2x3x3x16x16xf32>) outs(%acc : tensor<1x32x3x7xf32>) {
  ^bb0(%in: f32, %f: f32, %out: f32):
    %1 = arith.mulf %in, %f : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x32x3x7xf32>
  return %0 : tensor<1x32x3x7xf32>
}

// 16-bit inputs accumulated in f32 (as graph-to-linalg lowers f16 and bf16
// convolutions): the same f32 micro-kernels, each input read in its own
// type and widened once read: the image's 8 columns as one vector, a
// weight as a scalar before its broadcast; a panel's 16 weights as one
// vector.
// CHECK-LABEL: func.func @half_columns
// CHECK: %[[X:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<1x8x4x10xf16>, vector<8xf16>
// CHECK: %[[WIDE_X:.*]] = arith.extf %[[X]] : vector<8xf16> to vector<8xf32>
// CHECK: %[[W:.*]] = tensor.extract %{{.*}} : tensor<8x8x3x3xf16>
// CHECK: %[[WIDE_W:.*]] = arith.extf %[[W]] : f16 to f32
// CHECK: %[[B:.*]] = vector.broadcast %[[WIDE_W]] : f32 to vector<8xf32>
// CHECK: vector.fma %[[B]], %[[WIDE_X]], %{{.*}} : vector<8xf32>
// CHECK-NOT: linalg.conv
// CHECK-LABEL: func.func @half_panels
// CHECK: %[[WS:.*]] = vector.transfer_read %arg1{{.*}} {in_bounds = [true]} : tensor<2x3x3x16x16xbf16>, vector<16xbf16>
// CHECK: %[[WIDE_WS:.*]] = arith.extf %[[WS]] : vector<16xbf16> to vector<16xf32>
// CHECK: %[[PIXEL:.*]] = tensor.extract %arg0{{.*}} : tensor<1x16x5x9xbf16>
// CHECK: %[[WIDE_PIXEL:.*]] = arith.extf %[[PIXEL]] : bf16 to f32
// CHECK: %[[P:.*]] = vector.broadcast %[[WIDE_PIXEL]] : f32 to vector<16xf32>
// CHECK: vector.fma %[[P]], %[[WIDE_WS]], %{{.*}} : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @half_columns(%x: tensor<1x8x4x10xf16>, %w: tensor<8x8x3x3xf16>, %acc: tensor<1x8x2x8xf32>) -> tensor<1x8x2x8xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x4x10xf16>, tensor<8x8x3x3xf16>) outs(%acc : tensor<1x8x2x8xf32>) -> tensor<1x8x2x8xf32>
  return %0 : tensor<1x8x2x8xf32>
}
func.func @half_panels(%x: tensor<1x16x5x9xbf16>, %w: tensor<2x3x3x16x16xbf16>, %acc: tensor<1x32x3x7xf32>) -> tensor<1x32x3x7xf32> {
  %0 = linalg.generic {indexing_maps = [#image, #panel, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x16x5x9xbf16>, tensor<2x3x3x16x16xbf16>) outs(%acc : tensor<1x32x3x7xf32>) {
  ^bb0(%in: bf16, %f: bf16, %out: f32):
    %1 = arith.extf %in : bf16 to f32
    %2 = arith.extf %f : bf16 to f32
    %3 = arith.mulf %1, %2 : f32
    %4 = arith.addf %out, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<1x32x3x7xf32>
  return %0 : tensor<1x32x3x7xf32>
}

// Depthwise rows of 14 columns (MobileNet's 14 x 14 layers): an 8-wide
// tile and one at column 6 overlapping it by 2 lanes, all in bounds
// (masked, each row's image vector would be read element by element).
// 12 rows of 8 registers: 14 rows in 2 tiles of 7.
// CHECK-LABEL: func.func @depthwise_rows_narrow
// CHECK-DAG: %[[LANES:.*]] = arith.constant dense<[false, false, true, true, true, true, true, true]> : vector<8xi1>
// CHECK: scf.for %{{.*}} = %c0 to %c14 step %c7 iter_args
// CHECK-COUNT-7: vector.transfer_read {{.*}}, %c0], %{{.*}} {in_bounds = [true]} : tensor<1x4x1x14x14xf32>, vector<8xf32>
// CHECK: tensor.extract %{{.*}} : tensor<4x1x3x3xf32>
// CHECK-COUNT-7: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x4x1x16x16xf32>, vector<8xf32>
// CHECK-COUNT-7: vector.transfer_write {{.*}}, %c0] {in_bounds = [true]} : vector<8xf32>, tensor<1x4x1x14x14xf32>
// CHECK-COUNT-7: vector.transfer_read {{.*}}, %c6], %{{.*}} {in_bounds = [true]} : tensor<1x4x1x14x14xf32>, vector<8xf32>
// CHECK-COUNT-7: arith.select %[[LANES]]
// CHECK-NOT: in_bounds = [false]
func.func @depthwise_rows_narrow(%x: tensor<1x4x1x16x16xf32>, %w: tensor<4x1x3x3xf32>, %acc: tensor<1x4x1x14x14xf32>) -> tensor<1x4x1x14x14xf32> {
  %0 = linalg.generic {indexing_maps = [#dw_image, #dw_filter, #dw_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%x, %w : tensor<1x4x1x16x16xf32>, tensor<4x1x3x3xf32>) outs(%acc : tensor<1x4x1x14x14xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4x1x14x14xf32>
  return %0 : tensor<1x4x1x14x14xf32>
}

// The elementwise ops around a convolution run on its tiles: the bias
// broadcast that produced its init gives the accumulators their first value
// (one weight-like broadcast per channel row), and the residual add and
// ReLU after it run on the accumulators before the one store, the residual
// read as a vector at the tile. Neither is left a pass over the output.
// CHECK-LABEL: func.func @prologue_epilogue
// CHECK-NOT: linalg.generic
// CHECK: %[[B:.*]] = tensor.extract %arg2[%{{.*}}] : tensor<8xf32>
// CHECK: vector.broadcast %[[B]] : f32 to vector<8xf32>
// CHECK-COUNT-8: vector.fma
// CHECK: %[[R:.*]] = vector.transfer_read %arg3[{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x8x1x8xf32>, vector<8xf32>
// CHECK: %[[S:.*]] = arith.addf %{{.*}}, %[[R]] : vector<8xf32>
// CHECK: %[[M:.*]] = arith.maximumf %[[S]], %{{.*}} : vector<8xf32>
// CHECK: vector.transfer_write %[[M]], %{{.*}} {in_bounds = [true]} : vector<8xf32>, tensor<1x8x1x8xf32>
// CHECK-NOT: linalg.generic
#per_channel = affine_map<(n, c, h, w) -> (c)>
#same = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @prologue_epilogue(%x: tensor<1x4x3x10xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>, %r: tensor<1x8x1x8xf32>) -> tensor<1x8x1x8xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x8x1x8xf32>
  %init = linalg.generic {indexing_maps = [#per_channel, #same], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<8xf32>) outs(%empty : tensor<1x8x1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x1x8xf32>
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x4x3x10xf32>, tensor<8x4x3x3xf32>) outs(%init : tensor<1x8x1x8xf32>) -> tensor<1x8x1x8xf32>
  %y = linalg.generic {indexing_maps = [#same, #same, #same], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv, %r : tensor<1x8x1x8xf32>, tensor<1x8x1x8xf32>) outs(%empty : tensor<1x8x1x8xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %s = arith.addf %a, %c : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x1x8xf32>
  return %y : tensor<1x8x1x8xf32>
}

// An epilogue the tiles cannot evaluate lane by lane (it reads its own
// indices) stays a generic after the kernel, as does a prologue whose init
// has another user.
// CHECK-LABEL: func.func @not_lanewise
// CHECK: linalg.generic
// CHECK: vector.fma
// CHECK: linalg.generic
// CHECK: linalg.index
func.func @not_lanewise(%x: tensor<1x4x3x10xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>) -> (tensor<1x8x1x8xf32>, tensor<1x8x1x8xf32>) {
  %empty = tensor.empty() : tensor<1x8x1x8xf32>
  %init = linalg.generic {indexing_maps = [#per_channel, #same], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<8xf32>) outs(%empty : tensor<1x8x1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x1x8xf32>
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x4x3x10xf32>, tensor<8x4x3x3xf32>) outs(%init : tensor<1x8x1x8xf32>) -> tensor<1x8x1x8xf32>
  %y = linalg.generic {indexing_maps = [#same, #same], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv : tensor<1x8x1x8xf32>) outs(%empty : tensor<1x8x1x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %i = linalg.index 3 : index
    %j = arith.index_cast %i : index to i32
    %f = arith.sitofp %j : i32 to f32
    %s = arith.addf %a, %f : f32
    linalg.yield %s : f32
  } -> tensor<1x8x1x8xf32>
  return %y, %init : tensor<1x8x1x8xf32>, tensor<1x8x1x8xf32>
}
