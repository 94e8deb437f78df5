// Round trip of every graph op: print, parse the printed form, print again;
// the same through the generic form (custom and generic syntax agree) and
// through MLIR bytecode (binary files keep weights out of text entirely).
// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s -mlir-print-op-generic | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --emit-bytecode | kiln-opt | FileCheck %s

// Weights as dense resources: the bytes live in the resource section.
// CHECK-LABEL: func.func @constants
// CHECK: graph.constant dense_resource<fc_weight> : tensor<2x2xf32>
// CHECK: graph.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK: graph.constant dense<true> : tensor<2xi1>
// CHECK: graph.arange start = 0.000000e+00 step = 2.000000e+00 : tensor<5xi64>
// CHECK: graph.arange start = 1.000000e+00 step = -5.000000e-01 : tensor<4xf32>
func.func @constants() -> (tensor<2x2xf32>, tensor<3xi64>, tensor<2xi1>, tensor<5xi64>, tensor<4xf32>) {
  %0 = graph.constant dense_resource<fc_weight> : tensor<2x2xf32>
  %1 = graph.constant dense<[1, 2, 3]> : tensor<3xi64>
  %2 = graph.constant dense<true> : tensor<2xi1>
  %3 = graph.arange start = 0.0 step = 2.0 : tensor<5xi64>
  %4 = graph.arange start = 1.0 step = -0.5 : tensor<4xf32>
  return %0, %1, %2, %3, %4 : tensor<2x2xf32>, tensor<3xi64>, tensor<2xi1>, tensor<5xi64>, tensor<4xf32>
}

// CHECK-LABEL: func.func @unary
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[I:.*]]: tensor<4xi32>)
// CHECK: graph.neg %[[X]] : tensor<2x3xf32>
// CHECK: graph.neg %[[I]] : tensor<4xi32>
// CHECK: graph.abs %[[X]] : tensor<2x3xf32>
// CHECK: graph.abs %[[I]] : tensor<4xi32>
// CHECK: graph.exp %[[X]] : tensor<2x3xf32>
// CHECK: graph.log %[[X]] : tensor<2x3xf32>
// CHECK: graph.sqrt %[[X]] : tensor<2x3xf32>
// CHECK: graph.rsqrt %[[X]] : tensor<2x3xf32>
// CHECK: graph.tanh %[[X]] : tensor<2x3xf32>
// CHECK: graph.sigmoid %[[X]] : tensor<2x3xf32>
// CHECK: graph.relu %[[X]] : tensor<2x3xf32>
// CHECK: graph.relu %[[I]] : tensor<4xi32>
// CHECK: graph.gelu %[[X]] : tensor<2x3xf32>
// CHECK: graph.gelu %[[X]] approximate = tanh : tensor<2x3xf32>
// CHECK: graph.silu %[[X]] : tensor<2x3xf32>
// CHECK: graph.erf %[[X]] : tensor<2x3xf32>
// CHECK: graph.clamp %[[X]] min = 0.000000e+00 max = 6.000000e+00 : tensor<2x3xf32>
// CHECK: graph.clamp %[[X]] min = -1.000000e+00 : tensor<2x3xf32>
// CHECK: graph.clamp %[[I]] max = 1.000000e+01 : tensor<4xi32>
func.func @unary(%x: tensor<2x3xf32>, %i: tensor<4xi32>) {
  %0 = graph.neg %x : tensor<2x3xf32>
  %1 = graph.neg %i : tensor<4xi32>
  %2 = graph.abs %x : tensor<2x3xf32>
  %3 = graph.abs %i : tensor<4xi32>
  %4 = graph.exp %x : tensor<2x3xf32>
  %5 = graph.log %x : tensor<2x3xf32>
  %6 = graph.sqrt %x : tensor<2x3xf32>
  %7 = graph.rsqrt %x : tensor<2x3xf32>
  %8 = graph.tanh %x : tensor<2x3xf32>
  %9 = graph.sigmoid %x : tensor<2x3xf32>
  %10 = graph.relu %x : tensor<2x3xf32>
  %11 = graph.relu %i : tensor<4xi32>
  %12 = graph.gelu %x : tensor<2x3xf32>
  %13 = graph.gelu %x approximate = tanh : tensor<2x3xf32>
  %14 = graph.silu %x : tensor<2x3xf32>
  %15 = graph.erf %x : tensor<2x3xf32>
  %16 = graph.clamp %x min = 0.0 max = 6.0 : tensor<2x3xf32>
  %17 = graph.clamp %x min = -1.0 : tensor<2x3xf32>
  %18 = graph.clamp %i max = 10.0 : tensor<4xi32>
  return
}

