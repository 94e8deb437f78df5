//===- GraphToLinalg.cpp - convert-graph-to-linalg ------------------------===//
//
// Lowers each graph op to linalg, tensor, arith and math on tensors. A few
// builders carry most ops:
//  * buildElementwise: a parallel linalg.generic whose operands are read with
//    numpy broadcasting maps and whose body computes one scalar; every unary
//    and binary op, compare, select, cast and broadcast_to is a scalar function
//    (`scalarOf`) plugged into it;
//  * buildReduction: a linalg.generic reducing some dims of an iteration
//    space, for reduce, softmax and layer_norm;
//  * buildIndexed: a generic that computes, for each result element, where to
//    read it from (negative-step slices, gather, reflect/edge padding).
// Named linalg ops serve where upstream has them (convolution, pooling,
// transpose, fill), so later tiling and vectorization see familiar ops.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

using BodyFn = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

bool isFloat(Type type) { return isa<FloatType>(type); }

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

/// The identity of max (-inf, or the smallest integer) or of min.
Value extremeConstant(OpBuilder &b, Location loc, Type type, bool lowest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType,
                       APFloat::getInf(floatType.getFloatSemantics(), lowest)));
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(type, lowest ? APInt::getSignedMinValue(width)
                                    : APInt::getSignedMaxValue(width)));
}

/// graph.cast's element conversion: floats round to nearest, float to int
/// truncates toward zero, anything to i1 tests != 0, i1 to numbers is 0 or 1.
Value convertScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() == toFloat.getWidth()) // f16 <-> bf16
      value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    if (cast<FloatType>(value.getType()).getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(b, loc, to, value);
    return arith::TruncFOp::create(b, loc, to, value);
  }
  if (fromFloat) {
    if (to.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   scalarConstant(b, loc, from, 0));
    return arith::FPToSIOp::create(b, loc, to, value);
  }
  if (toFloat) {
    if (from.isInteger(1))
      return arith::UIToFPOp::create(b, loc, to, value);
    return arith::SIToFPOp::create(b, loc, to, value);
  }
  if (to.isInteger(1))
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 scalarConstant(b, loc, from, 0));
  if (from.isInteger(1))
    return arith::ExtUIOp::create(b, loc, to, value);
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtSIOp::create(b, loc, to, value);
  return arith::TruncIOp::create(b, loc, to, value);
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  Value one = scalarConstant(b, loc, type, 1.0);
  Value negated = arith::NegFOp::create(b, loc, x);
  Value denominator =
      arith::AddFOp::create(b, loc, one, math::ExpOp::create(b, loc, negated));
  return arith::DivFOp::create(b, loc, one, denominator);
}

Value maxOf(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y); // NaN propagates
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value minOf(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

Value addOf(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value mulOf(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

/// Integer division truncating toward zero that never traps: x / 0 is 0 (as
/// numpy) and MIN / -1 wraps to MIN.
Value safeSignedDiv(OpBuilder &b, Location loc, Value x, Value y) {
  Type type = x.getType();
  Value zero = scalarConstant(b, loc, type, 0);
  Value one = scalarConstant(b, loc, type, 1);
  Value minusOne = scalarConstant(b, loc, type, -1);
  Value isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero);
  Value isMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, minusOne);
  Value divisor = arith::SelectOp::create(
      b, loc, arith::OrIOp::create(b, loc, isZero, isMinusOne), one, y);
  Value quotient = arith::DivSIOp::create(b, loc, x, divisor);
  Value negated = arith::SubIOp::create(b, loc, zero, x); // wraps for MIN
  quotient = arith::SelectOp::create(b, loc, isMinusOne, negated, quotient);
  return arith::SelectOp::create(b, loc, isZero, zero, quotient);
}

// The scalar each elementwise op computes from its (broadcast) operands.

Value scalarOf(NegOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0].getType()))
    return arith::NegFOp::create(b, loc, args[0]);
  return arith::SubIOp::create(
      b, loc, scalarConstant(b, loc, args[0].getType(), 0), args[0]);
}
Value scalarOf(AbsOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0].getType()))
    return math::AbsFOp::create(b, loc, args[0]);
  return math::AbsIOp::create(b, loc, args[0]);
}
Value scalarOf(ReluOp, OpBuilder &b, Location loc, ValueRange args) {
  return maxOf(b, loc, args[0], scalarConstant(b, loc, args[0].getType(), 0));
}
Value scalarOf(ExpOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::ExpOp::create(b, loc, args[0]);
}
Value scalarOf(LogOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::LogOp::create(b, loc, args[0]);
}
Value scalarOf(SqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::SqrtOp::create(b, loc, args[0]);
}
Value scalarOf(RsqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::RsqrtOp::create(b, loc, args[0]);
}
Value scalarOf(TanhOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::TanhOp::create(b, loc, args[0]);
}
Value scalarOf(SigmoidOp, OpBuilder &b, Location loc, ValueRange args) {
  return sigmoid(b, loc, args[0]);
}
Value scalarOf(SiluOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::MulFOp::create(b, loc, args[0], sigmoid(b, loc, args[0]));
}
Value scalarOf(ErfOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::ErfOp::create(b, loc, args[0]);
}
Value scalarOf(GeluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Type type = x.getType();
  Value half = scalarConstant(b, loc, type, 0.5);
  Value one = scalarConstant(b, loc, type, 1.0);
  Value phi; // 2 * Phi(x) - 1
  if (op.getApproximate() == GeluApproximation::tanh) {
    // tanh(sqrt(2 / pi) * (x + 0.044715 x^3))
    Value cube =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, scalarConstant(b, loc, type, 0.044715),
                              cube));
    phi = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(
            b, loc, scalarConstant(b, loc, type, std::sqrt(2.0 / M_PI)),
            inner));
  } else {
    phi = math::ErfOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, x,
                              scalarConstant(b, loc, type, M_SQRT1_2)));
  }
  Value scaled = arith::MulFOp::create(b, loc, half, x);
  return arith::MulFOp::create(b, loc, scaled,
                               arith::AddFOp::create(b, loc, one, phi));
}
Value scalarOf(ClampOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Type type = x.getType();
  bool isInt = !isFloat(type);
  // Integer bounds round inward, so the result stays within [min, max].
  if (std::optional<APFloat> min = op.getMin())
    x = maxOf(b, loc, x,
              scalarConstant(b, loc, type,
                             isInt ? std::ceil(min->convertToDouble())
                                   : min->convertToDouble()));
  if (std::optional<APFloat> max = op.getMax())
    x = minOf(b, loc, x,
              scalarConstant(b, loc, type,
                             isInt ? std::floor(max->convertToDouble())
                                   : max->convertToDouble()));
  return x;
}
Value scalarOf(AddOp, OpBuilder &b, Location loc, ValueRange args) {
  return addOf(b, loc, args[0], args[1]);
}
Value scalarOf(SubOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0].getType()))
    return arith::SubFOp::create(b, loc, args[0], args[1]);
  return arith::SubIOp::create(b, loc, args[0], args[1]);
}
Value scalarOf(MulOp, OpBuilder &b, Location loc, ValueRange args) {
  return mulOf(b, loc, args[0], args[1]);
}
Value scalarOf(DivOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0].getType()))
    return arith::DivFOp::create(b, loc, args[0], args[1]);
  return safeSignedDiv(b, loc, args[0], args[1]);
}
Value scalarOf(PowOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0].getType()))
    return math::PowFOp::create(b, loc, args[0], args[1]);
  return math::IPowIOp::create(b, loc, args[0], args[1]);
}
Value scalarOf(MaxOp, OpBuilder &b, Location loc, ValueRange args) {
  return maxOf(b, loc, args[0], args[1]);
}
Value scalarOf(MinOp, OpBuilder &b, Location loc, ValueRange args) {
  return minOf(b, loc, args[0], args[1]);
}
Value scalarOf(CompareOp op, OpBuilder &b, Location loc, ValueRange args) {
  ComparePredicate predicate = op.getPredicate();
  if (isFloat(args[0].getType())) {
    // Ordered comparisons, except "ne", which holds for NaN (as in IEEE 754).
    static const arith::CmpFPredicate kFloat[] = {
        arith::CmpFPredicate::OEQ, arith::CmpFPredicate::UNE,
        arith::CmpFPredicate::OLT, arith::CmpFPredicate::OLE,
        arith::CmpFPredicate::OGT, arith::CmpFPredicate::OGE};
    return arith::CmpFOp::create(b, loc, kFloat[static_cast<int>(predicate)],
                                 args[0], args[1]);
  }
  static const arith::CmpIPredicate kInt[] = {
      arith::CmpIPredicate::eq,  arith::CmpIPredicate::ne,
      arith::CmpIPredicate::slt, arith::CmpIPredicate::sle,
      arith::CmpIPredicate::sgt, arith::CmpIPredicate::sge};
  return arith::CmpIOp::create(b, loc, kInt[static_cast<int>(predicate)],
                               args[0], args[1]);
}
Value scalarOf(SelectOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
}
Value scalarOf(CastOp op, OpBuilder &b, Location loc, ValueRange args) {
  return convertScalar(b, loc, args[0], op.getType().getElementType());
}
Value scalarOf(BroadcastToOp, OpBuilder &, Location, ValueRange args) {
  return args[0];
}

