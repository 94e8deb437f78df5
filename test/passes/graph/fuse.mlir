// graph-fuse: each rule, and each case where fusing would make a kernel worse.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(graph-fuse))" | FileCheck %s

// Rule 2: a chain of elementwise ops, with a broadcast operand, is one kernel.
// CHECK-LABEL: func.func @elementwise_chain
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[D:.*]] = graph.dispatch(%[[X]], %[[B]])
// CHECK-NEXT: ^bb0(%[[IX:.*]]: tensor<4x8xf32>, %[[IB:.*]]: tensor<8xf32>):
// CHECK-NEXT: %[[A:.*]] = graph.add %[[IX]], %[[IB]]
// CHECK-NEXT: %[[T:.*]] = graph.constant dense<2.000000e+00>
// CHECK-NEXT: %[[M:.*]] = graph.mul %[[A]], %[[T]]
// CHECK-NEXT: %[[R:.*]] = graph.relu %[[M]]
// CHECK-NEXT: graph.yield %[[R]]
// CHECK-NOT: graph.dispatch
// CHECK: return %[[D]]
func.func @elementwise_chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %two = graph.constant dense<2.0> : tensor<4x8xf32>
  %0 = graph.add %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = graph.mul %0, %two : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = graph.relu %1 : tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// Rule 2: broadcast_to is elementwise too.
