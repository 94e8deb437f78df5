//===- CallLibraries.cpp - cuda-call-libraries ----------------------------===//
//
// Vendor libraries where they win: a plain GEMM, or one with a bias and
// relu/GELU epilogue, is what cuBLASLt runs at the GPU's peak, which Kiln's
// own SIMT kernels do not reach. The decision is made on the graph ops of a
// kernel, where the pattern is plain; what is not exactly that stays
// Kiln's code (a fused epilogue cuBLASLt cannot express, a transposed or
// broadcast operand).
//
//===----------------------------------------------------------------------===//

#include "lib/backends/cuda/CudaPasses.h"
#include "lib/backends/cuda/Gemm.h"
#include "lib/backends/gpu/GpuPasses.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"

#include "llvm/Support/FormatVariadic.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_CUDACALLLIBRARIES
#include "lib/backends/cuda/CudaPasses.h.inc"
} // namespace kiln::cuda

using namespace mlir;
using kiln::cuda::bindingPosition;
namespace graph = kiln::graph;

namespace {

/// The cuBLASLt call `kernel` is, or none: a GEMM whose epilogue is at
/// most a bias, then relu or tanh-GELU (CUBLASLT_EPILOGUE_*); an f32 one on
/// TF32 tensor cores when `tf32`.
std::optional<std::string> matmulCall(func::FuncOp kernel, bool tf32) {
  std::optional<kiln::cuda::Gemm> gemm = kiln::cuda::matchGemm(kernel);
  if (!gemm)
    return std::nullopt;
  using Kind = kiln::cuda::EpilogueStep::Kind;
  ArrayRef<kiln::cuda::EpilogueStep> steps = gemm->epilogue;
  int64_t bias = -1;
  if (!steps.empty() && steps.front().kind == Kind::AddBias) {
    bias = steps.front().binding;
    steps = steps.drop_front();
  }
  std::string activation;
  if (!steps.empty() && steps.front().kind == Kind::Relu)
    activation = "relu";
  else if (!steps.empty() && steps.front().kind == Kind::GeluTanh)
    activation = "gelu";
  if (steps.size() != (activation.empty() ? 0u : 1u))
    return std::nullopt;
  std::string epilogue =
      bias >= 0 ? (activation.empty() ? "bias" : activation + "_bias")
                : (activation.empty() ? "none" : activation);
  auto text = [](int64_t v) { return std::to_string(v); };
  return "cublaslt.matmul m=" + text(gemm->m) + " n=" + text(gemm->n) +
         " k=" + text(gemm->k) + " batch=" + text(gemm->batch) +
         " stride_a=" + text(gemm->strideA) +
         " stride_b=" + text(gemm->strideB) +
         " type=" + *kiln::cuda::floatTypeName(gemm->element) +
         " epilogue=" + epilogue + " a=" + text(gemm->a) +
         " b=" + text(gemm->b) + " bias=" + text(bias) +
         " out=" + text(gemm->out) +
         (tf32 && gemm->element.isF32() ? " compute=tf32" : "");
}

/// The cuDNN call `kernel` is, or none: a 2-D NCHW convolution of two
/// bindings with its own bias, then at most a residual binding added and
/// relu, which is cudnnConvolutionBiasActivationForward's
/// `relu(conv(x) + z + bias)`; or a plain convolution. An f32 one on TF32
/// tensor cores when `tf32`.
std::optional<std::string> convolutionCall(func::FuncOp kernel, bool tf32) {
  Block &body = kernel.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  if (ret.getNumOperands() != 1)
    return std::nullopt;
  Value value = ret.getOperand(0);
  bool relu = false;
  if (auto op = value.getDefiningOp<graph::ReluOp>()) {
    relu = true;
    value = op.getInput();
  }
  int64_t residual = -1;
  if (auto add = value.getDefiningOp<graph::AddOp>()) {
    Value lhs = add.getLhs(), rhs = add.getRhs();
    if (!lhs.getDefiningOp<graph::Conv2dOp>())
      std::swap(lhs, rhs);
    if (bindingPosition(rhs) < 0 || rhs.getType() != add.getType() ||
        !value.hasOneUse())
      return std::nullopt;
    residual = bindingPosition(rhs);
    value = lhs;
  }
  auto conv = value.getDefiningOp<graph::Conv2dOp>();
  if (!conv || !conv->hasOneUse())
    return std::nullopt;
  int64_t x = bindingPosition(conv.getInput()),
          w = bindingPosition(conv.getFilter());
  int64_t bias = conv.getBias() ? bindingPosition(conv.getBias()) : -1;
  // A bias of one value (a folded batch norm's zero shift) is a constant
  // of the kernel, not a binding: the runtime makes it.
  std::optional<double> biasSplat;
  if (auto constant = conv.getBias()
                          ? conv.getBias().getDefiningOp<graph::ConstantOp>()
                          : graph::ConstantOp()) {
    auto splat = dyn_cast<SplatElementsAttr>(constant.getValue());
    if (!splat || !isa<FloatType>(splat.getElementType()) ||
        !constant->hasOneUse())
      return std::nullopt;
    biasSplat = splat.getSplatValue<APFloat>().convertToDouble();
    // f16 splats only as zero: the runtime writes them as zero bytes.
    if (!splat.getElementType().isF32() && *biasSplat != 0)
      return std::nullopt;
  }
  size_t expected = 2 + relu + (residual >= 0) + biasSplat.has_value();
  if (body.getOperations().size() != expected)
    return std::nullopt;
  auto xType = cast<RankedTensorType>(conv.getInput().getType());
  auto wType = cast<RankedTensorType>(conv.getFilter().getType());
  auto yType = cast<RankedTensorType>(conv.getType());
  Type element = yType.getElementType();
  // f32 and f16 (cuDNN's bf16 convolutions need newer GPUs than sm_80's
  // guarantees); every operand of that type, static NCHW shapes.
  if (x < 0 || w < 0 || (conv.getBias() && bias < 0 && !biasSplat) ||
      !(element.isF32() || element.isF16()) || xType.getRank() != 4 ||
      wType.getRank() != 4 || !xType.hasStaticShape() ||
      xType.getElementType() != element || wType.getElementType() != element)
    return std::nullopt;
  // cudnnConvolutionBiasActivationForward needs a bias; without one only
  // the plain convolution is cuDNN's.
  bool hasBias = bias >= 0 || biasSplat;
  if (!hasBias && (relu || residual >= 0))
    return std::nullopt;
  ArrayRef<int64_t> padding = conv.getPadding();
  if (padding[0] != padding[2] || padding[1] != padding[3])
    return std::nullopt; // cuDNN pads both sides alike.
  ArrayRef<int64_t> xShape = xType.getShape(), wShape = wType.getShape();
  ArrayRef<int64_t> strides = conv.getStrides(),
                    dilations = conv.getDilations();
  auto text = [](int64_t v) { return std::to_string(v); };
  return "cudnn.conv2d n=" + text(xShape[0]) + " c=" + text(xShape[1]) +
         " h=" + text(xShape[2]) + " w=" + text(xShape[3]) +
         " k=" + text(wShape[0]) + " r=" + text(wShape[2]) +
         " s=" + text(wShape[3]) + " pad_h=" + text(padding[0]) +
         " pad_w=" + text(padding[1]) + " stride_h=" + text(strides[0]) +
         " stride_w=" + text(strides[1]) + " dil_h=" + text(dilations[0]) +
         " dil_w=" + text(dilations[1]) + " groups=" + text(conv.getGroups()) +
         " type=" + *kiln::cuda::floatTypeName(element) +
         " relu=" + text(relu) + " x=" + text(x) + " w_=" + text(w) +
         " bias=" + text(bias) +
         (biasSplat ? " bias_value=" + llvm::formatv("{0:e}", *biasSplat).str()
                    : std::string()) +
         " z=" + text(residual) + " y=" + text(kernel.getNumArguments()) +
         (tf32 && element.isF32() ? " math=tf32" : "");
}

struct CudaCallLibraries
    : kiln::cuda::impl::CudaCallLibrariesBase<CudaCallLibraries> {
  using CudaCallLibrariesBase::CudaCallLibrariesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder builder(&getContext());
    SmallVector<NamedAttribute> calls;
    if (auto existing =
            module->getAttrOfType<DictionaryAttr>(kiln::gpu::kLibraryCallsAttr))
      calls.append(existing.begin(), existing.end());
    for (auto kernel : module.getOps<func::FuncOp>()) {
      if (kernel.isExternal())
        continue;
      std::optional<std::string> call = matmulCall(kernel, tf32);
      if (!call)
        call = convolutionCall(kernel, tf32);
      if (!call)
        continue;
      kiln::cuda::declareBindings(kernel);
      calls.push_back(builder.getNamedAttr(kernel.getSymName(),
                                           builder.getStringAttr(*call)));
    }
    if (!calls.empty())
      module->setAttr(kiln::gpu::kLibraryCallsAttr,
                      builder.getDictionaryAttr(calls));
  }
};

} // namespace
