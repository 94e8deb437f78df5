//===- LibraryCalls.h - kernels the cuda backend gives to libraries -*- C++ -*-===//
//
// The CUDA device's library kernels: a call the compiler wrote as text
// (`cublaslt.matmul m=.. n=.. k=.. ...`, `cudnn.conv2d n=.. c=.. ...`,
// lib/backends/cuda/CallLibraries) run through NVIDIA's cuBLASLt or cuDNN,
// each opened with dlopen like the driver (CublasLt.cpp, Cudnn.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CUDA_LIBRARYCALLS_H
#define KILN_RUNTIME_CUDA_LIBRARYCALLS_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace kiln::rt::cuda {

/// The parts of cuBLASLt's ABI the runtime uses, declared here so it builds
/// without CUDA headers; runtime/test/LibraryAbiTest.cpp checks them
/// against cublasLt.h where it is installed.
namespace cublaslt {
using Status = int;
using Handle = struct cublasLtContext *;
using MatmulDesc = void *;
using Layout = void *;
using Preference = void *;
struct Algo {
  uint64_t data[8];
};
struct HeuristicResult {
  Algo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};

inline constexpr Status kSuccess = 0;
inline constexpr int kComputeF32 = 68;               // CUBLAS_COMPUTE_32F
inline constexpr int kComputeF32FastTf32 = 77; // CUBLAS_COMPUTE_32F_FAST_TF32
inline constexpr int kR32F = 0, kR16F = 2, kR16BF = 14; // cudaDataType
inline constexpr int kDescEpilogue = 7;              // CUBLASLT_MATMUL_DESC_EPILOGUE
inline constexpr int kDescBiasPointer = 8;           // ..._BIAS_POINTER
inline constexpr int kLayoutBatchCount = 5;          // CUBLASLT_MATRIX_LAYOUT_...
inline constexpr int kLayoutBatchOffset = 6;         // ..._STRIDED_BATCH_OFFSET
inline constexpr int kPrefMaxWorkspace = 1;          // ..._PREF_MAX_WORKSPACE_BYTES
inline constexpr uint32_t kEpilogueDefault = 1, kEpilogueRelu = 2, kEpilogueBias = 4,
                   kEpilogueGelu = 32;

} // namespace cublaslt

/// The parts of cuDNN's (legacy convolution) ABI the runtime uses, checked
/// against cudnn.h likewise.
namespace cudnn {
using Status = int;
using Handle = struct cudnnContext *;
using TensorDesc = void *;
using FilterDesc = void *;
using ConvDesc = void *;
using ActivationDesc = void *;
struct AlgoPerf {
  int algo;
  Status status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};

inline constexpr Status kSuccess = 0;
inline constexpr int kNchw = 0;                // CUDNN_TENSOR_NCHW
inline constexpr int kFloat = 0, kHalf = 2;    // CUDNN_DATA_FLOAT, _HALF
inline constexpr int kCrossCorrelation = 1;    // CUDNN_CROSS_CORRELATION
inline constexpr int kFmaMath = 3;             // CUDNN_FMA_MATH (no TF32)
inline constexpr int kDefaultMath = 0; // CUDNN_DEFAULT_MATH (tensor cores)
inline constexpr int kActivationRelu = 1;      // CUDNN_ACTIVATION_RELU
inline constexpr int kActivationIdentity = 5;  // CUDNN_ACTIVATION_IDENTITY
inline constexpr int kPropagateNan = 1;        // CUDNN_PROPAGATE_NAN
inline constexpr int kImplicitPrecompGemm = 1; // ..._FWD_ALGO_IMPLICIT_PRECOMP_GEMM
} // namespace cudnn

/// What a library call may use of its device: scratch memory, and memory
/// for constants of its own (a bias of one value).
struct LibraryContext {
  void *workspace = nullptr; ///< Device memory, shared by the device's calls.
  size_t workspaceBytes = 0;
  /// Device memory holding a copy of `bytes`, kept as long as the device.
  std::function<void *(const std::string &bytes)> constant;
};

/// A library call: made once, at load, run on each dispatch.
class LibraryCall {
public:
  /// The call `call` describes (GPU context current); throws Error naming
  /// `origin` and the call when it is malformed, its library is missing, or
  /// the library has no algorithm for it.
  static std::unique_ptr<LibraryCall>
  create(const std::string &call, const std::string &origin,
         const LibraryContext &context);
  virtual ~LibraryCall() = default;
  /// Submits it on `stream` (a CUstream) over `bindings` (device pointers,
  /// inputs then outputs).
  virtual void run(void *const *bindings, size_t count, void *stream) = 0;
};

/// The fields of a call: "cublaslt.matmul m=8 n=32" -> {m: "8", n: "32"}.
std::map<std::string, std::string> callFields(const std::string &call);

std::unique_ptr<LibraryCall> createCublasLtMatmul(const std::string &call,
                                                  const std::string &origin,
                                                  const LibraryContext &);
std::unique_ptr<LibraryCall> createCudnnConvolution(const std::string &call,
                                                    const std::string &origin,
                                                    const LibraryContext &);

/// Whether `symbol` names a library call rather than a kernel of the fatbin.
inline bool isLibraryCall(const std::string &symbol) {
  return symbol.rfind("cublaslt.", 0) == 0 || symbol.rfind("cudnn.", 0) == 0;
}

} // namespace kiln::rt::cuda

#endif // KILN_RUNTIME_CUDA_LIBRARYCALLS_H
