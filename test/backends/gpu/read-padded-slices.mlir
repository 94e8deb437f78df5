// gpu-read-padded-slices: a work item's tile of a padded convolution reads
// the input through bounds checks instead of a private copy of its padded
// window (tensor.pad of a slice, behind the scf.if of an all-padding
// window). With register tiles (4 output columns here, the convolution a
// generic with its reductions outermost) and without (a named convolution,
// generalized first).
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl stop-after=schedule})" -o %t.schedule.mlir
// RUN: kiln-opt %t.schedule.mlir --pass-pipeline="builtin.module(builtin.module(convert-graph-to-linalg,canonicalize,cse,kernel-tile-workgroups{max-workgroups=1073741824 min-workgroup-iterations=1 work-items=1},canonicalize,gpu-read-padded-slices,canonicalize))" | FileCheck %s

// CHECK-LABEL: func.func @dispatch_0(
// CHECK-SAME: %[[X:[^:]*]]: memref<1x64x56x56xf32>
// CHECK: %[[IMAGE:.*]] = bufferization.to_tensor %[[X]]
// CHECK: scf.forall
// CHECK-NOT: tensor.pad
// CHECK-NOT: scf.if
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "reduction", "parallel", "parallel", "parallel", "parallel"]
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: %[[READ:.*]] = tensor.extract %[[IMAGE]]
// CHECK: %[[V:.*]] = arith.select %{{.*}}, %[[READ]], %{{.*}} : f32
// CHECK: arith.mulf %[[V]]
// CHECK-LABEL: func.func @dispatch_1(
// CHECK: scf.forall
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic
// CHECK: tensor.extract
// CHECK: arith.select
// CHECK: arith.mulf
func.func @main(%img: tensor<1x64x56x56xf32>, %k: tensor<64x64x3x3xf32>, %small: tensor<1x512x7x7xf32>, %k2: tensor<512x512x3x3xf32>) -> (tensor<1x64x56x56xf32>, tensor<1x512x7x7xf32>) {
  %0 = graph.conv2d %img, %k padding = [1, 1, 1, 1] : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %1 = graph.relu %0 : tensor<1x64x56x56xf32>
  %2 = graph.conv2d %small, %k2 padding = [1, 1, 1, 1] : (tensor<1x512x7x7xf32>, tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32>
  return %1, %2 : tensor<1x64x56x56xf32>, tensor<1x512x7x7xf32>
}
