// kernel-stack-temporaries: kernel temporaries move to the stack, at the start
// of the kernel; dynamic sizes take their constant bound; buffers in loops
// and over the budget stay on the heap.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kernel-stack-temporaries{max-bytes=2048})" | FileCheck %s

#tile = affine_map<(d0) -> (-d0 + 100, 10)>
// CHECK-LABEL: func.func @kernel
// CHECK-SAME: (%[[IN:.*]]: memref<100xf32>, %[[WG:.*]]: index)
// The static buffer and the bounded one (at most 10 floats, 40 bytes):
// CHECK-NEXT: %[[BYTES:.*]] = memref.alloca() {alignment = 64 : i64} : memref<40xi8>
// CHECK-NEXT: %[[TILE:.*]] = memref.alloca() {alignment = 64 : i64} : memref<16x16xf32>
// CHECK: %[[SIZE:.*]] = affine.min
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[BYTES]][%[[ZERO]]][%[[SIZE]]] : memref<40xi8> to memref<?xf32>
// Over the budget (2048 - 1024 - 40 bytes left): on the heap.
// CHECK: memref.alloc() : memref<32x32xf32>
// In a loop: on the heap.
// CHECK: scf.for
// CHECK: memref.alloc() : memref<4xf32>
// CHECK-NOT: memref.dealloc %[[TILE]]
module {
  func.func @kernel(%in: memref<100xf32>, %wg: index) {
    %tile = memref.alloc() {alignment = 64 : i64} : memref<16x16xf32>
    %size = affine.min #tile(%wg)
    %part = memref.alloc(%size) {alignment = 64 : i64} : memref<?xf32>
    %big = memref.alloc() : memref<32x32xf32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    scf.for %i = %c0 to %c4 step %c1 {
      %each = memref.alloc() : memref<4xf32>
      memref.dealloc %each : memref<4xf32>
    }
    memref.dealloc %tile : memref<16x16xf32>
    memref.dealloc %part : memref<?xf32>
    memref.dealloc %big : memref<32x32xf32>
    return
  }
}
