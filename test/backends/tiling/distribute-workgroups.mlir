// kernel-distribute-workgroups: the workgroup id replaces the forall; the grid
// is recorded; racing outside writes fall back to one sequential workgroup.
// RUN: kiln-opt %s -split-input-file -kernel-distribute-workgroups | FileCheck %s

// CHECK-LABEL: module attributes {exec.workgroups = {rows = 4 : i64, tiles = 6 : i64, whole = 1 : i64}}
// One dimension: iv = 0 + id * 16.
// CHECK-LABEL: func.func @rows
// CHECK-SAME: (%[[OUT:.*]]: memref<64xf32>, %[[WG:.*]]: index)
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[OFFSET:.*]] = arith.muli %[[WG]], %[[C16]]
// CHECK: %[[IV:.*]] = arith.addi %{{.*}}, %[[OFFSET]]
// CHECK: memref.subview %[[OUT]][%[[IV]]] [16] [1]
// CHECK-NOT: scf.forall
// Two dimensions: the id is delinearized, the last dimension fastest.
// CHECK-LABEL: func.func @tiles
// CHECK-SAME: (%{{.*}}: memref<4x6xf32>, %[[WG2:.*]]: index)
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[J:.*]] = arith.remui %[[WG2]], %[[C3]]
// CHECK: %[[I:.*]] = arith.divui %[[WG2]], %[[C3]]
// CHECK-LABEL: func.func @whole
// CHECK-SAME: (%{{.*}}: memref<8xf32>, %{{.*}}: index)
module {
  func.func @rows(%out: memref<64xf32>) {
    %c = arith.constant 1.0 : f32
    scf.forall (%i) = (0) to (64) step (16) {
      %v = memref.subview %out[%i] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: ?>>
      linalg.fill ins(%c : f32) outs(%v : memref<16xf32, strided<[1], offset: ?>>)
    }
    return
  }
  func.func @tiles(%out: memref<4x6xf32>) {
    %c = arith.constant 1.0 : f32
    scf.forall (%i, %j) = (0, 0) to (4, 6) step (2, 2) {
      %v = memref.subview %out[%i, %j] [2, 2] [1, 1] : memref<4x6xf32> to memref<2x2xf32, strided<[6, 1], offset: ?>>
      linalg.fill ins(%c : f32) outs(%v : memref<2x2xf32, strided<[6, 1], offset: ?>>)
    }
    return
  }
  func.func @whole(%out: memref<8xf32>) {
    %c = arith.constant 1.0 : f32
    linalg.fill ins(%c : f32) outs(%out : memref<8xf32>)
    return
  }
}

// -----

// A write to an output outside the forall would race between workgroups:
// the forall runs as a loop inside a single workgroup.
// CHECK-LABEL: module attributes {exec.workgroups = {racy = 1 : i64}}
// CHECK-LABEL: func.func @racy
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK-NOT: scf.forall
module {
  func.func @racy(%out: memref<64xf32>) {
    %c = arith.constant 1.0 : f32
    linalg.fill ins(%c : f32) outs(%out : memref<64xf32>)
    scf.forall (%i) = (0) to (64) step (16) {
      %v = memref.subview %out[%i] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: ?>>
      linalg.fill ins(%c : f32) outs(%v : memref<16xf32, strided<[1], offset: ?>>)
    }
    return
  }
}

// -----

// A private buffer written outside the forall is fine.
// CHECK-LABEL: module attributes {exec.workgroups = {private = 2 : i64}}
module {
  func.func @private(%out: memref<8xf32>) {
    %c = arith.constant 1.0 : f32
    %tmp = memref.alloc() : memref<8xf32>
    linalg.fill ins(%c : f32) outs(%tmp : memref<8xf32>)
    scf.forall (%i) = (0) to (8) step (4) {
      %v = memref.subview %out[%i] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
      %t = memref.subview %tmp[%i] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
      linalg.copy ins(%t : memref<4xf32, strided<[1], offset: ?>>) outs(%v : memref<4xf32, strided<[1], offset: ?>>)
    }
    memref.dealloc %tmp : memref<8xf32>
    return
  }
}
