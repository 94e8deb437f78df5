// The opencl kernel pipeline on a matmul with its epilogue (bias, relu):
// every output is a work item's, and with 262144 outputs each work item
// takes a 4x4 register tile (16384 work items remain), its k loop
// outermost: the sixteen sums start from zero in registers (no fill, no
// load) and are carried through the loop, each step reading one element
// of four rows of A and four adjacent elements of B as one 4-wide load.
// The epilogue takes the sums from registers and writes each output once
// (4 wide on NVVM; opencl keeps stores scalar, llvm-spirv-15 cannot build
// a vector from values): C is never read.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl stop-after=schedule})" -o %t.schedule.mlir
// RUN: kiln-opt %t.schedule.mlir --pass-pipeline="builtin.module(builtin.module(convert-graph-to-linalg,canonicalize,cse,kernel-tile-workgroups{max-workgroups=1073741824 min-workgroup-iterations=1 work-items=1},canonicalize,eliminate-empty-tensors,one-shot-bufferize{bufferize-function-boundaries=0},canonicalize,cse,canonicalize,kernel-distribute-workgroups,kernel-stack-temporaries,buffer-deallocation-pipeline,kernel-expand-copies,func.func(convert-linalg-to-loops),func.func(fold-memref-alias-ops),lower-affine,canonicalize,gpu-build-kernels{spirv=1},gpu.module(gpu-unroll-register-tiles,canonicalize,cse,gpu-promote-accumulators,canonicalize,cse,gpu-vectorize-accesses{stores=0},canonicalize,cse)))" | FileCheck %s

// CHECK: exec.launches = {dispatch_0 = {grid = array<i64: 256, 1, 1>, shared_bytes = 0 : i64, workgroup = array<i64: 64, 1, 1>}}
// CHECK: gpu.func @dispatch_0(%[[A:.*]]: memref<512x64xf32>, %[[B:.*]]: memref<64x512xf32>, %[[BIAS:.*]]: memref<512xf32>, %[[C:.*]]: memref<512x512xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: %[[C]]
// CHECK: %[[SUMS:.*]]:16 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]],
// CHECK: memref.load %[[A]]
// CHECK: vector.load %[[B]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<64x512xf32>, vector<4xf32>
// CHECK-COUNT-3: memref.load %[[A]]
// CHECK-NOT: load
// CHECK: scf.yield
// CHECK: vector.load %[[BIAS]]
// CHECK: arith.maximumf
// CHECK-COUNT-16: memref.store %{{.*}}, %[[C]]
// CHECK-NOT: %[[C]]
// CHECK: gpu.return
func.func @main(%x: tensor<512x64xf32>, %w: tensor<64x512xf32>, %b: tensor<512xf32>) -> tensor<512x512xf32> {
  %0 = graph.matmul %x, %w : (tensor<512x64xf32>, tensor<64x512xf32>) -> tensor<512x512xf32>
  %1 = graph.add %0, %b : (tensor<512x512xf32>, tensor<512xf32>) -> tensor<512x512xf32>
  %2 = graph.relu %1 : tensor<512x512xf32>
  return %2 : tensor<512x512xf32>
}
