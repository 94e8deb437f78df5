// cuda-mma-matmuls: an f16/bf16 GEMM kernel and its epilogue become one
// tensor-core gpu.func (mma.sync m16n8k16, f32 accumulators): two stages of
// workgroup memory filled by cp.async (zero-filled past the edges), ldmatrix
// fragments (B transposed), the epilogue on the accumulators, stores of
// element pairs guarded where a tile passes the matrix's edge. The host
// keeps a declaration of the bindings; the launch is recorded. Kernels that
// are not such a GEMM are left to the rest of the codegen.
// RUN: kiln-opt %s -split-input-file -cuda-mma-matmuls -canonicalize -cse | FileCheck %s

// 200x136 output, K 64: 64x64 tiles of 4 warps (a warp 32x32: 2x4 m16n8
// accumulators, 8 mma.sync per k16 step, two steps per stage), a grid of
// 3 N tiles by 4 M tiles; bias, exact GELU and a residual in the epilogue.
// CHECK-LABEL: module @epilogue
// CHECK-SAME: exec.launches = {fused = {grid = array<i64: 3, 4, 1>, shared_bytes = 19456 : i64, workgroup = array<i64: 128, 1, 1>}}
// CHECK: func.func private @fused(memref<200x64xf16>, memref<64x136xf16>, memref<136xf16>, memref<200x136xf16>, memref<200x136xf16>)
// CHECK: gpu.func @fused(%[[X:.+]]: memref<200x64xf16> {llvm.noalias}, %{{.+}}: memref<64x136xf16> {llvm.noalias}, %[[BIAS:.+]]: memref<136xf16> {llvm.noalias}, %{{.+}}: memref<200x136xf16> {llvm.noalias}, %{{.+}}: memref<200x136xf16> {llvm.noalias})
// CHECK-SAME: workgroup(%[[SA:.+]] : memref<2x64x40xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[SB:.+]] : memref<2x32x72xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[A:.+]] = memref.collapse_shape %[[X]] {{\[\[}}0, 1]] : memref<200x64xf16> into memref<12800xf16>
// CHECK: %[[VALID:.+]] = arith.andi
// CHECK: %[[FROM:.+]] = arith.select %[[VALID]], %{{.+}}, %c0 : index
// CHECK: %[[COUNT:.+]] = arith.select %[[VALID]], %c8, %c0 : index
// CHECK: nvgpu.device_async_copy %[[A]][%[[FROM]]], %[[SA]][%c0, %{{.+}}, %{{.+}}], 8, %[[COUNT]] {bypassL1}
// CHECK-COUNT-3: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for %{{.+}} = %c0 to %c2 step %c1 iter_args({{.+}}) -> (f32, f32,
// CHECK: scf.if
// CHECK-COUNT-4: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 1
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.ldmatrix %[[SA]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK: nvgpu.ldmatrix %[[SB]]{{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// The epilogue: rows past 200 and columns past 136 are not stored.
// CHECK: %[[ROW_IN:.+]] = arith.cmpi ult, %{{.+}}, %c200 : index
// CHECK: scf.if %[[ROW_IN]]
// CHECK: %[[COLUMN_IN:.+]] = arith.cmpi ult, %[[COLUMN:.+]], %c136 : index
// CHECK: scf.if %[[COLUMN_IN]]
// CHECK: vector.load %[[BIAS]][%[[COLUMN]]] : memref<136xf16>, vector<2xf16>
// CHECK: math.erf
// CHECK: vector.load %{{.+}} : memref<27200xf16>, vector<2xf16>
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: vector.store %{{.+}} : memref<27200xf16>, vector<2xf16>
module @epilogue {
  func.func @fused(%x: tensor<200x64xf16>, %w: tensor<64x136xf16>, %b: tensor<136xf16>, %r: tensor<200x136xf16>) -> tensor<200x136xf16> {
    %0 = graph.matmul %x, %w : (tensor<200x64xf16>, tensor<64x136xf16>) -> tensor<200x136xf16>
    %1 = graph.add %0, %b : (tensor<200x136xf16>, tensor<136xf16>) -> tensor<200x136xf16>
    %2 = graph.gelu %1 : tensor<200x136xf16>
    %3 = graph.add %2, %r : (tensor<200x136xf16>, tensor<200x136xf16>) -> tensor<200x136xf16>
    return %3 : tensor<200x136xf16>
  }
}

// -----

// A strided batch of bf16 GEMMs big enough for 128x128 tiles (8 warps, a
// warp 64x32: 4x4 accumulators, 32 mma.sync per stage): a grid of N tiles,
// M tiles and the batch; bf16 pairs go to mma.sync as 32-bit words. Whole
// tiles: no guards.
// CHECK-LABEL: module @batched
// CHECK-SAME: exec.launches = {attention = {grid = array<i64: 4, 4, 8>, shared_bytes = 37888 : i64, workgroup = array<i64: 256, 1, 1>}}
// CHECK: workgroup(%{{.+}} : memref<2x128x40xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.+}} : memref<2x32x136xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK: gpu.block_id  z
// CHECK: scf.for
// CHECK-COUNT-32: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32)
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
// CHECK-NOT: scf.if
// CHECK: gpu.return
module @batched {
  func.func @attention(%q: tensor<8x512x64xbf16>, %k: tensor<8x64x512xbf16>) -> tensor<8x512x512xbf16> {
    %0 = graph.matmul %q, %k : (tensor<8x512x64xbf16>, tensor<8x64x512xbf16>) -> tensor<8x512x512xbf16>
    return %0 : tensor<8x512x512xbf16>
  }
}

// -----

// Not for tensor cores here: f32, K not a multiple of 8, a kernel that is
// more than a GEMM and its epilogue, more row tiles than a grid's y allows.
// CHECK-LABEL: module @others
// CHECK-NOT: gpu.module
// CHECK-COUNT-4: graph.matmul
module @others {
  func.func @f32(%x: tensor<64x64xf32>, %w: tensor<64x64xf32>) -> tensor<64x64xf32> {
    %0 = graph.matmul %x, %w : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    return %0 : tensor<64x64xf32>
  }
  func.func @odd_k(%x: tensor<64x60xf16>, %w: tensor<60x64xf16>) -> tensor<64x64xf16> {
    %0 = graph.matmul %x, %w : (tensor<64x60xf16>, tensor<60x64xf16>) -> tensor<64x64xf16>
    return %0 : tensor<64x64xf16>
  }
  func.func @tall(%x: tensor<8388608x8xf16>, %w: tensor<8x8xf16>) -> tensor<8388608x8xf16> {
    %0 = graph.matmul %x, %w : (tensor<8388608x8xf16>, tensor<8x8xf16>) -> tensor<8388608x8xf16>
    return %0 : tensor<8388608x8xf16>
  }
  func.func @softmax(%x: tensor<64x64xf16>, %w: tensor<64x64xf16>) -> tensor<64x64xf16> {
    %0 = graph.matmul %x, %w : (tensor<64x64xf16>, tensor<64x64xf16>) -> tensor<64x64xf16>
    %1 = graph.softmax %0 axis = 1 : tensor<64x64xf16>
    return %1 : tensor<64x64xf16>
  }
}
