// convert-graph-to-linalg: one case per graph op.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// Constants stay constants, resources included.
// CHECK-LABEL: func.func @constant
// CHECK: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
func.func @constant() -> tensor<2xf32> {
  %0 = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// arange: start + i * step computed in f64 from the iteration index.
// CHECK-LABEL: func.func @arange
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: arith.index_cast %[[I]] : index to i64
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.fptosi %{{.*}} : f64 to i32
func.func @arange() -> tensor<5xi32> {
  %0 = graph.arange start = 1.0 step = 2.0 : tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

// Binary ops: a parallel generic with numpy broadcasting maps.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<4x2x3xf32>, %[[B:.*]]: tensor<2x1xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[A]], %[[B]] : {{.*}}) outs(%[[E]] : tensor<4x2x3xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<4x2x3xf32>, %b: tensor<2x1xf32>) -> tensor<4x2x3xf32> {
  %0 = graph.add %a, %b : (tensor<4x2x3xf32>, tensor<2x1xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @arithmetic
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: math.powf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.subi
// CHECK: arith.muli
// CHECK: math.ipowi
// CHECK: arith.maxsi
// CHECK: arith.minsi
func.func @arithmetic(%a: tensor<3xf32>, %b: tensor<3xf32>, %i: tensor<3xi32>, %j: tensor<3xi32>) {
  %0 = graph.sub %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %1 = graph.mul %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = graph.div %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %3 = graph.pow %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %4 = graph.max %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %5 = graph.min %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %6 = graph.sub %i, %j : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  %7 = graph.mul %i, %j : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  %8 = graph.pow %i, %j : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  %9 = graph.max %i, %j : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  %10 = graph.min %i, %j : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return
}

// -----

// Integer division never traps: a zero divisor gives 0, MIN / -1 wraps.
// CHECK-LABEL: func.func @div_int
// CHECK: %[[ZERO:.*]] = arith.cmpi eq, %[[Y:.*]], %c0_i32
// CHECK: %[[MINUS1:.*]] = arith.cmpi eq, %[[Y]], %c-1_i32
// CHECK: %[[SAFE:.*]] = arith.select %{{.*}}, %c1_i32, %[[Y]]
// CHECK: arith.divsi %{{.*}}, %[[SAFE]]
// CHECK: arith.select %[[MINUS1]]
// CHECK: arith.select %[[ZERO]], %c0_i32
func.func @div_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = graph.div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @unary_math
// CHECK: math.absf
// CHECK: math.absi
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.rsqrt
// CHECK: math.tanh
// CHECK: math.erf
// CHECK: arith.negf
// CHECK: arith.subi %c0_i32
func.func @unary_math(%x: tensor<4xf32>, %i: tensor<4xi32>) {
  %0 = graph.abs %x : tensor<4xf32>
  %1 = graph.abs %i : tensor<4xi32>
  %2 = graph.exp %x : tensor<4xf32>
  %3 = graph.log %x : tensor<4xf32>
  %4 = graph.sqrt %x : tensor<4xf32>
  %5 = graph.rsqrt %x : tensor<4xf32>
  %6 = graph.tanh %x : tensor<4xf32>
  %7 = graph.erf %x : tensor<4xf32>
  %8 = graph.neg %x : tensor<4xf32>
  %9 = graph.neg %i : tensor<4xi32>
  return
}

// -----

// Activations: relu propagates NaN (maximumf); sigmoid is 1 / (1 + e^-x);
// silu multiplies by it.
// CHECK-LABEL: func.func @activations
// CHECK: arith.maximumf %{{.*}}, %cst
// CHECK: arith.maxsi
// CHECK: arith.negf
// CHECK-NEXT: math.exp
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.divf
// CHECK: %[[S:.*]] = arith.divf
// CHECK-NEXT: arith.mulf %{{.*}}, %[[S]]
func.func @activations(%x: tensor<4xf32>, %i: tensor<4xi32>) {
  %0 = graph.relu %x : tensor<4xf32>
  %1 = graph.relu %i : tensor<4xi32>
  %2 = graph.sigmoid %x : tensor<4xf32>
  %3 = graph.silu %x : tensor<4xf32>
  return
}

// -----

// gelu: 0.5 x (1 + erf(x / sqrt 2)), or the tanh form.
// CHECK-LABEL: func.func @gelu
// CHECK: arith.constant 0.707106769 : f32
// CHECK: math.erf
// CHECK: arith.constant 4.471500e-02 : f32
// CHECK: arith.constant 0.797884583 : f32
// CHECK: math.tanh
func.func @gelu(%x: tensor<4xf32>) {
  %0 = graph.gelu %x : tensor<4xf32>
  %1 = graph.gelu %x approximate = tanh : tensor<4xf32>
  return
}

// -----

// clamp: float bounds as given; integer bounds rounded inward.
// CHECK-LABEL: func.func @clamp
// CHECK: arith.maximumf %{{.*}}, %cst
// CHECK: arith.minimumf
// CHECK: arith.constant -1 : i32
// CHECK: arith.maxsi
// CHECK: arith.constant 2 : i32
// CHECK: arith.minsi
func.func @clamp(%x: tensor<4xf32>, %i: tensor<4xi32>) {
  %0 = graph.clamp %x min = 0.0 max = 6.0 : tensor<4xf32>
  %1 = graph.clamp %i min = -1.5 max = 2.5 : tensor<4xi32>
  return
}

// -----

// compare: ordered float predicates except ne; signed integer predicates.
// CHECK-LABEL: func.func @compare
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf une
// CHECK: arith.cmpi sge
// CHECK: arith.select
func.func @compare(%a: tensor<3xf32>, %b: tensor<3xf32>, %i: tensor<3xi64>) {
  %0 = graph.compare lt, %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %1 = graph.compare ne, %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %2 = graph.compare ge, %i, %i : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %3 = graph.select %0, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// cast: to i1 tests != 0; from i1 is unsigned (true is 1).
// CHECK-LABEL: func.func @cast
// CHECK: arith.cmpf une
// CHECK: arith.uitofp %{{.*}} : i1 to f16
// CHECK: arith.extui %{{.*}} : i1 to i64
// CHECK: arith.fptosi %{{.*}} : f32 to i32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK-NEXT: arith.truncf %{{.*}} : f32 to bf16
func.func @cast(%x: tensor<4xf32>, %b: tensor<4xi1>, %h: tensor<4xf16>) {
  %0 = graph.cast %x : tensor<4xf32> -> tensor<4xi1>
  %1 = graph.cast %b : tensor<4xi1> -> tensor<4xf16>
  %2 = graph.cast %b : tensor<4xi1> -> tensor<4xi64>
  %3 = graph.cast %x : tensor<4xf32> -> tensor<4xi32>
  %4 = graph.cast %x : tensor<4xf32> -> tensor<4xbf16>
  %5 = graph.cast %h : tensor<4xf16> -> tensor<4xbf16>
  return
}

// -----

// broadcast_to reads its input through a broadcasting map.
// CHECK: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @broadcast_to
// CHECK: linalg.generic {indexing_maps = [#[[B]], #{{.*}}]
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
func.func @broadcast_to(%x: tensor<3x1xf32>) -> tensor<2x3x5xf32> {
  %0 = graph.broadcast_to %x : tensor<3x1xf32> -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// Batched matmul with broadcast batch dims: a contraction generic over
// (batch..., m, n, k) into a zero-filled accumulator.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[ACC]]
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @matmul(%a: tensor<2x1x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32> {
  %0 = graph.matmul %a, %b : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32>
  return %0 : tensor<2x3x4x16xf32>
}

// -----

// A matmul reading its rhs in column panels: B[k, n] is rhs[n floordiv 16,
// k, n mod 16]; lhs batch dims as for matmul.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[PANEL:.*]] = affine_map<(d0, d1, d2, d3) -> (d2 floordiv 16, d3, d2 mod 16)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @panel_matmul
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[PANEL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[ACC]]
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @panel_matmul(%a: tensor<2x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x4x48xf32> {
  %0 = graph.panel_matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x4x48xf32>
  return %0 : tensor<2x4x48xf32>
}

// -----

// One panel, no batch: the panels' leading dim is not a batch dim.
// CHECK-DAG: #[[PANEL:.*]] = affine_map<(d0, d1, d2) -> (d1 floordiv 16, d2, d1 mod 16)>
// CHECK-LABEL: func.func @one_panel
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[PANEL]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
func.func @one_panel(%a: tensor<4x8xf32>, %b: tensor<1x8x16xf32>) -> tensor<4x16xf32> {
  %0 = graph.panel_matmul %a, %b : (tensor<4x8xf32>, tensor<1x8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// panel_conv2d: the padded input and the bias as the accumulator's start,
// as conv2d; a generic over (n, o, oh, ow, kh, kw, c) reading the filter
// panels at (o floordiv 16, kh, kw, c, o mod 16).
// CHECK-DAG: #[[IMAGE:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d6, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[PANEL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1 floordiv 16, d4, d5, d6, d1 mod 16)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @panel_conv2d
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<32xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[IMAGE]], #[[PANEL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[P]], %{{.*}} : tensor<1x3x10x10xf32>, tensor<2x3x3x3x16xf32>) outs(%[[INIT]] : tensor<1x32x4x4xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @panel_conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x3x3x16xf32>, %b: tensor<32xf32>) -> tensor<1x32x4x4xf32> {
  %0 = graph.panel_conv2d %x, %w, %b strides = [2, 2] padding = [1, 1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<2x3x3x3x16xf32>, tensor<32xf32>) -> tensor<1x32x4x4xf32>
  return %0 : tensor<1x32x4x4xf32>
}

// -----

// conv2d: zero padding, the bias broadcast as the accumulator's start.
// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<4xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[W]] : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<1x4x4x4xf32>)
func.func @conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = graph.conv2d %x, %w, %b strides = [2, 2] padding = [1, 1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// Grouped (here depthwise) conv2d: channels split into [groups, per group].
// The accumulator is made in the grouped shape (not reshaped into it), so
// tiling the convolution tiles its initialization.
// CHECK-LABEL: func.func @conv2d_grouped
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] output_shape [2, 8, 1, 10, 10]
// CHECK: %[[W:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] output_shape [8, 1, 1, 3, 3]
// CHECK: %[[O:.*]] = linalg.fill {{.*}} -> tensor<2x8x1x8x8xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[X]], %[[W]] : {{.*}}) outs(%[[O]] :
// CHECK: tensor.collapse_shape %[[C]] {{\[}}[0], [1, 2], [3], [4]] : tensor<2x8x1x8x8xf32> into tensor<2x8x8x8xf32>
func.func @conv2d_grouped(%x: tensor<2x8x10x10xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<2x8x8x8xf32> {
  %0 = graph.conv2d %x, %w groups = 8 : (tensor<2x8x10x10xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x8x8xf32>
  return %0 : tensor<2x8x8x8xf32>
}

// -----

// Grouped with padding and a bias: the groups are split first, then padded
// (the convolution reads the pad directly, so tiles pad only what they
// read), and the bias is read as [groups, per group].
// CHECK-LABEL: func.func @conv2d_grouped_padded
// CHECK-SAME: (%[[IN:.*]]: tensor<1x4x6x6xf32>, %{{.*}}: tensor<4x1x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %[[IN]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 4, 1, 6, 6]
// CHECK: %[[P:.*]] = tensor.pad %[[SPLIT]] low[0, 0, 0, 1, 1] high[0, 0, 0, 1, 1]
// CHECK: %[[GB:.*]] = tensor.expand_shape %[[B]] {{\[}}[0, 1]] output_shape [4, 1]
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[GB]] : tensor<4x1xf32>) outs(%{{.*}} : tensor<1x4x1x6x6xf32>)
// CHECK: linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[P]], %{{.*}} : {{.*}}) outs(%[[INIT]] :
func.func @conv2d_grouped_padded(%x: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %0 = graph.conv2d %x, %w, %b padding = [1, 1, 1, 1] groups = 4 : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// max_pool2d: -inf padding (and extra rows/columns for ceil mode) so padding
// never wins.
// CHECK-LABEL: func.func @max_pool2d
// CHECK: %[[LOW:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: tensor.yield %[[LOW]]
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: linalg.fill ins(%[[LOW]] : f32)
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %[[WIN]] : tensor<1x1x6x6xf32>, tensor<2x2xf32>)
func.func @max_pool2d(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %0 = graph.max_pool2d %x kernel = [2, 2] strides = [2, 2] ceil_mode : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// avg_pool2d: a sum pool over zero padding, divided by each window's count
// (computed at compile time: padding not counted by default).
// CHECK-LABEL: func.func @avg_pool2d
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum
// CHECK: %[[DIV:.*]] = arith.constant dense<{{\[}}[4.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 6.000000e+00], [4.000000e+00, 6.000000e+00, 4.000000e+00]]> : tensor<3x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[DIV]] :
// CHECK: arith.divf
// CHECK-LABEL: func.func @avg_pool2d_count_pad
// CHECK: arith.constant dense<9.000000e+00> : tensor<3x3xf32>
func.func @avg_pool2d(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %0 = graph.avg_pool2d %x kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1] : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}
func.func @avg_pool2d_count_pad(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %0 = graph.avg_pool2d %x kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1] count_include_pad : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// reduce: a reduction generic into the kind's identity; mean divides by the
// count; keepdims re-inserts size-1 dims.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @reduce_mean
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[KEPT]]], iterator_types = ["reduction", "parallel", "reduction"]} {{.*}} outs(%[[ACC]]
// CHECK: arith.addf
// CHECK: arith.constant 8.000000e+00 : f32
// CHECK: arith.divf
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2]] output_shape [1, 3, 1]
func.func @reduce_mean(%x: tensor<2x3x4xf32>) -> tensor<1x3x1xf32> {
  %0 = graph.reduce mean %x axes = [0, 2] keepdims : tensor<2x3x4xf32> -> tensor<1x3x1xf32>
  return %0 : tensor<1x3x1xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_kinds
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.maximumf
// CHECK: arith.constant 2147483647 : i32
// CHECK: arith.minsi
// CHECK: arith.constant 1.000000e+00 : f32
// CHECK: arith.mulf
// CHECK: arith.constant 0 : i32
// CHECK: arith.addi
func.func @reduce_kinds(%x: tensor<2x3xf32>, %i: tensor<2x3xi32>) {
  %0 = graph.reduce max %x axes = [1] : tensor<2x3xf32> -> tensor<2xf32>
  %1 = graph.reduce min %i axes = [0, 1] : tensor<2x3xi32> -> tensor<i32>
  %2 = graph.reduce prod %x axes = [0] : tensor<2x3xf32> -> tensor<3xf32>
  %3 = graph.reduce sum %i axes = [1] : tensor<2x3xi32> -> tensor<2xi32>
  return
}

// -----

// softmax: max, then the sum of exp(x - max), then exp(x - max) / sum.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]{{.*}} ins(%{{.*}}, %[[MAX]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]], %[[SUM]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = graph.softmax %x axis = 1 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// log_softmax: (x - max) - log(sum).
// CHECK-LABEL: func.func @log_softmax
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: %[[SHIFTED:.*]] = arith.subf
// CHECK: %[[LOG:.*]] = math.log
// CHECK: arith.subf %[[SHIFTED]], %[[LOG]]
func.func @log_softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = graph.log_softmax %x axis = 0 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// layer_norm: mean and variance over the normalized dims, then one generic
// normalizing, scaling and shifting.
// CHECK-LABEL: func.func @layer_norm
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK: arith.constant 1.200000e+01 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: arith.mulf
// CHECK: %[[VAR:.*]] = linalg.generic
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[MEAN]], %[[VAR]], %{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK: math.rsqrt
func.func @layer_norm(%x: tensor<2x3x4xf32>, %g: tensor<3x4xf32>, %b: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = graph.layer_norm %x, %g, %b axis = 1 : tensor<2x3x4xf32>, tensor<3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// batch_norm: one generic, parameters read along dim 1.
// CHECK: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[C]], #[[C]], #[[C]], #[[C]], #{{.*}}]
// CHECK: arith.constant 1.000000e-03 : f32
// CHECK: math.rsqrt
func.func @batch_norm(%x: tensor<2x3x4x5xf32>, %c: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %0 = graph.batch_norm %x, %c, %c, %c, %c epsilon = 1.0e-3 : tensor<2x3x4x5xf32>, tensor<3xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// reshape: collapse to one dim, expand to the target; rank 0 on either side.
// CHECK-LABEL: func.func @reshape
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [6, 4]
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK: %[[ONE:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<1x1xf32> into tensor<1xf32>
// CHECK: tensor.collapse_shape %[[ONE]] [] : tensor<1xf32> into tensor<f32>
func.func @reshape(%x: tensor<2x3x4xf32>, %s: tensor<f32>, %o: tensor<1x1xf32>) -> (tensor<6x4xf32>, tensor<1xf32>, tensor<f32>) {
  %0 = graph.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = graph.reshape %s : tensor<f32> -> tensor<1xf32>
  %2 = graph.reshape %o : tensor<1x1xf32> -> tensor<f32>
  return %0, %1, %2 : tensor<6x4xf32>, tensor<1xf32>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = graph.transpose %x perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// concat: each input inserted at its offset along the axis.
// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x5xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x8xf32>
// CHECK: %[[R:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[R]][0, 3] [2, 5] [1, 1]
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %0 = graph.concat %a, %b axis = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// slice: forward steps are a strided extract_slice; backward steps index
// start + i * step.
// CHECK-LABEL: func.func @slice
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 0] [2, 2, 2] [1, 1, 2] : tensor<2x3x4xf32> to tensor<2x2x2xf32>
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[M:.*]] = arith.muli %[[I]], %c-1
// CHECK: arith.addi %c1, %[[M]]
// CHECK: tensor.extract
func.func @slice(%x: tensor<2x3x4xf32>) -> (tensor<2x2x2xf32>, tensor<2x2x1xf32>) {
  %0 = graph.slice %x start = [0, 1, 0] limit = [2, 3, 4] step = [1, 1, 2] : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
  %1 = graph.slice %x start = [1, 2, 3] limit = [-1, -1, 0] step = [-1, -2, -3] : tensor<2x3x4xf32> -> tensor<2x2x1xf32>
  return %0, %1 : tensor<2x2x2xf32>, tensor<2x2x1xf32>
}

// -----

// An empty slice at the input's end (a split's empty last part) reads from
// offset 0: extract_slice wants offsets inside the input.
// CHECK-LABEL: func.func @empty_slice
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 0] [1, 1] : tensor<2x8xf32> to tensor<2x0xf32>
func.func @empty_slice(%x: tensor<2x8xf32>) -> tensor<2x0xf32> {
  %0 = graph.slice %x start = [0, 8] limit = [2, 8] step = [1, 1] : tensor<2x8xf32> -> tensor<2x0xf32>
  return %0 : tensor<2x0xf32>
}

// -----

// gather: the index, made non-negative and clamped in range, picks the
// element along the axis.
// CHECK: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK-SAME: (%[[D:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<5x6xi64>)
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}]{{.*}} ins(%[[I]] : tensor<5x6xi64>)
// CHECK: ^bb0(%[[V:.*]]: i64,
// CHECK: %[[AT:.*]] = arith.index_cast %[[V]] : i64 to index
// CHECK: arith.cmpi slt, %[[AT]], %c0
// CHECK: arith.addi %[[AT]], %c4
// CHECK: arith.maxsi
// CHECK: %[[CLAMPED:.*]] = arith.minsi %{{.*}}, %c3
// CHECK: tensor.extract %[[D]][%{{.*}}, %[[CLAMPED]]] : tensor<3x4xf32>
func.func @gather(%d: tensor<3x4xf32>, %i: tensor<5x6xi64>) -> tensor<3x5x6xf32> {
  %0 = graph.gather %d, %i axis = 1 : (tensor<3x4xf32>, tensor<5x6xi64>) -> tensor<3x5x6xf32>
  return %0 : tensor<3x5x6xf32>
}

// -----

// pad: constant mode fills the result and inserts the input at the low
// padding (both in place in the result's buffer); reflect and edge compute
// source indices.
// CHECK-LABEL: func.func @pad
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[V:.*]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x6xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[V]] : f32) outs(%[[E]] : tensor<3x6xf32>)
// CHECK: tensor.insert_slice %[[X]] into %[[F]][0, 1] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<3x6xf32>
// CHECK: linalg.generic
// CHECK: arith.subi
// CHECK: arith.maxsi
// CHECK: tensor.extract
// CHECK: linalg.generic
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract
func.func @pad(%x: tensor<2x3xf32>) -> (tensor<3x6xf32>, tensor<2x7xf32>, tensor<2x7xf32>) {
  %0 = graph.pad %x low = [0, 1] high = [1, 2] value = -1.0 : tensor<2x3xf32> -> tensor<3x6xf32>
  %1 = graph.pad %x low = [0, 2] high = [0, 2] mode = reflect : tensor<2x3xf32> -> tensor<2x7xf32>
  %2 = graph.pad %x low = [0, 2] high = [0, 2] mode = edge : tensor<2x3xf32> -> tensor<2x7xf32>
  return %0, %1, %2 : tensor<3x6xf32>, tensor<2x7xf32>, tensor<2x7xf32>
}

// -----

// Dispatch regions stay; the ops inside them are lowered.
// CHECK-LABEL: func.func @dispatch
// CHECK: graph.dispatch(%{{.*}}) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: graph.yield %{{.*}} : tensor<4xf32>
func.func @dispatch(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.dispatch(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%in: tensor<4xf32>):
    %1 = graph.exp %in : tensor<4xf32>
    graph.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

// f16 contractions accumulate in f32 and round once at the end.
// CHECK-LABEL: func.func @f16_accumulates_in_f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x3xf16>, tensor<3x4xf16>) outs(%[[ACC]] : tensor<2x4xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.mulf %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x5x5xf16>, tensor<3x2x3x3xf16>) outs(%{{.*}} : tensor<1x3x3x3xf32>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @f16_accumulates_in_f32(%a: tensor<2x3xf16>, %b: tensor<3x4xf16>, %x: tensor<1x2x5x5xf16>, %w: tensor<3x2x3x3xf16>) -> (tensor<2x4xf16>, tensor<1x3x3x3xf16>) {
  %0 = graph.matmul %a, %b : (tensor<2x3xf16>, tensor<3x4xf16>) -> tensor<2x4xf16>
  %1 = graph.conv2d %x, %w : (tensor<1x2x5x5xf16>, tensor<3x2x3x3xf16>) -> tensor<1x3x3x3xf16>
  return %0, %1 : tensor<2x4xf16>, tensor<1x3x3x3xf16>
}

// -----

// Normalizations and sums of 16-bit floats are computed in f32 (the input,
// scale and bias widened, the statistics and results f32) and rounded once,
// as PyTorch's CPU kernels do; max is exact in bf16 and stays so.
// CHECK-LABEL: func.func @half_reductions_in_f32
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8xf32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x8xf32>)
// CHECK: math.rsqrt %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8xf32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: math.exp %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8xf32>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: arith.divf %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8xbf16>) outs(%{{.*}} : tensor<2xbf16>)
// CHECK: arith.maximumf %{{.*}} : bf16
func.func @half_reductions_in_f32(%x: tensor<2x8xbf16>, %s: tensor<8xbf16>, %h: tensor<2x8xf16>) -> (tensor<2x8xbf16>, tensor<2x8xf16>, tensor<2xbf16>, tensor<2xbf16>) {
  %0 = graph.layer_norm %x, %s, %s axis = 1 : tensor<2x8xbf16>, tensor<8xbf16>
  %1 = graph.softmax %h axis = 1 : tensor<2x8xf16>
  %2 = graph.reduce mean %x axes = [1] : tensor<2x8xbf16> -> tensor<2xbf16>
  %3 = graph.reduce max %x axes = [1] : tensor<2x8xbf16> -> tensor<2xbf16>
  return %0, %1, %2, %3 : tensor<2x8xbf16>, tensor<2x8xf16>, tensor<2xbf16>, tensor<2xbf16>
}
