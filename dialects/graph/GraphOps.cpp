//===- GraphOps.cpp - graph op verification and result type inference -----===//
//
// Shape rules of every graph op. An op whose result type follows from its
// operands has one rule, `inferResultType`; the ODS-generated
// `inferReturnTypes` runs it for builders, and the generated `verify()` runs
// it with diagnostics on and compares the written result type, so each rule
// and its error messages live in exactly one place.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <string>

using namespace mlir;
using namespace kiln::graph;

namespace {

/// "[2, ?, 4]": a shape as messages print it.
std::string formatDims(ArrayRef<int64_t> dims) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(dims, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << "?";
    else
      os << dim;
  });
  os << "]";
  return text;
}

std::string formatDims(Type type) {
  return formatDims(cast<ShapedType>(type).getShape());
}

/// "6", "0.5", "1e-05": a number as messages print it.
std::string formatNumber(double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", value);
  return text;
}

/// Reports "'graph.<op>' op <message>" at `loc`; silent without a location
/// (inference may be asked speculatively).
template <typename... Args>
LogicalResult opError(StringRef opName, std::optional<Location> loc,
                      Args &&...args) {
  return emitOptionalError(loc, "'", opName, "' op ",
                           std::forward<Args>(args)...);
}

/// An operand's type inside a shape rule, where the generated
/// inferReturnTypes has already checked that every operand is ranked.
RankedTensorType rankedType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Result type of a numpy-broadcasting elementwise op whose result element
/// type is `resultElement`; `a` and `b` must share an element type.
LogicalResult inferBroadcast(StringRef opName, std::optional<Location> loc,
                             Value a, StringRef aName, Value b, StringRef bName,
                             Type resultElement,
                             SmallVectorImpl<Type> &inferred) {
  RankedTensorType aType = rankedType(a), bType = rankedType(b);
  if (aType.getElementType() != bType.getElementType())
    return opError(opName, loc, aName, " and ", bName,
                   " element types differ: ", aType.getElementType(), " vs ",
                   bType.getElementType());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(aType.getShape(), bType.getShape());
  if (failed(shape))
    return opError(opName, loc, aName, " shape ", formatDims(aType), " and ",
                   bName, " shape ", formatDims(bType),
                   " are not broadcast-compatible");
  inferred.push_back(RankedTensorType::get(
      *shape, resultElement ? resultElement : aType.getElementType()));
  return success();
}

/// Checks an axis attribute against a rank.
LogicalResult checkAxis(StringRef opName, std::optional<Location> loc,
                        int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return opError(opName, loc, "axis ", axis, " is out of range for rank ",
                   rank);
  return success();
}

/// Number of positions a window of `kernel` taps (spaced `dilation`) takes
/// over an input of `size` padded by `padLo`/`padHi`, moving by `stride`.
/// With `ceilMode` a last partial window counts if it starts inside the input
/// or its leading padding (PyTorch's rule). Dynamic sizes stay dynamic.
FailureOr<int64_t> windowCount(int64_t size, int64_t kernel, int64_t stride,
                               int64_t dilation, int64_t padLo, int64_t padHi,
                               bool ceilMode) {
  if (ShapedType::isDynamic(size))
    return ShapedType::kDynamic;
  int64_t extent = dilation * (kernel - 1) + 1;
  int64_t room = size + padLo + padHi - extent;
  if (room < 0)
    return failure();
  int64_t count =
      (ceilMode ? llvm::divideCeil(room, stride) : room / stride) + 1;
  if (ceilMode && (count - 1) * stride >= size + padLo)
    --count;
  return count;
}

