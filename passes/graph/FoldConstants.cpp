//===- FoldConstants.cpp - graph-fold-constants ---------------------------===//
//
// Weight-only subgraphs (a transposed weight, a folded batch norm, a cast of
// a weight) are evaluated once at compile time instead of at every run. Each
// op whose operands are all constants is evaluated on the host, in program
// order so chains fold through, and replaced by a constant; what is left
// unused is erased. Values are decoded to double (floats) or int64
// (integers), computed, and rounded once to the result's element type: one
// double operation rounded to f32/f16/bf16 is the correctly rounded f32/f16/
// bf16 result, so elementwise arithmetic matches what a kernel computes.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

namespace kiln {
#define GEN_PASS_DEF_GRAPHFOLDCONSTANTS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

/// Results this small always fold, whatever their operands' sizes.
constexpr int64_t kAlwaysFoldBytes = 4096;

/// Results with more elements are left to the kernels: evaluating holds
/// each operand and the result as doubles (8 bytes an element) on the host.
constexpr int64_t kMaxFoldElements = int64_t(1) << 26;

/// A constant's elements in a type the host computes with.
struct Values {
  RankedTensorType type;
  bool isFloat = false;
  std::vector<double> floats;
  std::vector<int64_t> ints;

  int64_t size() const { return isFloat ? floats.size() : ints.size(); }
};

/// Element types the evaluator reads and writes: IEEE and brain floats,
/// 8- to 64-bit integers (booleans are left to the kernels).
bool isEvaluable(Type element) {
  if (auto floatType = dyn_cast<FloatType>(element))
    return floatType.isF16() || floatType.isBF16() || floatType.isF32() ||
           floatType.isF64();
  auto integer = dyn_cast<IntegerType>(element);
  return integer && integer.isSignless() && integer.getWidth() >= 8 &&
         integer.getWidth() <= 64 && integer.getWidth() % 8 == 0;
}

double decodeFloat(FloatType type, const char *bytes) {
  if (type.isF32()) {
    float value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
  }
  if (type.isF64()) {
    double value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
  }
  uint16_t bits;
  std::memcpy(&bits, bytes, sizeof bits);
  APFloat value(type.getFloatSemantics(), APInt(16, bits));
  bool losesInfo = false;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

void encodeFloat(FloatType type, double value, char *bytes) {
  if (type.isF32()) {
    float narrow = static_cast<float>(value);
    std::memcpy(bytes, &narrow, sizeof narrow);
    return;
  }
  if (type.isF64()) {
    std::memcpy(bytes, &value, sizeof value);
    return;
  }
  APFloat wide(value);
  bool losesInfo = false;
  wide.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven,
               &losesInfo);
  uint16_t bits = wide.bitcastToAPInt().getZExtValue();
  std::memcpy(bytes, &bits, sizeof bits);
}

/// `type` with every dim 1: how a splat is evaluated (one element, which
/// numpy broadcasting reads for every element of the other operands).
RankedTensorType onesLike(RankedTensorType type) {
  return RankedTensorType::get(SmallVector<int64_t>(type.getRank(), 1),
                               type.getElementType());
}

/// The constant's elements; a splat's one element, as a tensor of dims 1.
std::optional<Values> decode(ConstantOp constant) {
  auto type = cast<RankedTensorType>(constant.getType());
  Type element = type.getElementType();
  if (!type.hasStaticShape() || !isEvaluable(element))
    return std::nullopt;
  auto raw = constantBytes(constant);
  if (!raw)
    return std::nullopt;
  ArrayRef<char> data = raw->first;
  bool splat = raw->second;
  int64_t count = type.getNumElements();
  int64_t width = elementBytes(type);
  if (static_cast<int64_t>(data.size()) != (splat ? 1 : count) * width)
    return std::nullopt;
  Values values;
  values.type = splat ? onesLike(type) : type;
  values.isFloat = isa<FloatType>(element);
  if (splat)
    count = 1;
  auto at = [&](int64_t i) { return data.data() + (splat ? 0 : i * width); };
  if (values.isFloat) {
    auto floatType = cast<FloatType>(element);
    values.floats.resize(count);
    for (int64_t i = 0; i < count; ++i)
      values.floats[i] = decodeFloat(floatType, at(i));
  } else {
    values.ints.resize(count);
    for (int64_t i = 0; i < count; ++i) {
      int64_t value = 0;
      std::memcpy(&value, at(i), width); // little-endian, then sign-extend
      int shift = 64 - 8 * width;
      values.ints[i] = shift ? (value << shift) >> shift : value;
    }
  }
  return values;
}

/// For each element of `result` (row-major), the index of the element of
/// `operand` that numpy broadcasting reads.
std::vector<int64_t> broadcastIndices(ArrayRef<int64_t> operand,
                                      ArrayRef<int64_t> result) {
  int64_t rank = result.size();
  int64_t offset = rank - static_cast<int64_t>(operand.size());
  SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int64_t dim = rank - 1; dim >= offset; --dim) {
    int64_t size = operand[dim - offset];
    strides[dim] = size == 1 ? 0 : stride;
    stride *= size;
  }
  int64_t count = 1;
  for (int64_t size : result)
    count *= size;
  std::vector<int64_t> indices(count);
  SmallVector<int64_t> position(rank, 0);
  int64_t index = 0;
  for (int64_t i = 0; i < count; ++i) {
    indices[i] = index;
    for (int64_t dim = rank - 1; dim >= 0; --dim) {
      index += strides[dim];
      if (++position[dim] < result[dim])
        break;
      index -= strides[dim] * result[dim];
      position[dim] = 0;
    }
  }
  return indices;
}

