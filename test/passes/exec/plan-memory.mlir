// exec-plan-memory: buffers placed greedy by size with best fit, offsets
// aligned per device, elementwise dispatches in place.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(exec-plan-memory{in-place=false})" | FileCheck %s
// RUN: kiln-opt %s -split-input-file -exec-plan-memory | FileCheck %s --check-prefix=INPLACE

// Four buffers over four steps, lifetimes A [0,1], B [0,3], D [1,2],
// C [2,3]. Largest first: A at 0; B overlaps A, so above it at 1024; C
// overlaps only B and fits the 1024-byte gap below it, at 0; D overlaps all
// three and goes on top at 2048. The arena (2304) is the bytes live at step
// 1 (A + B + D): the lower bound. Naive: one allocation each, 2816 bytes.
// CHECK-LABEL: func.func @best_fit
// CHECK-SAME: exec.arenas = {host = {alignment = 64 : i64, buffers = 4 : i64, bytes = 2304 : i64, in_place = 0 : i64, lower_bound_bytes = 2304 : i64, naive_bytes = 2816 : i64}}
// CHECK: %[[A:.*]] = exec.alloc in "host" at 0 : memref<256xf32>
// CHECK: %[[B:.*]] = exec.alloc in "host" at 1024 : memref<256xf32>
// CHECK: %[[D:.*]] = exec.alloc in "host" at 2048 : memref<64xf32>
// CHECK: %[[C:.*]] = exec.alloc in "host" at 0 : memref<128xf32>
module {
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu">} {
    func.func private @split(tensor<4xf32>) -> (tensor<256xf32>, tensor<256xf32>)
    func.func private @shrink(tensor<256xf32>) -> tensor<64xf32>
    func.func private @grow(tensor<64xf32>) -> tensor<128xf32>
    func.func private @combine(tensor<256xf32>, tensor<128xf32>) -> tensor<4xf32>
  }
  func.func @best_fit(%x: memref<4xf32>, %y: memref<4xf32>) attributes {exec.entry, exec.num_inputs = 1 : i64} {
    %a = exec.alloc : memref<256xf32>
    %b = exec.alloc : memref<256xf32>
    exec.dispatch @kernels_cpu::@split ins(%x : memref<4xf32>) outs(%a, %b : memref<256xf32>, memref<256xf32>)
    %d = exec.alloc : memref<64xf32>
    exec.dispatch @kernels_cpu::@shrink ins(%a : memref<256xf32>) outs(%d : memref<64xf32>)
    %c = exec.alloc : memref<128xf32>
    exec.dispatch @kernels_cpu::@grow ins(%d : memref<64xf32>) outs(%c : memref<128xf32>)
    exec.dispatch @kernels_cpu::@combine ins(%b, %c : memref<256xf32>, memref<128xf32>) outs(%y : memref<4xf32>)
    return
  }
}

// -----

// A device that wants 256-byte alignment (its kernel module says so): two
// A device's buffers are planned in its own arena ("gpu", the memory of
// their type), aligned as its kernel module asks: 100-byte buffers live at
// the same step sit 256 bytes apart, and a view keeps its buffer live. The
// lower bound counts bytes, not alignment: 200. The caller's buffers stay
// on the host, reached by transfers.
// CHECK-LABEL: func.func @aligned
// CHECK-SAME: exec.arenas = {gpu = {alignment = 256 : i64, buffers = 4 : i64, bytes = 512 : i64, in_place = 0 : i64, lower_bound_bytes = 200 : i64, naive_bytes = 400 : i64}}
// CHECK: exec.alloc in "gpu" at 0 : memref<25xf32, "gpu">
// CHECK: exec.transfer
// CHECK: exec.alloc in "gpu" at 256 : memref<25xf32, "gpu">
// CHECK: exec.alloc in "gpu" at 0 : memref<25xf32, "gpu">
// CHECK: exec.alloc in "gpu" at 256 : memref<25xf32, "gpu">
module {
  module @kernels_gpu attributes {exec.target = #exec.target<"gpu">, exec.alignment = 256 : i64} {
    func.func private @k(tensor<25xf32>) -> tensor<25xf32>
    func.func private @k5x5(tensor<5x5xf32>) -> tensor<25xf32>
  }
  func.func @aligned(%x: memref<25xf32>, %y: memref<25xf32>) attributes {exec.entry, exec.num_inputs = 1 : i64} {
    %in = exec.alloc : memref<25xf32, "gpu">
    exec.transfer %x, %in : memref<25xf32>, memref<25xf32, "gpu">
    %a = exec.alloc : memref<25xf32, "gpu">
    exec.dispatch @kernels_gpu::@k ins(%in : memref<25xf32, "gpu">) outs(%a : memref<25xf32, "gpu">)
    %v = exec.view %a : memref<25xf32, "gpu"> to memref<5x5xf32, "gpu">
    %b = exec.alloc : memref<25xf32, "gpu">
    exec.dispatch @kernels_gpu::@k5x5 ins(%v : memref<5x5xf32, "gpu">) outs(%b : memref<25xf32, "gpu">)
    %c = exec.alloc : memref<25xf32, "gpu">
    exec.dispatch @kernels_gpu::@k ins(%b : memref<25xf32, "gpu">) outs(%c : memref<25xf32, "gpu">)
    exec.transfer %c, %y : memref<25xf32, "gpu">, memref<25xf32>
    return
  }
}