/// Checks the [H, W] / [top, left, bottom, right] attributes of a 2-D window
/// op and appends the NCHW result shape's spatial dims.
LogicalResult inferWindow2d(StringRef opName, std::optional<Location> loc,
                            RankedTensorType input, ArrayRef<int64_t> kernel,
                            ArrayRef<int64_t> strides,
                            ArrayRef<int64_t> dilations,
                            ArrayRef<int64_t> padding, bool ceilMode,
                            bool padBelowExtent,
                            SmallVectorImpl<int64_t> &shape) {
  static const char *dimNames[] = {"H", "W"};
  for (int i = 0; i < 2; ++i) {
    if (kernel[i] <= 0)
      return opError(opName, loc, "kernel size in ", dimNames[i],
                     " must be positive, got ", kernel[i]);
    if (strides[i] <= 0)
      return opError(opName, loc, "stride in ", dimNames[i],
                     " must be positive, got ", strides[i]);
    if (dilations[i] <= 0)
      return opError(opName, loc, "dilation in ", dimNames[i],
                     " must be positive, got ", dilations[i]);
    int64_t padLo = padding[i], padHi = padding[i + 2];
    if (padLo < 0 || padHi < 0)
      return opError(opName, loc, "padding in ", dimNames[i],
                     " must be non-negative, got ", padLo, " and ", padHi);
    int64_t extent = dilations[i] * (kernel[i] - 1) + 1;
    if (padBelowExtent && (padLo >= extent || padHi >= extent))
      return opError(opName, loc, "padding in ", dimNames[i], " (", padLo, ", ",
                     padHi, ") must be smaller than the window extent ",
                     extent);
    int64_t size = input.getDimSize(2 + i);
    FailureOr<int64_t> count = windowCount(
        size, kernel[i], strides[i], dilations[i], padLo, padHi, ceilMode);
    if (failed(count))
      return opError(opName, loc, "window extent ", extent, " in ", dimNames[i],
                     " exceeds the padded input size ", size + padLo + padHi);
    shape.push_back(*count);
  }
  return success();
}

LogicalResult requireRank(StringRef opName, std::optional<Location> loc,
                          StringRef what, RankedTensorType type, int64_t rank,
                          StringRef layout) {
  if (type.getRank() != rank)
    return opError(opName, loc, what, " must be ", rank, "-D ", layout,
                   ", got ", type);
  return success();
}

LogicalResult requireSameElement(StringRef opName, std::optional<Location> loc,
                                 StringRef what, Type type, Type expected) {
  Type element = getElementTypeOrSelf(type);
  Type expectedElement = getElementTypeOrSelf(expected);
  if (element != expectedElement)
    return opError(opName, loc, what, " element type ", element,
                   " differs from the input's ", expectedElement);
  return success();
}

/// Inference can run inside a generated builder, before MLIR fills in the
/// default-valued attributes the caller left out; this adaptor sees them.
template <typename OpT>
typename OpT::Adaptor withDefaults(MLIRContext *context,
                                   typename OpT::Adaptor adaptor) {
  typename OpT::Properties properties = adaptor.getProperties();
  OpT::populateDefaultProperties(
      OperationName(OpT::getOperationName(), context), properties);
  return typename OpT::Adaptor(adaptor.getOperands(), adaptor.getAttributes(),
                               properties);
}

/// Inference may run from a builder before the ODS type constraints were
/// checked; it must fail cleanly instead of assuming ranked tensors.
LogicalResult requireRanked(StringRef opName, std::optional<Location> loc,
                            ValueRange operands) {
  for (auto [index, operand] : llvm::enumerate(operands))
    if (!isa<RankedTensorType>(operand.getType()))
      return opError(opName, loc, "operand #", index,
                     " must be a ranked tensor, got ", operand.getType());
  return success();
}

LogicalResult checkEpsilon(Operation *op, APFloat epsilon) {
  double value = epsilon.convertToDouble();
  if (!(value >= 0.0)) // Also rejects NaN.
    return op->emitOpError("epsilon must be non-negative, got ")
           << formatNumber(value);
  return success();
}

/// Data movement ops keep the element type; converting is graph.cast's job.
LogicalResult checkKeepsElementType(Operation *op, RankedTensorType input,
                                    RankedTensorType result) {
  if (input.getElementType() != result.getElementType())
    return op->emitOpError("cannot change the element type (")
           << input.getElementType() << " to " << result.getElementType()
           << "); use graph.cast";
  return success();
}

/// The written result type of a single-result op must be the inferred one.
LogicalResult checkInferredType(Operation *op, Type inferred) {
  Type written = op->getResult(0).getType();
  if (written != inferred)
    return op->emitOpError("result type ")
           << written << " does not match the inferred type " << inferred;
  return success();
}

