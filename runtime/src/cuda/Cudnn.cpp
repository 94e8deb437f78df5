//===- Cudnn.cpp - convolutions the cuda backend gives to cuDNN -----------===//
//
// A 2-D NCHW convolution with its bias, a residual and relu is one call of
// cuDNN's cudnnConvolutionBiasActivationForward, y = act(conv(x) + z +
// bias) (alpha1 = 1; alpha2 = 1 with a residual, else 0 and z = y); one
// without bias or epilogue is cudnnConvolutionForward. f32 is computed with
// FMA math (no TF32, the numbers Kiln's own kernels and the CPU give). The
// algorithm is cuDNN's heuristic choice among those that fit the device's
// workspace; an identity activation only has IMPLICIT_PRECOMP_GEMM.
// cuDNN is opened with dlopen (libcudnn.so.9, .8, or KILN_CUDNN_LIBRARY).
//
//===----------------------------------------------------------------------===//

#include "../FoundOnce.h"
#include "LibraryCalls.h"

#include "kiln/runtime/Error.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace kiln::rt::cuda {
namespace {

using namespace cudnn;

struct Api {
  Status (*Create)(Handle *);
  Status (*SetStream)(Handle, void *);
  const char *(*GetErrorString)(Status);
  Status (*CreateTensorDescriptor)(TensorDesc *);
  Status (*SetTensor4dDescriptor)(TensorDesc, int, int, int, int, int, int);
  Status (*CreateFilterDescriptor)(FilterDesc *);
  Status (*SetFilter4dDescriptor)(FilterDesc, int, int, int, int, int, int);
  Status (*CreateConvolutionDescriptor)(ConvDesc *);
  Status (*SetConvolution2dDescriptor)(ConvDesc, int, int, int, int, int, int,
                                       int, int);
  Status (*SetConvolutionGroupCount)(ConvDesc, int);
  Status (*SetConvolutionMathType)(ConvDesc, int);
  Status (*CreateActivationDescriptor)(ActivationDesc *);
  Status (*SetActivationDescriptor)(ActivationDesc, int, int, double);
  Status (*GetConvolutionForwardAlgorithm_v7)(Handle, TensorDesc, FilterDesc,
                                              ConvDesc, TensorDesc, int, int *,
                                              AlgoPerf *);
  Status (*GetConvolutionForwardWorkspaceSize)(Handle, TensorDesc, FilterDesc,
                                               ConvDesc, TensorDesc, int,
                                               size_t *);
  Status (*ConvolutionForward)(Handle, const void *, TensorDesc, const void *,
                               FilterDesc, const void *, ConvDesc, int, void *,
                               size_t, const void *, TensorDesc, void *);
  Status (*ConvolutionBiasActivationForward)(
      Handle, const void *, TensorDesc, const void *, FilterDesc, const void *,
      ConvDesc, int, void *, size_t, const void *, TensorDesc, const void *,
      TensorDesc, const void *, ActivationDesc, TensorDesc, void *);
  Handle handle = nullptr;
};

const Api &api() {
  static Api loaded;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string tried;
    void *library =
        openLibrary("KILN_CUDNN_LIBRARY",
                    {"libcudnn.so.9", "libcudnn.so.8", "libcudnn.so"}, tried);
    if (!library) {
      failure = "the cuda device runs this model's convolutions through "
                "NVIDIA's cuDNN and cannot open it (" +
                tried +
                "); install cuDNN (torch's nvidia-cudnn package has it), name "
                "it with KILN_CUDNN_LIBRARY=PATH, or compile with "
                "--target-option libraries=0";
      return;
    }
    auto resolve = [&](auto &entry, const char *name) {
      resolveSymbol(library, entry, name, failure, "cuDNN has no ");
    };
    resolve(loaded.Create, "cudnnCreate");
    resolve(loaded.SetStream, "cudnnSetStream");
    resolve(loaded.GetErrorString, "cudnnGetErrorString");
    resolve(loaded.CreateTensorDescriptor, "cudnnCreateTensorDescriptor");
    resolve(loaded.SetTensor4dDescriptor, "cudnnSetTensor4dDescriptor");
    resolve(loaded.CreateFilterDescriptor, "cudnnCreateFilterDescriptor");
    resolve(loaded.SetFilter4dDescriptor, "cudnnSetFilter4dDescriptor");
    resolve(loaded.CreateConvolutionDescriptor,
            "cudnnCreateConvolutionDescriptor");
    resolve(loaded.SetConvolution2dDescriptor,
            "cudnnSetConvolution2dDescriptor");
    resolve(loaded.SetConvolutionGroupCount, "cudnnSetConvolutionGroupCount");
    resolve(loaded.SetConvolutionMathType, "cudnnSetConvolutionMathType");
    resolve(loaded.CreateActivationDescriptor,
            "cudnnCreateActivationDescriptor");
    resolve(loaded.SetActivationDescriptor, "cudnnSetActivationDescriptor");
    resolve(loaded.GetConvolutionForwardAlgorithm_v7,
            "cudnnGetConvolutionForwardAlgorithm_v7");
    resolve(loaded.GetConvolutionForwardWorkspaceSize,
            "cudnnGetConvolutionForwardWorkspaceSize");
    resolve(loaded.ConvolutionForward, "cudnnConvolutionForward");
    resolve(loaded.ConvolutionBiasActivationForward,
            "cudnnConvolutionBiasActivationForward");
    if (failure.empty() && loaded.Create(&loaded.handle) != kSuccess)
      failure = "cuDNN does not start (cudnnCreate failed)";
  });
  if (!failure.empty())
    throw Error(failure);
  return loaded;
}

