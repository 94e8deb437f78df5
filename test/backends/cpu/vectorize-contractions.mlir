// cpu-vectorize-contractions: an f32 contraction becomes register tiles
// with K innermost, each step an outer product (vector.contract of an MR x 1
// column of A and a 1 x NR row of B) on an accumulator that
// loop-invariant-subset-hoisting keeps out of the K loop; K in blocks of up
// to 256 first (the largest whose rows of B fit 256 KiB). NR: two or one
// 8-wide vectors dividing N; MR: as many rows as 12 accumulator vectors
// hold, the rows left over (M not a multiple) one more tile. Contractions of
// fewer than 4 rows, a transposed B and accumulators other than f32 are
// left to the loops; B stored in column panels (graph.panel_matmul) is read
// a panel at a time.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(cpu-vectorize-contractions),canonicalize,loop-invariant-subset-hoisting,canonicalize,cse)" | FileCheck %s

// N = 1000: one 8-wide vector a row (16 does not divide it), so 6 rows; K
// in blocks of 64 (64 rows of B: 250 KiB).
// CHECK-LABEL: func.func @matmul
// CHECK: scf.for %[[KB:.*]] = %c0 to %c512 step %c64
// CHECK: scf.for %[[N:.*]] = %c0 to %c1000 step %c8
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<6x8xf32>, vector<6x8xf32>
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<6x8xf32>)
// CHECK: %[[COLUMN:.*]] = vector.transfer_read {{.*}} : tensor<6x1xf32>, vector<6x1xf32>
// CHECK: %[[ROW:.*]] = vector.transfer_read {{.*}} : tensor<1x8xf32>, vector<1x8xf32>
// CHECK: vector.contract {{.*}} %[[COLUMN]], %[[ROW]], %[[A]] : vector<6x1xf32>, vector<1x8xf32> into vector<6x8xf32>
// CHECK: vector.transfer_write %[[SUM]]
#a = affine_map<(m, k, n) -> (m, k)>
#b = affine_map<(m, k, n) -> (k, n)>
#c = affine_map<(m, k, n) -> (m, n)>
func.func @matmul(%x: tensor<6x512xf32>, %w: tensor<512x1000xf32>, %acc: tensor<6x1000xf32>) -> tensor<6x1000xf32> {
  %0 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x, %w : tensor<6x512xf32>, tensor<512x1000xf32>) outs(%acc : tensor<6x1000xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<6x1000xf32>
  return %0 : tensor<6x1000xf32>
}
func.func @batched(%q: tensor<4x32x64xf32>, %k: tensor<4x64x32xf32>, %acc: tensor<4x32x32xf32>) -> tensor<4x32x32xf32> {

// A batch: one matrix a step of the outer loop; N = 32 is two vectors, so
// tiles of 6 rows, which do not divide 32: rows 0-29 in 6-row tiles, then
// one op for the 2 rows left, tiled by 2.
// CHECK-LABEL: func.func @batched
// CHECK: tensor.extract_slice %arg0[0, 0, 0] [4, 30, 64]
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c30 step %c6
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}}) -> (vector<1x6x16xf32>)
// CHECK: vector.contract {{.*}} : vector<1x6x1xf32>, vector<1x1x16xf32> into vector<1x6x16xf32>
// CHECK: tensor.extract_slice %arg0[0, 30, 0] [4, 2, 64]
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}}) -> (vector<1x2x16xf32>)
// CHECK: vector.contract {{.*}} : vector<1x2x1xf32>, vector<1x1x16xf32> into vector<1x2x16xf32>
  %0 = linalg.batch_matmul ins(%q, %k : tensor<4x32x64xf32>, tensor<4x64x32xf32>) outs(%acc : tensor<4x32x32xf32>) -> tensor<4x32x32xf32>
  return %0 : tensor<4x32x32xf32>
}
func.func @scalar(%x: tensor<1x7xf32>, %w: tensor<7x1xf32>, %acc: tensor<1x1xf32>) -> tensor<1x1xf32> {

// CHECK-LABEL: func.func @scalar
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @two_rows
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @transposed_b
// CHECK: linalg.generic
// CHECK-LABEL: func.func @half
// CHECK: linalg.matmul
  %0 = linalg.matmul ins(%x, %w : tensor<1x7xf32>, tensor<7x1xf32>) outs(%acc : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}
func.func @two_rows(%x: tensor<2x64xf32>, %w: tensor<64x64xf32>, %acc: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = linalg.matmul ins(%x, %w : tensor<2x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<2x64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}
#bt = affine_map<(m, k, n) -> (n, k)>
func.func @transposed_b(%x: tensor<8x64xf32>, %w: tensor<64x64xf32>, %acc: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %0 = linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x, %w : tensor<8x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<8x64xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}
func.func @half(%x: tensor<8x8xf16>, %w: tensor<8x8xf16>, %acc: tensor<8x8xf16>) -> tensor<8x8xf16> {
  %0 = linalg.matmul ins(%x, %w : tensor<8x8xf16>, tensor<8x8xf16>) outs(%acc : tensor<8x8xf16>) -> tensor<8x8xf16>
  return %0 : tensor<8x8xf16>
}

// f16 (or bf16) operands accumulated in f32, as graph-to-linalg lowers a
// 16-bit matmul: a step widens A's 6 and B's 16 elements, then the same f32
// outer product (the widening is not left on the broadcast 6 x 16 vectors).
// CHECK-LABEL: func.func @widening
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args(%[[A:.*]] = %{{.*}}) -> (vector<6x16xf32>)
// CHECK: %[[COLUMN:.*]] = vector.transfer_read {{.*}} : tensor<6x1xf16>, vector<6x1xf16>
// CHECK: %[[ROW:.*]] = vector.transfer_read {{.*}} : tensor<1x16xf16>, vector<1x16xf16>
// CHECK-DAG: %[[WIDE_COLUMN:.*]] = arith.extf %[[COLUMN]] : vector<6x1xf16> to vector<6x1xf32>
// CHECK-DAG: %[[WIDE_ROW:.*]] = arith.extf %[[ROW]] : vector<1x16xf16> to vector<1x16xf32>
// CHECK: vector.contract {{.*}} %[[WIDE_COLUMN]], %[[WIDE_ROW]], %[[A]] : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @widening(%x: tensor<12x32xf16>, %w: tensor<32x16xf16>, %acc: tensor<12x16xf32>) -> tensor<12x16xf32> {
  %0 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x, %w : tensor<12x32xf16>, tensor<32x16xf16>) outs(%acc : tensor<12x16xf32>) {
  ^bb0(%in: f16, %in_1: f16, %out: f32):
    %1 = arith.extf %in : f16 to f32
    %2 = arith.extf %in_1 : f16 to f32
    %3 = arith.mulf %1, %2 : f32
    %4 = arith.addf %out, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<12x16xf32>
  return %0 : tensor<12x16xf32>
}

// B in column panels (graph.panel_matmul: rhs[n floordiv 16, k, n mod 16]):
// one panel at a time, outermost, read as a plain [K, 16] block, then the
// usual register tiles over it: 12 rows in tiles of 6, K = 64 whole.
// CHECK-LABEL: func.func @panels
// CHECK: scf.for %[[N:.*]] = %c0 to %c32 step %c16
// CHECK: tensor.extract_slice %arg1[{{.*}}, 0, {{.*}}] [1, 64, 16] [1, 1, 1] : tensor<2x64x16xf32> to tensor<1x64x16xf32>
// CHECK: %[[PANEL:.*]] = tensor.extract_slice {{.*}}[0, 0, 0] [1, 64, 16] [1, 1, 1] : tensor<1x64x16xf32> to tensor<64x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c12 step %c6
// CHECK: scf.for %[[K:.*]] = %c0 to %c64 step %c1 iter_args(%{{.*}}) -> (vector<6x16xf32>)
// CHECK: tensor.extract_slice %[[PANEL]][%[[K]], 0] [1, 16] [1, 1] : tensor<64x16xf32> to tensor<1x16xf32>
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
#panel = affine_map<(m, k, n) -> (n floordiv 16, k, n mod 16)>
func.func @panels(%x: tensor<12x64xf32>, %w: tensor<2x64x16xf32>, %acc: tensor<12x32xf32>) -> tensor<12x32xf32> {
  %0 = linalg.generic {indexing_maps = [#a, #panel, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x, %w : tensor<12x64xf32>, tensor<2x64x16xf32>) outs(%acc : tensor<12x32xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<12x32xf32>
  return %0 : tensor<12x32xf32>
}

// One row, read by panels: a 1 x 16 tile (no loops to fall back on).
// CHECK-LABEL: func.func @panel_row
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK: vector.contract {{.*}} : vector<1x1xf32>, vector<1x16xf32> into vector<1x16xf32>
func.func @panel_row(%x: tensor<1x32xf32>, %w: tensor<4x32x16xf32>, %acc: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %0 = linalg.generic {indexing_maps = [#a, #panel, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x, %w : tensor<1x32xf32>, tensor<4x32x16xf32>) outs(%acc : tensor<1x64xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}