/// Elementwise binary ops all infer the same way; ODS defines their
/// inferResultType through this (see Graph_BinaryOp).
LogicalResult inferElementwiseBinary(StringRef opName,
                                     std::optional<Location> loc, Value lhs,
                                     Value rhs,
                                     SmallVectorImpl<Type> &inferred) {
  return inferBroadcast(opName, loc, lhs, "lhs", rhs, "rhs", Type(), inferred);
}

} // namespace

FailureOr<SmallVector<int64_t>>
kiln::graph::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> shape(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < lhs.size() ? lhs[lhs.size() - 1 - i] : 1;
    int64_t r = i < rhs.size() ? rhs[rhs.size() - 1 - i] : 1;
    int64_t &out = shape[rank - 1 - i];
    if (l == r || r == 1)
      out = l;
    else if (l == 1)
      out = r;
    else if (ShapedType::isDynamic(l))
      out = r; // A static r != 1 fixes the size; l must be r or 1 at run time.
    else if (ShapedType::isDynamic(r))
      out = l;
    else
      return failure();
  }
  return shape;
}

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  if (isa<DenseElementsAttr>(getValue()))
    return success();
  auto resource = dyn_cast<DenseResourceElementsAttr>(getValue());
  if (!resource)
    return emitOpError("value must be a dense<...> or dense_resource<...> "
                       "elements attribute, got ")
           << getValue();
  // Weights must be there, and be as many bytes as the type says, before
  // anything compiles against them.
  DenseResourceElementsHandle handle = resource.getRawHandle();
  const AsmResourceBlob *blob = handle.getBlob();
  if (!blob)
    return emitOpError("dense_resource<")
           << handle.getKey()
           << "> has no data: the file's dialect_resources section does not "
              "define it";
  ShapedType type = resource.getType();
  uint64_t expected = byteSize(type);
  if (blob->getData().size() != expected)
    return emitOpError("dense_resource<")
           << handle.getKey() << "> holds " << blob->getData().size()
           << " bytes, but " << type << " needs " << expected;
  return success();
}