//===----------------------------------------------------------------------===//
// Tensor builders
//===----------------------------------------------------------------------===//

Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, Value scalar) {
  return linalg::FillOp::create(b, loc, ValueRange{scalar},
                                ValueRange{emptyLike(b, loc, type)})
      .getResult(0);
}

/// The map reading `operand` from an iteration space shaped like `result`,
/// numpy style: trailing dims aligned, size-1 dims of a broadcast read 0.
AffineMap broadcastMap(RankedTensorType operand, RankedTensorType result) {
  MLIRContext *context = result.getContext();
  int64_t offset = result.getRank() - operand.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t dim = 0; dim < operand.getRank(); ++dim) {
    if (operand.getDimSize(dim) == 1 && result.getDimSize(offset + dim) != 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else
      exprs.push_back(getAffineDimExpr(offset + dim, context));
  }
  return AffineMap::get(result.getRank(), 0, exprs, context);
}

/// The map reading a tensor that lacks the `dropped` dims of a `rank`-d
/// iteration space (a reduction's result, read back by a later op).
AffineMap droppedDimsMap(int64_t rank, ArrayRef<int64_t> dropped,
                         MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (int64_t dim = 0; dim < rank; ++dim)
    if (!llvm::is_contained(dropped, dim))
      exprs.push_back(getAffineDimExpr(dim, context));
  return AffineMap::get(rank, 0, exprs, context);
}

/// A parallel generic over `resultType`'s shape reading `inputs` through
/// `maps` and yielding `body(inputs...)`.
Value buildGeneric(OpBuilder &b, Location loc, RankedTensorType resultType,
                   ValueRange inputs, ArrayRef<AffineMap> maps, BodyFn body) {
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyLike(b, loc, resultType)}, allMaps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

/// Contractions of 16-bit floats (matmul, convolution) accumulate in f32, as
/// PyTorch's and ONNX's reference kernels do: a long sum of f16 products
/// otherwise loses the digits the result needs.
RankedTensorType accumulatorType(RankedTensorType type) {
  Type element = type.getElementType();
  if (element.isF16() || element.isBF16())
    return type.clone(Float32Type::get(type.getContext()));
  return type;
}

/// `value`, a float scalar, converted to the float type `to`.
Value convertFloat(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, value);
  return arith::TruncFOp::create(b, loc, to, value);
}

/// An accumulator tensor rounded back to the result's element type.
Value fromAccumulator(OpBuilder &b, Location loc, Value accumulator,
                      RankedTensorType resultType) {
  if (accumulator.getType() == resultType)
    return accumulator;
  MLIRContext *context = b.getContext();
  return buildGeneric(
      b, loc, resultType, accumulator,
      AffineMap::getMultiDimIdentityMap(resultType.getRank(), context),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return convertFloat(nested, nestedLoc, args[0],
                            resultType.getElementType());
      });
}

/// `tensor` widened to its accumulator type (f32 for 16-bit floats; else
/// itself): normalizations and sums of 16-bit floats are computed in f32
/// and rounded once, as PyTorch's CPU kernels do (a 512-element layer norm
/// summed in bf16 is off by 5%).
Value toAccumulator(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  RankedTensorType wide = accumulatorType(type);
  if (wide == type)
    return tensor;
  return buildGeneric(
      b, loc, wide, tensor,
      AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return convertFloat(nested, nestedLoc, args[0], wide.getElementType());
      });
}

/// An elementwise op over numpy-broadcast operands.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, BodyFn body) {
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(
        broadcastMap(cast<RankedTensorType>(input.getType()), resultType));
  return buildGeneric(b, loc, resultType, inputs, maps, body);
}

