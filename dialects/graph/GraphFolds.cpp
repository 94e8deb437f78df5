//===- GraphFolds.cpp - folds of graph ops --------------------------------===//
//
// Folds that are always right and cheap: identities (x + 0, x * 1, an
// identity transpose or slice), collapsing chains (reshape of reshape,
// transpose of transpose, neg of neg) and splat constants. Folding whole
// weight tensors is a compile-time constant-evaluation job, not a fold.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"

using namespace mlir;
using namespace kiln::graph;

namespace {

DenseElementsAttr splatOf(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  return dense && dense.isSplat() ? dense : DenseElementsAttr();
}

/// Whether a folded operand is a splat equal to `value` (0.0 matches -0.0).
bool isSplatOf(Attribute attr, int64_t value) {
  DenseElementsAttr splat = splatOf(attr);
  if (!splat)
    return false;
  if (isa<FloatType>(splat.getElementType())) {
    APFloat element = splat.getSplatValue<APFloat>();
    bool losesInfo = false;
    element.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                    &losesInfo);
    return element.convertToDouble() == static_cast<double>(value);
  }
  return splat.getSplatValue<APInt>().getSExtValue() == value;
}

/// `value` when it can replace a result of type `type` unchanged (a fold may
/// not change the type, e.g. when the other operand broadcast it).
OpFoldResult ifSameType(Value value, Type type) {
  return value.getType() == type ? OpFoldResult(value) : OpFoldResult();
}

using FloatFn = llvm::function_ref<std::optional<APFloat>(APFloat, APFloat)>;
using IntFn = llvm::function_ref<std::optional<APInt>(APInt, APInt)>;

/// Evaluates a binary op whose operands are both splats.
Attribute foldSplats(Attribute lhs, Attribute rhs, Type resultType,
                     FloatFn floatFn, IntFn intFn) {
  DenseElementsAttr l = splatOf(lhs), r = splatOf(rhs);
  auto type = cast<ShapedType>(resultType);
  if (!l || !r || !type.hasStaticShape())
    return {};
  if (isa<FloatType>(type.getElementType())) {
    std::optional<APFloat> value =
        floatFn(l.getSplatValue<APFloat>(), r.getSplatValue<APFloat>());
    return value ? DenseElementsAttr::get(type, *value) : Attribute();
  }
  std::optional<APInt> value =
      intFn(l.getSplatValue<APInt>(), r.getSplatValue<APInt>());
  return value ? DenseElementsAttr::get(type, *value) : Attribute();
}

/// Evaluates a unary op on a splat.
Attribute foldSplat(Attribute input,
                    llvm::function_ref<APFloat(APFloat)> floatFn,
                    llvm::function_ref<APInt(APInt)> intFn) {
  DenseElementsAttr splat = splatOf(input);
  if (!splat)
    return {};
  if (isa<FloatType>(splat.getElementType()))
    return DenseElementsAttr::get(splat.getType(),
                                  floatFn(splat.getSplatValue<APFloat>()));
  return DenseElementsAttr::get(splat.getType(),
                                intFn(splat.getSplatValue<APInt>()));
}

/// A splat operand re-shaped to the result type (data movement ops).
Attribute resplat(Attribute input, Type resultType) {
  DenseElementsAttr splat = splatOf(input);
  auto type = cast<ShapedType>(resultType);
  if (!splat || !type.hasStaticShape())
    return {};
  return splat.resizeSplat(type);
}

constexpr auto kRound = APFloat::rmNearestTiesToEven;

/// An APFloat arithmetic method (add, subtract, ...) as a FloatFn body.
auto floatArithmetic(APFloat::opStatus (APFloat::*method)(
    const APFloat &, APFloat::roundingMode)) {
  return [method](APFloat a, APFloat b) -> std::optional<APFloat> {
    (a.*method)(b, kRound);
    return a;
  };
}

} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  return foldSplat(
      adaptor.getInput(),
      [](APFloat x) {
        x.changeSign();
        return x;
      },
      [](APInt x) { return -x; });
}

OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  if (getInput().getDefiningOp<AbsOp>())
    return getInput();
  return foldSplat(
      adaptor.getInput(),
      [](APFloat x) {
        x.clearSign();
        return x;
      },
      [](APInt x) { return x.abs(); });
}

