//===- LibraryAbiTest.cpp - the runtime's cuBLASLt and cuDNN declarations -===//
//
// The runtime opens cuBLASLt and cuDNN with dlopen and declares the types
// and values it uses itself (runtime/src/cuda/LibraryCalls.h); here they
// are compared with NVIDIA's headers, where the CUDA toolkit has them
// (built only then).

#include "../src/cuda/LibraryCalls.h"

#include <cublasLt.h>
#include <cudnn.h>

#include <gtest/gtest.h>

#include <cstddef>

namespace lt = kiln::rt::cuda::cublaslt;

static_assert(lt::kSuccess == CUBLAS_STATUS_SUCCESS);
static_assert(lt::kComputeF32 == CUBLAS_COMPUTE_32F);
static_assert(lt::kComputeF32FastTf32 == CUBLAS_COMPUTE_32F_FAST_TF32);
static_assert(lt::kR32F == CUDA_R_32F && lt::kR16F == CUDA_R_16F &&
              lt::kR16BF == CUDA_R_16BF);
static_assert(lt::kDescEpilogue == CUBLASLT_MATMUL_DESC_EPILOGUE);
static_assert(lt::kDescBiasPointer == CUBLASLT_MATMUL_DESC_BIAS_POINTER);
static_assert(lt::kLayoutBatchCount == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT);
static_assert(lt::kLayoutBatchOffset ==
              CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET);
static_assert(lt::kPrefMaxWorkspace ==
              CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES);
static_assert(lt::kEpilogueDefault == CUBLASLT_EPILOGUE_DEFAULT);
static_assert(lt::kEpilogueRelu == CUBLASLT_EPILOGUE_RELU);
static_assert(lt::kEpilogueBias == CUBLASLT_EPILOGUE_BIAS);
static_assert(lt::kEpilogueGelu == CUBLASLT_EPILOGUE_GELU);
static_assert((lt::kEpilogueRelu | lt::kEpilogueBias) ==
              CUBLASLT_EPILOGUE_RELU_BIAS);
static_assert((lt::kEpilogueGelu | lt::kEpilogueBias) ==
              CUBLASLT_EPILOGUE_GELU_BIAS);
static_assert(sizeof(lt::Algo) == sizeof(cublasLtMatmulAlgo_t));
static_assert(sizeof(lt::HeuristicResult) ==
              sizeof(cublasLtMatmulHeuristicResult_t));
static_assert(offsetof(lt::HeuristicResult, workspaceSize) ==
              offsetof(cublasLtMatmulHeuristicResult_t, workspaceSize));
static_assert(offsetof(lt::HeuristicResult, state) ==
              offsetof(cublasLtMatmulHeuristicResult_t, state));

namespace dnn = kiln::rt::cuda::cudnn;
static_assert(dnn::kSuccess == CUDNN_STATUS_SUCCESS);
static_assert(dnn::kNchw == CUDNN_TENSOR_NCHW);
static_assert(dnn::kFloat == CUDNN_DATA_FLOAT && dnn::kHalf == CUDNN_DATA_HALF);
static_assert(dnn::kCrossCorrelation == CUDNN_CROSS_CORRELATION);
static_assert(dnn::kFmaMath == CUDNN_FMA_MATH);
static_assert(dnn::kDefaultMath == CUDNN_DEFAULT_MATH);
static_assert(dnn::kActivationRelu == CUDNN_ACTIVATION_RELU);
static_assert(dnn::kActivationIdentity == CUDNN_ACTIVATION_IDENTITY);
static_assert(dnn::kPropagateNan == CUDNN_PROPAGATE_NAN);
static_assert(dnn::kImplicitPrecompGemm ==
              CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM);
static_assert(sizeof(dnn::AlgoPerf) == sizeof(cudnnConvolutionFwdAlgoPerf_t));
static_assert(offsetof(dnn::AlgoPerf, memory) ==
              offsetof(cudnnConvolutionFwdAlgoPerf_t, memory));
static_assert(offsetof(dnn::AlgoPerf, status) ==
              offsetof(cudnnConvolutionFwdAlgoPerf_t, status));

TEST(LibraryAbi, MatchesTheHeaders) {
  // The checks are the static_asserts above: this file compiles only if
  // they hold.
  SUCCEED();
}
