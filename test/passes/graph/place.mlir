// graph-place: each op's target from the cost figures (pinned here, so the
// decisions do not depend on the machine): a fast device behind a slow
// link, and a host-memory cpu with cheap launches.
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl costs=cpu.gflops=100,cpu.memory-gbps=20,cpu.launch-us=1,opencl.gflops=10000,opencl.memory-gbps=500,opencl.launch-us=10,opencl.transfer-gbps=10,opencl.transfer-us=10})" | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline="builtin.module(graph-place{targets=cpu,opencl costs=cpu.gflops=50,cpu.memory-gbps=20,cpu.launch-us=1,opencl.gflops=10000,opencl.memory-gbps=500,opencl.launch-us=10,opencl.transfer-gbps=10,opencl.transfer-us=10})" | FileCheck %s --check-prefix=TWO

// A large matmul goes to the device (54 us there against 5.4 ms on the
// cpu, plus 1 MiB each way), and its epilogue with it.
// CHECK-LABEL: func.func @large_matmul
// CHECK: graph.matmul {{.*}}graph.device = "opencl"
// CHECK: graph.relu {{.*}}graph.device = "opencl"
func.func @large_matmul(%x: tensor<256x1024xf32>) -> tensor<256x1024xf32> {
  %w = graph.constant dense<1.0> : tensor<1024x1024xf32>
  %0 = graph.matmul %x, %w : (tensor<256x1024xf32>, tensor<1024x1024xf32>) -> tensor<256x1024xf32> loc("head.fc:addmm")
  %1 = graph.relu %0 : tensor<256x1024xf32>
  return %1 : tensor<256x1024xf32>
}

// -----

// Small ops stay on the cpu: a transfer costs more than they do.
// CHECK-LABEL: func.func @small_ops
// CHECK: graph.relu {{.*}}graph.device = "cpu"
// CHECK: graph.exp {{.*}}graph.device = "cpu"
func.func @small_ops(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = graph.relu %x : tensor<4x8xf32>
  %1 = graph.exp %0 : tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// No ping-pong on a chain: the softmax between two device matmuls is
// cheaper alone on the cpu (1 + 1.6 us against 10.1), but moving it there
// would move its 16 KiB input out and its result back (11.6 us each).
// CHECK-LABEL: func.func @chain
// CHECK: graph.matmul {{.*}}graph.device = "opencl"
// CHECK: graph.softmax {{.*}}graph.device = "opencl"
// CHECK: graph.matmul {{.*}}graph.device = "opencl"
func.func @chain(%x: tensor<8x512xf32>) -> tensor<8x512xf32> {
  %w = graph.constant dense<1.0> : tensor<512x512xf32>
  %0 = graph.matmul %x, %w : (tensor<8x512xf32>, tensor<512x512xf32>) -> tensor<8x512xf32>
  %1 = graph.softmax %0 axis = 1 : tensor<8x512xf32>
  %2 = graph.matmul %1, %w : (tensor<8x512xf32>, tensor<512x512xf32>) -> tensor<8x512xf32>
  return %2 : tensor<8x512xf32>
}

// -----

// An epilogue costs no launch on its producer's target (fusion puts it in
// the producer's kernel): the bias of a device matmul whose result goes
// to the host stays on the device, though alone it would be cheaper on the
// cpu (1.4 us against 10): its 4 KiB result crosses either way.
// CHECK-LABEL: func.func @epilogue
// CHECK: graph.matmul {{.*}}graph.device = "opencl"
// CHECK: graph.add {{.*}}graph.device = "opencl"
func.func @epilogue(%x: tensor<16x16384xf32>) -> tensor<16x64xf32> {
  %w = graph.constant dense<1.0> : tensor<16384x64xf32>
  %b = graph.constant dense<1.0> : tensor<64xf32>
  %0 = graph.matmul %x, %w : (tensor<16x16384xf32>, tensor<16384x64xf32>) -> tensor<16x64xf32>
  %1 = graph.add %0, %b : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  return %1 : tensor<16x64xf32>
}

// -----

// An op the device cannot run (opencl has no bf16) goes to the cpu, the
// rest where it is fastest: the f32 matmul on the device, its result
// narrowed on the cpu that reads it.
// CHECK-LABEL: func.func @only_one_target
// CHECK: graph.matmul {{.*}}graph.device = "opencl"
// CHECK: graph.cast {{.*}}graph.device = "cpu"
// CHECK: graph.relu {{.*}}graph.device = "cpu"
func.func @only_one_target(%x: tensor<256x1024xf32>) -> tensor<256x1024xbf16> {
  %w = graph.constant dense<1.0> : tensor<1024x1024xf32>
  %0 = graph.matmul %x, %w : (tensor<256x1024xf32>, tensor<1024x1024xf32>) -> tensor<256x1024xf32>
  %1 = graph.cast %0 : tensor<256x1024xf32> -> tensor<256x1024xbf16>
  %2 = graph.relu %1 : tensor<256x1024xbf16>
  return %2 : tensor<256x1024xbf16>
}

// -----

// A value two device ops read crosses once (checked by the TWO run, a slower cpu). Each
// matmul alone gains 21.8 us on the device, less than moving x there
// (36 us): one reader stays on the cpu; two gain 43.6 us, and x crosses
// once for both, so both go (counted per reader, x would cost 72 us).
// TWO-LABEL: func.func @one_reader
// TWO: graph.matmul {{.*}}graph.device = "cpu"
func.func @one_reader(%x: tensor<64x1024xf32>) -> tensor<64x16xf32> {
  %w = graph.constant dense<1.0> : tensor<1024x16xf32>
  %0 = graph.matmul %x, %w : (tensor<64x1024xf32>, tensor<1024x16xf32>) -> tensor<64x16xf32>
  return %0 : tensor<64x16xf32>
}

// -----

// TWO-LABEL: func.func @two_readers
// TWO: graph.matmul {{.*}}graph.device = "opencl"
// TWO: graph.matmul {{.*}}graph.device = "opencl"
func.func @two_readers(%x: tensor<64x1024xf32>) -> (tensor<64x16xf32>, tensor<64x16xf32>) {
  %w = graph.constant dense<1.0> : tensor<1024x16xf32>
  %v = graph.constant dense<2.0> : tensor<1024x16xf32>
  %0 = graph.matmul %x, %w : (tensor<64x1024xf32>, tensor<1024x16xf32>) -> tensor<64x16xf32>
  %1 = graph.matmul %x, %v : (tensor<64x1024xf32>, tensor<1024x16xf32>) -> tensor<64x16xf32>
  return %0, %1 : tensor<64x16xf32>, tensor<64x16xf32>
}
