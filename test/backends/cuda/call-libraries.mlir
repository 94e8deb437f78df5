// cuda-call-libraries: a kernel that is exactly a GEMM of two bindings,
// with at most a bias over N and relu or tanh-GELU, becomes a cuBLASLt
// call (a declaration of its bindings, the call recorded as text); any
// other kernel stays Kiln's code.
// RUN: kiln-opt %s -split-input-file -cuda-call-libraries | FileCheck %s
// RUN: kiln-opt %s -split-input-file -cuda-call-libraries=tf32=1 | FileCheck %s --check-prefix=TF32

// CHECK-LABEL: module @linear
// With tf32, f32 calls may use TF32 tensor cores; f16 and bf16 ones are as
// they were.
// TF32-LABEL: module @linear
// TF32-SAME: bias_relu = "cublaslt.matmul m=8 n=32 k=16 {{.*}} out=3 compute=tf32"
// TF32-LABEL: module @batches
// TF32-SAME: half = "cublaslt.matmul {{[^"]*}}type=f16 {{[^"]*}}out=2"
// TF32-SAME: strided = "cublaslt.matmul {{[^"]*}}type=bf16 {{[^"]*}}out=2"
// TF32-LABEL: module @convolutions
// TF32-SAME: fused = "cudnn.conv2d {{.*}} y=4 math=tf32"
// CHECK-SAME: exec.library_calls = {bias_relu = "cublaslt.matmul m=8 n=32 k=16 batch=1 stride_a=0 stride_b=0 type=f32 epilogue=relu_bias a=0 b=1 bias=2 out=3", plain = "cublaslt.matmul m=8 n=32 k=16 batch=1 stride_a=0 stride_b=0 type=f32 epilogue=none a=0 b=1 bias=-1 out=2"}
// CHECK: func.func private @bias_relu(memref<8x16xf32>, memref<16x32xf32>, memref<32xf32>, memref<8x32xf32>)
// CHECK: func.func private @plain(memref<8x16xf32>, memref<16x32xf32>, memref<8x32xf32>)
module @linear {
  func.func @bias_relu(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> tensor<8x32xf32> {
    %0 = graph.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
    %1 = graph.add %b, %0 : (tensor<32xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
    %2 = graph.relu %1 : tensor<8x32xf32>
    return %2 : tensor<8x32xf32>
  }
  func.func @plain(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
    %0 = graph.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
    return %0 : tensor<8x32xf32>
  }
}

// -----

// Batches: a weight shared by the batch folds it into M; two batched
// operands are a strided batch; half precision with tanh-GELU.
// CHECK-LABEL: module @batches
// CHECK-SAME: folded = "cublaslt.matmul m=256 n=64 k=32 batch=1 stride_a=0 stride_b=0 type=f32 epilogue=gelu_bias a=0 b=1 bias=2 out=3"
// CHECK-SAME: half = "cublaslt.matmul m=16 n=16 k=16 batch=1 stride_a=0 stride_b=0 type=f16 epilogue=none a=0 b=1 bias=-1 out=2"
// CHECK-SAME: strided = "cublaslt.matmul m=128 n=128 k=64 batch=16 stride_a=8192 stride_b=8192 type=bf16 epilogue=none a=0 b=1 bias=-1 out=2"
module @batches {
  func.func @folded(%x: tensor<2x128x32xf32>, %w: tensor<32x64xf32>, %b: tensor<64xf32>) -> tensor<2x128x64xf32> {
    %0 = graph.matmul %x, %w : (tensor<2x128x32xf32>, tensor<32x64xf32>) -> tensor<2x128x64xf32>
    %1 = graph.add %0, %b : (tensor<2x128x64xf32>, tensor<64xf32>) -> tensor<2x128x64xf32>
    %2 = graph.gelu %1 approximate = tanh : tensor<2x128x64xf32>
    return %2 : tensor<2x128x64xf32>
  }
  func.func @strided(%q: tensor<2x8x128x64xbf16>, %k: tensor<2x8x64x128xbf16>) -> tensor<2x8x128x128xbf16> {
    %0 = graph.matmul %q, %k : (tensor<2x8x128x64xbf16>, tensor<2x8x64x128xbf16>) -> tensor<2x8x128x128xbf16>
    return %0 : tensor<2x8x128x128xbf16>
  }
  func.func @half(%x: tensor<16x16xf16>, %w: tensor<16x16xf16>) -> tensor<16x16xf16> {
    %0 = graph.matmul %x, %w : (tensor<16x16xf16>, tensor<16x16xf16>) -> tensor<16x16xf16>
    return %0 : tensor<16x16xf16>
  }
}

// -----

// Kiln's own: an exact (erf) GELU cuBLASLt's epilogue does not compute, an
// epilogue it has none for, an operand computed in the kernel, a bias that
// is not a vector over N, integers, and a broadcast A.
// CHECK-LABEL: module @kilns
// CHECK-NOT: exec.library_calls
// CHECK-COUNT-6: graph.matmul
module @kilns {
  func.func @erf_gelu(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
    %0 = graph.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
    %1 = graph.gelu %0 : tensor<8x32xf32>
    return %1 : tensor<8x32xf32>
  }
  func.func @tanh(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
    %0 = graph.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
    %1 = graph.tanh %0 : tensor<8x32xf32>
    return %1 : tensor<8x32xf32>
  }
  func.func @computed(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
    %e = graph.exp %x : tensor<8x16xf32>
    %0 = graph.matmul %e, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
    return %0 : tensor<8x32xf32>
  }
  func.func @matrix_bias(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<8x32xf32>) -> tensor<8x32xf32> {
    %0 = graph.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
    %1 = graph.add %0, %b : (tensor<8x32xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
    return %1 : tensor<8x32xf32>
  }
  func.func @integers(%x: tensor<8x16xi32>, %w: tensor<16x32xi32>) -> tensor<8x32xi32> {
    %0 = graph.matmul %x, %w : (tensor<8x16xi32>, tensor<16x32xi32>) -> tensor<8x32xi32>
    return %0 : tensor<8x32xi32>
  }
  func.func @broadcast_a(%x: tensor<16x32xf32>, %w: tensor<4x32x8xf32>) -> tensor<4x16x8xf32> {
    %0 = graph.matmul %x, %w : (tensor<16x32xf32>, tensor<4x32x8xf32>) -> tensor<4x16x8xf32>
    return %0 : tensor<4x16x8xf32>
  }
}

// -----

// Convolutions: with their bias, a residual binding and relu, cuDNN's
// fused call; a bias of one value (a folded batch norm) is written into the
// call; without bias or epilogue, its plain convolution. Asymmetric padding
// and relu without a bias stay Kiln's.
// CHECK-LABEL: module @convolutions
// CHECK-SAME: exec.library_calls = {
// CHECK-SAME: fused = "cudnn.conv2d n=1 c=64 h=56 w=56 k=64 r=3 s=3 pad_h=1 pad_w=1 stride_h=1 stride_w=1 dil_h=1 dil_w=1 groups=1 type=f32 relu=1 x=0 w_=1 bias=2 z=3 y=4"
// CHECK-SAME: plain = "cudnn.conv2d n=2 c=32 h=16 w=16 k=32 r=3 s=3 pad_h=0 pad_w=0 stride_h=2 stride_w=2 dil_h=1 dil_w=1 groups=32 type=f32 relu=0 x=0 w_=1 bias=-1 z=-1 y=2"
// CHECK-SAME: splat = "cudnn.conv2d n=1 c=8 h=8 w=8 k=16 r=1 s=1 pad_h=0 pad_w=0 stride_h=1 stride_w=1 dil_h=1 dil_w=1 groups=1 type=f32 relu=1 x=0 w_=1 bias=-1 bias_value=5.000000e-01 z=-1 y=2"
// CHECK: func.func @asymmetric
// CHECK: graph.conv2d
// CHECK: func.func @relu_no_bias
// CHECK: graph.conv2d
module @convolutions {
  func.func @fused(%x: tensor<1x64x56x56xf32>, %w: tensor<64x64x3x3xf32>, %b: tensor<64xf32>, %z: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    %0 = graph.conv2d %x, %w, %b padding = [1, 1, 1, 1] : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
    %1 = graph.add %z, %0 : (tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
    %2 = graph.relu %1 : tensor<1x64x56x56xf32>
    return %2 : tensor<1x64x56x56xf32>
  }
  func.func @plain(%x: tensor<2x32x16x16xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<2x32x7x7xf32> {
    %0 = graph.conv2d %x, %w strides = [2, 2] groups = 32 : (tensor<2x32x16x16xf32>, tensor<32x1x3x3xf32>) -> tensor<2x32x7x7xf32>
    return %0 : tensor<2x32x7x7xf32>
  }
  func.func @splat(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x1x1xf32>) -> tensor<1x16x8x8xf32> {
    %b = graph.constant dense<0.5> : tensor<16xf32>
    %0 = graph.conv2d %x, %w, %b : (tensor<1x8x8x8xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
    %1 = graph.relu %0 : tensor<1x16x8x8xf32>
    return %1 : tensor<1x16x8x8xf32>
  }
  func.func @asymmetric(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32> {
    %0 = graph.conv2d %x, %w padding = [0, 0, 1, 1] : (tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x7x7xf32>
    return %0 : tensor<1x16x7x7xf32>
  }
  func.func @relu_no_bias(%x: tensor<1x8x8x8xf32>, %w: tensor<16x8x1x1xf32>) -> tensor<1x16x8x8xf32> {
    %0 = graph.conv2d %x, %w : (tensor<1x8x8x8xf32>, tensor<16x8x1x1xf32>) -> tensor<1x16x8x8xf32>
    %1 = graph.relu %0 : tensor<1x16x8x8xf32>
    return %1 : tensor<1x16x8x8xf32>
  }
}