// Binary ops broadcast the numpy way; the result type is inferred and checked.
// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[C:.*]]: tensor<4x1x3xf32>, %[[I:.*]]: tensor<2x3xi64>)
// CHECK: graph.add %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: graph.sub %[[B]], %[[A]] : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: graph.mul %[[A]], %[[C]] : (tensor<2x3xf32>, tensor<4x1x3xf32>) -> tensor<4x2x3xf32>
// CHECK: graph.div %[[I]], %[[I]] : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi64>
// CHECK: graph.pow %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: graph.max %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: graph.min %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: graph.compare eq, %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK: graph.compare ge, %[[I]], %[[I]] : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi1>
// CHECK: %[[M:.*]] = graph.compare lt, %[[A]], %[[C]]
// CHECK: graph.select %[[M]], %[[A]], %[[B]] : (tensor<4x2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<4x2x3xf32>
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<4x1x3xf32>, %i: tensor<2x3xi64>) {
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = graph.sub %b, %a : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = graph.mul %a, %c : (tensor<2x3xf32>, tensor<4x1x3xf32>) -> tensor<4x2x3xf32>
  %3 = graph.div %i, %i : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi64>
  %4 = graph.pow %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %5 = graph.max %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %6 = graph.min %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %7 = graph.compare eq, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %8 = graph.compare ge, %i, %i : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi1>
  %9 = graph.compare lt, %a, %c : (tensor<2x3xf32>, tensor<4x1x3xf32>) -> tensor<4x2x3xi1>
  %10 = graph.select %9, %a, %b : (tensor<4x2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<4x2x3xf32>
  return
}

// Unknown (?) dims broadcast against static ones.
// CHECK-LABEL: func.func @dynamic_broadcast
// CHECK: graph.add %{{.*}}, %{{.*}} : (tensor<?x3xf32>, tensor<4x1xf32>) -> tensor<4x3xf32>
// CHECK: graph.add %{{.*}}, %{{.*}} : (tensor<?x3xf32>, tensor<1x3xf32>) -> tensor<?x3xf32>
func.func @dynamic_broadcast(%a: tensor<?x3xf32>, %b: tensor<4x1xf32>, %c: tensor<1x3xf32>) {
  %0 = graph.add %a, %b : (tensor<?x3xf32>, tensor<4x1xf32>) -> tensor<4x3xf32>
  %1 = graph.add %a, %c : (tensor<?x3xf32>, tensor<1x3xf32>) -> tensor<?x3xf32>
  return
}

// CHECK-LABEL: func.func @matmul
// CHECK: graph.matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK: graph.matmul %{{.*}}, %{{.*}} : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32>
// CHECK: graph.matmul %{{.*}}, %{{.*}} : (tensor<4x8xi32>, tensor<8x2xi32>) -> tensor<4x2xi32>
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<2x1x4x8xf32>, %d: tensor<3x8x16xf32>, %i: tensor<4x8xi32>, %j: tensor<8x2xi32>) {
  %0 = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = graph.matmul %c, %d : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32>
  %2 = graph.matmul %i, %j : (tensor<4x8xi32>, tensor<8x2xi32>) -> tensor<4x2xi32>
  return
}

// A matmul whose rhs is stored as [N/P, K, P] column panels: N = 2 x 16.
// CHECK-LABEL: func.func @panel_matmul
// CHECK: graph.panel_matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<2x8x16xf32>) -> tensor<4x32xf32>
// CHECK: graph.panel_matmul %{{.*}}, %{{.*}} : (tensor<3x4x8xf32>, tensor<2x8x16xf32>) -> tensor<3x4x32xf32>
func.func @panel_matmul(%a: tensor<4x8xf32>, %b: tensor<2x8x16xf32>, %c: tensor<3x4x8xf32>) {
  %0 = graph.panel_matmul %a, %b : (tensor<4x8xf32>, tensor<2x8x16xf32>) -> tensor<4x32xf32>
  %1 = graph.panel_matmul %c, %b : (tensor<3x4x8xf32>, tensor<2x8x16xf32>) -> tensor<3x4x32xf32>
  return
}

