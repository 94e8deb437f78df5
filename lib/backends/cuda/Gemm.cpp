//===- Gemm.cpp - a kernel that is a GEMM and its epilogue ----------------===//

#include "lib/backends/cuda/Gemm.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
namespace graph = kiln::graph;

namespace kiln::cuda {
namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t result = 1;
  for (int64_t dim : dims)
    result *= dim;
  return result;
}

/// The step `op` (the one user of `value`, the GEMM so far) is, or none.
std::optional<EpilogueStep> stepOf(Operation *op, Value value, int64_t n) {
  using Kind = EpilogueStep::Kind;
  if (isa<graph::ReluOp>(op))
    return EpilogueStep{Kind::Relu};
  if (isa<graph::TanhOp>(op))
    return EpilogueStep{Kind::Tanh};
  if (isa<graph::SigmoidOp>(op))
    return EpilogueStep{Kind::Sigmoid};
  if (isa<graph::SiluOp>(op))
    return EpilogueStep{Kind::Silu};
  if (auto gelu = dyn_cast<graph::GeluOp>(op))
    return EpilogueStep{gelu.getApproximate() == graph::GeluApproximation::tanh
                            ? Kind::GeluTanh
                            : Kind::GeluErf};
  auto add = dyn_cast<graph::AddOp>(op);
  if (!add || add.getType() != value.getType())
    return std::nullopt;
  Value other = add.getLhs() == value ? add.getRhs() : add.getLhs();
  int64_t binding = bindingPosition(other);
  auto type = dyn_cast<RankedTensorType>(other.getType());
  if (binding < 0 || other == value || !type ||
      type.getElementType() != getElementTypeOrSelf(value.getType()))
    return std::nullopt;
  if (type == value.getType())
    return EpilogueStep{Kind::AddResidual, binding};
  if (type.getRank() == 1 && type.getDimSize(0) == n)
    return EpilogueStep{Kind::AddBias, binding};
  return std::nullopt;
}

} // namespace

int64_t bindingPosition(Value value) {
  auto argument = dyn_cast<BlockArgument>(value);
  if (!argument || !isa<func::FuncOp>(argument.getOwner()->getParentOp()))
    return -1;
  return argument.getArgNumber();
}

int64_t Gemm::bindingOf(EpilogueStep::Kind kind) const {
  for (const EpilogueStep &step : epilogue)
    if (step.kind == kind)
      return step.binding;
  return -1;
}

std::optional<std::string> floatTypeName(Type type) {
  if (type.isF32())
    return std::string("f32");
  if (type.isF16())
    return std::string("f16");
  if (type.isBF16())
    return std::string("bf16");
  return std::nullopt;
}

std::optional<Gemm> matchGemm(func::FuncOp kernel) {
  if (kernel.isExternal())
    return std::nullopt;
  Block &body = kernel.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  if (ret.getNumOperands() != 1)
    return std::nullopt;
  auto matmuls = body.getOps<graph::MatmulOp>();
  if (!llvm::hasSingleElement(matmuls))
    return std::nullopt;
  graph::MatmulOp matmul = *matmuls.begin();
  auto aType = cast<RankedTensorType>(matmul.getLhs().getType());
  auto bType = cast<RankedTensorType>(matmul.getRhs().getType());
  auto outType = cast<RankedTensorType>(matmul.getType());
  Gemm gemm;
  gemm.a = bindingPosition(matmul.getLhs());
  gemm.b = bindingPosition(matmul.getRhs());
  gemm.out = kernel.getNumArguments();
  gemm.element = outType.getElementType();
  if (gemm.a < 0 || gemm.b < 0 || !floatTypeName(gemm.element) ||
      aType.getElementType() != gemm.element ||
      bType.getElementType() != gemm.element || !aType.hasStaticShape() ||
      !bType.hasStaticShape() || aType.getRank() < 2 || bType.getRank() < 2)
    return std::nullopt;
  ArrayRef<int64_t> aShape = aType.getShape(), bShape = bType.getShape();
  gemm.m = aShape[aShape.size() - 2];
  gemm.k = aShape.back();
  gemm.n = bShape.back();
  if (bShape[bShape.size() - 2] != gemm.k)
    return std::nullopt;
  int64_t aBatch = product(aShape.drop_back(2));
  int64_t bBatch = product(bShape.drop_back(2));
  if (bBatch == 1) {
    // A weight shared by every batch: the batch is more rows of A.
    gemm.m *= aBatch;
  } else if (aShape.drop_back(2) == bShape.drop_back(2)) {
    gemm.batch = aBatch;
    gemm.strideA = gemm.m * gemm.k;
    gemm.strideB = gemm.k * gemm.n;
  } else {
    return std::nullopt; // A broadcast A.
  }
  // Forward from the product: each op the one user of the last, then the
  // return; nothing else in the kernel.
  Value value = matmul.getResult();
  while (value.hasOneUse() && *value.getUsers().begin() != ret) {
    Operation *user = *value.getUsers().begin();
    std::optional<EpilogueStep> step = stepOf(user, value, gemm.n);
    if (!step)
      return std::nullopt;
    gemm.epilogue.push_back(*step);
    value = user->getResult(0);
  }
  if (!value.hasOneUse() ||
      body.getOperations().size() != gemm.epilogue.size() + 2)
    return std::nullopt;
  return gemm;
}

void declareBindings(func::FuncOp kernel) {
  SmallVector<Type> bindings;
  for (Type type : llvm::concat<const Type>(kernel.getArgumentTypes(),
                                            kernel.getResultTypes())) {
    auto tensor = cast<RankedTensorType>(type);
    bindings.push_back(
        MemRefType::get(tensor.getShape(), tensor.getElementType()));
  }
  kernel.getBody().getBlocks().clear();
  kernel.setFunctionType(FunctionType::get(kernel.getContext(), bindings, {}));
  kernel.setPrivate();
}

} // namespace kiln::cuda
