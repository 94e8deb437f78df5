// Folds of graph ops under the upstream canonicalizer.
// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s

// x + 0, x - 0, x * 1, x / 1, pow(x, 1) are x (and 0 + x once the
// commutative constant moves right).
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: graph.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = graph.constant dense<0.0> : tensor<3xf32>
  %negzero = graph.constant dense<-0.0> : tensor<2x3xf32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.add %x, %zero : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = graph.add %zero, %x : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = graph.sub %x, %negzero : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = graph.mul %x, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %4 = graph.div %x, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = graph.pow %x, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %6 = graph.mul %one, %x : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// An identity whose constant broadcasts x to a larger shape must stay: the
// result is not x's type. Non-identity constants stay too.
// CHECK-LABEL: func.func @identity_that_broadcasts
// CHECK: graph.add
// CHECK: graph.mul
// CHECK: graph.sub
func.func @identity_that_broadcasts(%x: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %zero = graph.constant dense<0.0> : tensor<2x3xf32>
  %two = graph.constant dense<2.0> : tensor<3xf32>
  %0 = graph.add %x, %zero : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = graph.mul %x, %two : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = graph.sub %zero, %x : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = graph.reduce sum %2 axes = [0] : tensor<2x3xf32> -> tensor<3xf32>
  return %0, %1, %3 : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Integer identities; integer division by a zero splat is left for run time.
// CHECK-LABEL: func.func @integer_identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>)
// CHECK: %[[ZERO:.*]] = graph.constant dense<0> : tensor<4xi32>
// CHECK: %[[DIV:.*]] = graph.div %[[X]], %[[ZERO]]
// CHECK: return %[[X]], %[[X]], %[[DIV]]
func.func @integer_identities(%x: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) {
  %zero = graph.constant dense<0> : tensor<4xi32>
  %one = graph.constant dense<1> : tensor<4xi32>
  %0 = graph.add %x, %zero : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = graph.mul %x, %one : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %2 = graph.div %x, %zero : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1, %2 : tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
}

// -----

// Splat operands evaluate at compile time, broadcasting to the result shape.
// CHECK-LABEL: func.func @splat_arithmetic
// CHECK-DAG: graph.constant dense<5.000000e+00> : tensor<2x3xf32>
// CHECK-DAG: graph.constant dense<-1.000000e+00> : tensor<3xf32>
// CHECK-DAG: graph.constant dense<6.000000e+00> : tensor<3xf32>
// CHECK-DAG: graph.constant dense<1.500000e+00> : tensor<3xf32>
// CHECK-DAG: graph.constant dense<3.000000e+00> : tensor<3xf32>
// CHECK-DAG: graph.constant dense<2.000000e+00> : tensor<3xf32>
// CHECK-DAG: graph.constant dense<-3> : tensor<4xi64>
// CHECK-DAG: graph.constant dense<3> : tensor<4xi64>
// CHECK-DAG: graph.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NOT: graph.add
// CHECK-NOT: graph.neg
func.func @splat_arithmetic() -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xi64>, tensor<4xi64>, tensor<3xf32>) {
  %two = graph.constant dense<2.0> : tensor<3xf32>
  %three = graph.constant dense<3.0> : tensor<2x1xf32>
  %three3 = graph.constant dense<3.0> : tensor<3xf32>
  %i = graph.constant dense<3> : tensor<4xi64>
  %0 = graph.add %two, %three : (tensor<3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %1 = graph.sub %two, %three3 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = graph.mul %two, %three3 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %3 = graph.div %three3, %two : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %4 = graph.max %two, %three3 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %5 = graph.min %two, %three3 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %6 = graph.neg %i : tensor<4xi64>
  %7 = graph.abs %6 : tensor<4xi64>
  %8 = graph.neg %two : tensor<3xf32>
  %9 = graph.relu %8 : tensor<3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %9 : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xi64>, tensor<4xi64>, tensor<3xf32>
}

// -----

// neg is an involution; abs and relu are idempotent; max/min of x with itself.
// CHECK-LABEL: func.func @unary_chains
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[ABS:.*]] = graph.abs %[[X]]
// CHECK-NEXT: %[[RELU:.*]] = graph.relu %[[X]]
// CHECK-NEXT: return %[[X]], %[[ABS]], %[[RELU]], %[[X]], %[[X]]
func.func @unary_chains(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = graph.neg %x : tensor<4xf32>
  %1 = graph.neg %0 : tensor<4xf32>
  %2 = graph.abs %x : tensor<4xf32>
  %3 = graph.abs %2 : tensor<4xf32>
  %4 = graph.relu %x : tensor<4xf32>
  %5 = graph.relu %4 : tensor<4xf32>
  %6 = graph.max %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %7 = graph.min %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %1, %3, %5, %6, %7 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A select with a splat condition or equal branches picks a branch.
// CHECK-LABEL: func.func @select
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[C:.*]]: tensor<4xi1>)
// CHECK-NOT: graph.select
// CHECK: return %[[A]], %[[B]], %[[A]]
func.func @select(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xi1>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %true = graph.constant dense<true> : tensor<4xi1>
  %false = graph.constant dense<false> : tensor<i1>
  %0 = graph.select %true, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = graph.select %false, %a, %b : (tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = graph.select %c, %a, %a : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Reshape chains collapse; a reshape to the same type is the input; a dense
// literal reshapes in place.
// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-DAG: %[[CST:.*]] = graph.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-DAG: %[[R:.*]] = graph.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK: return %[[R]], %[[X]], %[[CST]]
func.func @reshape(%x: tensor<2x3x4xf32>) -> (tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<2x2xi32>) {
  %0 = graph.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %1 = graph.reshape %0 : tensor<24xf32> -> tensor<4x6xf32>
  %2 = graph.reshape %x : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  %c = graph.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %3 = graph.reshape %c : tensor<4xi32> -> tensor<2x2xi32>
  return %1, %2, %3 : tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<2x2xi32>
}

// -----

// Transposes compose; an identity transpose is the input.
// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.*]] = graph.transpose %[[X]] perm = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
// CHECK-NEXT: return %[[T]], %[[X]], %[[X]]
func.func @transpose(%x: tensor<2x3x4xf32>) -> (tensor<3x2x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = graph.transpose %x perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %1 = graph.transpose %0 perm = [2, 1, 0] : tensor<4x2x3xf32> -> tensor<3x2x4xf32>
  %2 = graph.transpose %x perm = [0, 1, 2] : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  %3 = graph.transpose %x perm = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %4 = graph.transpose %3 perm = [1, 0, 2] : tensor<3x2x4xf32> -> tensor<2x3x4xf32>
  return %1, %2, %4 : tensor<3x2x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// broadcast_to: identity, chains, splats.
// CHECK-LABEL: func.func @broadcast_to
// CHECK-SAME: (%[[X:.*]]: tensor<3xf32>)
// CHECK-DAG: %[[B:.*]] = graph.broadcast_to %[[X]] : tensor<3xf32> -> tensor<4x2x3xf32>
// CHECK-DAG: %[[S:.*]] = graph.constant dense<7.000000e+00> : tensor<5x3xf32>
// CHECK: return %[[X]], %[[B]], %[[S]]
func.func @broadcast_to(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<4x2x3xf32>, tensor<5x3xf32>) {
  %0 = graph.broadcast_to %x : tensor<3xf32> -> tensor<3xf32>
  %1 = graph.broadcast_to %x : tensor<3xf32> -> tensor<2x3xf32>
  %2 = graph.broadcast_to %1 : tensor<2x3xf32> -> tensor<4x2x3xf32>
  %c = graph.constant dense<7.0> : tensor<1xf32>
  %3 = graph.broadcast_to %c : tensor<1xf32> -> tensor<5x3xf32>
  return %0, %2, %3 : tensor<3xf32>, tensor<4x2x3xf32>, tensor<5x3xf32>
}

// -----

// No-op data movement: one-input concat, full slice, zero pad, same-type
// cast, a reduction over size-1 dims with keepdims.
// CHECK-LABEL: func.func @no_op_movement
// CHECK-SAME: (%[[X:.*]]: tensor<2x1x4xf32>)
// CHECK-NOT: graph.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @no_op_movement(%x: tensor<2x1x4xf32>) -> (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>) {
  %0 = graph.concat %x axis = 1 : (tensor<2x1x4xf32>) -> tensor<2x1x4xf32>
  %1 = graph.slice %x start = [0, 0, 0] limit = [2, 1, 4] step = [1, 1, 1] : tensor<2x1x4xf32> -> tensor<2x1x4xf32>
  %2 = graph.pad %x low = [0, 0, 0] high = [0, 0, 0] mode = reflect : tensor<2x1x4xf32> -> tensor<2x1x4xf32>
  %3 = graph.cast %x : tensor<2x1x4xf32> -> tensor<2x1x4xf32>
  %4 = graph.reduce max %x axes = [1] keepdims : tensor<2x1x4xf32> -> tensor<2x1x4xf32>
  return %0, %1, %2, %3, %4 : tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>
}

// -----

// Movement that does change the value stays: a reversing slice, a real pad,
// a converting cast, a reduction over a real dim.
// CHECK-LABEL: func.func @real_movement
// CHECK: graph.slice
// CHECK: graph.pad
// CHECK: graph.cast
// CHECK: graph.reduce
func.func @real_movement(%x: tensor<2x1x4xf32>) -> (tensor<2x1x4xf32>, tensor<2x1x6xf32>, tensor<2x1x4xf16>, tensor<1x1x4xf32>) {
  %0 = graph.slice %x start = [1, 0, 0] limit = [-1, 1, 4] step = [-1, 1, 1] : tensor<2x1x4xf32> -> tensor<2x1x4xf32>
  %1 = graph.pad %x low = [0, 0, 1] high = [0, 0, 1] : tensor<2x1x4xf32> -> tensor<2x1x6xf32>
  %2 = graph.cast %x : tensor<2x1x4xf32> -> tensor<2x1x4xf16>
  %3 = graph.reduce sum %x axes = [0] keepdims : tensor<2x1x4xf32> -> tensor<1x1x4xf32>
  return %0, %1, %2, %3 : tensor<2x1x4xf32>, tensor<2x1x6xf32>, tensor<2x1x4xf16>, tensor<1x1x4xf32>
}

// -----

// Weights in dense resources are never copied by folding: a reshape of one
// stays a reshape.
// CHECK-LABEL: func.func @resource_not_copied
// CHECK: %[[W:.*]] = graph.constant dense_resource<w> : tensor<4xf32>
// CHECK: graph.reshape %[[W]] : tensor<4xf32> -> tensor<2x2xf32>
func.func @resource_not_copied() -> tensor<2x2xf32> {
  %w = graph.constant dense_resource<w> : tensor<4xf32>
  %0 = graph.reshape %w : tensor<4xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F000000400000404000008040"
    }
  }
#-}

// -----

// Empty inputs of a concat add nothing and are dropped; a concat left with
// one input of the result's type is that input.
// CHECK-LABEL: func.func @concat_drops_empty_inputs
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x0xf32>, %[[C:.*]]: tensor<2x4xf32>)
// CHECK: %[[AC:.*]] = graph.concat %[[A]], %[[C]] axis = 1 : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x7xf32>
// CHECK: return %[[AC]], %[[A]]
func.func @concat_drops_empty_inputs(%a: tensor<2x3xf32>, %b: tensor<2x0xf32>, %c: tensor<2x4xf32>) -> (tensor<2x7xf32>, tensor<2x3xf32>) {
  %0 = graph.concat %a, %b, %c axis = 1 : (tensor<2x3xf32>, tensor<2x0xf32>, tensor<2x4xf32>) -> tensor<2x7xf32>
  %1 = graph.concat %b, %a axis = 1 : (tensor<2x0xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x7xf32>, tensor<2x3xf32>
}

// -----

// An op whose result holds no elements computes nothing: it becomes an
// empty constant (no kernel is made for it).
// CHECK-LABEL: func.func @empty_results_are_constants
// CHECK: %[[E:.*]] = graph.constant dense<> : tensor<2x0xf32>
// CHECK-NOT: graph.slice
// CHECK-NOT: graph.relu
// CHECK: return %[[E]]
func.func @empty_results_are_constants(%x: tensor<2x8xf32>) -> tensor<2x0xf32> {
  %0 = graph.slice %x start = [0, 8] limit = [2, 8] step = [1, 1] : tensor<2x8xf32> -> tensor<2x0xf32>
  %1 = graph.relu %0 : tensor<2x0xf32>
  return %1 : tensor<2x0xf32>
}