// A convolution whose filter is stored as [O/P, KH, KW, C, P] panels:
// O = 2 x 16.
// CHECK-LABEL: func.func @panel_conv2d
// CHECK: graph.panel_conv2d %{{.*}}, %{{.*}}, %{{.*}} strides = [2, 2] padding = [1, 1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<2x3x3x3x16xf32>, tensor<32xf32>) -> tensor<1x32x4x4xf32>
// CHECK: graph.panel_conv2d %{{.*}}, %{{.*}} dilations = [2, 2] : (tensor<1x3x8x8xf32>, tensor<2x3x3x3x16xf32>) -> tensor<1x32x4x4xf32>
func.func @panel_conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x3x3x16xf32>, %b: tensor<32xf32>) {
  %0 = graph.panel_conv2d %x, %w, %b strides = [2, 2] padding = [1, 1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<2x3x3x3x16xf32>, tensor<32xf32>) -> tensor<1x32x4x4xf32>
  %1 = graph.panel_conv2d %x, %w dilations = [2, 2] : (tensor<1x3x8x8xf32>, tensor<2x3x3x3x16xf32>) -> tensor<1x32x4x4xf32>
  return
}

// Convolution: strides, padding, dilation, groups (a depthwise case), bias.
// CHECK-LABEL: func.func @conv2d
// CHECK: graph.conv2d %{{.*}}, %{{.*}}, %{{.*}} strides = [2, 2] padding = [3, 3, 3, 3] : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
// CHECK: graph.conv2d %{{.*}}, %{{.*}} : (tensor<1x3x224x224xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x222x222xf32>
// CHECK: graph.conv2d %{{.*}}, %{{.*}} padding = [2, 2, 2, 2] dilations = [2, 2] groups = 32 : (tensor<2x32x10x10xf32>, tensor<32x1x3x3xf32>) -> tensor<2x32x10x10xf32>
// CHECK: graph.conv2d %{{.*}}, %{{.*}} strides = [1, 2] padding = [0, 1, 0, 0] : (tensor<2x32x10x10xf32>, tensor<6x32x3x2xf32>) -> tensor<2x6x8x5xf32>
func.func @conv2d(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>, %w2: tensor<8x3x3x3xf32>, %y: tensor<2x32x10x10xf32>, %dw: tensor<32x1x3x3xf32>, %w3: tensor<6x32x3x2xf32>) {
  %0 = graph.conv2d %x, %w, %b strides = [2, 2] padding = [3, 3, 3, 3] : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %1 = graph.conv2d %x, %w2 : (tensor<1x3x224x224xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x222x222xf32>
  %2 = graph.conv2d %y, %dw padding = [2, 2, 2, 2] dilations = [2, 2] groups = 32 : (tensor<2x32x10x10xf32>, tensor<32x1x3x3xf32>) -> tensor<2x32x10x10xf32>
  %3 = graph.conv2d %y, %w3 strides = [1, 2] padding = [0, 1, 0, 0] : (tensor<2x32x10x10xf32>, tensor<6x32x3x2xf32>) -> tensor<2x6x8x5xf32>
  return
}

// Pooling; ceil_mode drops a last window that would start in the padding.
// CHECK-LABEL: func.func @pool2d
// CHECK: graph.max_pool2d %{{.*}} kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1] : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
// CHECK: graph.max_pool2d %{{.*}} kernel = [2, 2] strides = [2, 2] ceil_mode : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
// CHECK: graph.max_pool2d %{{.*}} kernel = [2, 2] dilations = [2, 2] : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
// CHECK: graph.max_pool2d %{{.*}} kernel = [2, 2] strides = [2, 2] padding = [1, 1, 1, 1] ceil_mode : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
// CHECK: graph.avg_pool2d %{{.*}} kernel = [7, 7] : tensor<1x64x7x7xf32> -> tensor<1x64x1x1xf32>
// CHECK: graph.avg_pool2d %{{.*}} kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1] ceil_mode count_include_pad : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
func.func @pool2d(%x: tensor<1x64x112x112xf32>, %y: tensor<1x1x5x5xf32>, %z: tensor<1x64x7x7xf32>, %u: tensor<1x1x4x4xf32>) {
  %0 = graph.max_pool2d %x kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1] : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  %1 = graph.max_pool2d %y kernel = [2, 2] strides = [2, 2] ceil_mode : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %2 = graph.max_pool2d %y kernel = [2, 2] dilations = [2, 2] : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %3 = graph.max_pool2d %u kernel = [2, 2] strides = [2, 2] padding = [1, 1, 1, 1] ceil_mode : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
  %4 = graph.avg_pool2d %z kernel = [7, 7] : tensor<1x64x7x7xf32> -> tensor<1x64x1x1xf32>
  %5 = graph.avg_pool2d %y kernel = [3, 3] strides = [2, 2] padding = [1, 1, 1, 1] ceil_mode count_include_pad : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return
}

