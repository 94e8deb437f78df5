//===- CublasLt.cpp - GEMMs the cuda backend gives to cuBLASLt ------------===//
//
// cuBLASLt is column-major; Kiln's tensors are row-major. A row-major
// C[MxN] = A[MxK] B[KxN] is the column-major C^T = B^T A^T, and a row-major
// matrix read column-major is its transpose: so cuBLASLt computes an NxM
// product of B (NxK, leading dimension N) and A (KxM, leading dimension K)
// into C (NxM, leading dimension N), with no transposition, and its bias
// (one value per row of that product) is the bias over N. The library is
// opened with dlopen (libcublasLt.so.13, .12, .11, or KILN_CUBLASLT_LIBRARY),
// so the runtime links no CUDA; the few types and entry points used are
// declared here (their values are checked against cublasLt.h where it is
// installed, runtime/test/LibraryAbiTest.cpp).
//
//===----------------------------------------------------------------------===//

#include "../FoundOnce.h"
#include "LibraryCalls.h"

#include "kiln/runtime/Error.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <sstream>
#include <type_traits>
#include <vector>

namespace kiln::rt::cuda {
namespace {

using namespace cublaslt;

struct Api {
  Status (*Create)(Handle *);
  Status (*MatmulDescCreate)(MatmulDesc *, int, int);
  Status (*MatmulDescSetAttribute)(MatmulDesc, int, const void *, size_t);
  Status (*MatrixLayoutCreate)(Layout *, int, uint64_t, uint64_t, int64_t);
  Status (*MatrixLayoutSetAttribute)(Layout, int, const void *, size_t);
  Status (*MatmulPreferenceCreate)(Preference *);
  Status (*MatmulPreferenceSetAttribute)(Preference, int, const void *, size_t);
  Status (*MatmulAlgoGetHeuristic)(Handle, MatmulDesc, Layout, Layout, Layout,
                                   Layout, Preference, int, HeuristicResult *,
                                   int *);
  Status (*Matmul)(Handle, MatmulDesc, const void *, const void *, Layout,
                   const void *, Layout, const void *, const void *, Layout,
                   void *, Layout, const Algo *, void *, size_t, void *);
  const char *(*GetStatusName)(Status);
  Status (*MatmulDescDestroy)(MatmulDesc);
  Status (*MatrixLayoutDestroy)(Layout);
  Status (*MatmulPreferenceDestroy)(Preference);
  Handle handle = nullptr;
};

/// cuBLASLt, opened once per process, with one handle; throws Error saying
/// what to install.
const Api &api() {
  static Api loaded;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string tried;
    void *library = openLibrary("KILN_CUBLASLT_LIBRARY",
                                {"libcublasLt.so.13", "libcublasLt.so.12",
                                 "libcublasLt.so.11", "libcublasLt.so"},
                                tried);
    if (!library) {
      failure = "the cuda device runs this model's GEMMs through NVIDIA's "
                "cuBLASLt and cannot open it (" +
                tried +
                "); install cuBLASLt (with the CUDA toolkit, or torch's "
                "nvidia-cublas package), name it with KILN_CUBLASLT_LIBRARY="
                "PATH, or compile with --target-option libraries=0";
      return;
    }
    auto resolve = [&](auto &entry, const char *name) {
      resolveSymbol(library, entry, name, failure, "cuBLASLt has no ");
    };
    resolve(loaded.Create, "cublasLtCreate");
    resolve(loaded.MatmulDescCreate, "cublasLtMatmulDescCreate");
    resolve(loaded.MatmulDescSetAttribute, "cublasLtMatmulDescSetAttribute");
    resolve(loaded.MatrixLayoutCreate, "cublasLtMatrixLayoutCreate");
    resolve(loaded.MatrixLayoutSetAttribute,
            "cublasLtMatrixLayoutSetAttribute");
    resolve(loaded.MatmulPreferenceCreate, "cublasLtMatmulPreferenceCreate");
    resolve(loaded.MatmulPreferenceSetAttribute,
            "cublasLtMatmulPreferenceSetAttribute");
    resolve(loaded.MatmulAlgoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic");
    resolve(loaded.Matmul, "cublasLtMatmul");
    resolve(loaded.GetStatusName, "cublasLtGetStatusName");
    resolve(loaded.MatmulDescDestroy, "cublasLtMatmulDescDestroy");
    resolve(loaded.MatrixLayoutDestroy, "cublasLtMatrixLayoutDestroy");
    resolve(loaded.MatmulPreferenceDestroy, "cublasLtMatmulPreferenceDestroy");
    if (failure.empty() && loaded.Create(&loaded.handle) != kSuccess)
      failure = "cuBLASLt does not start (cublasLtCreate failed)";
  });
  if (!failure.empty())
    throw Error(failure);
  return loaded;
}

class CublasLtMatmul final : public LibraryCall {
public:
  CublasLtMatmul(const std::string &call, const std::string &origin,
                 const LibraryContext &context)
      : call_(call), origin_(origin), workspace_(context.workspace),
        workspaceBytes_(context.workspaceBytes) {
    std::map<std::string, std::string> f = callFields(call);
    auto number = [&](const char *key) -> int64_t {
      return callNumber(f, key, [&](const std::string &what) { fail(what); });
    };
    int64_t m = number("m"), n = number("n"), k = number("k");
    int64_t batch = number("batch");
    a_ = number("a");
    b_ = number("b");
    bias_ = number("bias");
    out_ = number("out");
    int type = f["type"] == "f32"    ? kR32F
               : f["type"] == "f16"  ? kR16F
               : f["type"] == "bf16" ? kR16BF
                                     : -1;
    if (type < 0 || m < 1 || n < 1 || k < 1 || batch < 1)
      fail("has a bad type or size");
    const std::string &epilogue = f["epilogue"];
    uint32_t mode = epilogue == "none"        ? kEpilogueDefault
                    : epilogue == "relu"      ? kEpilogueRelu
                    : epilogue == "bias"      ? kEpilogueBias
                    : epilogue == "relu_bias" ? (kEpilogueRelu | kEpilogueBias)
                    : epilogue == "gelu"      ? kEpilogueGelu
                    : epilogue == "gelu_bias" ? (kEpilogueGelu | kEpilogueBias)
                                              : 0;
    if (!mode || ((mode & kEpilogueBias) != 0) != (bias_ >= 0))
      fail("has a bad epilogue");
    // f32 in f32 unless the call allows TF32 (compute=tf32, f32 only);
    // f16 and bf16 accumulate in f32.
    auto compute = f.find("compute");
    bool tf32 = compute != f.end() && compute->second == "tf32";
    if (compute != f.end() && (!tf32 || type != kR32F))
      fail("has a bad compute type");
    const Api &lt = api();
    check(lt.MatmulDescCreate(&desc_, tf32 ? kComputeF32FastTf32 : kComputeF32,
                              kR32F),
          "cublasLtMatmulDescCreate");
    check(lt.MatmulDescSetAttribute(desc_, kDescEpilogue, &mode, sizeof(mode)),
          "setting the epilogue");
    // Column-major: B (NxK, ld N) times A (KxM, ld K) into C (NxM, ld N).
    check(lt.MatrixLayoutCreate(&b_layout_, type, n, k, n),
          "cublasLtMatrixLayoutCreate");
    check(lt.MatrixLayoutCreate(&a_layout_, type, k, m, k),
          "cublasLtMatrixLayoutCreate");
    check(lt.MatrixLayoutCreate(&c_layout_, type, n, m, n),
          "cublasLtMatrixLayoutCreate");
    if (batch > 1) {
      int32_t count = static_cast<int32_t>(batch);
      int64_t strides[3] = {number("stride_b"), number("stride_a"), m * n};
      Layout layouts[3] = {b_layout_, a_layout_, c_layout_};
      for (int i = 0; i < 3; ++i) {
        check(lt.MatrixLayoutSetAttribute(layouts[i], kLayoutBatchCount, &count,
                                          sizeof(count)),
              "setting the batch count");
        check(lt.MatrixLayoutSetAttribute(layouts[i], kLayoutBatchOffset,
                                          &strides[i], sizeof(strides[i])),
              "setting a batch stride");
      }
    }
    Preference preference = nullptr;
    check(lt.MatmulPreferenceCreate(&preference),
          "cublasLtMatmulPreferenceCreate");
    uint64_t bytes = workspaceBytes_;
    check(lt.MatmulPreferenceSetAttribute(preference, kPrefMaxWorkspace, &bytes,
                                          sizeof(bytes)),
          "setting the workspace size");
    HeuristicResult result{};
    int found = 0;
    Status status = lt.MatmulAlgoGetHeuristic(lt.handle, desc_, b_layout_,
                                              a_layout_, c_layout_, c_layout_,
                                              preference, 1, &result, &found);
    lt.MatmulPreferenceDestroy(preference);
    if (status != kSuccess || found == 0)
      fail("has no cuBLASLt algorithm (" + statusName(status) + ")");
    algo_ = result.algo;
  }

