// gpu-vectorize-accesses: four adjacent elements of a binding's row, at a
// last index that is a multiple of four, read or written by one work item,
// become one 4-wide access.
// RUN: kiln-opt %s -split-input-file -gpu-vectorize-accesses | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(gpu-vectorize-accesses{stores=0}))" | FileCheck %s --check-prefix=LOADS

// An elementwise work item's four elements: one vector load at the first
// load, one vector store at the last store.
// CHECK-LABEL: func.func @four
// CHECK-SAME: (%[[IN:.*]]: memref<8x16xf32>, %[[OUT:.*]]: memref<8x16xf32>, %[[ROW:.*]]: index, %[[T:.*]]: index)
// CHECK: %[[COL:.*]] = arith.muli %[[T]], %{{.*}}
// CHECK: %[[V:.*]] = vector.load %[[IN]][%[[ROW]], %[[COL]]] {alignment = 16 : i64} : memref<8x16xf32>, vector<4xf32>
// CHECK-COUNT-4: vector.extract %[[V]][{{[0-3]}}]
// CHECK-NOT: memref.load
// CHECK: %[[W:.*]] = vector.from_elements
// CHECK-NEXT: vector.store %[[W]], %[[OUT]][%[[ROW]], %[[COL]]] {alignment = 16 : i64} : memref<8x16xf32>, vector<4xf32>
// CHECK-NOT: memref.store
// LOADS-LABEL: func.func @four
// LOADS: vector.load
// LOADS-NOT: vector.store
// LOADS-COUNT-4: memref.store
func.func @four(%in: memref<8x16xf32>, %out: memref<8x16xf32>, %row: index, %t: index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %col = arith.muli %t, %c4 : index
  %col1 = arith.addi %col, %c1 : index
  %col2 = arith.addi %col, %c2 : index
  %col3 = arith.addi %col, %c3 : index
  %a = memref.load %in[%row, %col] : memref<8x16xf32>
  %b = memref.load %in[%row, %col1] : memref<8x16xf32>
  %c = memref.load %in[%row, %col2] : memref<8x16xf32>
  %d = memref.load %in[%row, %col3] : memref<8x16xf32>
  %ea = math.exp %a : f32
  %eb = math.exp %b : f32
  %ec = math.exp %c : f32
  %ed = math.exp %d : f32
  memref.store %ea, %out[%row, %col] : memref<8x16xf32>
  memref.store %eb, %out[%row, %col1] : memref<8x16xf32>
  memref.store %ec, %out[%row, %col2] : memref<8x16xf32>
  memref.store %ed, %out[%row, %col3] : memref<8x16xf32>
  return
}

// -----

// Left scalar: a first index not known to be a multiple of four (the
// vector would be misaligned), rows that are not whole vectors (6 wide),
// a store of the row between the loads (moving them together would read
// around it, also through a view), and a temporary (only bindings are
// known aligned).
// CHECK-LABEL: func.func @scalar
// CHECK-NOT: vector.
// CHECK: return
func.func @scalar(%in: memref<8x16xf32>, %narrow: memref<8x6xf32>, %out: memref<8x16xf32>, %row: index, %col: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  %col1 = arith.addi %col, %c1 : index
  %col2 = arith.addi %col, %c2 : index
  %col3 = arith.addi %col, %c3 : index
  %a = memref.load %in[%row, %col] : memref<8x16xf32>
  %b = memref.load %in[%row, %col1] : memref<8x16xf32>
  %c = memref.load %in[%row, %col2] : memref<8x16xf32>
  %d = memref.load %in[%row, %col3] : memref<8x16xf32>
  %e = memref.load %narrow[%row, %c0] : memref<8x6xf32>
  %f = memref.load %narrow[%row, %c1] : memref<8x6xf32>
  %g = memref.load %narrow[%row, %c2] : memref<8x6xf32>
  %h = memref.load %narrow[%row, %c3] : memref<8x6xf32>
  %i = memref.load %out[%row, %c0] : memref<8x16xf32>
  %j = memref.load %out[%row, %c1] : memref<8x16xf32>
  memref.store %a, %out[%row, %c2] : memref<8x16xf32>
  %k = memref.load %out[%row, %c2] : memref<8x16xf32>
  %l = memref.load %out[%row, %c3] : memref<8x16xf32>
  %flat = memref.collapse_shape %in [[0, 1]] : memref<8x16xf32> into memref<128xf32>
  %q = memref.load %in[%row, %c0] : memref<8x16xf32>
  %r = memref.load %in[%row, %c1] : memref<8x16xf32>
  memref.store %a, %flat[%c2] : memref<128xf32>
  %s = memref.load %in[%row, %c2] : memref<8x16xf32>
  %t = memref.load %in[%row, %c3] : memref<8x16xf32>
  %tmp = memref.alloca() : memref<4xf32>
  %m = memref.load %tmp[%c0] : memref<4xf32>
  %n = memref.load %tmp[%c1] : memref<4xf32>
  %o = memref.load %tmp[%c2] : memref<4xf32>
  %p = memref.load %tmp[%c3] : memref<4xf32>
  return
}