// CHECK-LABEL: func.func @reductions
// CHECK: graph.reduce sum %{{.*}} axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
// CHECK: graph.reduce mean %{{.*}} axes = [0, 2] keepdims : tensor<2x3x4xf32> -> tensor<1x3x1xf32>
// CHECK: graph.reduce max %{{.*}} axes = [2] : tensor<2x3x4xf32> -> tensor<2x3xf32>
// CHECK: graph.reduce min %{{.*}} axes = [0] : tensor<5xi32> -> tensor<i32>
// CHECK: graph.reduce prod %{{.*}} axes = [2, 0] : tensor<2x3x4xf32> -> tensor<3xf32>
// CHECK: graph.softmax %{{.*}} axis = 2 : tensor<2x3x4xf32>
// CHECK: graph.log_softmax %{{.*}} axis = 0 : tensor<2x3x4xf32>
// CHECK: graph.layer_norm %{{.*}}, %{{.*}}, %{{.*}} axis = 2 : tensor<2x3x4xf32>, tensor<4xf32>
// CHECK: graph.layer_norm %{{.*}}, %{{.*}}, %{{.*}} axis = 1 epsilon = 9.9999999999999995E-7 : tensor<2x3x4xf32>, tensor<3x4xf32>
// CHECK: graph.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<3xf32>
// CHECK: graph.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} epsilon = 1.000000e-03 : tensor<2x3x4xf32>, tensor<3xf32>
func.func @reductions(%x: tensor<2x3x4xf32>, %i: tensor<5xi32>, %g: tensor<4xf32>, %g2: tensor<3x4xf32>, %c: tensor<3xf32>) {
  %0 = graph.reduce sum %x axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
  %1 = graph.reduce mean %x axes = [0, 2] keepdims : tensor<2x3x4xf32> -> tensor<1x3x1xf32>
  %2 = graph.reduce max %x axes = [2] : tensor<2x3x4xf32> -> tensor<2x3xf32>
  %3 = graph.reduce min %i axes = [0] : tensor<5xi32> -> tensor<i32>
  %4 = graph.reduce prod %x axes = [2, 0] : tensor<2x3x4xf32> -> tensor<3xf32>
  %5 = graph.softmax %x axis = 2 : tensor<2x3x4xf32>
  %6 = graph.log_softmax %x axis = 0 : tensor<2x3x4xf32>
  %7 = graph.layer_norm %x, %g, %g axis = 2 : tensor<2x3x4xf32>, tensor<4xf32>
  %8 = graph.layer_norm %x, %g2, %g2 axis = 1 epsilon = 1.0e-6 : tensor<2x3x4xf32>, tensor<3x4xf32>
  %9 = graph.batch_norm %x, %c, %c, %c, %c : tensor<2x3x4xf32>, tensor<3xf32>
  %10 = graph.batch_norm %x, %c, %c, %c, %c epsilon = 1.0e-3 : tensor<2x3x4xf32>, tensor<3xf32>
  return
}

