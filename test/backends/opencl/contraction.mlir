// The opencl kernel pipeline on a matmul with its epilogue (bias, relu):
// every output is a work item's, and with 262144 outputs each work item
// takes a 4x4 register tile (16384 work items remain), its k loop
// outermost: the sixteen sums are carried in registers through it (one
// load of each before, one store after), each step reading one element of
// four rows of A and of four columns of B. The epilogue then updates the
// tile in place.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl stop-after=schedule})" -o %t.schedule.mlir
// RUN: kiln-opt %t.schedule.mlir --pass-pipeline="builtin.module(builtin.module(convert-graph-to-linalg,canonicalize,cse,kernel-tile-workgroups{max-workgroups=1073741824 min-workgroup-iterations=1 work-items=1},canonicalize,eliminate-empty-tensors,one-shot-bufferize{bufferize-function-boundaries=0},canonicalize,cse,canonicalize,kernel-distribute-workgroups,kernel-stack-temporaries,buffer-deallocation-pipeline,kernel-expand-copies,func.func(convert-linalg-to-loops),func.func(fold-memref-alias-ops),lower-affine,canonicalize,gpu-build-kernels{spirv=1},gpu.module(gpu-unroll-register-tiles,canonicalize,cse,gpu-promote-accumulators,canonicalize,cse)))" | FileCheck %s

// CHECK: exec.launches = {dispatch_0 = {grid = array<i64: 256, 1, 1>, shared_bytes = 0 : i64, workgroup = array<i64: 64, 1, 1>}
// CHECK: gpu.func @dispatch_0(%[[A:.*]]: memref<512x64xf32>, %[[B:.*]]: memref<64x512xf32>, %[[BIAS:.*]]: memref<512xf32>, %[[C:.*]]: memref<512x512xf32>)
// CHECK-COUNT-16: memref.load %[[C]]
// CHECK: %[[SUMS:.*]]:16 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(
// CHECK-NOT: memref.store
// CHECK-COUNT-4: memref.load %[[B]]
// CHECK-NOT: memref.load %[[C]]
// CHECK: scf.yield
// CHECK-COUNT-16: memref.store %[[SUMS]]#{{[0-9]+}}, %[[C]]
// CHECK: memref.load %[[BIAS]]
// CHECK: arith.maximumf
// CHECK: gpu.return
func.func @main(%x: tensor<512x64xf32>, %w: tensor<64x512xf32>, %b: tensor<512xf32>) -> tensor<512x512xf32> {
  %0 = graph.matmul %x, %w : (tensor<512x64xf32>, tensor<64x512xf32>) -> tensor<512x512xf32>
  %1 = graph.add %0, %b : (tensor<512x512xf32>, tensor<512xf32>) -> tensor<512x512xf32>
  %2 = graph.relu %1 : tensor<512x512xf32>
  return %2 : tensor<512x512xf32>
}
