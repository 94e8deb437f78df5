// gpu-unroll-register-tiles: the loops over a work item's tile of outputs,
// inside its reduction loop, are unrolled; then each output's sum is carried
// in a register (gpu-promote-accumulators) and shared operand loads merge.
// RUN: kiln-opt %s -split-input-file -gpu-unroll-register-tiles | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(gpu-unroll-register-tiles,canonicalize,cse,gpu-promote-accumulators,canonicalize,cse)" | FileCheck %s --check-prefix=REGS

// A 2x2 tile of a matmul's outputs, k outermost.
// CHECK-LABEL: func.func @matmul_tile
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK-COUNT-4: memref.store
// CHECK-NOT: memref.store
// REGS-LABEL: func.func @matmul_tile
// REGS-SAME: (%[[A:.*]]: memref<8x8xf32>, %[[B:.*]]: memref<8x8xf32>, %[[C:.*]]: memref<8x8xf32>
// REGS-COUNT-4: memref.load %[[C]]
// REGS: %[[SUMS:.*]]:4 = scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32)
// Each operand element once: two rows of A, two columns of B.
// REGS: memref.load %[[A]]
// REGS: memref.load %[[B]]
// REGS: memref.load %[[B]]
// REGS: memref.load %[[A]]
// REGS-NOT: memref.load
// REGS-NOT: memref.store
// REGS: scf.yield
// REGS-COUNT-4: memref.store %[[SUMS]]#{{.}}, %[[C]]
func.func @matmul_tile(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %c: memref<8x8xf32>, %m: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    scf.for %i = %c0 to %c2 step %c1 {
      scf.for %j = %c0 to %c2 step %c1 {
        %row = arith.addi %m, %i : index
        %col = arith.addi %n, %j : index
        %x = memref.load %a[%row, %k] : memref<8x8xf32>
        %y = memref.load %b[%k, %col] : memref<8x8xf32>
        %acc = memref.load %c[%row, %col] : memref<8x8xf32>
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %acc, %p : f32
        memref.store %s, %c[%row, %col] : memref<8x8xf32>
      }
    }
  }
  return
}

// -----

// Left alone: a convolution window's loops (each iteration stores the same
// element: a reduction) and a tile of more than 16 outputs. Unrolled: an
// elementwise work item's tile of three.
// CHECK-LABEL: func.func @not_tiles
// CHECK-COUNT-2: scf.for
// CHECK-NOT: scf.for
// CHECK-COUNT-3: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<8x32xf32>
// CHECK-COUNT-2: scf.for
func.func @not_tiles(%in: memref<8x8xf32>, %out: memref<8x32xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c32 = arith.constant 32 : index
  scf.for %r = %c0 to %c3 step %c1 {
    scf.for %s = %c0 to %c3 step %c1 {
      %x = memref.load %in[%r, %s] : memref<8x8xf32>
      %acc = memref.load %out[%i, %c0] : memref<8x32xf32>
      %sum = arith.addf %acc, %x : f32
      memref.store %sum, %out[%i, %c0] : memref<8x32xf32>
    }
  }
  scf.for %j = %c0 to %c3 step %c1 {
    %x = memref.load %in[%i, %j] : memref<8x8xf32>
    memref.store %x, %out[%i, %j] : memref<8x32xf32>
  }
  scf.for %r = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c32 step %c1 {
      %x = memref.load %in[%i, %r] : memref<8x8xf32>
      %acc = memref.load %out[%i, %j] : memref<8x32xf32>
      %sum = arith.addf %acc, %x : f32
      memref.store %sum, %out[%i, %j] : memref<8x32xf32>
    }
  }
  return
}