/// Reduces the `reduced` dims of the iteration space `space`: `inputs` are read
/// through `maps`, the accumulator starts at `init` and is updated by
/// `combine(inputs..., accumulator)`. The result lacks the reduced dims.
Value buildReduction(OpBuilder &b, Location loc, RankedTensorType space,
                     ValueRange inputs, ArrayRef<AffineMap> maps,
                     ArrayRef<int64_t> reduced, Value init, BodyFn combine) {
  MLIRContext *context = b.getContext();
  int64_t rank = space.getRank();
  SmallVector<int64_t> kept;
  for (int64_t dim = 0; dim < rank; ++dim)
    if (!llvm::is_contained(reduced, dim))
      kept.push_back(space.getDimSize(dim));
  auto resultType = RankedTensorType::get(kept, init.getType());
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(droppedDimsMap(rank, reduced, context));
  SmallVector<utils::IteratorType> iterators;
  for (int64_t dim = 0; dim < rank; ++dim)
    iterators.push_back(llvm::is_contained(reduced, dim)
                            ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{filled(b, loc, resultType, init)}, allMaps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

/// A generic that computes each element of `resultType` itself from its
/// indices: `body(indices)` returns the element (typically a tensor.extract).
Value buildIndexed(OpBuilder &b, Location loc, RankedTensorType resultType,
                   ValueRange inputs, ArrayRef<AffineMap> maps,
                   llvm::function_ref<Value(OpBuilder &, Location, ValueRange,
                                            ArrayRef<Value>)>
                       body) {
  return buildGeneric(
      b, loc, resultType, inputs, maps,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        SmallVector<Value> indices;
        for (int64_t dim = 0; dim < resultType.getRank(); ++dim)
          indices.push_back(linalg::IndexOp::create(nested, nestedLoc, dim));
        return body(nested, nestedLoc, args, indices);
      });
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// Inserts size-1 dims after the trailing dims of a keepdims reduction.
Value expandReduced(OpBuilder &b, Location loc, Value reduced,
                    RankedTensorType keptType, ArrayRef<int64_t> axes) {
  auto reducedType = cast<RankedTensorType>(reduced.getType());
  if (reducedType == keptType)
    return reduced;
  // Group each kept dim with the size-1 axes that follow it; leading axes
  // join the first group.
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t dim = 0; dim < keptType.getRank(); ++dim) {
    pending.push_back(dim);
    if (!llvm::is_contained(axes, dim)) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (groups.empty()) // Everything reduced: a rank-0 result.
    return tensor::ExpandShapeOp::create(b, loc, keptType, reduced,
                                         ArrayRef<ReassociationIndices>{});
  llvm::append_range(groups.back(), pending);
  return tensor::ExpandShapeOp::create(b, loc, keptType, reduced, groups);
}

/// Any static reshape, as collapse-to-1D then expand.
Value reshape(OpBuilder &b, Location loc, Value input,
              RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  if (inputType == resultType)
    return input;
  auto allDims = [](int64_t rank) {
    ReassociationIndices dims;
    for (int64_t dim = 0; dim < rank; ++dim)
      dims.push_back(dim);
    return SmallVector<ReassociationIndices>{dims};
  };
  Value flat = input;
  if (inputType.getRank() == 0) {
    flat = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, inputType.getElementType()), input,
        ArrayRef<ReassociationIndices>{});
  } else if (inputType.getRank() > 1) {
    flat = tensor::CollapseShapeOp::create(b, loc, input,
                                           allDims(inputType.getRank()));
  }
  if (resultType.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, resultType, flat,
                                           ArrayRef<ReassociationIndices>{});
  if (resultType.getRank() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat,
                                       allDims(resultType.getRank()));
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// Every op whose result element is a function of its operands' elements.
template <typename OpT> struct ElementwiseLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return scalarOf(op, b, loc, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getValue());
    return success();
  }
};

struct ArangeLowering : OpConversionPattern<ArangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    double start = op.getStart().convertToDouble();
    double step = op.getStep().convertToDouble();
    Value result = buildIndexed(
        rewriter, op.getLoc(), type, {}, {},
        [&](OpBuilder &b, Location loc, ValueRange, ArrayRef<Value> index) {
          // start + i * step, in f64 as numpy does, then converted.
          Value i =
              arith::IndexCastOp::create(b, loc, b.getI64Type(), index[0]);
          Value value = arith::AddFOp::create(
              b, loc, scalarConstant(b, loc, b.getF64Type(), start),
              arith::MulFOp::create(
                  b, loc, arith::SIToFPOp::create(b, loc, b.getF64Type(), i),
                  scalarConstant(b, loc, b.getF64Type(), step)));
          return convertScalar(b, loc, value, type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A (batched) matrix product as a contraction generic over
/// (batch..., m, n, k): lhs [..., M, K], rhs (with `rhsBatch` leading batch
/// dims) read at `rhsExprs(its batch exprs, n, k)`, accumulated in f32 for
/// 16-bit floats.
Value buildMatmul(
    ConversionPatternRewriter &rewriter, Location loc,
    RankedTensorType resultType, Value lhs, Value rhs, int64_t rhsBatch,
    llvm::function_ref<SmallVector<AffineExpr>(SmallVector<AffineExpr> batch,
                                               AffineExpr n, AffineExpr k)>
        rhsExprs) {
  MLIRContext *context = rewriter.getContext();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t rank = resultType.getRank(); // batch..., m, n
  int64_t batch = rank - 2;
  // Iteration space: batch..., m, n, k.
  AffineExpr m = getAffineDimExpr(batch, context);
  AffineExpr n = getAffineDimExpr(batch + 1, context);
  AffineExpr k = getAffineDimExpr(batch + 2, context);
  auto batchExprs = [&](RankedTensorType type, int64_t operandBatch) {
    SmallVector<AffineExpr> exprs;
    int64_t offset = batch - operandBatch;
    for (int64_t dim = 0; dim < operandBatch; ++dim)
      exprs.push_back(type.getDimSize(dim) == 1 &&
                              resultType.getDimSize(offset + dim) != 1
                          ? getAffineConstantExpr(0, context)
                          : getAffineDimExpr(offset + dim, context));
    return exprs;
  };
  SmallVector<AffineExpr> lhsExprs = batchExprs(lhsType, lhsType.getRank() - 2);
  lhsExprs.append({m, k});
  SmallVector<AffineExpr> outExprs;
  for (int64_t dim = 0; dim < batch; ++dim)
    outExprs.push_back(getAffineDimExpr(dim, context));
  outExprs.append({m, n});
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, lhsExprs, context),
      AffineMap::get(rank + 1, 0, rhsExprs(batchExprs(rhsType, rhsBatch), n, k),
                     context),
      AffineMap::get(rank + 1, 0, outExprs, context)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  RankedTensorType accType = accumulatorType(resultType);
  Type accElement = accType.getElementType();
  Value init = filled(rewriter, loc, accType,
                      scalarConstant(rewriter, loc, accElement, 0));
  bool widen = accType != resultType;
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{accType}, ValueRange{lhs, rhs}, ValueRange{init},
      maps, iterators, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value lhs = args[0], rhs = args[1];
        if (widen) {
          lhs = convertFloat(b, nestedLoc, lhs, accElement);
          rhs = convertFloat(b, nestedLoc, rhs, accElement);
        }
        Value product = mulOf(b, nestedLoc, lhs, rhs);
        linalg::YieldOp::create(b, nestedLoc,
                                addOf(b, nestedLoc, args[2], product));
      });
  return fromAccumulator(rewriter, loc, generic.getResult(0), resultType);
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildMatmul(rewriter, op.getLoc(), op.getType(),
                                       adaptor.getLhs(), adaptor.getRhs(),
                                       op.getRhs().getType().getRank() - 2,
                                       [](SmallVector<AffineExpr> exprs,
                                          AffineExpr n, AffineExpr k) {
                                         exprs.append({k, n});
                                         return exprs;
                                       }));
    return success();
  }
};