  ~CublasLtMatmul() override {
    const Api &lt = api();
    for (Layout layout : {a_layout_, b_layout_, c_layout_})
      if (layout)
        lt.MatrixLayoutDestroy(layout);
    if (desc_)
      lt.MatmulDescDestroy(desc_);
  }

  void run(void *const *bindings, size_t count, void *stream) override {
    int64_t largest = std::max({a_, b_, bias_, out_});
    if (static_cast<int64_t>(count) <= largest)
      fail("is given " + std::to_string(count) + " bindings");
    const Api &lt = api();
    if (bias_ >= 0) {
      const void *bias = bindings[bias_];
      check(lt.MatmulDescSetAttribute(desc_, kDescBiasPointer, &bias,
                                      sizeof(bias)),
            "setting the bias");
    }
    const float one = 1.0f, zero = 0.0f;
    check(lt.Matmul(lt.handle, desc_, &one, bindings[b_], b_layout_,
                    bindings[a_], a_layout_, &zero, bindings[out_], c_layout_,
                    bindings[out_], c_layout_, &algo_, workspace_,
                    workspaceBytes_, stream),
          "cublasLtMatmul");
  }

private:
  [[noreturn]] void fail(const std::string &what) const {
    throw Error("the cuBLASLt call of '" + origin_ + "' (" + call_ + ") " +
                what);
  }
  static std::string statusName(Status status) {
    const char *name = api().GetStatusName(status);
    return name ? name : "status " + std::to_string(status);
  }
  // `what` is a literal: no message is built unless the call failed.
  void check(Status status, const char *what) const {
    if (status != kSuccess)
      fail(std::string(": ") + what + " failed (" + statusName(status) + ")");
  }