LogicalResult ArangeOp::verify() {
  RankedTensorType type = getType();
  if (type.getRank() != 1)
    return emitOpError("result must be rank 1, got ") << type;
  if (type.isDynamicDim(0))
    return emitOpError("result length must be static, got ") << type;
  double start = getStart().convertToDouble();
  double step = getStep().convertToDouble();
  if (step == 0.0)
    return emitOpError("step must be non-zero");
  if (isa<IntegerType>(type.getElementType()) &&
      (std::trunc(start) != start || std::trunc(step) != step))
    return emitOpError("start ")
           << formatNumber(start) << " and step " << formatNumber(step)
           << " must be integral for element type " << type.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult ClampOp::verify() {
  if (!getMin() && !getMax())
    return emitOpError("needs at least one of 'min' and 'max'");
  if (getMin() && getMax() &&
      getMin()->convertToDouble() > getMax()->convertToDouble())
    return emitOpError("min ") << formatNumber(getMin()->convertToDouble())
                               << " is greater than max "
                               << formatNumber(getMax()->convertToDouble());
  return success();
}

LogicalResult CompareOp::inferResultType(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return inferBroadcast(getOperationName(), loc, adaptor.getLhs(), "lhs",
                        adaptor.getRhs(), "rhs", IntegerType::get(context, 1),
                        inferred);
}

LogicalResult SelectOp::inferResultType(MLIRContext *context,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  SmallVector<Type, 1> values;
  if (failed(inferBroadcast(getOperationName(), loc, adaptor.getOnTrue(),
                            "on_true", adaptor.getOnFalse(), "on_false", Type(),
                            values)))
    return failure();
  RankedTensorType condition = rankedType(adaptor.getCondition());
  auto valuesType = cast<RankedTensorType>(values.front());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(condition.getShape(), valuesType.getShape());
  if (failed(shape))
    return opError(
        getOperationName(), loc, "condition shape ", formatDims(condition),
        " does not broadcast with value shape ", formatDims(valuesType));
  inferred.push_back(
      RankedTensorType::get(*shape, valuesType.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Contractions and windows
//===----------------------------------------------------------------------===//

/// The lhs's K (its last dim) equals the rhs's (its dim `rhsDim`).
static LogicalResult requireSameK(StringRef name, std::optional<Location> loc,
                                  RankedTensorType lhs, RankedTensorType rhs,
                                  int64_t rhsDim, StringRef rhsName) {
  int64_t lhsK = lhs.getShape().back();
  int64_t rhsK = rhs.getDimSize(rhsDim);
  if (dimsCompatible(lhsK, rhsK))
    return success();
  return opError(name, loc, "contraction sizes differ: lhs ", formatDims(lhs),
                 " has K = ", lhsK, ", ", rhsName, " ", formatDims(rhs),
                 " has K = ", rhsK);
}

LogicalResult MatmulOp::inferResultType(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  RankedTensorType lhs = rankedType(adaptor.getLhs());
  RankedTensorType rhs = rankedType(adaptor.getRhs());
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return opError(name, loc, "operands must have rank >= 2, got ", lhs,
                   " and ", rhs);
  if (lhs.getElementType() != rhs.getElementType())
    return opError(name, loc,
                   "lhs and rhs element types differ: ", lhs.getElementType(),
                   " vs ", rhs.getElementType());
  if (failed(requireSameK(name, loc, lhs, rhs, rhs.getRank() - 2, "rhs")))
    return failure();
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(lhs.getShape().drop_back(2), rhs.getShape().drop_back(2));
  if (failed(shape))
    return opError(name, loc, "batch dims ",
                   formatDims(lhs.getShape().drop_back(2)), " and ",
                   formatDims(rhs.getShape().drop_back(2)),
                   " are not broadcast-compatible");
  shape->push_back(lhs.getShape()[lhs.getRank() - 2]);
  shape->push_back(rhs.getShape().back());
  inferred.push_back(RankedTensorType::get(*shape, lhs.getElementType()));
  return success();
}

/// A convolution's result [N, outChannels, OH, OW] from its NCHW input,
/// window and optional bias [outChannels].
static LogicalResult inferConvolutionResult(
    StringRef name, std::optional<Location> loc, RankedTensorType input,
    int64_t outChannels, ArrayRef<int64_t> window, Value biasValue,
    ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
    ArrayRef<int64_t> padding, SmallVectorImpl<Type> &inferred) {
  if (biasValue) {
    RankedTensorType bias = rankedType(biasValue);
    if (failed(requireSameElement(name, loc, "bias", bias, input)))
      return failure();
    if (bias.getRank() != 1 || !dimsCompatible(bias.getDimSize(0), outChannels))
      return opError(name, loc, "bias must be [", outChannels,
                     "] (one per output channel), got ", formatDims(bias));
  }
  SmallVector<int64_t> shape = {input.getDimSize(0), outChannels};
  if (failed(inferWindow2d(name, loc, input, window, strides, dilations,
                           padding, /*ceilMode=*/false,
                           /*padBelowExtent=*/false, shape)))
    return failure();
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult PanelMatmulOp::inferResultType(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  RankedTensorType lhs = rankedType(adaptor.getLhs());
  RankedTensorType rhs = rankedType(adaptor.getRhs());
  if (lhs.getRank() < 2)
    return opError(name, loc, "lhs must have rank >= 2, got ", lhs);
  if (failed(requireRank(name, loc, "rhs", rhs, 3, "[N/P, K, P] panels")) ||
      failed(requireSameElement(name, loc, "rhs", rhs, lhs)))
    return failure();
  if (failed(requireSameK(name, loc, lhs, rhs, 1, "rhs panels")))
    return failure();
  SmallVector<int64_t> shape(lhs.getShape().drop_back());
  int64_t panels = rhs.getDimSize(0), width = rhs.getDimSize(2);
  shape.push_back(ShapedType::isDynamic(panels) || ShapedType::isDynamic(width)
                      ? ShapedType::kDynamic
                      : panels * width);
  inferred.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult Conv2dOp::inferResultType(MLIRContext *context,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  adaptor = withDefaults<Conv2dOp>(context, adaptor);
  StringRef name = getOperationName();
  RankedTensorType input = rankedType(adaptor.getInput());
  RankedTensorType filter = rankedType(adaptor.getFilter());
  if (failed(requireRank(name, loc, "input", input, 4, "NCHW")) ||
      failed(requireRank(name, loc, "filter", filter, 4, "OIHW")) ||
      failed(requireSameElement(name, loc, "filter", filter, input)))
    return failure();
  int64_t groups = adaptor.getGroups();
  int64_t channels = input.getDimSize(1);
  int64_t outChannels = filter.getDimSize(0);
  int64_t perGroup = filter.getDimSize(1);
  if (!ShapedType::isDynamic(channels) && channels % groups != 0)
    return opError(name, loc, "input channels ", channels,
                   " are not divisible by groups = ", groups);
  if (!ShapedType::isDynamic(outChannels) && outChannels % groups != 0)
    return opError(name, loc, "filter output channels ", outChannels,
                   " are not divisible by groups = ", groups);
  if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic(perGroup) &&
      perGroup * groups != channels)
    return opError(name, loc, "filter ", formatDims(filter), " takes ",
                   perGroup, " channels per group x ", groups,
                   " groups, but the input has ", channels);
  return inferConvolutionResult(
      name, loc, input, outChannels, filter.getShape().drop_front(2),
      adaptor.getBias(), adaptor.getStrides(), adaptor.getDilations(),
      adaptor.getPadding(), inferred);
}

LogicalResult PanelConv2dOp::inferResultType(MLIRContext *context,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  adaptor = withDefaults<PanelConv2dOp>(context, adaptor);
  StringRef name = getOperationName();
  RankedTensorType input = rankedType(adaptor.getInput());
  RankedTensorType filter = rankedType(adaptor.getFilter());
  if (failed(requireRank(name, loc, "input", input, 4, "NCHW")) ||
      failed(requireRank(name, loc, "filter", filter, 5,
                         "[O/P, KH, KW, C, P] panels")) ||
      failed(requireSameElement(name, loc, "filter", filter, input)))
    return failure();
  int64_t channels = input.getDimSize(1);
  if (!dimsCompatible(channels, filter.getDimSize(3)))
    return opError(name, loc, "filter panels ", formatDims(filter), " take ",
                   filter.getDimSize(3), " input channels, but the input has ",
                   channels);
  int64_t panels = filter.getDimSize(0), width = filter.getDimSize(4);
  int64_t outChannels =
      ShapedType::isDynamic(panels) || ShapedType::isDynamic(width)
          ? ShapedType::kDynamic
          : panels * width;
  return inferConvolutionResult(
      name, loc, input, outChannels, filter.getShape().slice(1, 2),
      adaptor.getBias(), adaptor.getStrides(), adaptor.getDilations(),
      adaptor.getPadding(), inferred);
}

/// Both pooling ops infer alike: NCHW in, N and C kept, H and W windowed.
template <typename PoolOp>
static LogicalResult
inferPool2d(std::optional<Location> loc, typename PoolOp::Adaptor adaptor,
            ArrayRef<int64_t> dilations, SmallVectorImpl<Type> &inferred) {
  StringRef name = PoolOp::getOperationName();
  RankedTensorType input = rankedType(adaptor.getInput());
  if (failed(requireRank(name, loc, "input", input, 4, "NCHW")))
    return failure();
  SmallVector<int64_t> shape(input.getShape().take_front(2));
  if (failed(inferWindow2d(name, loc, input, adaptor.getKernel(),
                           adaptor.getStrides(), dilations,
                           adaptor.getPadding(), adaptor.getCeilMode(),
                           /*padBelowExtent=*/true, shape)))
    return failure();
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult MaxPool2dOp::inferResultType(MLIRContext *context,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  adaptor = withDefaults<MaxPool2dOp>(context, adaptor);
  return inferPool2d<MaxPool2dOp>(loc, adaptor, adaptor.getDilations(),
                                  inferred);
}

LogicalResult AvgPool2dOp::inferResultType(MLIRContext *context,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  adaptor = withDefaults<AvgPool2dOp>(context, adaptor);
  return inferPool2d<AvgPool2dOp>(loc, adaptor, {1, 1}, inferred);
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::inferResultType(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  RankedTensorType input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (axes.empty())
    return opError(name, loc, "needs at least one axis to reduce");
  if (adaptor.getKind() == ReduceKind::mean &&
      !isa<FloatType>(input.getElementType()))
    return opError(name, loc, "mean needs a floating-point input, got ",
                   input.getElementType());
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t axis : axes) {
    if (failed(checkAxis(name, loc, axis, input.getRank())))
      return failure();
    if (!seen.insert(axis).second)
      return opError(name, loc, "axis ", axis, " is listed twice");
  }
  SmallVector<int64_t> shape;
  for (auto [dim, size] : llvm::enumerate(input.getShape())) {
    if (!seen.contains(dim))
      shape.push_back(size);
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return checkAxis(getOperationName(), getLoc(), getAxis(),
                   getType().getRank());
}

LogicalResult LogSoftmaxOp::verify() {
  return checkAxis(getOperationName(), getLoc(), getAxis(),
                   getType().getRank());
}

LogicalResult LayerNormOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(
          checkAxis(getOperationName(), getLoc(), getAxis(), input.getRank())))
    return failure();
  if (failed(requireSameElement(getOperationName(), getLoc(), "scale",
                                getScale().getType(), input)))
    return failure();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(getAxis());
  ArrayRef<int64_t> params = getScale().getType().getShape();
  if (params.size() != normalized.size() ||
      !llvm::all_of(llvm::zip(params, normalized), [](auto pair) {
        return dimsCompatible(std::get<0>(pair), std::get<1>(pair));
      }))
    return emitOpError("scale and bias must have the normalized shape ")
           << formatDims(normalized) << " (input dims from axis " << getAxis()
           << "), got " << formatDims(params);
  return checkEpsilon(getOperation(), getEpsilon());
}

LogicalResult BatchNormOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 2)
    return emitOpError("input must have rank >= 2 (N, C, ...), got ") << input;
  if (failed(requireSameElement(getOperationName(), getLoc(), "scale",
                                getScale().getType(), input)))
    return failure();
  RankedTensorType params = getScale().getType();
  if (params.getRank() != 1 ||
      !dimsCompatible(params.getDimSize(0), input.getDimSize(1)))
    return emitOpError("scale, bias, mean and variance must be [C] with C = ")
           << input.getDimSize(1) << " (input dim 1), got "
           << formatDims(params);
  return checkEpsilon(getOperation(), getEpsilon());
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  if (failed(checkKeepsElementType(getOperation(), input, result)))
    return failure();
  if (input.hasStaticShape() && result.hasStaticShape() &&
      input.getNumElements() != result.getNumElements())
    return emitOpError("cannot reshape ")
           << input.getNumElements() << " elements " << formatDims(input)
           << " into " << result.getNumElements() << " elements "
           << formatDims(result);
  return success();
}

LogicalResult TransposeOp::inferResultType(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  RankedTensorType input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return opError(name, loc, "perm has ", perm.size(),
                   " entries but the input has rank ", input.getRank());
  SmallVector<bool> used(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t dim : perm) {
    if (dim < 0 || dim >= input.getRank() || used[dim])
      return opError(name, loc, "perm ", formatDims(perm),
                     " is not a permutation of 0..", input.getRank() - 1);
    used[dim] = true;
    shape.push_back(input.getDimSize(dim));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult BroadcastToOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  if (failed(checkKeepsElementType(getOperation(), input, result)))
    return failure();
  if (input.getRank() > result.getRank())
    return emitOpError("cannot broadcast rank ")
           << input.getRank() << " to the lower rank " << result.getRank();
  int64_t offset = result.getRank() - input.getRank();
  for (auto [dim, size] : llvm::enumerate(input.getShape())) {
    int64_t target = result.getDimSize(offset + dim);
    if (size != 1 && !dimsCompatible(size, target))
      return emitOpError("input dim ")
             << dim << " of size " << size << " cannot broadcast to size "
             << target << " (" << formatDims(input) << " to "
             << formatDims(result) << ")";
  }
  return success();
}

LogicalResult ConcatOp::inferResultType(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return opError(name, loc, "needs at least one input");
  RankedTensorType first = rankedType(inputs.front());
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxis(name, loc, axis, first.getRank())))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (auto [index, value] : llvm::enumerate(inputs.drop_front())) {
    RankedTensorType type = rankedType(value);
    if (type.getElementType() != first.getElementType())
      return opError(name, loc, "input ", index + 1, " element type ",
                     type.getElementType(), " differs from input 0's ",
                     first.getElementType());
    if (type.getRank() != first.getRank())
      return opError(name, loc, "input ", index + 1, " has rank ",
                     type.getRank(), " but input 0 has rank ", first.getRank());
    for (int64_t dim = 0; dim < first.getRank(); ++dim) {
      int64_t size = type.getDimSize(dim);
      if (dim == axis) {
        shape[dim] =
            ShapedType::isDynamic(shape[dim]) || ShapedType::isDynamic(size)
                ? ShapedType::kDynamic
                : shape[dim] + size;
      } else if (!dimsCompatible(shape[dim], size)) {
        return opError(name, loc, "input ", index + 1, " ", formatDims(type),
                       " differs from input 0 ", formatDims(first), " in dim ",
                       dim, " (only the axis ", axis, " may differ)");
      } else if (ShapedType::isDynamic(shape[dim])) {
        shape[dim] = size;
      }
    }
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SliceOp::inferResultType(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  StringRef name = getOperationName();
  RankedTensorType input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> start = adaptor.getStart(), limit = adaptor.getLimit(),
                    step = adaptor.getStep();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(start.size()) != rank ||
      static_cast<int64_t>(limit.size()) != rank ||
      static_cast<int64_t>(step.size()) != rank)
    return opError(name, loc, "start, limit and step need one entry per dim (",
                   rank, "), got ", start.size(), ", ", limit.size(), " and ",
                   step.size());
  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t size = input.getDimSize(dim);
    int64_t lo = start[dim], hi = limit[dim], by = step[dim];
    if (by == 0)
      return opError(name, loc, "step in dim ", dim, " must be non-zero");
    // Upper bound on valid indices; a dynamic size cannot be checked here.
    int64_t end = ShapedType::isDynamic(size) ? INT64_MAX : size;
    bool valid = by > 0 ? (0 <= lo && lo <= hi && hi <= end)
                        : (-1 <= hi && hi <= lo && lo < end);
    if (!valid)
      return opError(name, loc, "dim ", dim, " of size ",
                     ShapedType::isDynamic(size) ? std::string("?")
                                                 : std::to_string(size),
                     ": start ", lo, ", limit ", hi, ", step ", by,
                     by > 0 ? " needs 0 <= start <= limit <= size"
                            : " needs -1 <= limit <= start < size");
    shape.push_back(by > 0 ? llvm::divideCeil(hi - lo, by)
                           : llvm::divideCeil(lo - hi, -by));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult GatherOp::inferResultType(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType data = rankedType(adaptor.getData());
  RankedTensorType indices = rankedType(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxis(getOperationName(), loc, axis, data.getRank())))
    return failure();
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  inferred.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

LogicalResult PadOp::inferResultType(MLIRContext *context,
                                     std::optional<Location> loc,
                                     Adaptor adaptor,
                                     SmallVectorImpl<Type> &inferred) {
  adaptor = withDefaults<PadOp>(context, adaptor);
  StringRef name = getOperationName();
  RankedTensorType input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> low = adaptor.getLow(), high = adaptor.getHigh();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(low.size()) != rank ||
      static_cast<int64_t>(high.size()) != rank)
    return opError(name, loc, "low and high need one entry per dim (", rank,
                   "), got ", low.size(), " and ", high.size());
  PadMode mode = adaptor.getMode();
  double value = adaptor.getValue().convertToDouble();
  if (mode != PadMode::constant && value != 0.0)
    return opError(name, loc, "value ", formatNumber(value),
                   " is only used by constant "
                   "padding, not ",
                   stringifyPadMode(mode));
  if (isa<IntegerType>(input.getElementType()) && std::trunc(value) != value)
    return opError(name, loc, "value ", formatNumber(value),
                   " is not integral for element type ",
                   input.getElementType());
  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t size = input.getDimSize(dim);
    if (low[dim] < 0 || high[dim] < 0)
      return opError(name, loc, "padding in dim ", dim,
                     " must be non-negative, got low ", low[dim], " and high ",
                     high[dim]);
    bool padded = low[dim] > 0 || high[dim] > 0;
    if (!ShapedType::isDynamic(size) && padded) {
      if (mode == PadMode::reflect && (low[dim] >= size || high[dim] >= size))
        return opError(name, loc, "reflect padding in dim ", dim,
                       " must be smaller than its size ", size, ", got low ",
                       low[dim], " and high ", high[dim]);
      if (mode == PadMode::edge && size == 0)
        return opError(name, loc, "edge padding needs a non-empty dim ", dim);
    }
    shape.push_back(ShapedType::isDynamic(size) ? size
                                                : size + low[dim] + high[dim]);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Dispatch regions
//===----------------------------------------------------------------------===//

int64_t kiln::graph::elementBytes(ShapedType type) {
  return (type.getElementTypeBitWidth() + 7) / 8;
}

int64_t kiln::graph::byteSize(ShapedType type) {
  return type.getNumElements() * elementBytes(type);
}

bool kiln::graph::isSplatConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  auto dense = constant ? dyn_cast<DenseElementsAttr>(constant.getValue())
                        : DenseElementsAttr();
  return dense && dense.isSplat();
}

std::optional<std::pair<ArrayRef<char>, bool>>
kiln::graph::constantBytes(ConstantOp constant) {
  if (auto resource =
          dyn_cast<DenseResourceElementsAttr>(constant.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return std::make_pair(blob->getData(), false);
  }
  auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!dense)
    return std::nullopt;
  return std::make_pair(dense.getRawData(), dense.isSplat());
}

static void appendNames(Location loc, SmallVectorImpl<std::string> &names) {
  if (auto named = dyn_cast<NameLoc>(loc)) {
    names.push_back(named.getName().str());
    appendNames(named.getChildLoc(), names);
  } else if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location part : fused.getLocations())
      appendNames(part, names);
  } else if (auto call = dyn_cast<CallSiteLoc>(loc)) {
    appendNames(call.getCallee(), names);
  }
}

SmallVector<std::string> kiln::graph::locationNames(Location loc) {
  SmallVector<std::string> names;
  appendNames(loc, names);
  return names;
}

DispatchOp kiln::graph::formDispatch(ArrayRef<Operation *> ops) {
  llvm::SmallPtrSet<Operation *, 16> members(ops.begin(), ops.end());
  llvm::SetVector<Value> inputs;
  SmallVector<Value> results;
  for (Operation *op : ops) {
    for (Value operand : op->getOperands()) {
      Operation *producer = operand.getDefiningOp();
      if (!(producer && members.contains(producer)) &&
          !isSplatConstant(operand))
        inputs.insert(operand);
    }
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !members.contains(user);
          }))
        results.push_back(result);
  }
  OpBuilder builder(ops.back());
  Location loc = ops.size() == 1 ? ops.front()->getLoc() : ops.back()->getLoc();
  auto dispatch = DispatchOp::create(
      builder, loc, ValueRange(results).getTypes(), inputs.getArrayRef());
  Block *body = builder.createBlock(&dispatch.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  if (Attribute device = ops.front()->getAttr(kDeviceAttr))
    dispatch->setAttr(kDeviceAttr, device);
  for (Operation *op : ops) {
    for (Value operand : op->getOperands())
      if (!mapping.contains(operand) && isSplatConstant(operand))
        mapping.map(operand,
                    builder.clone(*operand.getDefiningOp())->getResult(0));
    builder.clone(*op, mapping)->removeAttr(kDeviceAttr);
  }
  SmallVector<Value> yielded;
  for (Value result : results)
    yielded.push_back(mapping.lookup(result));
  YieldOp::create(builder, loc, yielded);
  for (auto [result, replacement] : llvm::zip(results, dispatch.getResults()))
    result.replaceAllUsesWith(replacement);
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  return dispatch;
}

LogicalResult DispatchOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getArgumentTypes() != getInputs().getTypes())
    return emitOpError("region arguments (")
           << body.getArgumentTypes() << ") must match the inputs ("
           << getInputs().getTypes() << ")";
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields (")
           << yield.getValues().getTypes() << ") but its results are ("
           << getResultTypes() << ")";
  return success();
}