/// The rhs is [N/P, K, P] column panels: B[k, n] is rhs[n floordiv P, k,
/// n mod P]. Tiles of n that start and end on panel boundaries read whole
/// panels (kernel-tile-workgroups keeps them so; cpu-vectorize-contractions
/// reads a panel's K x P block as one contiguous stream).
struct PanelMatmulLowering : OpConversionPattern<PanelMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PanelMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rhsType = cast<RankedTensorType>(adaptor.getRhs().getType());
    int64_t width = rhsType.getDimSize(2);
    if (ShapedType::isDynamic(width))
      return rewriter.notifyMatchFailure(op, "dynamic panel width");
    rewriter.replaceOp(
        op,
        buildMatmul(
            rewriter, op.getLoc(), op.getType(), adaptor.getLhs(),
            adaptor.getRhs(), /*rhsBatch=*/0,
            [&](SmallVector<AffineExpr>, AffineExpr n, AffineExpr k) {
              return SmallVector<AffineExpr>{n.floorDiv(width), k, n % width};
            }));
    return success();
  }
};

/// Pads the H and W dims (the last two) of an NCHW tensor, or of its grouped
/// [N, G, C/G, H, W] view, with `value`; `extra` adds to the bottom/right so
/// every (ceil mode) window fits.
Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> padding, ArrayRef<int64_t> extra,
                 Value value) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  low[rank - 2] = padding[0];
  low[rank - 1] = padding[1];
  high[rank - 2] = padding[2] + extra[0];
  high[rank - 1] = padding[3] + extra[1];
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return input;
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> lowFold, highFold;
  for (int64_t dim = 0; dim < rank; ++dim) {
    shape[dim] += low[dim] + high[dim];
    lowFold.push_back(b.getIndexAttr(low[dim]));
    highFold.push_back(b.getIndexAttr(high[dim]));
  }
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), input,
      lowFold, highFold, value);
}

/// Rows/columns missing at the bottom/right for the last window to fit, when
/// ceil mode keeps a partial window.
SmallVector<int64_t, 2>
ceilModeExtra(RankedTensorType input, RankedTensorType result,
              ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
              ArrayRef<int64_t> dilations, ArrayRef<int64_t> padding) {
  SmallVector<int64_t, 2> extra;
  for (int i = 0; i < 2; ++i) {
    int64_t needed = (result.getDimSize(2 + i) - 1) * strides[i] +
                     dilations[i] * (kernel[i] - 1) + 1;
    int64_t have = input.getDimSize(2 + i) + padding[i] + padding[i + 2];
    extra.push_back(std::max<int64_t>(0, needed - have));
  }
  return extra;
}

/// A convolution's accumulator of `type` (the result's, or its grouped
/// [N, G, C/G, H, W] form): the bias broadcast over N, H, W (read along the
/// output-channel dims: 1, or 1 and 2), or zero.
Value convolutionInit(OpBuilder &b, Location loc, RankedTensorType type,
                      Value bias) {
  Type accElement = type.getElementType();
  if (!bias)
    return filled(b, loc, type, scalarConstant(b, loc, accElement, 0));
  auto biasType = cast<RankedTensorType>(bias.getType());
  MLIRContext *context = b.getContext();
  SmallVector<AffineExpr> channel;
  for (int64_t dim = 1; dim <= biasType.getRank(); ++dim)
    channel.push_back(getAffineDimExpr(dim, context));
  return buildGeneric(
      b, loc, type, bias, AffineMap::get(type.getRank(), 0, channel, context),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return convertFloat(nested, nestedLoc, args[0], accElement);
      });
}

/// The filter is [O/P, KH, KW, C, P] panels: W[o, c, kh, kw] is
/// filter[o floordiv P, kh, kw, c, o mod P]. A generic over (n, o, oh, ow,
/// kh, kw, c) on the padded input, input channels innermost as the filter
/// stores them; tiles of o that hold whole panels read whole panels
/// (kernel-tile-workgroups keeps them so).
struct PanelConv2dLowering : OpConversionPattern<PanelConv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PanelConv2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    RankedTensorType resultType = op.getType();
    auto filterType = cast<RankedTensorType>(adaptor.getFilter().getType());
    int64_t width = filterType.getDimSize(4);
    if (ShapedType::isDynamic(width))
      return rewriter.notifyMatchFailure(op, "dynamic panel width");
    Value zero = scalarConstant(rewriter, loc, resultType.getElementType(), 0);
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(),
                             {0, 0}, zero);
    RankedTensorType accType = accumulatorType(resultType);
    Type accElement = accType.getElementType();
    Value init = convolutionInit(rewriter, loc, accType, adaptor.getBias());
    AffineExpr n, o, oh, ow, kh, kw, c;
    bindDims(context, n, o, oh, ow, kh, kw, c);
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0,
                       {n, c, oh * strides[0] + kh * dilations[0],
                        ow * strides[1] + kw * dilations[1]},
                       context),
        AffineMap::get(7, 0, {o.floorDiv(width), kh, kw, c, o % width},
                       context),
        AffineMap::get(7, 0, {n, o, oh, ow}, context)};
    SmallVector<utils::IteratorType> iterators(4,
                                               utils::IteratorType::parallel);
    iterators.append(3, utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType},
        ValueRange{input, adaptor.getFilter()}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value x = convertFloat(b, nestedLoc, args[0], accElement);
          Value w = convertFloat(b, nestedLoc, args[1], accElement);
          linalg::YieldOp::create(
              b, nestedLoc,
              addOf(b, nestedLoc, args[2], mulOf(b, nestedLoc, x, w)));
        });
    rewriter.replaceOp(
        op, fromAccumulator(rewriter, loc, generic.getResult(0), resultType));
    return success();
  }
};

