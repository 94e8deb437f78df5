// convert-graph-to-linalg{gather-pads}: a constant pad as a generic over its
// result, each element reading its input element through a bounds check
// (GPU work items each take elements; the default fills and inserts).
// RUN: kiln-opt %s -convert-graph-to-linalg="gather-pads=1" | FileCheck %s

// CHECK-LABEL: func.func @pad
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: linalg.fill
// CHECK-NOT: tensor.insert_slice
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x6xf32>)
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: %[[IN:.*]] = arith.andi
// CHECK: %[[READ:.*]] = tensor.extract %[[X]]
// CHECK: %[[V:.*]] = arith.select %{{.*}}, %[[READ]], %{{.*}} : f32
// CHECK: linalg.yield %[[V]]
func.func @pad(%x: tensor<2x3xf32>) -> tensor<3x6xf32> {
  %0 = graph.pad %x low = [0, 1] high = [1, 2] value = -1.0 : tensor<2x3xf32> -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}