class CudnnConvolution final : public LibraryCall {
public:
  CudnnConvolution(const std::string &call, const std::string &origin,
                   const LibraryContext &context)
      : call_(call), origin_(origin), workspace_(context.workspace) {
    std::map<std::string, std::string> f = callFields(call);
    auto number = [&](const char *key) -> long {
      return callNumber(f, key, [&](const std::string &what) { fail(what); });
    };
    int n = number("n"), c = number("c"), h = number("h"), w = number("w");
    int k = number("k"), r = number("r"), s = number("s");
    int groups = number("groups");
    x_ = number("x");
    w_ = number("w_");
    bias_ = number("bias");
    z_ = number("z");
    y_ = number("y");
    relu_ = number("relu") != 0;
    int type = f["type"] == "f32" ? kFloat : f["type"] == "f16" ? kHalf : -1;
    if (type < 0 || n < 1 || c < 1 || k < 1 || groups < 1 || c % groups)
      fail("has a bad type or size");
    // A bias of one value: the device keeps it, k elements.
    if (auto it = f.find("bias_value"); it != f.end()) {
      float value = std::strtof(it->second.c_str(), nullptr);
      std::string bytes(size_t(k) * (type == kFloat ? 4 : 2), '\0');
      if (type == kFloat)
        for (int i = 0; i < k; ++i)
          std::memcpy(&bytes[size_t(i) * 4], &value, 4);
      biasConstant_ = context.constant(bytes);
    }
    fused_ = bias_ >= 0 || biasConstant_;
    if (!fused_ && (relu_ || z_ >= 0))
      fail("has an epilogue but no bias");

    const Api &dnn = api();
    check(dnn.CreateTensorDescriptor(&x_desc_), "cudnnCreateTensorDescriptor");
    check(dnn.SetTensor4dDescriptor(x_desc_, kNchw, type, n, c, h, w),
          "describing x");
    check(dnn.CreateFilterDescriptor(&w_desc_), "cudnnCreateFilterDescriptor");
    check(dnn.SetFilter4dDescriptor(w_desc_, type, kNchw, k, c / groups, r, s),
          "describing the filter");
    check(dnn.CreateConvolutionDescriptor(&conv_desc_),
          "cudnnCreateConvolutionDescriptor");
    check(dnn.SetConvolution2dDescriptor(
              conv_desc_, number("pad_h"), number("pad_w"), number("stride_h"),
              number("stride_w"), number("dil_h"), number("dil_w"),
              kCrossCorrelation, kFloat),
          "describing the convolution");
    check(dnn.SetConvolutionGroupCount(conv_desc_, groups), "its groups");
    // f32 with FMAs unless the call allows TF32 (math=tf32); f16 on tensor
    // cores.
    auto math = f.find("math");
    if (math != f.end() && (math->second != "tf32" || type != kFloat))
      fail("has a bad math type");
    check(dnn.SetConvolutionMathType(conv_desc_, type == kFloat && math == f.end()
                                                     ? kFmaMath
                                                     : kDefaultMath),
          "its math");
    int p = (h + 2 * number("pad_h") - number("dil_h") * (r - 1) - 1) /
                number("stride_h") +
            1;
    int q = (w + 2 * number("pad_w") - number("dil_w") * (s - 1) - 1) /
                number("stride_w") +
            1;
    check(dnn.CreateTensorDescriptor(&y_desc_), "cudnnCreateTensorDescriptor");
    check(dnn.SetTensor4dDescriptor(y_desc_, kNchw, type, n, k, p, q),
          "describing y");
    check(dnn.CreateTensorDescriptor(&bias_desc_),
          "cudnnCreateTensorDescriptor");
    check(dnn.SetTensor4dDescriptor(bias_desc_, kNchw, type, 1, k, 1, 1),
          "describing the bias");
    check(dnn.CreateActivationDescriptor(&activation_),
          "cudnnCreateActivationDescriptor");
    check(dnn.SetActivationDescriptor(
              activation_, relu_ ? kActivationRelu : kActivationIdentity,
              kPropagateNan, 0.0),
          "describing the activation");
    chooseAlgorithm(context.workspaceBytes);
  }