struct Conv2dLowering : OpConversionPattern<Conv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    Value zero = scalarConstant(rewriter, loc, element, 0);
    // The accumulator starts as the bias broadcast over N, H, W (or zero);
    // linalg's convolutions convert their operands to its element type. It
    // is built in the shape the convolution writes (grouped: [N, G, C/G, H,
    // W]), so tiling the convolution tiles its initialization too.
    RankedTensorType accType = accumulatorType(resultType);
    Type accElement = accType.getElementType();
    int64_t groups = op.getGroups();
    auto initFor = [&](RankedTensorType type, Value bias) {
      return convolutionInit(rewriter, loc, type, bias);
    };
    auto strides = rewriter.getI64TensorAttr(op.getStrides());
    auto dilations = rewriter.getI64TensorAttr(op.getDilations());
    if (groups == 1) {
      Value input = padSpatial(rewriter, loc, adaptor.getInput(),
                               op.getPadding(), {0, 0}, zero);
      Value init = initFor(accType, adaptor.getBias());
      Value sum = linalg::Conv2DNchwFchwOp::create(
                      rewriter, loc, TypeRange{accType},
                      ValueRange{input, adaptor.getFilter()}, ValueRange{init},
                      strides, dilations)
                      .getResult(0);
      rewriter.replaceOp(op, fromAccumulator(rewriter, loc, sum, resultType));
      return success();
    }
    // Grouped: split channels into [groups, per-group] and use the grouped
    // named op, then merge the groups back. The split input is padded (not
    // the other way round), so the convolution reads the pad directly and
    // each workgroup pads only the slice it reads.
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto filterType = cast<RankedTensorType>(adaptor.getFilter().getType());
    auto split = [&](Value value, RankedTensorType type, int64_t dim) {
      SmallVector<int64_t> shape(type.getShape());
      shape[dim] /= groups;
      shape.insert(shape.begin() + dim, groups);
      SmallVector<ReassociationIndices> groupsOfDims;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (d < dim)
          groupsOfDims.push_back({d});
        else if (d == dim)
          groupsOfDims.push_back({d, d + 1});
        else
          groupsOfDims.push_back({d + 1});
      }
      return tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
          value, groupsOfDims);
    };
    Value groupedInput =
        padSpatial(rewriter, loc, split(adaptor.getInput(), inputType, 1),
                   op.getPadding(), {0, 0}, zero);
    Value groupedFilter = split(adaptor.getFilter(), filterType, 0);
    SmallVector<int64_t> groupedShape(accType.getShape());
    groupedShape[1] /= groups;
    groupedShape.insert(groupedShape.begin() + 1, groups);
    Value bias = adaptor.getBias();
    if (bias) // [O] -> [G, O / G]
      bias = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get(
              {groups, accType.getDimSize(1) / groups},
              cast<RankedTensorType>(bias.getType()).getElementType()),
          bias, SmallVector<ReassociationIndices>{{0, 1}});
    Value groupedInit =
        initFor(RankedTensorType::get(groupedShape, accElement), bias);
    auto grouped = linalg::Conv2DNgchwGfchwOp::create(
        rewriter, loc, TypeRange{groupedInit.getType()},
        ValueRange{groupedInput, groupedFilter}, ValueRange{groupedInit},
        strides, dilations);
    Value merged = tensor::CollapseShapeOp::create(
        rewriter, loc, accType, grouped.getResult(0),
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
    rewriter.replaceOp(op, fromAccumulator(rewriter, loc, merged, resultType));
    return success();
  }
};

struct MaxPool2dLowering : OpConversionPattern<MaxPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    Value lowest = extremeConstant(rewriter, loc, element, /*lowest=*/true);
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t, 2> extra =
        ceilModeExtra(inputType, resultType, op.getKernel(), op.getStrides(),
                      op.getDilations(), op.getPadding());
    // Padding never wins the max: it is the lowest value.
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(),
                             extra, lowest);
    Value window =
        tensor::EmptyOp::create(rewriter, loc, op.getKernel(), element);
    Value init = filled(rewriter, loc, resultType, lowest);
    auto strides = rewriter.getI64TensorAttr(op.getStrides());
    auto dilations = rewriter.getI64TensorAttr(op.getDilations());
    // The named op's max is maximumf for floats (NaN wins) and maxsi for ints.
    rewriter.replaceOp(op, linalg::PoolingNchwMaxOp::create(
                               rewriter, loc, TypeRange{resultType},
                               ValueRange{input, window}, ValueRange{init},
                               strides, dilations)
                               .getResult(0));
    return success();
  }
};