/// `values` read through `indices`, typed as `type`.
Values gathered(const Values &values, ArrayRef<int64_t> indices,
                RankedTensorType type) {
  Values result;
  result.type = type;
  result.isFloat = values.isFloat;
  (values.isFloat ? result.floats.reserve(indices.size())
                  : result.ints.reserve(indices.size()));
  if (values.isFloat)
    for (int64_t index : indices)
      result.floats.push_back(values.floats[index]);
  else
    for (int64_t index : indices)
      result.ints.push_back(values.ints[index]);
  return result;
}

using FloatFn = double (*)(double, double);
using IntFn = std::optional<int64_t> (*)(int64_t, int64_t);

/// A binary op with numpy broadcasting; fails where an integer result is not
/// defined the way the kernels define it (left to them).
std::optional<Values> binary(const Values &lhs, const Values &rhs,
                             RankedTensorType type, FloatFn floatFn,
                             IntFn intFn) {
  std::vector<int64_t> l =
      broadcastIndices(lhs.type.getShape(), type.getShape());
  std::vector<int64_t> r =
      broadcastIndices(rhs.type.getShape(), type.getShape());
  Values result;
  result.type = type;
  result.isFloat = lhs.isFloat;
  if (lhs.isFloat) {
    if (!floatFn)
      return std::nullopt;
    result.floats.resize(l.size());
    for (size_t i = 0; i < l.size(); ++i)
      result.floats[i] = floatFn(lhs.floats[l[i]], rhs.floats[r[i]]);
    return result;
  }
  if (!intFn)
    return std::nullopt;
  result.ints.resize(l.size());
  for (size_t i = 0; i < l.size(); ++i) {
    std::optional<int64_t> value = intFn(lhs.ints[l[i]], rhs.ints[r[i]]);
    if (!value)
      return std::nullopt;
    result.ints[i] = *value;
  }
  return result;
}

std::optional<Values> unaryFloat(const Values &input, double (*fn)(double)) {
  if (!input.isFloat)
    return std::nullopt;
  Values result = input;
  for (double &value : result.floats)
    value = fn(value);
  return result;
}

/// Integer results wrap to the element width, as the kernels' do.
std::optional<int64_t> wrapped(__int128 value, unsigned width) {
  uint64_t bits = static_cast<uint64_t>(value);
  int shift = 64 - width;
  return shift ? static_cast<int64_t>(bits << shift) >> shift
               : static_cast<int64_t>(bits);
}

