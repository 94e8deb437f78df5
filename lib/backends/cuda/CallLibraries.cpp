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
#include "lib/backends/gpu/GpuPasses.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"

#include "llvm/Support/FormatVariadic.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_CUDACALLLIBRARIES
#include "lib/backends/cuda/CudaPasses.h.inc"
} // namespace kiln::cuda

using namespace mlir;
namespace graph = kiln::graph;

namespace {

/// The binding `value` is (a kernel argument's position), or -1.
int64_t bindingOf(Value value) {
  auto argument = dyn_cast<BlockArgument>(value);
  if (!argument || !isa<func::FuncOp>(argument.getOwner()->getParentOp()))
    return -1;
  return argument.getArgNumber();
}

std::optional<std::string> typeName(Type type) {
  if (type.isF32())
    return std::string("f32");
  if (type.isF16())
    return std::string("f16");
  if (type.isBF16())
    return std::string("bf16");
  return std::nullopt;
}

/// The cuBLASLt call `kernel` is, or none.
std::optional<std::string> matmulCall(func::FuncOp kernel) {
  Block &body = kernel.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  if (ret.getNumOperands() != 1)
    return std::nullopt;
  // From the result back: [relu | tanh-gelu] <- [add bias] <- matmul.
  Value value = ret.getOperand(0);
  std::string activation;
  Operation *op = value.getDefiningOp();
  if (isa_and_nonnull<graph::ReluOp>(op)) {
    activation = "relu";
    value = op->getOperand(0);
  } else if (auto gelu = dyn_cast_or_null<graph::GeluOp>(op);
             gelu && gelu.getApproximate() == graph::GeluApproximation::tanh) {
    activation = "gelu";
    value = gelu.getInput();
  }
  int64_t bias = -1;
  if (auto add = value.getDefiningOp<graph::AddOp>()) {
    Value lhs = add.getLhs(), rhs = add.getRhs();
    if (!lhs.getDefiningOp<graph::MatmulOp>())
      std::swap(lhs, rhs);
    auto biasType = dyn_cast<RankedTensorType>(rhs.getType());
    if (!biasType || biasType.getRank() != 1 || bindingOf(rhs) < 0 ||
        !value.hasOneUse())
      return std::nullopt;
    bias = bindingOf(rhs);
    value = lhs;
  }
  auto matmul = value.getDefiningOp<graph::MatmulOp>();
  if (!matmul || !matmul->hasOneUse())
    return std::nullopt;
  // Exactly those ops and the return: anything else is Kiln's to fuse.
  size_t expected = 2 + (bias >= 0) + !activation.empty();
  if (body.getOperations().size() != expected)
    return std::nullopt;
  int64_t a = bindingOf(matmul.getLhs()), b = bindingOf(matmul.getRhs());
  auto aType = cast<RankedTensorType>(matmul.getLhs().getType());
  auto bType = cast<RankedTensorType>(matmul.getRhs().getType());
  auto outType = cast<RankedTensorType>(matmul.getType());
  std::optional<std::string> element = typeName(outType.getElementType());
  if (a < 0 || b < 0 || !element ||
      aType.getElementType() != outType.getElementType() ||
      bType.getElementType() != outType.getElementType() ||
      !aType.hasStaticShape() || !bType.hasStaticShape() ||
      aType.getRank() < 2 || bType.getRank() < 2)
    return std::nullopt;
  if (bias >= 0 && cast<RankedTensorType>(kernel.getArgumentTypes()[bias])
                           .getElementType() != outType.getElementType())
    return std::nullopt;
  ArrayRef<int64_t> aShape = aType.getShape(), bShape = bType.getShape();
  int64_t m = aShape[aShape.size() - 2], k = aShape.back(), n = bShape.back();
  if (bShape[bShape.size() - 2] != k)
    return std::nullopt;
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t result = 1;
    for (int64_t dim : dims)
      result *= dim;
    return result;
  };
  int64_t aBatch = product(aShape.drop_back(2));
  int64_t bBatch = product(bShape.drop_back(2));
  int64_t batch = 1, strideA = 0, strideB = 0;
  if (bBatch == 1) {
    // A weight shared by every batch: the batch is more rows of A.
    m *= aBatch;
  } else if (aBatch == bBatch && aShape.drop_back(2) == bShape.drop_back(2)) {
    batch = aBatch;
    strideA = m * k;
    strideB = k * n;
  } else {
    return std::nullopt; // A broadcast A: Kiln's kernel.
  }
  int64_t out = kernel.getNumArguments();
  std::string epilogue =
      bias >= 0 ? (activation.empty() ? "bias" : activation + "_bias")
                : (activation.empty() ? "none" : activation);
  std::string call = "cublaslt.matmul m=" + std::to_string(m) +
                     " n=" + std::to_string(n) + " k=" + std::to_string(k) +
                     " batch=" + std::to_string(batch) +
                     " stride_a=" + std::to_string(strideA) +
                     " stride_b=" + std::to_string(strideB) + " type=" +
                     *element + " epilogue=" + epilogue +
                     " a=" + std::to_string(a) + " b=" + std::to_string(b) +
                     " bias=" + std::to_string(bias) +
                     " out=" + std::to_string(out);
  return call;
}

