//===- CublasLt.h - GEMMs the cuda backend gives to cuBLASLt ----*- C++ -*-===//
//
// The CUDA device's library kernels: a call the compiler wrote as text
// (`cublaslt.matmul m=.. n=.. k=.. ...`, lib/backends/cuda/CallLibraries)
// run through NVIDIA's cuBLASLt, opened with dlopen like the driver.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CUDA_CUBLASLT_H
#define KILN_RUNTIME_CUDA_CUBLASLT_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace kiln::rt::cuda {

/// The parts of cuBLASLt's ABI the runtime uses, declared here so it builds
/// without CUDA headers; runtime/test/CublasLtAbiTest.cpp checks them
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
inline constexpr int kR32F = 0, kR16F = 2, kR16BF = 14; // cudaDataType
inline constexpr int kDescEpilogue = 7;              // CUBLASLT_MATMUL_DESC_EPILOGUE
inline constexpr int kDescBiasPointer = 8;           // ..._BIAS_POINTER
inline constexpr int kLayoutBatchCount = 5;          // CUBLASLT_MATRIX_LAYOUT_...
inline constexpr int kLayoutBatchOffset = 6;         // ..._STRIDED_BATCH_OFFSET
inline constexpr int kPrefMaxWorkspace = 1;          // ..._PREF_MAX_WORKSPACE_BYTES
inline constexpr uint32_t kEpilogueDefault = 1, kEpilogueRelu = 2, kEpilogueBias = 4,
                   kEpilogueGelu = 32;

} // namespace cublaslt

/// A row-major GEMM `out = epilogue(a @ b + bias)`, batched or not.
class LibraryMatmul {
public:
  /// The matmul `call` describes, its algorithm chosen for `workspaceBytes`
  /// of workspace; throws Error naming `origin` and `symbol` when the call
  /// is malformed, cuBLASLt is missing, or it has no algorithm for it. The
  /// GPU's context must be current.
  static std::unique_ptr<LibraryMatmul> create(const std::string &call,
                                               const std::string &origin,
                                               size_t workspaceBytes);
  virtual ~LibraryMatmul() = default;
  /// Submits it on `stream` (a CUstream) over `bindings` (device pointers,
  /// inputs then outputs) with `workspace`.
  virtual void run(void *const *bindings, size_t count, void *stream,
                   void *workspace) = 0;
};

/// Whether `symbol` names a library call rather than a kernel of the fatbin.
inline bool isLibraryCall(const std::string &symbol) {
  return symbol.rfind("cublaslt.", 0) == 0;
}

} // namespace kiln::rt::cuda

#endif // KILN_RUNTIME_CUDA_CUBLASLT_H
