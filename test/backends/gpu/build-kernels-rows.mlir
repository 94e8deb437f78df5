// gpu-build-kernels' row strategy: a kernel whose work index is a row it
// reduces runs a workgroup per row: its loop strided over the work items,
// each accumulating from the identity into a private partial, the partials
// meeting in a tree in workgroup memory with a barrier between levels; a
// binding's total is stored by work item 0. rows=false keeps a work item
// per row; barriers=false drops the barriers (for the test that shows PoCL
// catches that).
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(gpu-build-kernels{spirv=1})" | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(gpu-build-kernels{rows=false})" | FileCheck %s --check-prefix=GENERAL
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(gpu-build-kernels{barriers=false})" | FileCheck %s --check-prefix=NOBARRIER
// Without spirv (NVVM), the tree's workgroup memory is the gpu.func's
// workgroup attribution, which NVVM makes a shared-memory global:
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(gpu-build-kernels)" | FileCheck %s --check-prefix=NVVM
// NVVM-LABEL: gpu.func @rowsum
// NVVM-SAME: workgroup(%[[TREE:.*]] : memref<64xf32, #gpu.address_space<workgroup>>)
// NVVM-NOT: memref.alloc()
// NVVM: memref.store %{{.*}}, %[[TREE]]
// NVVM: gpu.barrier

// CHECK: exec.launches = {rowsum = {grid = array<i64: 4, 1, 1>, shared_bytes = 256 : i64, workgroup = array<i64: 64, 1, 1>}}
// CHECK: gpu.func @rowsum(%[[IN:.*]]: memref<4x100xf32>, %[[OUT:.*]]: memref<4xf32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>, spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [64, 1, 1]>}
// CHECK: %[[ROW:.*]] = gpu.block_id x
// CHECK: %[[LOCAL:.*]] = gpu.thread_id x
// CHECK: %[[PARTIAL:.*]] = memref.alloca() : memref<1xf32, #spirv.storage_class<Function>>
// CHECK: %[[TREE:.*]] = memref.alloc() : memref<64xf32, #spirv.storage_class<Workgroup>>
// Only work item 0 writes the binding's element, its zero too, and the sum
// starts from the zero every work item knows:
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.if
// CHECK-NEXT: memref.store %[[ZERO]], %[[OUT]][%[[ROW]]]
// CHECK-NOT: memref.load %[[OUT]]
// CHECK: memref.store %{{.*}}, %[[PARTIAL]]
// CHECK: scf.for %[[I:.*]] = %[[LOCAL]] to %{{.*}} step %{{.*}} {
// CHECK: memref.load %[[PARTIAL]]
// CHECK: memref.load %[[IN]][%[[ROW]], %[[I]]]
// CHECK: memref.store %{{.*}}, %[[PARTIAL]]
// CHECK: memref.store %{{.*}}, %[[TREE]][%[[LOCAL]]]
// CHECK-NEXT: gpu.barrier
// Six levels for 64 work items, each followed by a barrier:
// CHECK-COUNT-6: gpu.barrier
// CHECK: %[[TOTAL:.*]] = memref.load %[[TREE]]
// CHECK-NEXT: gpu.barrier
// CHECK: %[[RESULT:.*]] = arith.addf %[[ZERO]], %[[TOTAL]]
// CHECK: scf.if
// CHECK-NEXT: memref.store %[[RESULT]], %[[OUT]][%[[ROW]]]
// GENERAL: exec.launches = {rowsum = {grid = array<i64: 1, 1, 1>, shared_bytes = 0 : i64, workgroup = array<i64: 4, 1, 1>}}
// GENERAL-NOT: gpu.barrier
// NOBARRIER: shared_bytes = 256
// NOBARRIER-NOT: gpu.barrier
module attributes {exec.workgroups = {rowsum = 4 : i64}} {
  func.func @rowsum(%in: memref<4x100xf32>, %out: memref<4xf32>, %row: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c100 = arith.constant 100 : index
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %out[%row] : memref<4xf32>
    scf.for %i = %c0 to %c100 step %c1 {
      %a = memref.load %out[%row] : memref<4xf32>
      %x = memref.load %in[%row, %i] : memref<4x100xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %out[%row] : memref<4xf32>
    }
    return
  }
}

// -----

// A sum read again after its loop, by straight-line code at the same
// indices (a mean's division): the code takes the total every work item
// holds, and only work item 0 writes the element (its zero too), so no work
// item reads what another wrote.
// CHECK-LABEL: exec.launches = {mean = {grid = array<i64: 4, 1, 1>, shared_bytes = 256 : i64, workgroup = array<i64: 64, 1, 1>}}
// CHECK: gpu.func @mean(%{{.*}}: memref<4x100xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK: %[[LOCAL:.*]] = gpu.thread_id x
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[LOCAL]], %{{.*}}
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: memref.store %[[ZERO]], %[[OUT]]
// CHECK-NOT: memref.load %[[OUT]]
// CHECK: scf.for
// CHECK-COUNT-7: gpu.barrier
// CHECK: %[[TOTAL:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<64xf32, #spirv.storage_class<Workgroup>>
// CHECK-NEXT: gpu.barrier
// CHECK: %[[SUM:.*]] = arith.addf %[[ZERO]], %[[TOTAL]]
// CHECK: scf.if
// CHECK-NEXT: memref.store %[[SUM]], %[[OUT]]
// CHECK-NOT: memref.load %[[OUT]]
// CHECK: %[[MEAN:.*]] = arith.divf %[[SUM]], %{{.*}}
// CHECK: scf.if
// CHECK-NEXT: memref.store %[[MEAN]], %[[OUT]]
module attributes {exec.workgroups = {mean = 4 : i64}} {
  func.func @mean(%in: memref<4x100xf32>, %out: memref<4xf32>, %row: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c100 = arith.constant 100 : index
    %zero = arith.constant 0.0 : f32
    %n = arith.constant 100.0 : f32
    memref.store %zero, %out[%row] : memref<4xf32>
    scf.for %i = %c0 to %c100 step %c1 {
      %a = memref.load %out[%row] : memref<4xf32>
      %x = memref.load %in[%row, %i] : memref<4x100xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %out[%row] : memref<4xf32>
    }
    %t = memref.load %out[%row] : memref<4xf32>
    %m = arith.divf %t, %n : f32
    memref.store %m, %out[%row] : memref<4xf32>
    return
  }
}