/// `op` on `in`, giving a result of `type` (the op's own, or all dims 1 when
/// evaluating splats).
std::optional<Values> evaluate(Operation *op, ArrayRef<Values> in,
                               RankedTensorType type) {
  unsigned width =
      type.getElementType().isIntOrFloat() ? type.getElementTypeBitWidth() : 64;
  return llvm::TypeSwitch<Operation *, std::optional<Values>>(op)
      .Case([&](AddOp) {
        return binary(
            in[0], in[1], type, [](double a, double b) { return a + b; },
            nullptr);
      })
      .Case([&](SubOp) {
        return binary(
            in[0], in[1], type, [](double a, double b) { return a - b; },
            nullptr);
      })
      .Case([&](MulOp) {
        return binary(
            in[0], in[1], type, [](double a, double b) { return a * b; },
            nullptr);
      })
      .Case([&](DivOp) {
        return binary(
            in[0], in[1], type, [](double a, double b) { return a / b; },
            nullptr);
      })
      .Case([&](MaxOp) {
        return binary(
            in[0], in[1], type,
            [](double a, double b) {
              return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
            },
            [](int64_t a, int64_t b) -> std::optional<int64_t> {
              return std::max(a, b);
            });
      })
      .Case([&](MinOp) {
        return binary(
            in[0], in[1], type,
            [](double a, double b) {
              return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
            },
            [](int64_t a, int64_t b) -> std::optional<int64_t> {
              return std::min(a, b);
            });
      })
      .Case([&](NegOp) -> std::optional<Values> {
        if (in[0].isFloat)
          return unaryFloat(in[0], [](double a) { return -a; });
        Values result = in[0];
        for (int64_t &value : result.ints)
          value = *wrapped(-static_cast<__int128>(value), width);
        return result;
      })
      .Case([&](SqrtOp) {
        return unaryFloat(in[0], [](double a) { return std::sqrt(a); });
      })
      .Case([&](RsqrtOp) {
        return unaryFloat(in[0], [](double a) { return 1 / std::sqrt(a); });
      })
      .Case([&](TransposeOp transpose) {
        ArrayRef<int64_t> perm = transpose.getPerm();
        ArrayRef<int64_t> inShape = in[0].type.getShape();
        int64_t rank = perm.size();
        SmallVector<int64_t> inStrides(rank, 1);
        for (int64_t dim = rank - 2; dim >= 0; --dim)
          inStrides[dim] = inStrides[dim + 1] * inShape[dim + 1];
        std::vector<int64_t> indices(type.getNumElements());
        SmallVector<int64_t> position(rank, 0);
        int64_t index = 0;
        for (int64_t &slot : indices) {
          slot = index;
          for (int64_t dim = rank - 1; dim >= 0; --dim) {
            index += inStrides[perm[dim]];
            if (++position[dim] < type.getDimSize(dim))
              break;
            index -= inStrides[perm[dim]] * type.getDimSize(dim);
            position[dim] = 0;
          }
        }
        return std::optional<Values>(gathered(in[0], indices, type));
      })
      .Case([&](BroadcastToOp) {
        return std::optional<Values>(gathered(
            in[0], broadcastIndices(in[0].type.getShape(), type.getShape()),
            type));
      })
      .Case([&](ReshapeOp) {
        Values result = in[0];
        result.type = type;
        return std::optional<Values>(result);
      })
      .Case([&](CastOp) -> std::optional<Values> {
        Values result;
        result.type = type;
        result.isFloat = isa<FloatType>(type.getElementType());
        const Values &input = in[0];
        if (result.isFloat) {
          if (input.isFloat)
            result.floats = input.floats;
          else
            for (int64_t value : input.ints)
              result.floats.push_back(static_cast<double>(value));
          return result;
        }
        if (!input.isFloat) {
          for (int64_t value : input.ints)
            result.ints.push_back(*wrapped(value, width));
          return result;
        }
        // Float to int truncates; out-of-range values are left to kernels.
        double limit = std::ldexp(1.0, width - 1);
        for (double value : input.floats) {
          if (!(std::trunc(value) >= -limit && std::trunc(value) < limit))
            return std::nullopt;
          result.ints.push_back(static_cast<int64_t>(std::trunc(value)));
        }
        return result;
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// Row-major bytes of `values` in their element type.
std::vector<char> encode(const Values &values) {
  Type element = values.type.getElementType();
  int64_t width = elementBytes(values.type);
  std::vector<char> bytes(values.size() * width);
  if (values.isFloat) {
    auto floatType = cast<FloatType>(element);
    for (size_t i = 0; i < values.floats.size(); ++i)
      encodeFloat(floatType, values.floats[i], bytes.data() + i * width);
  } else {
    for (size_t i = 0; i < values.ints.size(); ++i)
      std::memcpy(bytes.data() + i * width, &values.ints[i], width);
  }
  return bytes;
}

bool allEqual(const std::vector<char> &bytes, int64_t width) {
  for (size_t i = width; i < bytes.size(); i += width)
    if (std::memcmp(bytes.data(), bytes.data() + i, width) != 0)
      return false;
  return true;
}

struct GraphFoldConstants
    : kiln::impl::GraphFoldConstantsBase<GraphFoldConstants> {
  using GraphFoldConstantsBase::GraphFoldConstantsBase;

  void runOnOperation() override {
    Block &body = getOperation().getBody().front();
    for (Operation &op : llvm::make_early_inc_range(body))
      if (isa<GraphDialect>(op.getDialect()) && !isa<ConstantOp>(op) &&
          op.getNumResults() == 1 && op.getNumOperands() > 0)
        (void)fold(&op);
    // Operands left without users (the original weights) go too.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      if (isa<ConstantOp>(op) && op.use_empty())
        op.erase();
  }

  LogicalResult fold(Operation *op) {
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || !type.hasStaticShape() || !isEvaluable(type.getElementType()))
      return failure();
    SmallVector<ConstantOp> constants;
    int64_t largest = 0;
    bool allSplats = true;
    for (Value operand : op->getOperands()) {
      auto constant = operand.getDefiningOp<ConstantOp>();
      if (!constant)
        return failure();
      constants.push_back(constant);
      if (!isSplatConstant(operand)) {
        allSplats = false;
        largest = std::max(largest, byteSize(constant.getType()));
      }
    }
    // A broadcast must not bloat the artifact.
    int64_t bytes = byteSize(type);
    if (!allSplats &&
        ((bytes > kAlwaysFoldBytes && bytes > maxGrowth * largest) ||
         type.getNumElements() > kMaxFoldElements))
      return failure();
    SmallVector<Values> inputs;
    for (ConstantOp constant : constants) {
      std::optional<Values> values = decode(constant);
      if (!values)
        return failure();
      inputs.push_back(std::move(*values));
    }
    // Every evaluated op maps splats to a splat: one element is computed.
    std::optional<Values> result =
        evaluate(op, inputs, allSplats ? onesLike(type) : type);
    if (!result)
      return failure();

    result->type = type;
    std::vector<char> data = encode(*result);
    int64_t width = elementBytes(type);
    OpBuilder builder(op);
    ElementsAttr value;
    if (allEqual(data, width)) {
      value = DenseElementsAttr::getFromRawBuffer(
          type, ArrayRef<char>(data.data(), width));
    } else {
      // Named after the largest weight it came from, so the IR still says
      // whose.
      StringRef source = "weights";
      int64_t sourceBytes = -1;
      for (ConstantOp constant : constants)
        if (auto resource =
                dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
          if (byteSize(constant.getType()) > sourceBytes) {
            source = resource.getRawHandle().getKey();
            sourceBytes = byteSize(constant.getType());
          }
      source.consume_back("_folded");
      std::string name = (source + "_folded").str();
      value = DenseResourceElementsAttr::get(
          type, name,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(
              data, alignof(std::max_align_t)));
    }
    auto folded = ConstantOp::create(builder, op->getLoc(), value);
    op->getResult(0).replaceAllUsesWith(folded.getResult());
    op->erase();
    return success();
  }
};

} // namespace