struct AvgPool2dLowering : OpConversionPattern<AvgPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto element = cast<FloatType>(resultType.getElementType());
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      padding = op.getPadding();
    SmallVector<int64_t, 2> extra =
        ceilModeExtra(inputType, resultType, kernel, strides, {1, 1}, padding);
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value input =
        padSpatial(rewriter, loc, adaptor.getInput(), padding, extra, zero);
    Value window = tensor::EmptyOp::create(rewriter, loc, kernel, element);
    auto sums = linalg::PoolingNchwSumOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{input, window},
        ValueRange{filled(rewriter, loc, resultType, zero)},
        rewriter.getI64TensorAttr(strides), rewriter.getI64TensorAttr({1, 1}));

    // Each output position's divisor, known at compile time (PyTorch's rule:
    // the window clipped to the padded input, or to the input itself without
    // count_include_pad).
    int64_t outH = resultType.getDimSize(2), outW = resultType.getDimSize(3);
    int64_t sizes[2] = {inputType.getDimSize(2), inputType.getDimSize(3)};
    auto windowSpan = [&](int i, int64_t out, bool includePad) {
      int64_t start = out * strides[i] - padding[i];
      int64_t end = std::min(start + kernel[i], sizes[i] + padding[i + 2]);
      if (includePad)
        return end - start;
      return std::min(end, sizes[i]) - std::max<int64_t>(start, 0);
    };
    SmallVector<APFloat> divisors;
    bool includePad = op.getCountIncludePad();
    for (int64_t h = 0; h < outH; ++h) {
      for (int64_t w = 0; w < outW; ++w) {
        APFloat divisor(static_cast<double>(windowSpan(0, h, includePad) *
                                            windowSpan(1, w, includePad)));
        bool lost;
        divisor.convert(element.getFloatSemantics(),
                        APFloat::rmNearestTiesToEven, &lost);
        divisors.push_back(divisor);
      }
    }
    auto divisorType = RankedTensorType::get({outH, outW}, element);
    Value divisorTensor = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(divisorType, divisors));
    MLIRContext *context = rewriter.getContext();
    AffineMap identity = rewriter.getMultiDimIdentityMap(4);
    AffineMap spatial = AffineMap::get(
        4, 0, {getAffineDimExpr(2, context), getAffineDimExpr(3, context)},
        context);
    Value result = buildGeneric(
        rewriter, loc, resultType, ValueRange{sums.getResult(0), divisorTensor},
        {identity, spatial},
        [](OpBuilder &b, Location nestedLoc, ValueRange args) {
          return arith::DivFOp::create(b, nestedLoc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ReduceKind kind = op.getKind();
    // Sums and products of 16-bit floats accumulate in f32; max and min are
    // exact in any type.
    Value input = kind == ReduceKind::max || kind == ReduceKind::min
                      ? adaptor.getInput()
                      : toAccumulator(rewriter, loc, adaptor.getInput());
    auto inputType = cast<RankedTensorType>(input.getType());
    Type element = inputType.getElementType();
    SmallVector<int64_t> axes(op.getAxes());
    llvm::sort(axes);
    Value init;
    switch (kind) {
    case ReduceKind::sum:
    case ReduceKind::mean:
      init = scalarConstant(rewriter, loc, element, 0);
      break;
    case ReduceKind::prod:
      init = scalarConstant(rewriter, loc, element, 1);
      break;
    case ReduceKind::max:
      init = extremeConstant(rewriter, loc, element, /*lowest=*/true);
      break;
    case ReduceKind::min:
      init = extremeConstant(rewriter, loc, element, /*lowest=*/false);
      break;
    }
    Value reduced = buildReduction(
        rewriter, loc, inputType, input,
        rewriter.getMultiDimIdentityMap(inputType.getRank()), axes, init,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          switch (kind) {
          case ReduceKind::sum:
          case ReduceKind::mean:
            return addOf(b, nestedLoc, args[1], args[0]);
          case ReduceKind::prod:
            return mulOf(b, nestedLoc, args[1], args[0]);
          case ReduceKind::max:
            return maxOf(b, nestedLoc, args[1], args[0]);
          case ReduceKind::min:
            return minOf(b, nestedLoc, args[1], args[0]);
          }
          llvm_unreachable("unknown reduction");
        });
    if (kind == ReduceKind::mean) {
      int64_t count = 1;
      for (int64_t axis : axes)
        count *= inputType.getDimSize(axis);
      auto reducedType = cast<RankedTensorType>(reduced.getType());
      reduced = buildElementwise(
          rewriter, loc, reducedType, reduced,
          [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
            return arith::DivFOp::create(
                b, nestedLoc, args[0],
                scalarConstant(b, nestedLoc, element, count));
          });
    }
    auto resultType = cast<RankedTensorType>(op.getType());
    reduced = fromAccumulator(rewriter, loc, reduced,
                              cast<RankedTensorType>(reduced.getType())
                                  .clone(resultType.getElementType()));
    rewriter.replaceOp(op,
                       expandReduced(rewriter, loc, reduced, resultType, axes));
    return success();
  }
};