  void run(void *const *bindings, size_t count, void *stream) override {
    long largest = std::max({x_, w_, bias_, z_, y_});
    if (static_cast<long>(count) <= largest)
      fail("is given " + std::to_string(count) + " bindings");
    const Api &dnn = api();
    check(dnn.SetStream(dnn.handle, stream), "cudnnSetStream");
    const float one = 1.0f, zero = 0.0f;
    if (!fused_) {
      check(dnn.ConvolutionForward(dnn.handle, &one, x_desc_, bindings[x_],
                                   w_desc_, bindings[w_], conv_desc_, algo_,
                                   workspace_, workspaceBytes_, &zero, y_desc_,
                                   bindings[y_]),
            "cudnnConvolutionForward");
      return;
    }
    // Without a residual, z is y with alpha2 = 0 (cuDNN reads it anyway).
    const void *z = z_ >= 0 ? bindings[z_] : bindings[y_];
    const void *bias = bias_ >= 0 ? bindings[bias_] : biasConstant_;
    check(dnn.ConvolutionBiasActivationForward(
              dnn.handle, &one, x_desc_, bindings[x_], w_desc_, bindings[w_],
              conv_desc_, algo_, workspace_, workspaceBytes_,
              z_ >= 0 ? &one : &zero, y_desc_, z, bias_desc_, bias, activation_,
              y_desc_, bindings[y_]),
          "cudnnConvolutionBiasActivationForward");
  }

private:
  /// cuDNN's best-ranked algorithm that fits the workspace (with an
  /// identity activation, the only one the fused call takes).
  void chooseAlgorithm(size_t workspaceBytes) {
    const Api &dnn = api();
    if (fused_ && !relu_) {
      algo_ = kImplicitPrecompGemm;
      check(dnn.GetConvolutionForwardWorkspaceSize(dnn.handle, x_desc_, w_desc_,
                                                   conv_desc_, y_desc_, algo_,
                                                   &workspaceBytes_),
            "sizing its workspace");
      if (workspaceBytes_ > workspaceBytes)
        fail("needs " + std::to_string(workspaceBytes_) +
             " bytes of workspace, more than the device's " +
             std::to_string(workspaceBytes));
      return;
    }
    AlgoPerf results[8];
    int found = 0;
    check(dnn.GetConvolutionForwardAlgorithm_v7(dnn.handle, x_desc_, w_desc_,
                                                conv_desc_, y_desc_, 8, &found,
                                                results),
          "cudnnGetConvolutionForwardAlgorithm_v7");
    for (int i = 0; i < found; ++i)
      if (results[i].status == kSuccess &&
          results[i].memory <= workspaceBytes) {
        algo_ = results[i].algo;
        workspaceBytes_ = results[i].memory;
        return;
      }
    fail("has no cuDNN algorithm that fits " + std::to_string(workspaceBytes) +
         " bytes of workspace");
  }
  [[noreturn]] void fail(const std::string &what) const {
    throw Error("the cuDNN call of '" + origin_ + "' (" + call_ + ") " + what);
  }
  // `what` is a literal: no message is built unless the call failed.
  void check(Status status, const char *what) const {
    if (status != kSuccess)
      fail(std::string(": ") + what + " failed (" +
           api().GetErrorString(status) + ")");
  }

  std::string call_, origin_;
  void *workspace_;
  size_t workspaceBytes_ = 0;
  long x_ = 0, w_ = 0, bias_ = -1, z_ = -1, y_ = 0;
  bool relu_ = false, fused_ = false;
  void *biasConstant_ = nullptr;
  TensorDesc x_desc_ = nullptr, y_desc_ = nullptr, bias_desc_ = nullptr;
  FilterDesc w_desc_ = nullptr;
  ConvDesc conv_desc_ = nullptr;
  ActivationDesc activation_ = nullptr;
  int algo_ = 0;
};

} // namespace

std::unique_ptr<LibraryCall>
createCudnnConvolution(const std::string &call, const std::string &origin,
                       const LibraryContext &context) {
  return std::make_unique<CudnnConvolution>(call, origin, context);
}

} // namespace kiln::rt::cuda