// -----

// In place: relu overwrites neg's result, which dies there (one buffer
// left, bound as relu's input and output); tanh reads that buffer through a
// view, so it writes into the view; add overwrites its first input. Neg does
// not overwrite the caller's input, softmax (a reduction) and exp (its input
// read again later) keep buffers of their own, and the last exp writes the
// caller's output. Three buffers remain: A [0,3], S [3,5], E [4,6].
// INPLACE-LABEL: func.func @in_place
// INPLACE-SAME: exec.arenas = {host = {alignment = 64 : i64, buffers = 6 : i64, bytes = 128 : i64, in_place = 3 : i64, lower_bound_bytes = 128 : i64, naive_bytes = 384 : i64}}
// INPLACE: %[[A:.*]] = exec.alloc in "host" at 0 : memref<16xf32>
// INPLACE: exec.dispatch @kernels_cpu::@neg ins(%arg0 : memref<16xf32>) outs(%[[A]] : memref<16xf32>)
// INPLACE: exec.dispatch @kernels_cpu::@relu ins(%[[A]] : memref<16xf32>) outs(%[[A]] : memref<16xf32>)
// INPLACE: %[[V:.*]] = exec.view %[[A]] : memref<16xf32> to memref<4x4xf32>
// INPLACE: exec.dispatch @kernels_cpu::@tanh ins(%[[V]] : memref<4x4xf32>) outs(%[[V]] : memref<4x4xf32>)
// INPLACE: %[[S:.*]] = exec.alloc in "host" at 64 : memref<4x4xf32>
// INPLACE: exec.dispatch @kernels_cpu::@softmax ins(%[[V]] : memref<4x4xf32>) outs(%[[S]] : memref<4x4xf32>)
// INPLACE: %[[E:.*]] = exec.alloc in "host" at 0 : memref<4x4xf32>
// INPLACE: exec.dispatch @kernels_cpu::@exp ins(%[[S]] : memref<4x4xf32>) outs(%[[E]] : memref<4x4xf32>)
// INPLACE-NOT: exec.alloc
// INPLACE: exec.dispatch @kernels_cpu::@add ins(%[[E]], %[[S]] : memref<4x4xf32>, memref<4x4xf32>) outs(%[[E]] : memref<4x4xf32>)
// INPLACE: exec.dispatch @kernels_cpu::@exp ins(%[[E]] : memref<4x4xf32>) outs(%arg1 : memref<4x4xf32>)
// Without in-place reuse, six buffers; the arena is still the lower bound.
// CHECK-LABEL: func.func @in_place
// CHECK-SAME: exec.arenas = {host = {alignment = 64 : i64, buffers = 6 : i64, bytes = 192 : i64, in_place = 0 : i64, lower_bound_bytes = 192 : i64, naive_bytes = 384 : i64}}
module {
  module @kernels_cpu attributes {exec.target = #exec.target<"cpu">} {
    func.func @neg(%a: tensor<16xf32>) -> tensor<16xf32> {
      %0 = graph.neg %a : tensor<16xf32>
      return %0 : tensor<16xf32>
    }
    func.func @relu(%a: tensor<16xf32>) -> tensor<16xf32> {
      %0 = graph.relu %a : tensor<16xf32>
      return %0 : tensor<16xf32>
    }
    func.func @tanh(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
      %0 = graph.tanh %a : tensor<4x4xf32>
      return %0 : tensor<4x4xf32>
    }
    func.func @softmax(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
      %0 = graph.softmax %a axis = 1 : tensor<4x4xf32>
      return %0 : tensor<4x4xf32>
    }
    func.func @exp(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
      %0 = graph.exp %a : tensor<4x4xf32>
      return %0 : tensor<4x4xf32>
    }
    func.func @add(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<4x4xf32> {
      %0 = graph.add %a, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
      return %0 : tensor<4x4xf32>
    }
  }
  func.func @in_place(%x: memref<16xf32>, %y: memref<4x4xf32>) attributes {exec.entry, exec.num_inputs = 1 : i64} {
    %a = exec.alloc : memref<16xf32>
    exec.dispatch @kernels_cpu::@neg ins(%x : memref<16xf32>) outs(%a : memref<16xf32>)
    %b = exec.alloc : memref<16xf32>
    exec.dispatch @kernels_cpu::@relu ins(%a : memref<16xf32>) outs(%b : memref<16xf32>)
    %v = exec.view %b : memref<16xf32> to memref<4x4xf32>
    %t = exec.alloc : memref<4x4xf32>
    exec.dispatch @kernels_cpu::@tanh ins(%v : memref<4x4xf32>) outs(%t : memref<4x4xf32>)
    %s = exec.alloc : memref<4x4xf32>
    exec.dispatch @kernels_cpu::@softmax ins(%t : memref<4x4xf32>) outs(%s : memref<4x4xf32>)
    %e = exec.alloc : memref<4x4xf32>
    exec.dispatch @kernels_cpu::@exp ins(%s : memref<4x4xf32>) outs(%e : memref<4x4xf32>)
    %f = exec.alloc : memref<4x4xf32>
    exec.dispatch @kernels_cpu::@add ins(%e, %s : memref<4x4xf32>, memref<4x4xf32>) outs(%f : memref<4x4xf32>)
    exec.dispatch @kernels_cpu::@exp ins(%f : memref<4x4xf32>) outs(%y : memref<4x4xf32>)
    return
  }
}