/// softmax and log_softmax: y = exp(x - max) / sum, or (x - max) - log(sum),
/// with max and sum reduced along the axis.
template <typename OpT, bool isLog>
struct SoftmaxLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value x = toAccumulator(rewriter, loc, adaptor.getInput());
    auto type = cast<RankedTensorType>(x.getType());
    Type element = type.getElementType();
    int64_t rank = type.getRank();
    SmallVector<int64_t> axis = {static_cast<int64_t>(op.getAxis())};
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reducedMap = droppedDimsMap(rank, axis, context);
    Value max =
        buildReduction(rewriter, loc, type, x, identity, axis,
                       extremeConstant(rewriter, loc, element, /*lowest=*/true),
                       [](OpBuilder &b, Location nestedLoc, ValueRange args) {
                         return maxOf(b, nestedLoc, args[1], args[0]);
                       });
    Value sum = buildReduction(
        rewriter, loc, type, ValueRange{x, max}, {identity, reducedMap}, axis,
        scalarConstant(rewriter, loc, element, 0),
        [](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value shifted = arith::SubFOp::create(b, nestedLoc, args[0], args[1]);
          return arith::AddFOp::create(
              b, nestedLoc, args[2],
              math::ExpOp::create(b, nestedLoc, shifted));
        });
    Value result = buildGeneric(
        rewriter, loc, type, ValueRange{x, max, sum},
        {identity, reducedMap, reducedMap},
        [](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          Value shifted = arith::SubFOp::create(b, nestedLoc, args[0], args[1]);
          if (isLog)
            return arith::SubFOp::create(
                b, nestedLoc, shifted,
                math::LogOp::create(b, nestedLoc, args[2]));
          return arith::DivFOp::create(
              b, nestedLoc, math::ExpOp::create(b, nestedLoc, shifted),
              args[2]);
        });
    rewriter.replaceOp(op,
                       fromAccumulator(rewriter, loc, result,
                                       cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value x = toAccumulator(rewriter, loc, adaptor.getInput());
    Value scale = toAccumulator(rewriter, loc, adaptor.getScale());
    Value bias = toAccumulator(rewriter, loc, adaptor.getBias());
    auto type = cast<RankedTensorType>(x.getType());
    Type element = type.getElementType();
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t dim = op.getAxis(); dim < rank; ++dim) {
      axes.push_back(dim);
      count *= type.getDimSize(dim);
    }
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reducedMap = droppedDimsMap(rank, axes, context);
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value sum = buildReduction(
        rewriter, loc, type, x, identity, axes, zero,
        [](OpBuilder &b, Location nestedLoc, ValueRange args) {
          return arith::AddFOp::create(b, nestedLoc, args[1], args[0]);
        });
    auto statsType = cast<RankedTensorType>(sum.getType());
    auto divideByCount = [&](OpBuilder &b, Location nestedLoc,
                             ValueRange args) -> Value {
      return arith::DivFOp::create(
          b, nestedLoc, args[0], scalarConstant(b, nestedLoc, element, count));
    };
    Value mean = buildElementwise(rewriter, loc, statsType, sum, divideByCount);
    Value squares = buildReduction(
        rewriter, loc, type, ValueRange{x, mean}, {identity, reducedMap}, axes,
        zero, [](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value centered =
              arith::SubFOp::create(b, nestedLoc, args[0], args[1]);
          return arith::AddFOp::create(
              b, nestedLoc, args[2],
              arith::MulFOp::create(b, nestedLoc, centered, centered));
        });
    Value variance =
        buildElementwise(rewriter, loc, statsType, squares, divideByCount);
    double epsilon = op.getEpsilon().convertToDouble();
    Value result = buildGeneric(
        rewriter, loc, type, ValueRange{x, mean, variance, scale, bias},
        {identity, reducedMap, reducedMap,
         broadcastMap(cast<RankedTensorType>(scale.getType()), type),
         broadcastMap(cast<RankedTensorType>(bias.getType()), type)},
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value centered =
              arith::SubFOp::create(b, nestedLoc, args[0], args[1]);
          Value inverse = math::RsqrtOp::create(
              b, nestedLoc,
              arith::AddFOp::create(
                  b, nestedLoc, args[2],
                  scalarConstant(b, nestedLoc, element, epsilon)));
          Value normalized =
              arith::MulFOp::create(b, nestedLoc, centered, inverse);
          return arith::AddFOp::create(
              b, nestedLoc,
              arith::MulFOp::create(b, nestedLoc, normalized, args[3]),
              args[4]);
        });
    rewriter.replaceOp(op,
                       fromAccumulator(rewriter, loc, result,
                                       cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    // [C] parameters read along dim 1 of [N, C, ...].
    MLIRContext *context = rewriter.getContext();
    AffineMap channel = AffineMap::get(type.getRank(), 0,
                                       getAffineDimExpr(1, context), context);
    double epsilon = op.getEpsilon().convertToDouble();
    Value result = buildGeneric(
        rewriter, loc, type,
        ValueRange{adaptor.getInput(), adaptor.getScale(), adaptor.getBias(),
                   adaptor.getMean(), adaptor.getVariance()},
        {rewriter.getMultiDimIdentityMap(type.getRank()), channel, channel,
         channel, channel},
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value inverse = math::RsqrtOp::create(
              b, nestedLoc,
              arith::AddFOp::create(
                  b, nestedLoc, args[4],
                  scalarConstant(b, nestedLoc, element, epsilon)));
          Value centered =
              arith::SubFOp::create(b, nestedLoc, args[0], args[3]);
          Value scaled = arith::MulFOp::create(
              b, nestedLoc, centered,
              arith::MulFOp::create(b, nestedLoc, args[1], inverse));
          return arith::AddFOp::create(b, nestedLoc, scaled, args[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, reshape(rewriter, op.getLoc(), adaptor.getInput(), op.getType()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto transpose = linalg::TransposeOp::create(
        rewriter, loc, adaptor.getInput(),
        emptyLike(rewriter, loc, op.getType()), op.getPerm());
    rewriter.replaceOp(op, transpose.getResult());
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis();
    Value result = emptyLike(rewriter, loc, type);
    int64_t offset = 0;
    SmallVector<int64_t> strides(type.getRank(), 1);
    for (Value input : adaptor.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> offsets(type.getRank(), 0);
      offsets[axis] = offset;
      result = tensor::InsertSliceOp::create(
          rewriter, loc, input, result, ValueRange{}, ValueRange{},
          ValueRange{}, rewriter.getDenseI64ArrayAttr(offsets),
          rewriter.getDenseI64ArrayAttr(inputType.getShape()),
          rewriter.getDenseI64ArrayAttr(strides));
      offset += inputType.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> start = op.getStart(), step = op.getStep();
    if (llvm::all_of(step, [](int64_t s) { return s > 0; })) {
      // An empty dim may start at the input's end (a split's last, empty
      // part); tensor.extract_slice wants every offset inside the input.
      SmallVector<int64_t> offsets(start);
      for (auto [dim, offset] : llvm::enumerate(offsets))
        if (type.getDimSize(dim) == 0)
          offset = 0;
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, adaptor.getInput(), ValueRange{}, ValueRange{},
          ValueRange{}, rewriter.getDenseI64ArrayAttr(offsets),
          rewriter.getDenseI64ArrayAttr(type.getShape()),
          rewriter.getDenseI64ArrayAttr(step));
      return success();
    }
    // Backward steps: element i of a dim reads input index start + i * step.
    Value input = adaptor.getInput();
    Value result = buildIndexed(
        rewriter, loc, type, {}, {},
        [&](OpBuilder &b, Location nestedLoc, ValueRange,
            ArrayRef<Value> index) -> Value {
          SmallVector<Value> source;
          for (auto [dim, i] : llvm::enumerate(index))
            source.push_back(arith::AddIOp::create(
                b, nestedLoc, indexConstant(b, nestedLoc, start[dim]),
                arith::MulIOp::create(b, nestedLoc, i,
                                      indexConstant(b, nestedLoc, step[dim]))));
          return tensor::ExtractOp::create(b, nestedLoc, input, source);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    RankedTensorType type = op.getType();
    Value data = adaptor.getData();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis();
    int64_t indexRank = indicesType.getRank();
    int64_t size = dataType.getDimSize(axis);
    SmallVector<AffineExpr> indexExprs;
    for (int64_t dim = 0; dim < indexRank; ++dim)
      indexExprs.push_back(getAffineDimExpr(axis + dim, context));
    AffineMap indicesMap =
        AffineMap::get(type.getRank(), 0, indexExprs, context);
    Value result = buildIndexed(
        rewriter, loc, type, adaptor.getIndices(), indicesMap,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args,
            ArrayRef<Value> index) -> Value {
          // A negative index counts from the end; an index still out of range
          // is clamped, so a bad index never reads outside the tensor.
          Value at = arith::IndexCastOp::create(b, nestedLoc, b.getIndexType(),
                                                args[0]);
          Value zero = indexConstant(b, nestedLoc, 0);
          Value negative = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::slt, at, zero);
          at = arith::SelectOp::create(
              b, nestedLoc, negative,
              arith::AddIOp::create(b, nestedLoc, at,
                                    indexConstant(b, nestedLoc, size)),
              at);
          at = arith::MaxSIOp::create(b, nestedLoc, at, zero);
          at = arith::MinSIOp::create(b, nestedLoc, at,
                                      indexConstant(b, nestedLoc, size - 1));
          SmallVector<Value> source(index.begin(), index.begin() + axis);
          source.push_back(at);
          source.append(index.begin() + axis + indexRank, index.end());
          return tensor::ExtractOp::create(b, nestedLoc, data, source);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  PadLowering(MLIRContext *context, bool gather)
      : OpConversionPattern(context), gather(gather) {}
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    ArrayRef<int64_t> low = op.getLow();
    if (op.getMode() == PadMode::constant && gather) {
      // Each element reads its input element if it has one (clamped so
      // the read is in bounds), else the value.
      Value value = scalarConstant(rewriter, loc, type.getElementType(),
                                   op.getValue().convertToDouble());
      Value result = buildIndexed(
          rewriter, loc, type, {}, {},
          [&](OpBuilder &b, Location nestedLoc, ValueRange,
              ArrayRef<Value> index) -> Value {
            SmallVector<Value> source;
            Value inBounds;
            Value zero = indexConstant(b, nestedLoc, 0);
            for (auto [dim, i] : llvm::enumerate(index)) {
              int64_t size = inputType.getDimSize(dim);
              if (low[dim] == 0 && op.getHigh()[dim] == 0) {
                source.push_back(i); // Not padded: always in bounds.
                continue;
              }
              Value at = arith::SubIOp::create(
                  b, nestedLoc, i, indexConstant(b, nestedLoc, low[dim]));
              Value here = arith::AndIOp::create(
                  b, nestedLoc,
                  arith::CmpIOp::create(b, nestedLoc, arith::CmpIPredicate::sge,
                                        at, zero),
                  arith::CmpIOp::create(b, nestedLoc, arith::CmpIPredicate::slt,
                                        at, indexConstant(b, nestedLoc, size)));
              inBounds =
                  inBounds ? arith::AndIOp::create(b, nestedLoc, inBounds, here)
                           : here;
              at = arith::MaxSIOp::create(b, nestedLoc, at, zero);
              at = arith::MinSIOp::create(
                  b, nestedLoc, at,
                  indexConstant(b, nestedLoc, std::max<int64_t>(size - 1, 0)));
              source.push_back(at);
            }
            Value read = tensor::ExtractOp::create(b, nestedLoc, input, source);
            if (!inBounds)
              return read;
            return arith::SelectOp::create(b, nestedLoc, inBounds, read, value);
          });
      rewriter.replaceOp(op, result);
      return success();
    }
    if (op.getMode() == PadMode::constant) {
      SmallVector<OpFoldResult> lowFold;
      for (int64_t l : low)
        lowFold.push_back(rewriter.getIndexAttr(l));
      Value value = scalarConstant(rewriter, loc, type.getElementType(),
                                   op.getValue().convertToDouble());
      // Filled, then the input inserted: both write the result's buffer in
      // place (a tensor.pad would be built in a temporary and copied).
      Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                            type.getElementType());
      Value filled =
          linalg::FillOp::create(rewriter, loc, value, empty).getResult(0);
      SmallVector<OpFoldResult> sizes,
          strides(type.getRank(), rewriter.getIndexAttr(1));
      for (int64_t size : inputType.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
          op, input, filled, lowFold, sizes, strides);
      return success();
    }
    // reflect: -1 -> 1, n -> n - 2; edge: clamp to [0, n - 1].
    bool reflect = op.getMode() == PadMode::reflect;
    Value result = buildIndexed(
        rewriter, loc, type, {}, {},
        [&](OpBuilder &b, Location nestedLoc, ValueRange,
            ArrayRef<Value> index) -> Value {
          SmallVector<Value> source;
          for (auto [dim, i] : llvm::enumerate(index)) {
            int64_t size = inputType.getDimSize(dim);
            Value at = arith::SubIOp::create(
                b, nestedLoc, i, indexConstant(b, nestedLoc, low[dim]));
            Value zero = indexConstant(b, nestedLoc, 0);
            Value last = indexConstant(b, nestedLoc, size - 1);
            if (reflect) {
              // |at| reflects the start; last - |last - at| the end.
              Value negated = arith::SubIOp::create(b, nestedLoc, zero, at);
              at = arith::MaxSIOp::create(b, nestedLoc, at, negated);
              Value fromEnd = arith::SubIOp::create(b, nestedLoc, last, at);
              Value negatedFromEnd =
                  arith::SubIOp::create(b, nestedLoc, zero, fromEnd);
              at = arith::SubIOp::create(
                  b, nestedLoc, last,
                  arith::MaxSIOp::create(b, nestedLoc, fromEnd,
                                         negatedFromEnd));
            } else {
              at = arith::MaxSIOp::create(b, nestedLoc, at, zero);
              at = arith::MinSIOp::create(b, nestedLoc, at, last);
            }
            source.push_back(at);
          }
          return tensor::ExtractOp::create(b, nestedLoc, input, source);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  bool gather;
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

template <typename... OpTs>
void addElementwise(RewritePatternSet &patterns, MLIRContext *context) {
  (patterns.add<ElementwiseLowering<OpTs>>(context), ...);
}

struct ConvertGraphToLinalg
    : kiln::impl::ConvertGraphToLinalgBase<ConvertGraphToLinalg> {
  using ConvertGraphToLinalgBase::ConvertGraphToLinalgBase;
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // The lowering needs static shapes; say which op has a dynamic one.
    WalkResult dynamic = getOperation()->walk([](Operation *op) {
      if (!isa<GraphDialect>(op->getDialect()))
        return WalkResult::advance();
      for (Type type :
           llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
        auto shaped = dyn_cast<ShapedType>(type);
        if (shaped && !shaped.hasStaticShape()) {
          op->emitOpError("has the dynamic type ")
              << type << "; lowering to linalg needs static shapes";
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (dynamic.wasInterrupted())
      return signalPassFailure();

    RewritePatternSet patterns(context);
    addElementwise<NegOp, AbsOp, ReluOp, ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp,
                   SigmoidOp, SiluOp, ErfOp, GeluOp, ClampOp, AddOp, SubOp,
                   MulOp, DivOp, PowOp, MaxOp, MinOp, CompareOp, SelectOp,
                   CastOp, BroadcastToOp>(patterns, context);
    patterns.add<ConstantLowering, ArangeLowering, MatmulLowering,
                 PanelMatmulLowering, PanelConv2dLowering, Conv2dLowering,
                 MaxPool2dLowering, AvgPool2dLowering, ReduceLowering,
                 SoftmaxLowering<SoftmaxOp, false>,
                 SoftmaxLowering<LogSoftmaxOp, true>, LayerNormLowering,
                 BatchNormLowering, ReshapeLowering, TransposeLowering,
                 ConcatLowering, SliceLowering, GatherLowering>(context);
    patterns.add<PadLowering>(context, gatherPads);

    ConversionTarget target(*context);
    target.addIllegalDialect<GraphDialect>();
    // Dispatch regions outlive the lowering: the ops inside them are lowered.
    target.addLegalOp<DispatchOp, YieldOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
