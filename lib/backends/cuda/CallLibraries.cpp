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
  return argument && isa<func::FuncOp>(argument.getOwner()->getParentOp())
             ? argument.getArgNumber()
             : -1;
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
