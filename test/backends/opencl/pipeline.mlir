// The opencl kernel pipeline on one fused kernel (add + tanh + softmax):
// the schedule keeps buffers in the device's memory; the kernel is a
// workgroup per row (softmax's reductions are trees in workgroup memory), a
// gpu.func taking the bindings in order, lowered to an OpenCL SPIR-V kernel
// with workgroup barriers and then to SPIR 1.2 bitcode in the gpu.binary.
// RUN: kiln-opt %s --pass-pipeline="builtin.module(kiln-compile{target=opencl stop-after=schedule})" -o %t.schedule.mlir
// RUN: kiln-opt %t.schedule.mlir --pass-pipeline="builtin.module(builtin.module(convert-graph-to-linalg,canonicalize,cse,kernel-tile-workgroups{max-workgroups=1073741824 min-workgroup-iterations=1 work-items=1},canonicalize,eliminate-empty-tensors,one-shot-bufferize{bufferize-function-boundaries=0},canonicalize,cse,canonicalize,kernel-distribute-workgroups,kernel-stack-temporaries,buffer-deallocation-pipeline,kernel-expand-copies,func.func(convert-linalg-to-loops),func.func(fold-memref-alias-ops),lower-affine,canonicalize,gpu-build-kernels{spirv=1},gpu.module(gpu-unroll-register-tiles,canonicalize,cse,gpu-promote-accumulators,canonicalize,cse,arith-expand),opencl-attach-target))" | FileCheck %s --check-prefix=GPU
// RUN: kiln-opt %t.schedule.mlir --pass-pipeline="builtin.module(builtin.module(convert-graph-to-linalg,canonicalize,cse,kernel-tile-workgroups{max-workgroups=1073741824 min-workgroup-iterations=1 work-items=1},canonicalize,eliminate-empty-tensors,one-shot-bufferize{bufferize-function-boundaries=0},canonicalize,cse,canonicalize,kernel-distribute-workgroups,kernel-stack-temporaries,buffer-deallocation-pipeline,kernel-expand-copies,func.func(convert-linalg-to-loops),func.func(fold-memref-alias-ops),lower-affine,canonicalize,gpu-build-kernels{spirv=1},gpu.module(gpu-unroll-register-tiles,canonicalize,cse,gpu-promote-accumulators,canonicalize,cse,arith-expand),opencl-attach-target,gpu.module(convert-math-to-spirv),convert-gpu-to-spirv{use-64bit-index=true}))" | FileCheck %s --check-prefix=SPIRV

// GPU: module @kernels_opencl attributes {exec.alignment = 128 : i64, exec.launches = {dispatch_0 = {grid = array<i64: 4, 1, 1>, shared_bytes = 256 : i64, workgroup = array<i64: 64, 1, 1>}}, exec.target = #exec.target<"opencl">, gpu.container_module}
// GPU: func.func private @dispatch_0(memref<4x100xf32>, memref<100xf32>, memref<4x100xf32>)
// GPU: gpu.module @kernels [#spirv.target_env<#spirv.vce<v1.0, [Addresses, Kernel, Int8, Int16, Int64, Float16, Float64], []>, api=OpenCL, #spirv.resource_limits<>>] attributes {spirv.target_env =
// GPU: gpu.func @dispatch_0(%[[X:.*]]: memref<4x100xf32>, %[[W:.*]]: memref<100xf32>, %[[Y:.*]]: memref<4x100xf32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>, spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [64, 1, 1]>}
// GPU: memref.alloc() : memref<64xf32, #spirv.storage_class<Workgroup>>
// GPU: math.tanh
// GPU: gpu.barrier
// GPU: math.exp
// GPU: memref.store %{{.*}}, %[[Y]]
// GPU: func.func @main(%{{.*}}: memref<4x100xf32> {exec.name = "input_0"}, %{{.*}}: memref<100xf32> {exec.name = "input_1"}, %{{.*}}: memref<4x100xf32> {exec.name = "output_0"})
// GPU: exec.transfer %{{.*}} : memref<4x100xf32>, memref<4x100xf32, "opencl">
// GPU: exec.dispatch @kernels_opencl::@dispatch_0
// GPU: exec.transfer %{{.*}} : memref<4x100xf32, "opencl">, memref<4x100xf32>
// SPIR-V: an OpenCL kernel, its arguments the bindings in order, the math
// OpenCL.std's.
// SPIRV: spirv.module @__spv__kernels Physical64 OpenCL
// SPIRV: spirv.GlobalVariable @{{.*}} : !spirv.ptr<!spirv.array<64 x f32>, Workgroup>
// SPIRV: spirv.func @dispatch_0(%{{.*}}: !spirv.ptr<!spirv.array<400 x f32>, CrossWorkgroup>, %{{.*}}: !spirv.ptr<!spirv.array<100 x f32>, CrossWorkgroup>, %{{.*}}: !spirv.ptr<!spirv.array<400 x f32>, CrossWorkgroup>)
// SPIRV: spirv.CL.tanh
// SPIRV: spirv.ControlBarrier <Workgroup>, <Workgroup>
// SPIRV: spirv.CL.exp
// SPIRV-NOT: spirv.GL.
func.func @main(%x: tensor<4x100xf32>, %w: tensor<100xf32>) -> tensor<4x100xf32> {
  %0 = graph.add %x, %w : (tensor<4x100xf32>, tensor<100xf32>) -> tensor<4x100xf32>
  %1 = graph.tanh %0 : tensor<4x100xf32>
  %2 = graph.softmax %1 axis = 1 : tensor<4x100xf32>
  return %2 : tensor<4x100xf32>
}