// CHECK-LABEL: func.func @broadcast_chain
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.broadcast_to
// CHECK-NEXT: graph.sub
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @broadcast_chain(%x: tensor<4x8xf32>, %b: tensor<1x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.broadcast_to %b : tensor<1x8xf32> -> tensor<4x8xf32>
  %1 = graph.sub %x, %0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// Rule 1: a matmul takes its bias, activation and residual add.
// CHECK-LABEL: func.func @matmul_epilogue
// CHECK: %[[D:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.gelu
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @matmul_epilogue(%x: tensor<4x16xf32>, %w: tensor<16x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = graph.matmul %x, %w : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  %1 = graph.add %0, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %2 = graph.gelu %1 : tensor<4x16xf32>
  %3 = graph.add %2, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %3 : tensor<4x16xf32>
}

// -----

// Rule 1: a convolution takes batch norm (with non-constant parameters),
// the residual add and the ReLU.
// CHECK-LABEL: func.func @conv_epilogue
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.conv2d
// CHECK-NEXT: graph.batch_norm
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.relu
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @conv_epilogue(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %p: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %0 = graph.conv2d %x, %w padding = [1, 1, 1, 1] : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.batch_norm %0, %p, %p, %p, %p : tensor<1x4x8x8xf32>, tensor<4xf32>
  %2 = graph.add %1, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %3 = graph.relu %2 : tensor<1x4x8x8xf32>
  return %3 : tensor<1x4x8x8xf32>
}

// -----

// Rule 1 stops where the chain broadcasts the result up (it would be
// recomputed per broadcast element) and where a link has a second user;
// the value with two users is the dispatch's result.
// CHECK-LABEL: func.func @epilogue_stops
// CHECK: %[[MM:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.relu
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[MM]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.neg
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[MM]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.yield
func.func @epilogue_stops(%x: tensor<1x8xf32>, %w: tensor<8x8xf32>, %y: tensor<4x8xf32>) -> (tensor<1x8xf32>, tensor<4x8xf32>) {
  %0 = graph.matmul %x, %w : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32>
  %1 = graph.relu %0 : tensor<1x8xf32>
  %2 = graph.neg %1 : tensor<1x8xf32>
  %3 = graph.add %1, %y : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %2, %3 : tensor<1x8xf32>, tensor<4x8xf32>
}

// -----

// Rule 2: softmax takes its elementwise prologue (attention's scale); the
// matmul before it keeps its own kernel.
// CHECK-LABEL: func.func @softmax_prologue
// CHECK: %[[S:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.constant
// CHECK-NEXT: graph.mul
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[S]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.softmax
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @softmax_prologue(%q: tensor<2x8x4xf32>, %k: tensor<2x4x8xf32>) -> tensor<2x8x8xf32> {
  %scale = graph.constant dense<0.5> : tensor<2x8x8xf32>
  %0 = graph.matmul %q, %k : (tensor<2x8x4xf32>, tensor<2x4x8xf32>) -> tensor<2x8x8xf32>
  %1 = graph.mul %0, %scale : (tensor<2x8x8xf32>, tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %2 = graph.softmax %1 axis = 2 : tensor<2x8x8xf32>
  return %2 : tensor<2x8x8xf32>
}

// -----

// Rule 2: a layer norm takes the residual add before it.
// CHECK-LABEL: func.func @layer_norm_prologue
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.layer_norm
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @layer_norm_prologue(%x: tensor<4x16xf32>, %r: tensor<4x16xf32>, %g: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = graph.add %x, %r : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = graph.layer_norm %0, %g, %g axis = 1 : tensor<4x16xf32>, tensor<16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// Rule 2 with reductions: mean, variance and the normalization of a
// decomposed layer norm reduce the same rows, so they are one kernel.
// CHECK-LABEL: func.func @mean_variance
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.reduce mean
// CHECK-NEXT: graph.sub
// CHECK-NEXT: graph.mul
// CHECK-NEXT: graph.reduce mean
// CHECK: graph.rsqrt
// CHECK-NEXT: graph.mul
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @mean_variance(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %eps = graph.constant dense<1.0e-5> : tensor<4x1xf32>
  %mean = graph.reduce mean %x axes = [1] keepdims : tensor<4x16xf32> -> tensor<4x1xf32>
  %d = graph.sub %x, %mean : (tensor<4x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  %sq = graph.mul %d, %d : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %var = graph.reduce mean %sq axes = [1] keepdims : tensor<4x16xf32> -> tensor<4x1xf32>
  %ve = graph.add %var, %eps : (tensor<4x1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %inv = graph.rsqrt %ve : tensor<4x1xf32>
  %y = graph.mul %d, %inv : (tensor<4x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Never: a reduction into a group that reduces other axes. The row sums
// stay their own kernel; the column sums take the subtraction.
// CHECK-LABEL: func.func @reduction_other_axis
// CHECK: %[[ROWS:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.reduce sum
// CHECK-SAME: axes = [1]
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%{{.*}}, %[[ROWS]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.sub
// CHECK-NEXT: graph.reduce sum
// CHECK-SAME: axes = [0]
// CHECK-NEXT: graph.yield
func.func @reduction_other_axis(%x: tensor<4x8xf32>) -> tensor<1x8xf32> {
  %r = graph.reduce sum %x axes = [1] keepdims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = graph.sub %x, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %c = graph.reduce sum %d axes = [0] keepdims : tensor<4x8xf32> -> tensor<1x8xf32>
  return %c : tensor<1x8xf32>
}

// -----

// Rule 3: an elementwise producer read by two kernels is recomputed in each.
// CHECK-LABEL: func.func @recompute_elementwise
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.softmax
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.layer_norm
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @recompute_elementwise(%x: tensor<4x16xf32>, %g: tensor<16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = graph.add %x, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = graph.softmax %0 axis = 1 : tensor<4x16xf32>
  %2 = graph.layer_norm %0, %g, %g axis = 1 : tensor<4x16xf32>, tensor<16xf32>
  return %1, %2 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// Rule 3: a contraction read by two kernels is computed once, into a buffer.
// CHECK-LABEL: func.func @keep_contraction
// CHECK: %[[MM:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[MM]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.relu
// CHECK: graph.dispatch(%[[MM]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.tanh
func.func @keep_contraction(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = graph.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = graph.relu %0 : tensor<4x8xf32>
  %2 = graph.tanh %0 : tensor<4x8xf32>
  return %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Never: two matmuls in one kernel.
// CHECK-LABEL: func.func @two_matmuls
// CHECK: %[[FIRST:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[FIRST]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.yield
func.func @two_matmuls(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = graph.matmul %0, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// Never: an elementwise producer into a contraction's operand (the matmul
// reads each element N times), even when the matmul is its only user.
// CHECK-LABEL: func.func @no_matmul_prologue
// CHECK: %[[R:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.relu
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[R]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.yield
func.func @no_matmul_prologue(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.relu %x : tensor<4x8xf32>
  %1 = graph.matmul %0, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// Never: an elementwise producer that is also read by the contraction of the
// group its other reader is in (it would be recomputed per matmul read).
// CHECK-LABEL: func.func @shared_with_contraction
// CHECK: %[[N:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.neg
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[N]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.yield
func.func @shared_with_contraction(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %0 = graph.neg %x : tensor<8x8xf32>
  %1 = graph.matmul %0, %0 : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  %2 = graph.add %1, %0 : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  return %2 : tensor<8x8xf32>
}

// -----

// Never: a transcendental producer whose result is broadcast (exp per row
// element would be recomputed per column); a cheap one is.
// CHECK-LABEL: func.func @broadcast_producers
// CHECK: %[[E:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.exp
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%{{.*}}, %{{.*}}, %[[E]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.neg
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.yield
// CHECK-NOT: graph.dispatch
func.func @broadcast_producers(%x: tensor<4x8xf32>, %a: tensor<1x8xf32>, %b: tensor<1x8xf32>) -> tensor<4x8xf32> {
  %e = graph.exp %a : tensor<1x8xf32>
  %n = graph.neg %b : tensor<1x8xf32>
  %0 = graph.add %x, %e : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %1 = graph.add %0, %n : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// Pooling takes its epilogue but no producer (windows overlap).
// CHECK-LABEL: func.func @pooling
// CHECK: %[[R:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.relu
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[R]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.max_pool2d
// CHECK-NEXT: graph.neg
// CHECK-NEXT: graph.yield
func.func @pooling(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %0 = graph.relu %x : tensor<1x2x8x8xf32>
  %1 = graph.max_pool2d %0 kernel = [2, 2] strides = [2, 2] : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  %2 = graph.neg %1 : tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Rule 4: pooling takes the convolution group computing its input (ResNet's
// stem): one kernel computes whole channels of conv, relu, pooling and the
// pooling's epilogue. The convolution's padding is a pad of its own.
// CHECK-LABEL: func.func @conv_pooling
// CHECK: %[[P:.*]] = graph.dispatch(%{{.*}}) : (tensor<1x2x8x8xf32>) -> tensor<1x2x10x10xf32>
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.pad %{{.*}} low = [0, 0, 1, 1] high = [0, 0, 1, 1]
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[P]], %{{.*}})
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.conv2d %{{.*}} : (tensor<1x2x10x10xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT: graph.relu
// CHECK-NEXT: graph.max_pool2d
// CHECK-NEXT: graph.neg
// CHECK-NEXT: graph.yield
func.func @conv_pooling(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %0 = graph.conv2d %x, %w padding = [1, 1, 1, 1] : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  %2 = graph.max_pool2d %1 kernel = [2, 2] strides = [2, 2] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  %3 = graph.neg %2 : tensor<1x4x4x4xf32>
  return %3 : tensor<1x4x4x4xf32>
}

// -----

// Not when the convolution's result is read elsewhere too: it is a buffer
// anyway, and the pooling kernel would recompute the convolution.
// CHECK-LABEL: func.func @conv_pooling_shared
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.conv2d %{{.*}} padding = [1, 1, 1, 1]
// CHECK-NEXT: graph.relu
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.max_pool2d
// CHECK-NEXT: graph.yield
func.func @conv_pooling_shared(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>) {
  %0 = graph.conv2d %x, %w padding = [1, 1, 1, 1] : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  %2 = graph.max_pool2d %1 kernel = [2, 2] strides = [2, 2] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return %2, %1 : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>
}

// -----

// Never: data movement joins a kernel. Reshapes stay outside (sunk below
// the elementwise op that read them, y viewed to match); the transpose
// stays before the add, as y has no transposed copy.
// CHECK-LABEL: func.func @data_movement
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[Y:.*]]: tensor<32xf32>)
// CHECK: %[[N:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.neg
// CHECK-NEXT: graph.yield
// CHECK: %[[T:.*]] = graph.dispatch(%[[N]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.transpose
// CHECK-NEXT: graph.yield
// CHECK: %[[YV:.*]] = graph.reshape %[[Y]] : tensor<32xf32> -> tensor<8x4xf32>
// CHECK: %[[E:.*]] = graph.dispatch(%[[T]], %[[YV]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.add
// CHECK-NEXT: graph.yield
// CHECK: graph.reshape %[[E]]
func.func @data_movement(%x: tensor<4x8xf32>, %y: tensor<32xf32>) -> tensor<32xf32> {
  %0 = graph.neg %x : tensor<4x8xf32>
  %1 = graph.transpose %0 perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %2 = graph.reshape %1 : tensor<8x4xf32> -> tensor<32xf32>
  %3 = graph.add %2, %y : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
  return %3 : tensor<32xf32>
}

// -----

// Reshapes sink below elementwise ops first, so the view PyTorch's linear
// puts between the matmul and its bias and activation does not cut the
// epilogue; the residual operand is viewed in the matmul's shape instead.
// CHECK-LABEL: func.func @reshape_in_epilogue
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[W:.*]]: tensor<8x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[FLAT:.*]] = graph.reshape %[[X]] : tensor<2x4x8xf32> -> tensor<8x8xf32>
// CHECK-NOT: graph.reshape
// CHECK: %[[D:.*]] = graph.dispatch(%[[FLAT]], %[[W]], %[[B]])
// CHECK-NEXT: ^bb0(%[[IN:.*]]: tensor<8x8xf32>, %{{.*}}: tensor<8x8xf32>, %{{.*}}: tensor<8xf32>):
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.add {{.*}} -> tensor<8x8xf32>
// CHECK-NEXT: graph.relu {{.*}} : tensor<8x8xf32>
// CHECK-NEXT: graph.add {{.*}}, %[[IN]] : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-NEXT: graph.yield
// CHECK: %[[Y:.*]] = graph.reshape %[[D]] : tensor<8x8xf32> -> tensor<2x4x8xf32>
// CHECK-NOT: graph.reshape
// CHECK: return %[[Y]]
func.func @reshape_in_epilogue(%x: tensor<2x4x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %0 = graph.reshape %x : tensor<2x4x8xf32> -> tensor<8x8xf32>
  %1 = graph.matmul %0, %w : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  %2 = graph.reshape %1 : tensor<8x8xf32> -> tensor<2x4x8xf32>
  %3 = graph.add %2, %b : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %4 = graph.relu %3 : tensor<2x4x8xf32>
  %5 = graph.add %4, %x : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %5 : tensor<2x4x8xf32>
}

// -----

// A reshape stays where an operand broadcasts along dims it changes.
// CHECK-LABEL: func.func @reshape_stays
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.neg
// CHECK: graph.reshape
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.add
func.func @reshape_stays(%x: tensor<8xf32>, %b: tensor<2x1xf32>) -> tensor<2x4xf32> {
  %0 = graph.neg %x : tensor<8xf32>
  %1 = graph.reshape %0 : tensor<8xf32> -> tensor<2x4xf32>
  %2 = graph.add %1, %b : (tensor<2x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %2 : tensor<2x4xf32>
}

// -----

// Transposes sink too when that is free: here the residual is already
// available in the pre-transpose layout (PyTorch's batch-first attention
// transposes its input at the start), so the residual add rides on the
// output projection and the transpose moves after it.
// CHECK-LABEL: func.func @transpose_in_epilogue
// CHECK: %[[XT:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.transpose
// CHECK-NEXT: graph.yield
// CHECK: %[[FLAT:.*]] = graph.reshape %[[XT]] : tensor<4x2x8xf32> -> tensor<8x8xf32>
// CHECK: %[[MM:.*]] = graph.dispatch(%[[FLAT]], %{{.*}})
// CHECK-NEXT: ^bb0(%[[IN:.*]]: tensor<8x8xf32>, %{{.*}}: tensor<8x8xf32>):
// CHECK-NEXT: graph.matmul
// CHECK-NEXT: graph.add {{.*}}, %[[IN]] : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-NEXT: graph.yield
// CHECK: %[[V:.*]] = graph.reshape %[[MM]] : tensor<8x8xf32> -> tensor<4x2x8xf32>
// CHECK: %[[T:.*]] = graph.dispatch(%[[V]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.transpose
// CHECK-NEXT: graph.yield
// CHECK: graph.dispatch(%[[T]], %{{.*}})
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.layer_norm
func.func @transpose_in_epilogue(%x: tensor<2x4x8xf32>, %w: tensor<8x8xf32>, %g: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %xt = graph.transpose %x perm = [1, 0, 2] : tensor<2x4x8xf32> -> tensor<4x2x8xf32>
  %flat = graph.reshape %xt : tensor<4x2x8xf32> -> tensor<8x8xf32>
  %m = graph.matmul %flat, %w : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  %v = graph.reshape %m : tensor<8x8xf32> -> tensor<4x2x8xf32>
  %t = graph.transpose %v perm = [1, 0, 2] : tensor<4x2x8xf32> -> tensor<2x4x8xf32>
  %r = graph.add %t, %x : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %n = graph.layer_norm %r, %g, %g axis = 2 : tensor<2x4x8xf32>, tensor<8xf32>
  return %n : tensor<2x4x8xf32>
}

// -----

// A transpose stays where sinking it would add one: the other operand has
// no transposed copy, or the transpose has another reader.
// CHECK-LABEL: func.func @transpose_stays
// CHECK: %[[T:.*]] = graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.transpose
// CHECK: graph.dispatch(%[[T]], %{{.*}})
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.add
// CHECK: graph.dispatch(%[[T]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.constant
// CHECK-NEXT: graph.mul
func.func @transpose_stays(%x: tensor<4x8xf32>, %y: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %two = graph.constant dense<2.0> : tensor<8x4xf32>
  %t = graph.transpose %x perm = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %a = graph.add %t, %y : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  %b = graph.mul %t, %two : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %a, %b : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// A full-shape splat is resized to the layout before the reshape, so the
// sunk op still broadcasts correctly.
// CHECK-LABEL: func.func @splat_through_reshape
// CHECK: graph.dispatch
// CHECK-NEXT: ^bb0
// CHECK-NEXT: graph.neg {{.*}} : tensor<8xf32>
// CHECK-NEXT: graph.constant dense<3.000000e+00> : tensor<8xf32>
// CHECK-NEXT: graph.mul {{.*}} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK: graph.reshape {{.*}} : tensor<8xf32> -> tensor<2x4xf32>
func.func @splat_through_reshape(%x: tensor<8xf32>) -> tensor<2x4xf32> {
  %three = graph.constant dense<3.0> : tensor<2x4xf32>
  %0 = graph.neg %x : tensor<8xf32>
  %1 = graph.reshape %0 : tensor<8xf32> -> tensor<2x4xf32>
  %2 = graph.mul %1, %three : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %2 : tensor<2x4xf32>
}
