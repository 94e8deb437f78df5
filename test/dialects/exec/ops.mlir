// Round trip of every exec op (custom, generic and bytecode forms).
// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s -mlir-print-op-generic | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --emit-bytecode | kiln-opt | FileCheck %s

// A whole schedule: constants, a transient buffer, a view, two launches and
// a copy into the output.
// CHECK-LABEL: module @kernels_cpu attributes {exec.target = #exec.target<"cpu">}
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<2x8xf32> {exec.name = "x"}, %[[Y:.*]]: memref<16xf32> {exec.name = "y"}, %[[Z:.*]]: memref<2x8xf32> {exec.name = "z"})
// CHECK-SAME: attributes {exec.entry, exec.num_inputs = 1 : i64}
// CHECK: %[[W:.*]] = exec.constant dense<1.000000e+00> : tensor<8xf32> : memref<8xf32>
// CHECK: %[[T:.*]] = exec.alloc : memref<2x8xf32>
// CHECK: exec.dispatch @kernels_cpu::@add ins(%[[X]], %[[W]] : memref<2x8xf32>, memref<8xf32>) outs(%[[T]] : memref<2x8xf32>)
// CHECK: %[[V:.*]] = exec.view %[[T]] : memref<2x8xf32> to memref<16xf32>
// CHECK: exec.dispatch @kernels_cpu::@neg ins(%[[V]] : memref<16xf32>) outs(%[[Y]] : memref<16xf32>)
// CHECK: exec.copy %[[T]], %[[Z]] : memref<2x8xf32>, memref<2x8xf32>
// A device's buffers: weights there, inputs transferred in, results out.
// CHECK-LABEL: module @kernels_opencl attributes {exec.target = #exec.target<"opencl", {platform = "pocl"}>}
// CHECK-LABEL: func.func @on_device
// CHECK: %[[DW:.*]] = exec.constant dense<1.000000e+00> : tensor<8xf32> : memref<8xf32, "opencl">
// CHECK: %[[DX:.*]] = exec.alloc : memref<8xf32, "opencl">
// CHECK: exec.transfer %{{.*}}, %[[DX]] : memref<8xf32>, memref<8xf32, "opencl">
// CHECK: exec.dispatch @kernels_opencl::@add ins(%[[DX]], %[[DW]] : memref<8xf32, "opencl">, memref<8xf32, "opencl">) outs(%[[DY:.*]] : memref<8xf32, "opencl">)
// CHECK: exec.transfer %[[DY]], %{{.*}} : memref<8xf32, "opencl">, memref<8xf32>
// A planned buffer, placed in the host arena the function records.
// CHECK-LABEL: func.func @planned
// CHECK-SAME: exec.arenas = {host = {alignment = 64 : i64, bytes = 128 : i64}}
// CHECK: exec.alloc in "host" at 64 : memref<2x8xf32>
// Collectives over the axes of the function's device mesh.
// CHECK-LABEL: func.func @collectives
// CHECK-SAME: attributes {exec.mesh = array<i64: 2, 2>}
// CHECK: exec.all_reduce %{{.*}}, %{{.*}} axes = [1] reduction = "sum" : memref<2x8xf32>, memref<2x8xf32>
// CHECK: exec.all_gather %{{.*}}, %{{.*}} axes = [0] dim = 0 : memref<2x8xf32>, memref<4x8xf32>
// CHECK: exec.reduce_scatter %{{.*}}, %{{.*}} axes = [0] dim = 0 reduction = "max" : memref<2x8xf32>, memref<1x8xf32>
// CHECK: exec.all_to_all %{{.*}}, %{{.*}} axes = [0] split_dim = 1 concat_dim = 0 : memref<2x8xf32>, memref<4x4xf32>
// CHECK: exec.all_slice %{{.*}}, %{{.*}} axes = [1] dim = 1 : memref<2x8xf32>, memref<2x4xf32>
// CHECK: exec.constant dense<2.000000e+00> : tensor<4x8xf32> split = [array<i16: 0>, array<i16: 1>] : memref<2x4xf32>
module {
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu">} {
    func.func @add(%a: tensor<2x8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
      %0 = graph.add %a, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
      return %0 : tensor<2x8xf32>
    }
    func.func @neg(%a: tensor<16xf32>) -> tensor<16xf32> {
      %0 = graph.neg %a : tensor<16xf32>
      return %0 : tensor<16xf32>
    }
  }
  func.func @main(%x: memref<2x8xf32> {exec.name = "x"}, %y: memref<16xf32> {exec.name = "y"}, %z: memref<2x8xf32> {exec.name = "z"}) attributes {exec.entry, exec.num_inputs = 1 : i64} {
    %w = exec.constant dense<1.0> : tensor<8xf32> : memref<8xf32>
    %t = exec.alloc : memref<2x8xf32>
    exec.dispatch @kernels_cpu::@add ins(%x, %w : memref<2x8xf32>, memref<8xf32>) outs(%t : memref<2x8xf32>)
    %v = exec.view %t : memref<2x8xf32> to memref<16xf32>
    exec.dispatch @kernels_cpu::@neg ins(%v : memref<16xf32>) outs(%y : memref<16xf32>)
    exec.copy %t, %z : memref<2x8xf32>, memref<2x8xf32>
    return
  }
  module @kernels_opencl attributes {exec.target = #exec.target<"opencl", {platform = "pocl"}>} {
    func.func @add(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
      %0 = graph.add %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
      return %0 : tensor<8xf32>
    }
  }
  func.func @on_device(%x: memref<8xf32>, %y: memref<8xf32>) {
    %w = exec.constant dense<1.0> : tensor<8xf32> : memref<8xf32, "opencl">
    %dx = exec.alloc : memref<8xf32, "opencl">
    exec.transfer %x, %dx : memref<8xf32>, memref<8xf32, "opencl">
    %dy = exec.alloc : memref<8xf32, "opencl">
    exec.dispatch @kernels_opencl::@add ins(%dx, %w : memref<8xf32, "opencl">, memref<8xf32, "opencl">) outs(%dy : memref<8xf32, "opencl">)
    exec.transfer %dy, %y : memref<8xf32, "opencl">, memref<8xf32>
    return
  }
  func.func @planned() attributes {exec.arenas = {host = {alignment = 64 : i64, bytes = 128 : i64}}} {
    %t = exec.alloc in "host" at 64 : memref<2x8xf32>
    return
  }
  func.func @collectives(%a: memref<2x8xf32>, %b: memref<2x8xf32>, %g: memref<4x8xf32>, %s: memref<1x8xf32>, %t: memref<4x4xf32>, %q: memref<2x4xf32>) attributes {exec.mesh = array<i64: 2, 2>} {
    exec.all_reduce %a, %b axes = [1] reduction = "sum" : memref<2x8xf32>, memref<2x8xf32>
    exec.all_gather %a, %g axes = [0] dim = 0 : memref<2x8xf32>, memref<4x8xf32>
    exec.reduce_scatter %a, %s axes = [0] dim = 0 reduction = "max" : memref<2x8xf32>, memref<1x8xf32>
    exec.all_to_all %a, %t axes = [0] split_dim = 1 concat_dim = 0 : memref<2x8xf32>, memref<4x4xf32>
    exec.all_slice %a, %q axes = [1] dim = 1 : memref<2x8xf32>, memref<2x4xf32>
    %w = exec.constant dense<2.0> : tensor<4x8xf32> split = [array<i16: 0>, array<i16: 1>] : memref<2x4xf32>
    return
  }
}

