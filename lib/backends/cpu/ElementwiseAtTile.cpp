//===- ElementwiseAtTile.cpp - elementwise ops inside a micro-kernel ------===//

#include "lib/backends/cpu/ElementwiseAtTile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln::cpu {

namespace {

bool isScalar(Type type) { return isa<FloatType, IntegerType>(type); }

/// Whether every op of the body is a scalar arith or math op, which the
/// same op on vectors computes lane by lane.
bool isLanewise(linalg::GenericOp op) {
  Block *body = op.getBlock();
  for (Operation &inner : body->without_terminator()) {
    if (!isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()) ||
        inner.getNumRegions() != 0 ||
        !llvm::all_of(inner.getOperandTypes(), isScalar) ||
        !llvm::all_of(inner.getResultTypes(), isScalar))
      return false;
  }
  return llvm::all_of(body->getArgumentTypes(), isScalar);
}

} // namespace

std::optional<ElementwiseAtTile> ElementwiseAtTile::check(linalg::GenericOp op,
                                                          Value kernelValue,
                                                          unsigned vectorDim) {
  if (!op || !op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      vectorDim >= op.getNumLoops() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      !isLanewise(op))
    return std::nullopt;
  bool readsKernel = op.getDpsInits()[0] == kernelValue;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (input->get() == kernelValue) {
      if (!map.isIdentity())
        return std::nullopt;
      readsKernel = true;
    } else if (!map.isProjectedPermutation()) {
      return std::nullopt;
    }
  }
  // An epilogue's result takes the kernel's place: the same tensor type.
  if (kernelValue &&
      (!readsKernel || op->getResult(0).getType() != kernelValue.getType()))
    return std::nullopt;
  return ElementwiseAtTile(op, kernelValue, vectorDim);
}

std::optional<ElementwiseAtTile>
ElementwiseAtTile::epilogueOf(Value result, unsigned vectorDim) {
  if (!result.hasOneUse())
    return std::nullopt;
  return check(dyn_cast<linalg::GenericOp>(*result.user_begin()), result,
               vectorDim);
}

std::optional<ElementwiseAtTile>
ElementwiseAtTile::prologueOf(Value init, unsigned vectorDim) {
  auto op = init.getDefiningOp<linalg::GenericOp>();
  if (!init.hasOneUse())
    return std::nullopt;
  // check() first: it makes sure there is one init to look at.
  std::optional<ElementwiseAtTile> prologue = check(op, Value(), vectorDim);
  if (!prologue || !op.getRegionOutputArgs()[0].use_empty())
    return std::nullopt;
  return prologue;
}

Value ElementwiseAtTile::emit(OpBuilder &b, Location loc, ArrayRef<Value> at,
                              int64_t lanes, Value kernel) const {
  linalg::GenericOp op = this->op;
  IRMapping values;
  auto vectorOf = [&](Type element) {
    return VectorType::get({lanes}, element);
  };
  // An operand at the tile: a vector along `vectorDim` where its map has
  // that dim (a gather where it is not the operand's innermost), else one
  // element broadcast.
  auto read = [&](Value operand, AffineMap map) -> Value {
    SmallVector<Value> indices;
    std::optional<unsigned> lanesAlong;
    for (unsigned r = 0; r < map.getNumResults(); ++r) {
      unsigned dim = map.getDimPosition(r);
      indices.push_back(at[dim]);
      if (dim == vectorDim)
        lanesAlong = r;
    }
    Type element = getElementTypeOrSelf(operand.getType());
    if (!lanesAlong) {
      Value scalar = tensor::ExtractOp::create(b, loc, operand, indices);
      return vector::BroadcastOp::create(b, loc, vectorOf(element), scalar);
    }
    AffineMap along =
        AffineMap::get(map.getNumResults(), 0, b.getAffineDimExpr(*lanesAlong),
                       b.getContext());
    Value padding =
        arith::ConstantOp::create(b, loc, element, b.getZeroAttr(element));
    return vector::TransferReadOp::create(
        b, loc, vectorOf(element), operand, indices, AffineMapAttr::get(along),
        padding, /*mask=*/Value(), b.getBoolArrayAttr({true}));
  };
  // A value of the body as a vector: scalars from outside it broadcast.
  auto vectorValue = [&](Value value) -> Value {
    if (!values.contains(value))
      values.map(value, vector::BroadcastOp::create(
                            b, loc, vectorOf(value.getType()), value));
    return values.lookup(value);
  };
  for (OpOperand &operand : op->getOpOperands()) {
    BlockArgument argument = op.getMatchingBlockArgument(&operand);
    if (argument.use_empty())
      continue;
    values.map(argument,
               operand.get() == kernelValue
                   ? kernel
                   : read(operand.get(), op.getMatchingIndexingMap(&operand)));
  }
  Block *body = op.getBlock();
  for (Operation &inner : body->without_terminator()) {
    if (isa<arith::ConstantOp>(inner)) {
      Value scalar = b.clone(inner)->getResult(0);
      values.map(inner.getResult(0),
                 vector::BroadcastOp::create(b, loc, vectorOf(scalar.getType()),
                                             scalar));
      continue;
    }
    OperationState state(loc, inner.getName());
    for (Value operand : inner.getOperands())
      state.addOperands(vectorValue(operand));
    for (Type type : inner.getResultTypes())
      state.addTypes(vectorOf(type));
    state.addAttributes(inner.getAttrs());
    Operation *vectorized = b.create(state);
    values.map(inner.getResults(), vectorized->getResults());
  }
  return vectorValue(body->getTerminator()->getOperand(0));
}

} // namespace kiln::cpu
