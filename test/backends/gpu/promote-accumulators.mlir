// gpu-promote-accumulators: a sum into one element, loaded and stored at
// indices fixed in the loop, is carried through the loop in a register:
// loaded once before it, stored once after it.
// RUN: kiln-opt %s -split-input-file -gpu-promote-accumulators | FileCheck %s

// A work item's matmul element: C[m, n] += A[m, k] * B[k, n].
// CHECK-LABEL: func.func @matmul_element
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<8x4xf32>, %[[C:.*]]: memref<4x4xf32>, %[[M:.*]]: index, %[[N:.*]]: index)
// CHECK: %[[INIT:.*]] = memref.load %[[C]][%[[M]], %[[N]]]
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK-NOT: memref.load %[[C]]
// CHECK-NOT: memref.store
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %{{.*}}
// CHECK: scf.yield %[[NEXT]]
// CHECK: memref.store %[[SUM]], %[[C]][%[[M]], %[[N]]]
func.func @matmul_element(%a: memref<4x8xf32>, %b: memref<8x4xf32>, %c: memref<4x4xf32>, %m: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %a[%m, %k] : memref<4x8xf32>
    %y = memref.load %b[%k, %n] : memref<8x4xf32>
    %acc = memref.load %c[%m, %n] : memref<4x4xf32>
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    memref.store %s, %c[%m, %n] : memref<4x4xf32>
  }
  return
}

// -----

// A convolution's element sums over two loops: the inner one carries it,
// then the outer one.
// CHECK-LABEL: func.func @window
// CHECK: %[[INIT:.*]] = memref.load %[[OUT:.*]][%{{.*}}]
// CHECK: scf.for {{.*}} iter_args(%[[ROW:.*]] = %[[INIT]]) -> (f32)
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[ROW]]) -> (f32)
// CHECK-NOT: memref.store
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK: memref.store %{{.*}}, %[[OUT]][%{{.*}}]
// CHECK-NEXT: return
func.func @window(%in: memref<6x6xf32>, %out: memref<4xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  scf.for %r = %c0 to %c3 step %c1 {
    scf.for %s = %c0 to %c3 step %c1 {
      %x = memref.load %in[%r, %s] : memref<6x6xf32>
      %acc = memref.load %out[%i] : memref<4xf32>
      %sum = arith.addf %acc, %x : f32
      memref.store %sum, %out[%i] : memref<4xf32>
    }
  }
  return
}

// -----

// Left alone: loops that may not run. A store after one would write an
// element the loop never writes (another work item may own it), and MLIR
// 22's SPIR-V conversion makes its result undefined.
// CHECK-LABEL: func.func @may_not_run
// CHECK-NOT: iter_args
// CHECK: memref.load %{{.*}}[%{{.*}}] : memref<1xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<1xf32>
// CHECK-NOT: iter_args
// CHECK: memref.load %{{.*}}[%{{.*}}] : memref<4xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<4xf32>
func.func @may_not_run(%in: memref<?xf32>, %out: memref<4xf32>, %i: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %partial = memref.alloca() : memref<1xf32>
  scf.for %k = %c0 to %n step %c1 {
    %x = memref.load %in[%k] : memref<?xf32>
    %acc = memref.load %partial[%c0] : memref<1xf32>
    %sum = arith.addf %acc, %x : f32
    memref.store %sum, %partial[%c0] : memref<1xf32>
  }
  scf.for %k = %c0 to %n step %c1 {
    %x = memref.load %in[%k] : memref<?xf32>
    %acc = memref.load %out[%i] : memref<4xf32>
    %sum = arith.addf %acc, %x : f32
    memref.store %sum, %out[%i] : memref<4xf32>
  }
  return
}

// -----

// Left alone: the loop also reads another element of the same buffer (a
// view of it, here), or calls what may read anything.
// CHECK-LABEL: func.func @touched_elsewhere
// CHECK-NOT: iter_args
// CHECK: return
func.func private @opaque()
func.func @touched_elsewhere(%in: memref<8xf32>, %out: memref<4xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %view = memref.subview %out[1] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 1>>
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %in[%k] : memref<8xf32>
    %y = memref.load %view[%c0] : memref<2xf32, strided<[1], offset: 1>>
    %acc = memref.load %out[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    %t = arith.addf %s, %y : f32
    memref.store %t, %out[%i] : memref<4xf32>
  }
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %in[%k] : memref<8xf32>
    %acc = memref.load %out[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    func.call @opaque() : () -> ()
    memref.store %s, %out[%i] : memref<4xf32>
  }
  return
}