// CHECK-LABEL: func.func @shapes
// CHECK: graph.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK: graph.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<?x4xf32>
// CHECK: graph.transpose %{{.*}} perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK: graph.broadcast_to %{{.*}} : tensor<3x1xf32> -> tensor<2x3x5xf32>
// CHECK: graph.concat %{{.*}}, %{{.*}} axis = 1 : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
// CHECK: graph.concat %{{.*}} axis = 0 : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
// CHECK: graph.slice %{{.*}} start = [0, 1, 0] limit = [2, 3, 4] step = [1, 1, 2] : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
// CHECK: graph.slice %{{.*}} start = [1, 2, 3] limit = [-1, -1, 0] step = [-1, -2, -3] : tensor<2x3x4xf32> -> tensor<2x2x1xf32>
// CHECK: graph.gather %{{.*}}, %{{.*}} axis = 1 : (tensor<2x3x4xf32>, tensor<5x6xi64>) -> tensor<2x5x6x4xf32>
// CHECK: graph.gather %{{.*}}, %{{.*}} axis = 0 : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<3x4xf32>
// CHECK: graph.pad %{{.*}} low = [0, 1, 2] high = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x4x8xf32>
// CHECK: graph.pad %{{.*}} low = [0, 1, 2] high = [1, 0, 2] value = -1.000000e+00 : tensor<2x3x4xf32> -> tensor<3x4x8xf32>
// CHECK: graph.pad %{{.*}} low = [0, 2, 3] high = [1, 2, 3] mode = reflect : tensor<2x3x4xf32> -> tensor<3x7x10xf32>
// CHECK: graph.pad %{{.*}} low = [0, 5, 0] high = [0, 0, 5] mode = edge : tensor<2x3x4xf32> -> tensor<2x8x9xf32>
// CHECK: graph.cast %{{.*}} : tensor<2x3x4xf32> -> tensor<2x3x4xi32>
// CHECK: graph.cast %{{.*}} : tensor<2x3x4xf32> -> tensor<2x3x4xbf16>
// CHECK: graph.cast %{{.*}} : tensor<2x3x4xf32> -> tensor<2x3x4xi1>
func.func @shapes(%x: tensor<2x3x4xf32>, %b: tensor<3x1xf32>, %y: tensor<2x5x4xf32>, %i: tensor<5x6xi64>, %k: tensor<i32>) {
  %0 = graph.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = graph.reshape %x : tensor<2x3x4xf32> -> tensor<?x4xf32>
  %2 = graph.transpose %x perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %3 = graph.broadcast_to %b : tensor<3x1xf32> -> tensor<2x3x5xf32>
  %4 = graph.concat %x, %y axis = 1 : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
  %5 = graph.concat %x axis = 0 : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %6 = graph.slice %x start = [0, 1, 0] limit = [2, 3, 4] step = [1, 1, 2] : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
  %7 = graph.slice %x start = [1, 2, 3] limit = [-1, -1, 0] step = [-1, -2, -3] : tensor<2x3x4xf32> -> tensor<2x2x1xf32>
  %8 = graph.gather %x, %i axis = 1 : (tensor<2x3x4xf32>, tensor<5x6xi64>) -> tensor<2x5x6x4xf32>
  %9 = graph.gather %x, %k axis = 0 : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<3x4xf32>
  %10 = graph.pad %x low = [0, 1, 2] high = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x4x8xf32>
  %11 = graph.pad %x low = [0, 1, 2] high = [1, 0, 2] value = -1.0 : tensor<2x3x4xf32> -> tensor<3x4x8xf32>
  %12 = graph.pad %x low = [0, 2, 3] high = [1, 2, 3] mode = reflect : tensor<2x3x4xf32> -> tensor<3x7x10xf32>
  %13 = graph.pad %x low = [0, 5, 0] high = [0, 0, 5] mode = edge : tensor<2x3x4xf32> -> tensor<2x8x9xf32>
  %14 = graph.cast %x : tensor<2x3x4xf32> -> tensor<2x3x4xi32>
  %15 = graph.cast %x : tensor<2x3x4xf32> -> tensor<2x3x4xbf16>
  %16 = graph.cast %x : tensor<2x3x4xf32> -> tensor<2x3x4xi1>
  return
}

// A dispatch region: isolated from above, its inputs are the block arguments.
// CHECK-LABEL: func.func @dispatch
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[R:.*]]:2 = graph.dispatch(%[[X]], %[[B]]) : (tensor<4x8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
// CHECK: ^bb0(%[[IN:.*]]: tensor<4x8xf32>, %[[BIAS:.*]]: tensor<8xf32>):
// CHECK: %[[SUM:.*]] = graph.add %[[IN]], %[[BIAS]]
// CHECK: %[[ACT:.*]] = graph.relu %[[SUM]]
// CHECK: graph.yield %[[SUM]], %[[ACT]] : tensor<4x8xf32>, tensor<4x8xf32>
// CHECK: return %[[R]]#1
func.func @dispatch(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %r:2 = graph.dispatch(%x, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  ^bb0(%in: tensor<4x8xf32>, %bias: tensor<8xf32>):
    %0 = graph.add %in, %bias : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    %1 = graph.relu %0 : tensor<4x8xf32>
    graph.yield %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
  }
  return %r#1 : tensor<4x8xf32>
}

// The resource blob: 4 x f32 (1, 2, 3, 4) after the 4-byte alignment header.
// CHECK: {-#
// CHECK: fc_weight: "0x040000000000803F0000004000004040
{-#
  dialect_resources: {
    builtin: {
      fc_weight: "0x040000000000803F000000400000404000008040"
    }
  }
#-}
