// gpu-build-kernels: each distributed kernel becomes a gpu.func taking
// exactly its bindings in order (inputs then outputs), one work item per
// index of its grid (guarded: the last workgroup is partial), the launch
// recorded; temporaries move to private memory, constant arrays become
// temporaries the work item fills, dynamic-size views become flat arrays.
// RUN: kiln-opt %s -split-input-file -gpu-build-kernels | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(gpu-build-kernels{spirv=1 workgroup-size=32})" | FileCheck %s --check-prefix=SPIRV

// CHECK-LABEL: module attributes {exec.launches = {scale = {grid = array<i64: 2, 1, 1>, shared_bytes = 0 : i64, workgroup = array<i64: 64, 1, 1>}, small = {grid = array<i64: 1, 1, 1>, shared_bytes = 0 : i64, workgroup = array<i64: 3, 1, 1>}}, gpu.container_module}
// The host still names the kernels: declarations of their bindings.
// CHECK: func.func private @scale(memref<100xf32>, memref<100xf32>)
// CHECK: gpu.module @kernels
// Bindings never share bytes an output is written through: on NVVM they
// are noalias (inputs then go through the read-only cache).
// CHECK: gpu.func @scale(%[[IN:.*]]: memref<100xf32> {llvm.noalias}, %[[OUT:.*]]: memref<100xf32> {llvm.noalias}) kernel attributes {known_block_size = array<i32: 64, 1, 1>}
// CHECK: %[[WG:.*]] = gpu.block_id x
// CHECK: %[[LOCAL:.*]] = gpu.thread_id x
// CHECK: %[[BASE:.*]] = arith.muli %[[WG]], %{{.*}}
// CHECK: %[[ID:.*]] = arith.addi %[[BASE]], %[[LOCAL]]
// CHECK: %[[IN_RANGE:.*]] = arith.cmpi ult, %[[ID]], %{{.*}}
// CHECK: scf.if %[[IN_RANGE]]
// CHECK: memref.load %[[IN]][%[[ID]]]
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[ID]]]
// CHECK: gpu.return
// CHECK: gpu.func @small(%{{.*}}: memref<3xf32> {llvm.noalias}) kernel attributes {known_block_size = array<i32: 3, 1, 1>}
// SPIRV: exec.launches = {scale = {grid = array<i64: 4, 1, 1>
// SPIRV-NOT: llvm.noalias
// SPIRV: gpu.func @scale({{.*}}) kernel attributes {known_block_size = array<i32: 32, 1, 1>, spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [32, 1, 1]>}
module attributes {exec.workgroups = {scale = 100 : i64, small = 3 : i64}} {
  func.func @scale(%in: memref<100xf32>, %out: memref<100xf32>, %id: index) {
    %x = memref.load %in[%id] : memref<100xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %out[%id] : memref<100xf32>
    return
  }
  func.func @small(%out: memref<3xf32>, %id: index) {
    %c = arith.constant 1.0 : f32
    memref.store %c, %out[%id] : memref<3xf32>
    return
  }
}

// -----

// CHECK-LABEL: gpu.func @temporaries
// The constant array is filled by each work item, in private memory:
// CHECK: %[[TABLE:.*]] = memref.alloca() : memref<2xf32, #gpu.address_space<private>>
// CHECK: memref.store %{{.*}}, %[[TABLE]][%{{.*}}] : memref<2xf32, #gpu.address_space<private>>
// CHECK: memref.store %{{.*}}, %[[TABLE]][%{{.*}}] : memref<2xf32, #gpu.address_space<private>>
// Two temporaries chosen between stay one private buffer:
// CHECK: %[[A:.*]] = memref.alloca() {alignment = 64 : i64} : memref<4xf32, #gpu.address_space<private>>
// CHECK: %[[B:.*]] = memref.alloca() {alignment = 64 : i64} : memref<4xf32, #gpu.address_space<private>>
// A dynamic-size view of bytes is a flat array indexed row-major:
// CHECK: %[[FLAT:.*]] = memref.alloca() {alignment = 64 : i64} : memref<8xf32, #gpu.address_space<private>>
// CHECK: arith.select %{{.*}}, %[[A]], %[[B]] : memref<4xf32, #gpu.address_space<private>>
// CHECK: memref.store %{{.*}}, %[[FLAT]][%{{.*}}] : memref<8xf32, #gpu.address_space<private>>
// CHECK-NOT: memref.view
// CHECK-NOT: memref.global
// SPIRV-LABEL: gpu.func @temporaries
// SPIRV: memref.alloca() {alignment = 64 : i64} : memref<4xf32, #spirv.storage_class<Function>>
module attributes {exec.workgroups = {temporaries = 4 : i64}} {
  memref.global "private" constant @table : memref<2xf32> = dense<[2.0, 3.0]>
  func.func @temporaries(%out: memref<4xf32>, %id: index) {
    %a = memref.alloca() {alignment = 64 : i64} : memref<4xf32>
    %b = memref.alloca() {alignment = 64 : i64} : memref<4xf32>
    %bytes = memref.alloca() {alignment = 64 : i64} : memref<32xi8>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %table = memref.get_global @table : memref<2xf32>
    %t = memref.load %table[%c1] : memref<2xf32>
    %odd = arith.cmpi eq, %id, %c1 : index
    %pick = arith.select %odd, %a, %b : memref<4xf32>
    memref.store %t, %pick[%id] : memref<4xf32>
    %v = memref.view %bytes[%c0][%c2] : memref<32xi8> to memref<?x4xf32>
    memref.store %t, %v[%c1, %id] : memref<?x4xf32>
    %r = memref.load %v[%c1, %id] : memref<?x4xf32>
    memref.store %r, %out[%id] : memref<4xf32>
    return
  }
}