  std::string call_, origin_;
  void *workspace_;
  size_t workspaceBytes_;
  int64_t a_ = 0, b_ = 0, bias_ = -1, out_ = 0;
  MatmulDesc desc_ = nullptr;
  Layout a_layout_ = nullptr, b_layout_ = nullptr, c_layout_ = nullptr;
  Algo algo_{};
};

} // namespace

std::map<std::string, std::string> callFields(const std::string &call) {
  std::map<std::string, std::string> result;
  std::istringstream words(call);
  std::string word;
  words >> word; // The call's name.
  while (words >> word) {
    size_t equals = word.find('=');
    if (equals != std::string::npos)
      result[word.substr(0, equals)] = word.substr(equals + 1);
  }
  return result;
}

std::unique_ptr<LibraryCall>
createCublasLtMatmul(const std::string &call, const std::string &origin,
                     const LibraryContext &context) {
  return std::make_unique<CublasLtMatmul>(call, origin, context);
}

std::unique_ptr<LibraryCall>
LibraryCall::create(const std::string &call, const std::string &origin,
                    const LibraryContext &context) {
  if (call.rfind("cublaslt.matmul ", 0) == 0)
    return createCublasLtMatmul(call, origin, context);
  if (call.rfind("cudnn.conv2d ", 0) == 0)
    return createCudnnConvolution(call, origin, context);
  throw Error("'" + origin + "' asks for the library call '" + call +
              "', which this runtime does not have");
}

} // namespace kiln::rt::cuda
