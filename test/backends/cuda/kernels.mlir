// The kernel classes as ptxas sees them (sm_90; Kiln's own kernels, no
// cuBLASLt: libraries=0). A register-tiled matmul with
// its epilogue: sixteen fused multiply-adds per step on one 4-wide load of B
// through the read-only cache (bindings are noalias), the epilogue's results
// stored 4 wide. A softmax, a workgroup per row: its trees in shared memory (a
// gpu.func workgroup attribution), with barriers between levels, exp from
// libdevice inlined (no calls). A padded convolution: fused multiply-adds on
// its input read in place (bounds checks, no private window: no stack). No
// kernel spills.
// REQUIRES: cuda-toolkit
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=cuda target-options=arch=sm_90,libraries=0 stop-after=kernels})" -o %t.kernels.mlir
// RUN: kiln-opt %t.kernels.mlir --pass-pipeline="builtin.module(builtin.module(gpu-module-to-binary{format=isa toolkit=%cuda_toolkit}))" | %python %S/Inputs/ptx.py | FileCheck %s
// RUN: kiln-opt %t.kernels.mlir --pass-pipeline="builtin.module(builtin.module(cuda-serialize))" | FileCheck %s --check-prefix=PTXAS

// CHECK: // PTX sm_90
// CHECK: .target sm_90
// CHECK: .visible .entry dispatch_0(
// CHECK-COUNT-4: .param .u64 .ptr
// CHECK-NOT: mul.rn.f32
// CHECK: ld.global.nc.v4.b32
// CHECK-COUNT-16: fma.rn.f32
// CHECK-NOT: mul.rn.f32
// CHECK: st.global.v4.b32
// CHECK: .visible .entry dispatch_1(
// CHECK-NOT: call
// CHECK: ex2.approx
// CHECK: st.shared.b32
// CHECK: bar.sync 0;
// CHECK: ld.shared.b32
// CHECK: .visible .entry dispatch_2(
// CHECK-NOT: call
// CHECK: fma.rn.f32
// CHECK-NOT: malloc

// PTXAS: resources = {sm_90 = {dispatch_0 = {registers = {{[0-9]+}} : i64, shared = 0 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}, dispatch_1 = {registers = {{[0-9]+}} : i64, shared = 512 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}, dispatch_2 = {registers = {{[0-9]+}} : i64, shared = 0 : i64, spill_loads = 0 : i64, spill_stores = 0 : i64, stack = 0 : i64}}}
func.func @main(%x: tensor<512x64xf32>, %w: tensor<64x512xf32>, %b: tensor<512xf32>, %s: tensor<4x100xf32>, %img: tensor<1x8x16x16xf32>, %k: tensor<16x8x3x3xf32>) -> (tensor<512x512xf32>, tensor<4x100xf32>, tensor<1x16x16x16xf32>) {
  %0 = graph.matmul %x, %w : (tensor<512x64xf32>, tensor<64x512xf32>) -> tensor<512x512xf32>
  %1 = graph.add %0, %b : (tensor<512x512xf32>, tensor<512xf32>) -> tensor<512x512xf32>
  %2 = graph.relu %1 : tensor<512x512xf32>
  %3 = graph.exp %s : tensor<4x100xf32>
  %4 = graph.softmax %3 axis = 1 : tensor<4x100xf32>
  %5 = graph.conv2d %img, %k padding = [1, 1, 1, 1] : (tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x16x16xf32>
  return %2, %4, %5 : tensor<512x512xf32>, tensor<4x100xf32>, tensor<1x16x16x16xf32>
}