OpFoldResult ReluOp::fold(FoldAdaptor adaptor) {
  if (getInput().getDefiningOp<ReluOp>())
    return getInput();
  return foldSplat(
      adaptor.getInput(),
      [](APFloat x) {
        return x.isNegative() && !x.isNaN() ? APFloat::getZero(x.getSemantics())
                                            : x;
      },
      [](APInt x) { return x.isNegative() ? APInt(x.getBitWidth(), 0) : x; });
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0))
    return ifSameType(getLhs(), getType());
  return foldSplats(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      floatArithmetic(&APFloat::add),
      [](APInt a, APInt b) -> std::optional<APInt> { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0))
    return ifSameType(getLhs(), getType());
  return foldSplats(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      floatArithmetic(&APFloat::subtract),
      [](APInt a, APInt b) -> std::optional<APInt> { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    return ifSameType(getLhs(), getType());
  return foldSplats(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      floatArithmetic(&APFloat::multiply),
      [](APInt a, APInt b) -> std::optional<APInt> { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    return ifSameType(getLhs(), getType());
  return foldSplats(adaptor.getLhs(), adaptor.getRhs(), getType(),
                    floatArithmetic(&APFloat::divide),
                    [](APInt a, APInt b) -> std::optional<APInt> {
                      // Leave undefined integer division for run time to
                      // report.
                      if (b.isZero() || (a.isMinSignedValue() && b.isAllOnes()))
                        return std::nullopt;
                      return a.sdiv(b);
                    });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    return ifSameType(getLhs(), getType());
  return {};
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldSplats(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        return llvm::maximum(a, b);
      },
      [](APInt a, APInt b) -> std::optional<APInt> {
        return a.sge(b) ? a : b;
      });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldSplats(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](APFloat a, APFloat b) -> std::optional<APFloat> {
        return llvm::minimum(a, b);
      },
      [](APInt a, APInt b) -> std::optional<APInt> {
        return a.sle(b) ? a : b;
      });
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getOnTrue() == getOnFalse())
    return ifSameType(getOnTrue(), getType());
  if (DenseElementsAttr condition = splatOf(adaptor.getCondition()))
    return ifSameType(condition.getSplatValue<bool>() ? getOnTrue()
                                                      : getOnFalse(),
                      getType());
  return {};
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

OpFoldResult ReduceOp::fold(FoldAdaptor) {
  // Every reduction of a single element is that element.
  ArrayRef<int64_t> shape = getInput().getType().getShape();
  if (llvm::all_of(getAxes(), [&](int64_t axis) { return shape[axis] == 1; }))
    return ifSameType(getInput(), getType());
  return {};
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  // A dense literal reshapes without copying; resources stay as they are.
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return ifSameType(getInput(), getType());
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    // Result dim i is inner's dim perm[i], which is x's dim innerPerm[perm[i]].
    SmallVector<int64_t> composed;
    for (int64_t dim : perm)
      composed.push_back(inner.getPerm()[dim]);
    getInputMutable().assign(inner.getInput());
    setPerm(composed);
    return getResult();
  }
  return resplat(adaptor.getInput(), getType());
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // Broadcasting is transitive: x -> a -> b is x -> b.
  if (auto inner = getInput().getDefiningOp<BroadcastToOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return resplat(adaptor.getInput(), getType());
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  // Empty inputs add nothing: drop them (in place) while others remain.
  SmallVector<Value> nonEmpty;
  for (Value input : getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    if (!type.hasStaticShape() || type.getNumElements() != 0)
      nonEmpty.push_back(input);
  }
  if (!nonEmpty.empty() && nonEmpty.size() != getInputs().size()) {
    getInputsMutable().assign(nonEmpty);
    if (nonEmpty.size() > 1)
      return getResult();
  }
  if (getInputs().size() == 1)
    return ifSameType(getInputs().front(), getType());
  return {};
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getStep(), [](int64_t step) { return step == 1; }))
    return getInput();
  return resplat(adaptor.getInput(), getType());
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  auto isZero = [](int64_t pad) { return pad == 0; };
  if (llvm::all_of(getLow(), isZero) && llvm::all_of(getHigh(), isZero))
    return ifSameType(getInput(), getType());
  return {};
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}