/// The cuDNN call `kernel` is, or none: a 2-D NCHW convolution of two
/// bindings with its own bias, then at most a residual binding added and
/// relu, which is cudnnConvolutionBiasActivationForward's
/// `relu(conv(x) + z + bias)`; or a plain convolution.
std::optional<std::string> convolutionCall(func::FuncOp kernel) {
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
    if (bindingOf(rhs) < 0 || rhs.getType() != add.getType() ||
        !value.hasOneUse())
      return std::nullopt;
    residual = bindingOf(rhs);
    value = lhs;
  }
  auto conv = value.getDefiningOp<graph::Conv2dOp>();
  if (!conv || !conv->hasOneUse())
    return std::nullopt;
  int64_t x = bindingOf(conv.getInput()), w = bindingOf(conv.getFilter());
  int64_t bias = conv.getBias() ? bindingOf(conv.getBias()) : -1;
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
         " dil_w=" + text(dilations[1]) +
         " groups=" + text(conv.getGroups()) +
         " type=" + *typeName(element) + " relu=" + text(relu) +
         " x=" + text(x) + " w_=" + text(w) + " bias=" + text(bias) +
         (biasSplat ? " bias_value=" + llvm::formatv("{0:e}", *biasSplat).str()
                    : std::string()) +
         " z=" + text(residual) +
         " y=" + text(kernel.getNumArguments());
}

struct CudaCallLibraries
    : kiln::cuda::impl::CudaCallLibrariesBase<CudaCallLibraries> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder builder(&getContext());
    SmallVector<NamedAttribute> calls;
    if (auto existing = module->getAttrOfType<DictionaryAttr>(
            kiln::gpu::kLibraryCallsAttr))
      calls.append(existing.begin(), existing.end());
    for (auto kernel : module.getOps<func::FuncOp>()) {
      if (kernel.isExternal())
        continue;
      std::optional<std::string> call = matmulCall(kernel);
      if (!call)
        call = convolutionCall(kernel);
      if (!call)
        continue;
      // A declaration of the bindings, inputs then outputs, as the host
      // keeps for every kernel.
      SmallVector<Type> bindings;
      for (Type type : llvm::concat<const Type>(
               kernel.getArgumentTypes(), kernel.getResultTypes())) {
        auto tensor = cast<RankedTensorType>(type);
        bindings.push_back(
            MemRefType::get(tensor.getShape(), tensor.getElementType()));
      }
      kernel.getBody().getBlocks().clear();
      kernel.setFunctionType(FunctionType::get(&getContext(), bindings, {}));
      kernel.setPrivate();
      calls.push_back(builder.getNamedAttr(kernel.getSymName(),
                                           builder.getStringAttr(*call)));
    }
    if (!calls.empty())
      module->setAttr(kiln::gpu::kLibraryCallsAttr,
                      builder.getDictionaryAttr(calls));
  }
};

} // namespace
