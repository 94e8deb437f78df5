//===- OnnxImporter.cpp - ONNX ModelProto to the graph dialect ------------===//
//
// One handler per ONNX op type, building graph ops through the generated
// builders. Result types come from the graph dialect's own shape rules (run
// before the op is created, so bad operands give a diagnostic, never a
// crash). Inputs that ONNX passes as tensors but Kiln needs as attributes
// (Reshape's shape, Slice's starts, ...) must be computable at import time:
// they are evaluated from constants through the small integer ops exporters
// use for shape arithmetic.
//
//===----------------------------------------------------------------------===//

#include "lib/onnx/OnnxImporter.h"

#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace kiln::graph;

namespace {

/// Small constants (shapes, axes, scalars) are written inline and can be
/// read back during import; larger ones become dense resources.
constexpr int64_t kInlineElements = 64;

/// What the ONNX elem_type numbers mean, for the types Kiln has.
Type elementType(MLIRContext *context, int32_t onnxType) {
  Builder b(context);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  default:
    return nullptr;
  }
}

std::string onnxTypeName(int32_t onnxType) {
  if (onnx::TensorProto_DataType_IsValid(onnxType))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(onnxType));
  return "type #" + std::to_string(onnxType);
}

int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

class Importer {
public:
  Importer(MLIRContext *context, StringRef fileName,
           const kiln::InputShapes &inputShapes)
      : context(context), builder(context), fileName(fileName.str()),
        inputShapes(inputShapes),
        fileLoc(FileLineColLoc::get(context, fileName, 0, 0)), loc(fileLoc) {}

  OwningOpRef<ModuleOp> run(const onnx::ModelProto &model);

private:
  using Handler = std::function<LogicalResult(Importer &)>;

  // -- diagnostics ----------------------------------------------------------
  /// An error at the current node; the location carries the node's name,
  /// which every diagnostic prints.
  InFlightDiagnostic nodeError() { return emitError(loc) << opType << ": "; }

  // -- values ---------------------------------------------------------------
  FailureOr<Value> input(int index);
  Value optionalInput(int index);
  FailureOr<SmallVector<int64_t>> constantInts(int index, StringRef what);
  FailureOr<std::optional<double>> optionalScalar(int index, StringRef what);
  FailureOr<SmallVector<int64_t>> intsAttrOrInput(StringRef name, int index,
                                                  int64_t inputSince);
  LogicalResult checkAxis(int64_t &axis, int64_t rank);
  LogicalResult setOutput(int index, FailureOr<Value> value);
  LogicalResult importTensor(const onnx::TensorProto &tensor,
                             StringRef valueName);
  FailureOr<ElementsAttr> tensorAttr(const onnx::TensorProto &tensor,
                                     StringRef name);
  FailureOr<SmallVector<int64_t>> evaluateInts(Value value);
  LogicalResult readExternalData(const onnx::TensorProto &tensor,
                                 StringRef name, std::string &bytes);

  // -- attributes -----------------------------------------------------------
  const onnx::AttributeProto *attribute(StringRef name) const;
  int64_t attrInt(StringRef name, int64_t otherwise) const;
  double attrFloat(StringRef name, double otherwise) const;
  std::string attrString(StringRef name, StringRef otherwise) const;
  SmallVector<int64_t> attrInts(StringRef name) const;

  // -- building -------------------------------------------------------------
  template <typename OpT, typename... Args>
  FailureOr<Value> make(Args &&...args);
  Value constant(ElementsAttr value);
  Value scalar(double value, Type elementType);
  // Chaining helpers for compositions: a failed step gives a null Value,
  // which fails the steps after it (`make` checks) without a second report.
  static Value get(FailureOr<Value> value) {
    return succeeded(value) ? *value : Value();
  }
  Value like(double value, Value other) {
    return other ? scalar(value, typeOf(other).getElementType()) : Value();
  }
  FailureOr<Value> reshape(Value value, ArrayRef<int64_t> shape);
  static RankedTensorType typeOf(Value value) {
    return cast<RankedTensorType>(value.getType());
  }

  // -- handlers -------------------------------------------------------------
  template <typename OpT> LogicalResult unary();
  template <typename OpT> LogicalResult binary();
  template <typename OpT> LogicalResult variadic();
  LogicalResult compare(ComparePredicate predicate, bool negate = false);
  LogicalResult identity();
  LogicalResult dropout();
  LogicalResult reciprocal();
  LogicalResult notOp();
  LogicalResult gelu();
  LogicalResult leakyRelu();
  LogicalResult hardSigmoid();
  LogicalResult hardSwish();
  LogicalResult clip();
  LogicalResult where();
  LogicalResult matmul();
  LogicalResult gemm();
  LogicalResult conv();
  LogicalResult pool(bool max);
  LogicalResult globalPool(ReduceKind kind);
  LogicalResult composite(function_ref<Value(Value)> body);
  LogicalResult logical(StringRef which);
  LogicalResult mean();
  LogicalResult prelu();
  LogicalResult trilu();
  LogicalResult rmsNorm();
  LogicalResult reduceComposite(ReduceKind kind,
                                function_ref<Value(Value)> before,
                                function_ref<Value(Value)> after);
  LogicalResult batchNorm();
  LogicalResult layerNorm();
  LogicalResult softmax(bool log);
  LogicalResult reduce(ReduceKind kind);
  LogicalResult reshapeOp();
  LogicalResult flatten();
  LogicalResult transpose();
  LogicalResult concat();
  LogicalResult slice();
  LogicalResult gather();
  LogicalResult squeeze();
  LogicalResult unsqueeze();
  LogicalResult expand();
  LogicalResult castOp();
  LogicalResult constantOp();
  LogicalResult constantOfShape();
  LogicalResult shape();
  LogicalResult range();
  LogicalResult pad();
  LogicalResult split();
  LogicalResult sizeOp();

  FailureOr<Value> as2d(Value value);
  FailureOr<Value> from2d(FailureOr<Value> value);
  FailureOr<SmallVector<int64_t>> windowPadding(ArrayRef<int64_t> inputDims,
                                                ArrayRef<int64_t> kernel,
                                                ArrayRef<int64_t> strides,
                                                ArrayRef<int64_t> dilations);
  LogicalResult importNode(const onnx::NodeProto &node, size_t index);

  static const llvm::StringMap<Handler> &handlers();

  MLIRContext *context;
  OpBuilder builder;
  std::string fileName;
  const kiln::InputShapes &inputShapes;
  Location fileLoc;
  Location loc;
  int64_t opset = 0;
  llvm::StringMap<Value> values;
  llvm::StringSet<> resourceNames;
  const onnx::NodeProto *node = nullptr;
  std::string nodeName, opType;
};

// -- values -----------------------------------------------------------------

FailureOr<Value> Importer::input(int index) {
  if (index >= node->input_size() || node->input(index).empty())
    return nodeError() << "input " << index << " is missing";
  auto it = values.find(node->input(index));
  if (it == values.end())
    return nodeError() << "input '" << node->input(index)
                       << "' is not produced by any earlier node, initializer "
                          "or graph input";
  return it->second;
}

Value Importer::optionalInput(int index) {
  if (index >= node->input_size() || node->input(index).empty())
    return nullptr;
  FailureOr<Value> value = input(index);
  return succeeded(value) ? *value : nullptr;
}

FailureOr<SmallVector<int64_t>> Importer::constantInts(int index,
                                                       StringRef what) {
  FailureOr<Value> value = input(index);
  if (failed(value))
    return failure();
  FailureOr<SmallVector<int64_t>> ints = evaluateInts(*value);
  if (failed(ints))
    return nodeError() << "its " << what << " (input '" << node->input(index)
                       << "') must be known when the model is compiled; "
                          "Kiln compiles static shapes";
  return ints;
}

/// Makes a possibly negative `axis` of a rank-`rank` tensor non-negative, or
/// reports it out of range.
LogicalResult Importer::checkAxis(int64_t &axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return nodeError() << "axis " << axis << " is out of range for rank "
                       << rank;
  if (axis < 0)
    axis += rank;
  return success();
}

/// Integers an op takes as attribute `name` before opset `inputSince` and as
/// input `index` (which must be constant) from then on, as ONNX moved axes,
/// shapes and split sizes from attributes to inputs. An absent optional
/// input gives no integers.
FailureOr<SmallVector<int64_t>>
Importer::intsAttrOrInput(StringRef name, int index, int64_t inputSince) {
  if (opset < inputSince)
    return attrInts(name);
  if (!optionalInput(index))
    return SmallVector<int64_t>();
  return constantInts(index, name);
}

FailureOr<std::optional<double>> Importer::optionalScalar(int index,
                                                          StringRef what) {
  Value value = optionalInput(index);
  if (!value)
    return std::optional<double>();
  auto constantOp = value.getDefiningOp<ConstantOp>();
  auto dense = constantOp ? dyn_cast<DenseElementsAttr>(constantOp.getValue())
                          : DenseElementsAttr();
  if (!dense || dense.getNumElements() != 1)
    return nodeError() << "its " << what << " (input '" << node->input(index)
                       << "') must be a constant scalar";
  if (isa<FloatType>(dense.getElementType()))
    return std::optional<double>(
        (*dense.getValues<APFloat>().begin()).convertToDouble());
  return std::optional<double>(
      static_cast<double>((*dense.getValues<APInt>().begin()).getSExtValue()));
}

LogicalResult Importer::setOutput(int index, FailureOr<Value> value) {
  if (failed(value))
    return failure();
  if (index < node->output_size() && !node->output(index).empty())
    values[node->output(index)] = *value;
  return success();
}

/// The integers a small integer tensor holds, when they follow from
/// constants through the ops exporters use for shape arithmetic.
FailureOr<SmallVector<int64_t>> Importer::evaluateInts(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > 4096 ||
      !isa<IntegerType>(type.getElementType()))
    return failure();
  Operation *op = value.getDefiningOp();
  if (!op)
    return failure();
  if (auto constantOp = dyn_cast<ConstantOp>(op)) {
    auto dense = dyn_cast<DenseElementsAttr>(constantOp.getValue());
    if (!dense)
      return failure();
    SmallVector<int64_t> result;
    for (const APInt &v : dense.getValues<APInt>())
      result.push_back(type.getElementType().isInteger(1) ? v.getZExtValue()
                                                          : v.getSExtValue());
    return result;
  }
  if (isa<ReshapeOp, CastOp, BroadcastToOp>(op)) {
    FailureOr<SmallVector<int64_t>> source = evaluateInts(op->getOperand(0));
    if (failed(source) ||
        !isa<IntegerType>(getElementTypeOrSelf(op->getOperand(0).getType())))
      return failure();
    if (auto broadcast = dyn_cast<BroadcastToOp>(op)) {
      if (source->size() != 1)
        return failure();
      return SmallVector<int64_t>(type.getNumElements(), (*source)[0]);
    }
    return source;
  }
  if (isa<NegOp>(op)) {
    FailureOr<SmallVector<int64_t>> source = evaluateInts(op->getOperand(0));
    if (failed(source))
      return failure();
    for (int64_t &v : *source)
      v = -v;
    return source;
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    if (type.getRank() != 1)
      return failure();
    SmallVector<int64_t> result;
    for (Value operand : concat.getInputs()) {
      FailureOr<SmallVector<int64_t>> part = evaluateInts(operand);
      if (failed(part))
        return failure();
      result.append(*part);
    }
    return result;
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    FailureOr<SmallVector<int64_t>> data = evaluateInts(gather.getData());
    FailureOr<SmallVector<int64_t>> indices = evaluateInts(gather.getIndices());
    if (failed(data) || failed(indices) ||
        typeOf(gather.getData()).getRank() != 1)
      return failure();
    SmallVector<int64_t> result;
    int64_t size = data->size();
    for (int64_t i : *indices) {
      if (i < -size || i >= size)
        return failure();
      result.push_back((*data)[i < 0 ? i + size : i]);
    }
    return result;
  }
  if (auto sliceOp = dyn_cast<SliceOp>(op)) {
    FailureOr<SmallVector<int64_t>> data = evaluateInts(sliceOp.getInput());
    if (failed(data) || typeOf(sliceOp.getInput()).getRank() != 1)
      return failure();
    SmallVector<int64_t> result;
    int64_t start = sliceOp.getStart()[0], limit = sliceOp.getLimit()[0],
            step = sliceOp.getStep()[0];
    for (int64_t i = start; step > 0 ? i < limit : i > limit; i += step)
      result.push_back((*data)[i]);
    return result;
  }
  if (isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp>(op)) {
    FailureOr<SmallVector<int64_t>> lhs = evaluateInts(op->getOperand(0));
    FailureOr<SmallVector<int64_t>> rhs = evaluateInts(op->getOperand(1));
    if (failed(lhs) || failed(rhs))
      return failure();
    int64_t n = type.getNumElements();
    if ((int64_t(lhs->size()) != n && lhs->size() != 1) ||
        (int64_t(rhs->size()) != n && rhs->size() != 1))
      return failure();
    SmallVector<int64_t> result;
    for (int64_t i = 0; i < n; ++i) {
      int64_t a = (*lhs)[lhs->size() == 1 ? 0 : i];
      int64_t b = (*rhs)[rhs->size() == 1 ? 0 : i];
      if (isa<DivOp>(op) &&
          (b == 0 || (b == -1 && a == std::numeric_limits<int64_t>::min())))
        return failure();
      result.push_back(isa<AddOp>(op)   ? a + b
                       : isa<SubOp>(op) ? a - b
                       : isa<MulOp>(op) ? a * b
                       : isa<DivOp>(op) ? a / b
                       : isa<MaxOp>(op) ? std::max(a, b)
                                        : std::min(a, b));
    }
    return result;
  }
  return failure();
}

FailureOr<ElementsAttr> Importer::tensorAttr(const onnx::TensorProto &tensor,
                                             StringRef name) {
  Type element = elementType(context, tensor.data_type());
  if (!element)
    return emitError(fileLoc) << "tensor '" << name << "' has element type "
                              << onnxTypeName(tensor.data_type())
                              << ", which Kiln does not support";
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  for (int64_t d : dims)
    if (d < 0)
      return emitError(fileLoc) << "tensor '" << name << "' has dim " << d;
  auto type = RankedTensorType::get(dims, element);
  int64_t count = product(dims);
  size_t width = element.isInteger(1) ? 1 : element.getIntOrFloatBitWidth() / 8;

  // The little-endian bytes: raw_data, or the typed field ONNX uses for
  // this element type.
  std::string bytes;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    if (failed(readExternalData(tensor, name, bytes)))
      return failure();
  } else if (tensor.has_raw_data()) {
    bytes = tensor.raw_data();
  } else {
    auto append = [&](auto value, size_t size) {
      bytes.append(reinterpret_cast<const char *>(&value), size);
    };
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      for (float v : tensor.float_data())
        append(v, 4);
      break;
    case onnx::TensorProto::DOUBLE:
      for (double v : tensor.double_data())
        append(v, 8);
      break;
    case onnx::TensorProto::INT64:
      for (int64_t v : tensor.int64_data())
        append(v, 8);
      break;
    default: // int32_data holds the narrower types, one per element
      for (int32_t v : tensor.int32_data())
        append(v, width);
      break;
    }
  }
  if (bytes.size() != size_t(count) * width)
    return emitError(fileLoc)
           << "tensor '" << name << "' holds " << bytes.size()
           << " bytes, but its shape and type need " << count * width;

  if (count <= kInlineElements) {
    if (element.isInteger(1)) {
      SmallVector<bool> flags;
      for (char c : bytes)
        flags.push_back(c != 0);
      return cast<ElementsAttr>(DenseElementsAttr::get(type, flags));
    }
    return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(bytes.data(), bytes.size())));
  }
  // A resource name must be unique in the context and a bare identifier.
  std::string key;
  for (char c : name)
    key += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0])))
    key = "w_" + key;
  std::string unique = key;
  for (int i = 1; !resourceNames.insert(unique).second; ++i)
    unique = key + "_" + std::to_string(i);
  return cast<ElementsAttr>(DenseResourceElementsAttr::get(
      type, unique,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(
          ArrayRef<char>(bytes.data(), bytes.size()), 64)));
}

/// The bytes of a tensor stored beside the model (torch.onnx.export writes
/// weights to "model.onnx.data" by default): `location` relative to the
/// model's directory, `offset` and `length` in bytes.
LogicalResult Importer::readExternalData(const onnx::TensorProto &tensor,
                                         StringRef name, std::string &bytes) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    unsigned long long number = 0;
    if (entry.key() == "location")
      location = entry.value();
    else if ((entry.key() == "offset" || entry.key() == "length") &&
             StringRef(entry.value()).getAsInteger(10, number))
      return emitError(fileLoc)
             << "tensor '" << name << "' has external " << entry.key() << " '"
             << entry.value() << "', not a number";
    else if (entry.key() == "offset")
      offset = number;
    else if (entry.key() == "length")
      length = number;
  }
  if (location.empty() || llvm::sys::path::is_absolute(location) ||
      llvm::is_contained(llvm::make_range(llvm::sys::path::begin(location),
                                          llvm::sys::path::end(location)),
                         ".."))
    return emitError(fileLoc)
           << "tensor '" << name << "' names external data '" << location
           << "'; it must be a file path relative to the model's directory";
  llvm::SmallString<256> path(llvm::sys::path::parent_path(fileName));
  llvm::sys::path::append(path, location);
  uint64_t fileSize = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize))
    return emitError(fileLoc)
           << "tensor '" << name << "': cannot read its "
           << "external data '" << path << "': " << ec.message();
  uint64_t size = length.value_or(fileSize > offset ? fileSize - offset : 0);
  if (offset > fileSize || size > fileSize - offset)
    return emitError(fileLoc)
           << "tensor '" << name << "': external data '" << path << "' has "
           << fileSize << " bytes, but the tensor needs bytes " << offset
           << " to " << offset + size;
  auto slice = llvm::MemoryBuffer::getFileSlice(path, size, offset);
  if (!slice)
    return emitError(fileLoc)
           << "tensor '" << name << "': cannot read its "
           << "external data '" << path << "': " << slice.getError().message();
  bytes = (*slice)->getBuffer().str();
  return success();
}

LogicalResult Importer::importTensor(const onnx::TensorProto &tensor,
                                     StringRef valueName) {
  FailureOr<ElementsAttr> attr = tensorAttr(tensor, valueName);
  if (failed(attr))
    return failure();
  values[valueName] = constant(*attr);
  return success();
}

// -- attributes ---------------------------------------------------------------

const onnx::AttributeProto *Importer::attribute(StringRef name) const {
  for (const onnx::AttributeProto &attr : node->attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t Importer::attrInt(StringRef name, int64_t otherwise) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->i() : otherwise;
}

double Importer::attrFloat(StringRef name, double otherwise) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->f() : otherwise;
}

std::string Importer::attrString(StringRef name, StringRef otherwise) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->s() : otherwise.str();
}

SmallVector<int64_t> Importer::attrInts(StringRef name) const {
  const onnx::AttributeProto *attr = attribute(name);
  if (!attr)
    return {};
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

// -- building -----------------------------------------------------------------

/// Builds OpT with its result type inferred by the graph dialect's shape
/// rule, reporting bad operands at the node instead of aborting as the
/// generated builders would.
template <typename OpT, typename... Args>
FailureOr<Value> Importer::make(Args &&...args) {
  OperationState state(loc, OpT::getOperationName());
  OpT::build(builder, state, Type(), std::forward<Args>(args)...);
  // A null operand is an earlier step's failure, already diagnosed.
  if (llvm::any_of(state.operands, [](Value v) { return !v; }))
    return failure();
  SmallVector<Type, 1> types;
  if (failed(OpT::inferReturnTypes(
          context, loc, state.operands, state.attributes.getDictionary(context),
          state.getRawProperties(), state.regions, types)))
    return failure();
  state.types.assign(types.begin(), types.end());
  return builder.create(state)->getResult(0);
}

Value Importer::constant(ElementsAttr value) {
  return ConstantOp::create(builder, loc, value.getType(), value);
}

Value Importer::scalar(double value, Type elementType) {
  auto type = RankedTensorType::get({}, elementType);
  if (isa<FloatType>(elementType))
    return constant(DenseElementsAttr::get(
        type, FloatAttr::get(elementType, value).getValue()));
  return constant(DenseElementsAttr::get(
      type, APInt(elementType.getIntOrFloatBitWidth(),
                  static_cast<int64_t>(value), /*isSigned=*/true)));
}

FailureOr<Value> Importer::reshape(Value value, ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(value);
  if (type.getShape() == shape)
    return value;
  if (product(shape) != type.getNumElements())
    return nodeError() << "cannot reshape " << type << " to ["
                       << llvm::make_range(shape.begin(), shape.end())
                       << "]: element counts differ";
  return ReshapeOp::create(builder, loc,
                           RankedTensorType::get(shape, type.getElementType()),
                           value)
      .getResult();
}

// -- handlers -----------------------------------------------------------------

template <typename OpT> LogicalResult Importer::unary() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  return setOutput(0, make<OpT>(*x));
}

template <typename OpT> LogicalResult Importer::binary() {
  FailureOr<Value> a = input(0), b = input(1);
  if (failed(a) || failed(b))
    return failure();
  return setOutput(0, make<OpT>(*a, *b));
}

/// Max, Min, Sum and Mean take one or more inputs.
template <typename OpT> LogicalResult Importer::variadic() {
  FailureOr<Value> result = input(0);
  for (int i = 1; succeeded(result) && i < node->input_size(); ++i) {
    FailureOr<Value> next = input(i);
    if (failed(next))
      return failure();
    result = make<OpT>(*result, *next);
  }
  return setOutput(0, result);
}

LogicalResult Importer::compare(ComparePredicate predicate, bool negate) {
  FailureOr<Value> a = input(0), b = input(1);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> result = make<CompareOp>(predicate, *a, *b);
  if (failed(result) || !negate)
    return setOutput(0, result);
  Type i1 = builder.getI1Type();
  return setOutput(0, make<SelectOp>(*result, scalar(0, i1), scalar(1, i1)));
}

LogicalResult Importer::identity() { return setOutput(0, input(0)); }

/// Inference dropout passes its input through; training mode is random.
LogicalResult Importer::dropout() {
  if (Value training = optionalInput(2)) {
    FailureOr<SmallVector<int64_t>> mode = evaluateInts(training);
    if (failed(mode) || mode->size() != 1 || (*mode)[0] != 0)
      return nodeError() << "training mode (random dropout) is not "
                            "supported; Kiln compiles inference";
  }
  if (node->output_size() > 1 && !node->output(1).empty())
    return nodeError() << "the mask output is not supported";
  return identity();
}

LogicalResult Importer::reciprocal() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  return setOutput(0,
                   make<DivOp>(scalar(1.0, typeOf(*x).getElementType()), *x));
}

LogicalResult Importer::notOp() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  Type i1 = builder.getI1Type();
  return setOutput(0, make<SelectOp>(*x, scalar(0, i1), scalar(1, i1)));
}

LogicalResult Importer::gelu() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  std::string approximate = attrString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return nodeError() << "unknown approximate='" << approximate << "'";
  return setOutput(0, make<GeluOp>(*x, approximate == "tanh"
                                           ? GeluApproximation::tanh
                                           : GeluApproximation::none));
}

LogicalResult Importer::leakyRelu() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  Type element = typeOf(*x).getElementType();
  FailureOr<Value> negative =
      make<CompareOp>(ComparePredicate::lt, *x, scalar(0, element));
  FailureOr<Value> scaled =
      make<MulOp>(*x, scalar(attrFloat("alpha", 0.01), element));
  if (failed(negative) || failed(scaled))
    return failure();
  return setOutput(0, make<SelectOp>(*negative, *scaled, *x));
}

LogicalResult Importer::hardSigmoid() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  Type element = typeOf(*x).getElementType();
  FailureOr<Value> scaled =
      make<MulOp>(*x, scalar(attrFloat("alpha", 0.2), element));
  if (failed(scaled))
    return failure();
  FailureOr<Value> shifted =
      make<AddOp>(*scaled, scalar(attrFloat("beta", 0.5), element));
  if (failed(shifted))
    return failure();
  return setOutput(0, make<ClampOp>(*shifted, builder.getF64FloatAttr(0.0),
                                    builder.getF64FloatAttr(1.0)));
}

LogicalResult Importer::hardSwish() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  Type element = typeOf(*x).getElementType();
  FailureOr<Value> shifted = make<AddOp>(*x, scalar(3.0, element));
  if (failed(shifted))
    return failure();
  FailureOr<Value> gate = make<ClampOp>(*shifted, builder.getF64FloatAttr(0.0),
                                        builder.getF64FloatAttr(6.0));
  if (failed(gate))
    return failure();
  FailureOr<Value> product = make<MulOp>(*x, *gate);
  if (failed(product))
    return failure();
  return setOutput(0, make<DivOp>(*product, scalar(6.0, element)));
}

LogicalResult Importer::clip() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  std::optional<double> low, high;
  if (opset < 11) {
    if (attribute("min"))
      low = attrFloat("min", 0);
    if (attribute("max"))
      high = attrFloat("max", 0);
  } else {
    // Bounds that are not constants (graph inputs) clamp at run time.
    auto isConstant = [&](int index) {
      Value bound = optionalInput(index);
      return !bound || bound.getDefiningOp<ConstantOp>();
    };
    if (!isConstant(1) || !isConstant(2)) {
      Value result = *x;
      if (Value min = optionalInput(1))
        result = get(make<MaxOp>(result, min));
      if (Value max = optionalInput(2))
        result = get(make<MinOp>(result, max));
      return result ? setOutput(0, result) : failure();
    }
    FailureOr<std::optional<double>> min = optionalScalar(1, "min");
    FailureOr<std::optional<double>> max = optionalScalar(2, "max");
    if (failed(min) || failed(max))
      return failure();
    low = *min;
    high = *max;
  }
  if (!low && !high)
    return setOutput(0, *x);
  return setOutput(
      0, make<ClampOp>(*x, low ? builder.getF64FloatAttr(*low) : FloatAttr(),
                       high ? builder.getF64FloatAttr(*high) : FloatAttr()));
}

LogicalResult Importer::where() {
  FailureOr<Value> c = input(0), a = input(1), b = input(2);
  if (failed(c) || failed(a) || failed(b))
    return failure();
  return setOutput(0, make<SelectOp>(*c, *a, *b));
}

/// numpy matmul: a 1-D operand gets a unit dim for the product, removed after.
LogicalResult Importer::matmul() {
  FailureOr<Value> a = input(0), b = input(1);
  if (failed(a) || failed(b))
    return failure();
  int64_t aRank = typeOf(*a).getRank(), bRank = typeOf(*b).getRank();
  if (aRank == 0 || bRank == 0)
    return nodeError() << "MatMul operands must have rank >= 1";
  if (aRank == 1)
    a = reshape(*a, {1, typeOf(*a).getDimSize(0)});
  if (bRank == 1)
    b = reshape(*b, {typeOf(*b).getDimSize(0), 1});
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> product = make<MatmulOp>(*a, *b);
  if (failed(product) || (aRank > 1 && bRank > 1))
    return setOutput(0, product);
  SmallVector<int64_t> shape(typeOf(*product).getShape());
  if (bRank == 1)
    shape.pop_back();
  if (aRank == 1)
    shape.erase(shape.end() - (bRank == 1 ? 1 : 2));
  return setOutput(0, reshape(*product, shape));
}

LogicalResult Importer::gemm() {
  FailureOr<Value> a = input(0), b = input(1);
  if (failed(a) || failed(b))
    return failure();
  if (typeOf(*a).getRank() != 2 || typeOf(*b).getRank() != 2)
    return nodeError() << "Gemm operands must be matrices, got " << typeOf(*a)
                       << " and " << typeOf(*b);
  if (attrInt("transA", 0))
    a = make<TransposeOp>(*a, ArrayRef<int64_t>{1, 0});
  if (attrInt("transB", 0))
    b = make<TransposeOp>(*b, ArrayRef<int64_t>{1, 0});
  if (failed(a) || failed(b))
    return failure();
  Type element = typeOf(*a).getElementType();
  FailureOr<Value> result = make<MatmulOp>(*a, *b);
  double alpha = attrFloat("alpha", 1.0), beta = attrFloat("beta", 1.0);
  if (succeeded(result) && alpha != 1.0)
    result = make<MulOp>(*result, scalar(alpha, element));
  Value c = optionalInput(2);
  if (failed(result) || !c || beta == 0.0)
    return setOutput(0, result);
  FailureOr<Value> bias = c;
  if (beta != 1.0)
    bias = make<MulOp>(c, scalar(beta, element));
  if (failed(bias))
    return failure();
  return setOutput(0, make<AddOp>(*result, *bias));
}

/// [top, left, bottom, right] padding of a 2-D window op from `pads` or
/// `auto_pad`.
FailureOr<SmallVector<int64_t>>
Importer::windowPadding(ArrayRef<int64_t> inputDims, ArrayRef<int64_t> kernel,
                        ArrayRef<int64_t> strides,
                        ArrayRef<int64_t> dilations) {
  if (kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2)
    return nodeError() << "expected 2 kernel dims, strides and dilations, got "
                       << kernel.size() << ", " << strides.size() << " and "
                       << dilations.size();
  for (int i = 0; i < 2; ++i)
    if (kernel[i] <= 0 || strides[i] <= 0 || dilations[i] <= 0)
      return nodeError() << "kernel dims, strides and dilations must be "
                            "positive, got ["
                         << kernel << "], [" << strides << "] and ["
                         << dilations << "]";
  std::string autoPad = attrString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    SmallVector<int64_t> pads = attrInts("pads");
    if (pads.empty())
      return SmallVector<int64_t>{0, 0, 0, 0};
    if (pads.size() == 2 && inputDims[0] == 1 && kernel[0] == 1)
      return SmallVector<int64_t>{0, pads[0], 0, pads[1]}; // a 1-D window
    if (pads.size() != 4)
      return nodeError() << "expected 4 pads for a 2-D window, got "
                         << pads.size();
    return pads; // ONNX's [x1_begin, x2_begin, x1_end, x2_end] is Kiln's order
  }
  if (autoPad == "VALID")
    return SmallVector<int64_t>{0, 0, 0, 0};
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return nodeError() << "unknown auto_pad '" << autoPad << "'";
  SmallVector<int64_t> result(4);
  for (int i = 0; i < 2; ++i) {
    int64_t out = (inputDims[i] + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] +
                                             (kernel[i] - 1) * dilations[i] +
                                             1 - inputDims[i]);
    int64_t small = total / 2, large = total - small;
    result[i] = autoPad == "SAME_UPPER" ? small : large;
    result[i + 2] = autoPad == "SAME_UPPER" ? large : small;
  }
  return result;
}

LogicalResult Importer::conv() {
  FailureOr<Value> x = input(0), w = input(1);
  if (failed(x) || failed(w))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  if ((rank != 3 && rank != 4) || typeOf(*w).getRank() != rank)
    return nodeError() << "only 1-D and 2-D convolutions are supported, got "
                       << typeOf(*x) << " and filter " << typeOf(*w);
  SmallVector<int64_t> strides = attrInts("strides"),
                       dilations = attrInts("dilations");
  // A 1-D convolution is a 2-D one over a height of 1.
  bool oneD = rank == 3;
  if (oneD) {
    x = as2d(*x);
    w = as2d(*w);
    if (failed(x) || failed(w))
      return failure();
    strides.insert(strides.begin(), 1);
    dilations.insert(dilations.begin(), 1);
  }
  if (strides.size() < 2)
    strides = {1, 1};
  if (dilations.size() < 2)
    dilations = {1, 1};
  SmallVector<int64_t> kernel(typeOf(*w).getShape().drop_front(2));
  FailureOr<SmallVector<int64_t>> padding = windowPadding(
      typeOf(*x).getShape().drop_front(2), kernel, strides, dilations);
  if (failed(padding))
    return failure();
  FailureOr<Value> result =
      make<Conv2dOp>(*x, *w, optionalInput(2), strides, *padding, dilations,
                     attrInt("group", 1));
  return setOutput(0, oneD ? from2d(result) : result);
}

/// [N, C, L] -> [N, C, 1, L]: 1-D windows run as 2-D ones of height 1.
FailureOr<Value> Importer::as2d(Value value) {
  ArrayRef<int64_t> shape = typeOf(value).getShape();
  return reshape(value, {shape[0], shape[1], 1, shape[2]});
}

/// [N, C, 1, L] -> [N, C, L].
FailureOr<Value> Importer::from2d(FailureOr<Value> value) {
  if (failed(value))
    return failure();
  ArrayRef<int64_t> shape = typeOf(*value).getShape();
  return reshape(*value, {shape[0], shape[1], shape[3]});
}

LogicalResult Importer::pool(bool max) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  if (node->output_size() > 1 && !node->output(1).empty())
    return nodeError() << "the Indices output of MaxPool is not supported";
  SmallVector<int64_t> kernel = attrInts("kernel_shape"),
                       strides = attrInts("strides"),
                       dilations = attrInts("dilations");
  int64_t rank = typeOf(*x).getRank();
  if ((rank != 3 && rank != 4) || int64_t(kernel.size()) != rank - 2)
    return nodeError() << "only 1-D and 2-D pooling are supported, got input "
                       << typeOf(*x);
  // A 1-D window is a 2-D one of height 1.
  bool oneD = rank == 3;
  if (oneD) {
    x = as2d(*x);
    if (failed(x))
      return failure();
    kernel.insert(kernel.begin(), 1);
    if (!strides.empty())
      strides.insert(strides.begin(), 1);
    if (!dilations.empty())
      dilations.insert(dilations.begin(), 1);
  }
  if (strides.empty())
    strides = {1, 1};
  if (dilations.empty())
    dilations = {1, 1};
  FailureOr<SmallVector<int64_t>> padding = windowPadding(
      typeOf(*x).getShape().drop_front(2), kernel, strides, dilations);
  if (failed(padding))
    return failure();
  bool ceil = attrInt("ceil_mode", 0);
  FailureOr<Value> result;
  if (max) {
    result = make<MaxPool2dOp>(*x, kernel, strides, *padding, dilations, ceil);
  } else {
    if (dilations != SmallVector<int64_t>{1, 1})
      return nodeError() << "AveragePool with dilations is not supported";
    result = make<AvgPool2dOp>(*x, kernel, strides, *padding, ceil,
                               attrInt("count_include_pad", 0));
  }
  return setOutput(0, oneD ? from2d(result) : result);
}

/// An op that is a composition of graph ops on its one input.
LogicalResult Importer::composite(function_ref<Value(Value)> body) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  Value result = body(*x);
  return result ? setOutput(0, result) : failure();
}

/// And, Or, Xor on booleans.
LogicalResult Importer::logical(StringRef which) {
  FailureOr<Value> a = input(0), b = input(1);
  if (failed(a) || failed(b))
    return failure();
  Type i1 = builder.getI1Type();
  if (which == "And")
    return setOutput(0, make<SelectOp>(*a, *b, scalar(0, i1)));
  if (which == "Or")
    return setOutput(0, make<SelectOp>(*a, scalar(1, i1), *b));
  return setOutput(0, make<CompareOp>(ComparePredicate::ne, *a, *b));
}

LogicalResult Importer::mean() {
  if (failed(variadic<AddOp>()))
    return failure();
  Value sum = values[node->output(0)];
  return setOutput(0, make<DivOp>(sum, like(node->input_size(), sum)));
}

LogicalResult Importer::prelu() {
  FailureOr<Value> x = input(0), slope = input(1);
  if (failed(x) || failed(slope))
    return failure();
  Value negative = get(make<CompareOp>(ComparePredicate::lt, *x, like(0, *x)));
  return setOutput(0,
                   make<SelectOp>(negative, get(make<MulOp>(*x, *slope)), *x));
}

/// The upper (or lower) triangle of the last two dims, from diagonal k.
LogicalResult Importer::trilu() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  int64_t k = 0;
  if (optionalInput(1)) {
    FailureOr<SmallVector<int64_t>> known = constantInts(1, "k");
    if (failed(known))
      return failure();
    k = known->empty() ? 0 : (*known)[0];
  }
  RankedTensorType type = typeOf(*x);
  if (type.getRank() < 2)
    return nodeError() << "needs rank >= 2, got " << type;
  int64_t rows = type.getDimSize(type.getRank() - 2),
          cols = type.getDimSize(type.getRank() - 1);
  Type i64 = builder.getI64Type();
  auto arange = [&](int64_t n) {
    return ArangeOp::create(builder, loc, RankedTensorType::get({n}, i64),
                            builder.getF64FloatAttr(0),
                            builder.getF64FloatAttr(1))
        .getResult();
  };
  Value i = get(reshape(arange(rows), {rows, 1}));
  Value offset = get(make<SubOp>(arange(cols), i)); // j - i
  bool upper = attrInt("upper", 1);
  Value keep =
      get(make<CompareOp>(upper ? ComparePredicate::ge : ComparePredicate::le,
                          offset, scalar(k, i64)));
  return setOutput(0, make<SelectOp>(keep, *x, like(0, *x)));
}

/// x / sqrt(mean(x^2 over axis..) + epsilon) * scale.
LogicalResult Importer::rmsNorm() {
  FailureOr<Value> x = input(0), scale = input(1);
  if (failed(x) || failed(scale))
    return failure();
  int64_t rank = typeOf(*x).getRank(), axis = attrInt("axis", -1);
  if (failed(checkAxis(axis, rank)))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < rank; ++d)
    axes.push_back(d);
  Value squares = get(make<MulOp>(*x, *x));
  Value meanSquare = get(make<ReduceOp>(ReduceKind::mean, squares, axes, true));
  Value shifted = get(
      make<AddOp>(meanSquare, like(attrFloat("epsilon", 1e-5), meanSquare)));
  Value normalized = get(make<MulOp>(*x, get(make<RsqrtOp>(shifted))));
  return setOutput(0, make<MulOp>(normalized, *scale));
}

/// A reduction with an elementwise step before (x^2, |x|, e^x) and after
/// (sqrt, log): ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum(Exp).
LogicalResult Importer::reduceComposite(ReduceKind kind,
                                        function_ref<Value(Value)> before,
                                        function_ref<Value(Value)> after) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  Value original = *x;
  values[node->input(0)] = before(*x);
  LogicalResult reduced = reduce(kind);
  values[node->input(0)] = original;
  if (failed(reduced) || !after)
    return reduced;
  return setOutput(0, after(values[node->output(0)]));
}

LogicalResult Importer::globalPool(ReduceKind kind) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < typeOf(*x).getRank(); ++d)
    axes.push_back(d);
  return setOutput(0, make<ReduceOp>(kind, *x, axes, /*keepdims=*/true));
}

LogicalResult Importer::batchNorm() {
  if (attrInt("training_mode", 0))
    return nodeError() << "training_mode=1 is not supported (inference only)";
  FailureOr<Value> x = input(0), scale = input(1), bias = input(2),
                   mean = input(3), var = input(4);
  if (failed(x) || failed(scale) || failed(bias) || failed(mean) || failed(var))
    return failure();
  return setOutput(0, make<BatchNormOp>(*x, *scale, *bias, *mean, *var,
                                        APFloat(attrFloat("epsilon", 1e-5))));
}

LogicalResult Importer::layerNorm() {
  FailureOr<Value> x = input(0), scale = input(1);
  if (failed(x) || failed(scale))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  int64_t axis = attrInt("axis", -1);
  if (failed(checkAxis(axis, rank)))
    return failure();
  Value bias = optionalInput(2);
  if (!bias) {
    RankedTensorType scaleType = typeOf(*scale);
    Attribute zero = builder.getZeroAttr(scaleType.getElementType());
    bias = constant(DenseElementsAttr::get(scaleType, zero));
  }
  double epsilon = attrFloat("epsilon", 1e-5);
  if (failed(setOutput(0, make<LayerNormOp>(*x, *scale, bias, uint64_t(axis),
                                            APFloat(epsilon)))))
    return failure();
  // The statistics, when the model uses them: mean and 1 / sqrt(var + eps)
  // over the normalized dims, kept as size-1 dims.
  bool wantsStatistics = false;
  for (int i = 1; i < node->output_size(); ++i)
    wantsStatistics |= !node->output(i).empty();
  if (!wantsStatistics)
    return success();
  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < rank; ++d)
    axes.push_back(d);
  Value mean = get(make<ReduceOp>(ReduceKind::mean, *x, axes, true));
  Value centered = get(make<SubOp>(*x, mean));
  Value variance = get(make<ReduceOp>(
      ReduceKind::mean, get(make<MulOp>(centered, centered)), axes, true));
  Value invStdDev =
      get(make<RsqrtOp>(get(make<AddOp>(variance, like(epsilon, variance)))));
  if (!invStdDev)
    return failure();
  (void)setOutput(1, mean);
  return setOutput(2, invStdDev);
}

LogicalResult Importer::softmax(bool log) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  int64_t axis = attrInt("axis", opset < 13 ? 1 : -1);
  if (failed(checkAxis(axis, rank)))
    return failure();
  auto build = [&](Value v, uint64_t a) -> FailureOr<Value> {
    return log ? make<LogSoftmaxOp>(v, a) : make<SoftmaxOp>(v, a);
  };
  if (opset >= 13 || axis == rank - 1)
    return setOutput(0, build(*x, axis));
  // Before opset 13 the input is viewed as [outer, inner] at `axis`.
  ArrayRef<int64_t> shape = typeOf(*x).getShape();
  FailureOr<Value> flat = reshape(
      *x, {product(shape.take_front(axis)), product(shape.drop_front(axis))});
  if (failed(flat))
    return failure();
  FailureOr<Value> result = build(*flat, 1);
  if (failed(result))
    return failure();
  return setOutput(0, reshape(*result, shape));
}

LogicalResult Importer::reduce(ReduceKind kind) {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  // Axes moved from an attribute to an input: ReduceSum at 13, the rest at 18.
  FailureOr<SmallVector<int64_t>> known =
      intsAttrOrInput("axes", 1, opType == "ReduceSum" ? 13 : 18);
  if (failed(known))
    return failure();
  SmallVector<int64_t> axes = *known;
  if (axes.empty()) {
    if (attrInt("noop_with_empty_axes", 0))
      return setOutput(0, *x);
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  for (int64_t &axis : axes) {
    if (failed(checkAxis(axis, rank)))
      return failure();
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return setOutput(0,
                   make<ReduceOp>(kind, *x, axes, attrInt("keepdims", 1) != 0));
}

LogicalResult Importer::reshapeOp() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  FailureOr<SmallVector<int64_t>> shape =
      opset < 5 ? attrInts("shape") : constantInts(1, "shape");
  if (failed(shape))
    return failure();
  ArrayRef<int64_t> inputShape = typeOf(*x).getShape();
  bool allowZero = attrInt("allowzero", 0);
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(*shape)) {
    if (d == 0 && !allowZero) {
      if (i >= inputShape.size())
        return nodeError() << "shape dim " << i
                           << " copies an input dim that does not exist";
      d = inputShape[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return nodeError() << "shape has more than one -1";
      inferred = i;
    } else if (d < 0) {
      return nodeError() << "shape has a negative dim " << d;
    } else {
      known *= d;
    }
  }
  if (inferred >= 0) {
    if (known == 0 || typeOf(*x).getNumElements() % known)
      return nodeError() << "cannot infer the -1 dim of a reshape of "
                         << typeOf(*x);
    (*shape)[inferred] = typeOf(*x).getNumElements() / known;
  }
  return setOutput(0, reshape(*x, *shape));
}

LogicalResult Importer::flatten() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = typeOf(*x).getShape();
  int64_t rank = shape.size(), axis = attrInt("axis", 1);
  if (axis < -rank || axis > rank)
    return nodeError() << "axis " << axis << " is out of range for rank "
                       << rank;
  axis = axis < 0 ? axis + rank : axis;
  return setOutput(0, reshape(*x, {product(shape.take_front(axis)),
                                   product(shape.drop_front(axis))}));
}

LogicalResult Importer::transpose() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> perm = attrInts("perm");
  if (perm.empty())
    for (int64_t d = typeOf(*x).getRank() - 1; d >= 0; --d)
      perm.push_back(d);
  return setOutput(0, make<TransposeOp>(*x, perm));
}

LogicalResult Importer::concat() {
  SmallVector<Value> inputs;
  for (int i = 0; i < node->input_size(); ++i) {
    FailureOr<Value> v = input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  if (inputs.empty())
    return nodeError() << "Concat needs at least one input";
  int64_t rank = typeOf(inputs[0]).getRank(), axis = attrInt("axis", 0);
  if (failed(checkAxis(axis, rank)))
    return failure();
  if (inputs.size() == 1)
    return setOutput(0, inputs[0]);
  return setOutput(0, make<ConcatOp>(ValueRange(inputs), uint64_t(axis)));
}

LogicalResult Importer::slice() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = typeOf(*x).getShape();
  int64_t rank = shape.size();
  FailureOr<SmallVector<int64_t>> starts, ends, axes, steps;
  if (opset < 10) {
    starts = attrInts("starts");
    ends = attrInts("ends");
    axes = attrInts("axes");
  } else {
    starts = constantInts(1, "starts");
    ends = constantInts(2, "ends");
    axes = optionalInput(3) ? constantInts(3, "axes")
                            : FailureOr<SmallVector<int64_t>>();
    steps = optionalInput(4) ? constantInts(4, "steps")
                             : FailureOr<SmallVector<int64_t>>();
    if (failed(starts) || failed(ends) || (optionalInput(3) && failed(axes)) ||
        (optionalInput(4) && failed(steps)))
      return failure();
  }
  if (failed(axes) || axes->empty()) {
    axes = SmallVector<int64_t>();
    for (size_t i = 0; i < starts->size(); ++i)
      axes->push_back(i);
  }
  if (failed(steps))
    steps = SmallVector<int64_t>(starts->size(), 1);
  if (ends->size() != starts->size() || axes->size() != starts->size() ||
      steps->size() != starts->size())
    return nodeError() << "starts, ends, axes and steps differ in length";

  SmallVector<int64_t> start(rank, 0), limit(shape), step(rank, 1);
  for (size_t i = 0; i < axes->size(); ++i) {
    int64_t axis = (*axes)[i];
    if (failed(checkAxis(axis, rank)))
      return failure();
    int64_t size = shape[axis], s = (*starts)[i], e = (*ends)[i],
            st = (*steps)[i];
    if (st == 0)
      return nodeError() << "slice step is 0";
    // ONNX's clamping: indices past the end (INT64_MAX) are common.
    auto clampIndex = [&](int64_t v, int64_t low, int64_t high) {
      if (v < 0)
        v = v < -size ? -size - 1 : v; // keep "before the start" visible
      v = v < 0 ? v + size : v;
      return std::clamp(v, low, high);
    };
    if (st > 0) {
      s = clampIndex(s, 0, size);
      e = clampIndex(e, 0, size);
      e = std::max(e, s);
    } else {
      s = clampIndex(s, -1, size - 1);
      e = clampIndex(e, -1, size - 1);
      e = std::min(e, s);
    }
    start[axis] = s;
    limit[axis] = e;
    step[axis] = st;
  }
  return setOutput(0, make<SliceOp>(*x, start, limit, step));
}

LogicalResult Importer::gather() {
  FailureOr<Value> data = input(0), indices = input(1);
  if (failed(data) || failed(indices))
    return failure();
  int64_t rank = typeOf(*data).getRank(), axis = attrInt("axis", 0);
  if (failed(checkAxis(axis, rank)))
    return failure();
  return setOutput(0, make<GatherOp>(*data, *indices, uint64_t(axis)));
}

LogicalResult Importer::squeeze() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = typeOf(*x).getShape();
  int64_t rank = shape.size();
  FailureOr<SmallVector<int64_t>> known = intsAttrOrInput("axes", 1, 13);
  if (failed(known))
    return failure();
  SmallVector<int64_t> axes = *known;
  SmallVector<bool> drop(rank, false);
  for (int64_t axis : axes) {
    if (failed(checkAxis(axis, rank)))
      return failure();
    if (shape[axis] != 1)
      return nodeError() << "cannot squeeze dim " << axis << " of size "
                         << shape[axis];
    drop[axis] = true;
  }
  SmallVector<int64_t> result;
  for (int64_t d = 0; d < rank; ++d)
    if (!(axes.empty() ? shape[d] == 1 : drop[d]))
      result.push_back(shape[d]);
  return setOutput(0, reshape(*x, result));
}

LogicalResult Importer::unsqueeze() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  FailureOr<SmallVector<int64_t>> axes =
      opset < 13 ? attrInts("axes") : constantInts(1, "axes");
  if (failed(axes))
    return failure();
  ArrayRef<int64_t> shape = typeOf(*x).getShape();
  int64_t rank = shape.size() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t axis : *axes) {
    if (failed(checkAxis(axis, rank)))
      return failure();
    inserted[axis] = true;
  }
  SmallVector<int64_t> result;
  const int64_t *next = shape.begin();
  for (int64_t d = 0; d < rank; ++d)
    result.push_back(inserted[d] ? 1 : *next++);
  return setOutput(0, reshape(*x, result));
}

LogicalResult Importer::expand() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = constantInts(1, "shape");
  if (failed(shape))
    return failure();
  // Expand broadcasts both ways: the result is the broadcast of the two.
  FailureOr<SmallVector<int64_t>> target =
      broadcastShapes(typeOf(*x).getShape(), *shape);
  if (failed(target))
    return nodeError() << "cannot expand " << typeOf(*x) << " to ["
                       << llvm::make_range(shape->begin(), shape->end()) << "]";
  if (ArrayRef<int64_t>(*target) == typeOf(*x).getShape())
    return setOutput(0, *x);
  return setOutput(
      0, BroadcastToOp::create(
             builder, loc,
             RankedTensorType::get(*target, typeOf(*x).getElementType()), *x)
             .getResult());
}

LogicalResult Importer::castOp() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  int64_t to = attrInt("to", 0);
  Type element = elementType(context, to);
  if (!element)
    return nodeError() << "cannot cast to " << onnxTypeName(to)
                       << ", which Kiln does not support";
  if (typeOf(*x).getElementType() == element)
    return setOutput(0, *x);
  return setOutput(
      0,
      CastOp::create(builder, loc, typeOf(*x).clone(element), *x).getResult());
}

LogicalResult Importer::constantOp() {
  if (const onnx::AttributeProto *value = attribute("value")) {
    FailureOr<ElementsAttr> attr = tensorAttr(
        value->t(), node->output_size() ? node->output(0) : nodeName);
    if (failed(attr))
      return failure();
    return setOutput(0, constant(*attr));
  }
  auto type = [&](ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  };
  if (const onnx::AttributeProto *v = attribute("value_float"))
    return setOutput(0, constant(DenseElementsAttr::get(
                            type({}, builder.getF32Type()), v->f())));
  if (const onnx::AttributeProto *v = attribute("value_int"))
    return setOutput(0, constant(DenseElementsAttr::get(
                            type({}, builder.getI64Type()), v->i())));
  if (const onnx::AttributeProto *v = attribute("value_floats")) {
    SmallVector<float> data(v->floats().begin(), v->floats().end());
    return setOutput(0, constant(DenseElementsAttr::get(
                            type({int64_t(data.size())}, builder.getF32Type()),
                            ArrayRef<float>(data))));
  }
  if (const onnx::AttributeProto *v = attribute("value_ints")) {
    SmallVector<int64_t> data(v->ints().begin(), v->ints().end());
    return setOutput(0, constant(DenseElementsAttr::get(
                            type({int64_t(data.size())}, builder.getI64Type()),
                            ArrayRef<int64_t>(data))));
  }
  return nodeError() << "only value, value_float(s) and value_int(s) "
                        "constants are supported";
}

LogicalResult Importer::constantOfShape() {
  FailureOr<SmallVector<int64_t>> shape = constantInts(0, "shape");
  if (failed(shape))
    return failure();
  Type element = builder.getF32Type();
  Attribute fill = builder.getF32FloatAttr(0.0f);
  if (const onnx::AttributeProto *value = attribute("value")) {
    FailureOr<ElementsAttr> attr = tensorAttr(value->t(), "value");
    if (failed(attr))
      return failure();
    auto dense = dyn_cast<DenseElementsAttr>(*attr);
    if (!dense || dense.getNumElements() != 1)
      return nodeError() << "value must hold one element";
    element = dense.getElementType();
    fill = *dense.getValues<Attribute>().begin();
  }
  return setOutput(0, constant(DenseElementsAttr::get(
                          RankedTensorType::get(*shape, element), fill)));
}

LogicalResult Importer::shape() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> dims = typeOf(*x).getShape();
  int64_t rank = dims.size();
  int64_t start = attrInt("start", 0), end = attrInt("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, start, rank);
  SmallVector<int64_t> result(dims.begin() + start, dims.begin() + end);
  return setOutput(0, constant(DenseElementsAttr::get(
                          RankedTensorType::get({int64_t(result.size())},
                                                builder.getI64Type()),
                          ArrayRef<int64_t>(result))));
}

LogicalResult Importer::sizeOp() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  return setOutput(0,
                   scalar(typeOf(*x).getNumElements(), builder.getI64Type()));
}

LogicalResult Importer::range() {
  FailureOr<std::optional<double>> start = optionalScalar(0, "start"),
                                   limit = optionalScalar(1, "limit"),
                                   delta = optionalScalar(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if (!*start || !*limit || !*delta || **delta == 0)
    return nodeError() << "start, limit and a non-zero delta are required";
  double count = std::ceil((**limit - **start) / **delta);
  if (!(count < double(int64_t(1) << 40)))
    return nodeError() << "the range has " << count
                       << " elements, more than Kiln can hold";
  int64_t length = std::max<int64_t>(0, int64_t(count));
  Type element = typeOf(*input(0)).getElementType();
  return setOutput(0, ArangeOp::create(builder, loc,
                                       RankedTensorType::get({length}, element),
                                       builder.getF64FloatAttr(**start),
                                       builder.getF64FloatAttr(**delta))
                          .getResult());
}

LogicalResult Importer::pad() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  FailureOr<SmallVector<int64_t>> pads;
  double value = 0;
  if (opset < 11) {
    pads = attrInts("pads");
    value = attrFloat("value", 0);
  } else {
    pads = constantInts(1, "pads");
    FailureOr<std::optional<double>> fill = optionalScalar(2, "constant_value");
    if (failed(pads) || failed(fill))
      return failure();
    value = fill->value_or(0.0);
  }
  SmallVector<int64_t> axes;
  if (opset >= 18 && optionalInput(3)) {
    FailureOr<SmallVector<int64_t>> known = constantInts(3, "axes");
    if (failed(known))
      return failure();
    axes = *known;
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (pads->size() != 2 * axes.size())
    return nodeError() << "expected " << 2 * axes.size() << " pads, got "
                       << pads->size();
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (failed(checkAxis(axis, rank)))
      return failure();
    low[axis] = (*pads)[i];
    high[axis] = (*pads)[i + axes.size()];
    if (low[axis] < 0 || high[axis] < 0)
      return nodeError() << "negative pads are not supported";
  }
  std::string mode = attrString("mode", "constant");
  std::optional<PadMode> padMode = symbolizePadMode(mode);
  if (!padMode)
    return nodeError() << "pad mode '" << mode << "' is not supported "
                       << "(constant, reflect, edge)";
  return setOutput(0, make<PadOp>(*x, low, high, *padMode, APFloat(value)));
}

LogicalResult Importer::split() {
  FailureOr<Value> x = input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = typeOf(*x).getShape();
  int64_t rank = shape.size(), axis = attrInt("axis", 0);
  if (failed(checkAxis(axis, rank)))
    return failure();
  FailureOr<SmallVector<int64_t>> known = intsAttrOrInput("split", 1, 13);
  if (failed(known))
    return failure();
  SmallVector<int64_t> sizes = *known;
  int64_t parts = attrInt("num_outputs", node->output_size());
  if (parts <= 0)
    return nodeError() << "needs at least one output, got " << parts;
  if (sizes.empty()) {
    int64_t chunk = std::max<int64_t>(1, (shape[axis] + parts - 1) / parts);
    for (int64_t offset = 0; offset < shape[axis]; offset += chunk)
      sizes.push_back(std::min(chunk, shape[axis] - offset));
  }
  if (int64_t(sizes.size()) != node->output_size() ||
      std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) != shape[axis])
    return nodeError() << "split sizes do not match the outputs or dim "
                       << axis;
  int64_t offset = 0;
  for (auto [i, size] : llvm::enumerate(sizes)) {
    SmallVector<int64_t> start(rank, 0), limit(shape), step(rank, 1);
    start[axis] = offset;
    limit[axis] = offset + size;
    offset += size;
    if (failed(setOutput(i, make<SliceOp>(*x, start, limit, step))))
      return failure();
  }
  return success();
}

const llvm::StringMap<Importer::Handler> &Importer::handlers() {
  static const llvm::StringMap<Handler> table = [] {
    llvm::StringMap<Handler> t;
    t["Relu"] = &Importer::unary<ReluOp>;
    t["Sigmoid"] = &Importer::unary<SigmoidOp>;
    t["Tanh"] = &Importer::unary<TanhOp>;
    t["Exp"] = &Importer::unary<ExpOp>;
    t["Log"] = &Importer::unary<LogOp>;
    t["Sqrt"] = &Importer::unary<SqrtOp>;
    t["Neg"] = &Importer::unary<NegOp>;
    t["Abs"] = &Importer::unary<AbsOp>;
    t["Erf"] = &Importer::unary<ErfOp>;
    t["Gelu"] = &Importer::gelu;
    t["LeakyRelu"] = &Importer::leakyRelu;
    t["HardSigmoid"] = &Importer::hardSigmoid;
    t["HardSwish"] = &Importer::hardSwish;
    t["Reciprocal"] = &Importer::reciprocal;
    t["Not"] = &Importer::notOp;
    t["Identity"] = &Importer::identity;
    t["Dropout"] = &Importer::dropout;
    t["Clip"] = &Importer::clip;
    t["Add"] = &Importer::binary<AddOp>;
    t["Sub"] = &Importer::binary<SubOp>;
    t["Mul"] = &Importer::binary<MulOp>;
    t["Div"] = &Importer::binary<DivOp>;
    // ONNX lets the exponent's type differ from the base's. An integer
    // base with a float exponent is raised in float (4 ** 0.5 is 2) and
    // truncated back; otherwise the exponent takes the base's type.
    t["Pow"] = [](Importer &i) {
      FailureOr<Value> base = i.input(0), exponent = i.input(1);
      if (failed(base) || failed(exponent))
        return failure();
      RankedTensorType baseType = typeOf(*base), expType = typeOf(*exponent);
      Type element = baseType.getElementType();
      Type expElement = expType.getElementType();
      if (expElement == element)
        return i.setOutput(0, i.make<PowOp>(*base, *exponent));
      if (isa<IntegerType>(element) && isa<FloatType>(expElement)) {
        Value wide =
            CastOp::create(i.builder, i.loc, baseType.clone(expElement), *base);
        FailureOr<Value> power = i.make<PowOp>(wide, *exponent);
        if (failed(power))
          return failure();
        return i.setOutput(0,
                           CastOp::create(i.builder, i.loc,
                                          typeOf(*power).clone(element), *power)
                               .getResult());
      }
      Value converted =
          CastOp::create(i.builder, i.loc, expType.clone(element), *exponent);
      return i.setOutput(0, i.make<PowOp>(*base, converted));
    };
    t["Max"] = &Importer::variadic<MaxOp>;
    t["Min"] = &Importer::variadic<MinOp>;
    t["Sum"] = &Importer::variadic<AddOp>;
    t["Equal"] = [](Importer &i) { return i.compare(ComparePredicate::eq); };
    t["Less"] = [](Importer &i) { return i.compare(ComparePredicate::lt); };
    t["LessOrEqual"] = [](Importer &i) {
      return i.compare(ComparePredicate::le);
    };
    t["Greater"] = [](Importer &i) { return i.compare(ComparePredicate::gt); };
    t["GreaterOrEqual"] = [](Importer &i) {
      return i.compare(ComparePredicate::ge);
    };
    t["Where"] = &Importer::where;
    t["MatMul"] = &Importer::matmul;
    t["Gemm"] = &Importer::gemm;
    t["Conv"] = &Importer::conv;
    t["MaxPool"] = [](Importer &i) { return i.pool(/*max=*/true); };
    t["AveragePool"] = [](Importer &i) { return i.pool(/*max=*/false); };
    t["GlobalAveragePool"] = [](Importer &i) {
      return i.globalPool(ReduceKind::mean);
    };
    t["GlobalMaxPool"] = [](Importer &i) {
      return i.globalPool(ReduceKind::max);
    };
    t["BatchNormalization"] = &Importer::batchNorm;
    t["LayerNormalization"] = &Importer::layerNorm;
    t["Softmax"] = [](Importer &i) { return i.softmax(/*log=*/false); };
    t["LogSoftmax"] = [](Importer &i) { return i.softmax(/*log=*/true); };
    t["ReduceSum"] = [](Importer &i) { return i.reduce(ReduceKind::sum); };
    t["ReduceMean"] = [](Importer &i) { return i.reduce(ReduceKind::mean); };
    t["ReduceMax"] = [](Importer &i) { return i.reduce(ReduceKind::max); };
    t["ReduceMin"] = [](Importer &i) { return i.reduce(ReduceKind::min); };
    t["ReduceProd"] = [](Importer &i) { return i.reduce(ReduceKind::prod); };
    t["Reshape"] = &Importer::reshapeOp;
    t["Flatten"] = &Importer::flatten;
    t["Transpose"] = &Importer::transpose;
    t["Concat"] = &Importer::concat;
    t["Slice"] = &Importer::slice;
    t["Gather"] = &Importer::gather;
    t["Squeeze"] = &Importer::squeeze;
    t["Unsqueeze"] = &Importer::unsqueeze;
    t["Expand"] = &Importer::expand;
    t["Cast"] = &Importer::castOp;
    t["Constant"] = &Importer::constantOp;
    t["ConstantOfShape"] = &Importer::constantOfShape;
    t["Shape"] = &Importer::shape;
    t["Size"] = &Importer::sizeOp;
    t["Range"] = &Importer::range;
    t["Pad"] = &Importer::pad;
    t["Split"] = &Importer::split;
    t["CastLike"] = [](Importer &i) {
      FailureOr<Value> target = i.input(1);
      if (failed(target))
        return failure();
      FailureOr<Value> x = i.input(0);
      if (failed(x))
        return failure();
      Type element = typeOf(*target).getElementType();
      if (typeOf(*x).getElementType() == element)
        return i.setOutput(0, *x);
      return i.setOutput(
          0, CastOp::create(i.builder, i.loc, typeOf(*x).clone(element), *x)
                 .getResult());
    };
    t["And"] = [](Importer &i) { return i.logical("And"); };
    t["Or"] = [](Importer &i) { return i.logical("Or"); };
    t["Xor"] = [](Importer &i) { return i.logical("Xor"); };
    t["Mean"] = &Importer::mean;
    t["PRelu"] = &Importer::prelu;
    t["Trilu"] = &Importer::trilu;
    t["RMSNormalization"] = &Importer::rmsNorm;
    // log(e^x + 1), also inside Mish.
    auto softplus = [](Importer &i, Value x) {
      Value e = get(i.make<ExpOp>(x));
      return get(i.make<LogOp>(get(i.make<AddOp>(e, i.like(1, e)))));
    };
    t["Softplus"] = [=](Importer &i) {
      return i.composite([&](Value x) { return softplus(i, x); });
    };
    t["Softsign"] = [](Importer &i) {
      return i.composite([&](Value x) {
        Value a = get(i.make<AbsOp>(x));
        return get(i.make<DivOp>(x, get(i.make<AddOp>(a, i.like(1, a)))));
      });
    };
    t["Mish"] = [=](Importer &i) {
      return i.composite([&](Value x) {
        return get(i.make<MulOp>(x, get(i.make<TanhOp>(softplus(i, x)))));
      });
    };
    t["Swish"] = [](Importer &i) {
      double alpha = i.attrFloat("alpha", 1.0);
      return i.composite([&](Value x) {
        Value scaled = get(i.make<MulOp>(x, i.like(alpha, x)));
        return get(i.make<MulOp>(x, get(i.make<SigmoidOp>(scaled))));
      });
    };
    t["ThresholdedRelu"] = [](Importer &i) {
      double alpha = i.attrFloat("alpha", 1.0);
      return i.composite([&](Value x) {
        Value above =
            get(i.make<CompareOp>(ComparePredicate::gt, x, i.like(alpha, x)));
        return get(i.make<SelectOp>(above, x, i.like(0, x)));
      });
    };
    // alpha * (e^x - 1) where x is at or below 0 (Elu, Selu), x elsewhere.
    auto exponentialUnit = [](Importer &i, double alpha, double gamma) {
      return i.composite([&](Value x) {
        Value e = get(i.make<ExpOp>(x));
        Value below = get(i.make<MulOp>(get(i.make<SubOp>(e, i.like(1, e))),
                                        i.like(alpha, e)));
        Value positive =
            get(i.make<CompareOp>(ComparePredicate::gt, x, i.like(0, x)));
        Value y = get(i.make<SelectOp>(positive, x, below));
        return gamma == 1.0 ? y : get(i.make<MulOp>(y, i.like(gamma, y)));
      });
    };
    t["Elu"] = [=](Importer &i) {
      return exponentialUnit(i, i.attrFloat("alpha", 1.0), 1.0);
    };
    t["Selu"] = [=](Importer &i) {
      return exponentialUnit(i, i.attrFloat("alpha", 1.67326319217681884765625),
                             i.attrFloat("gamma", 1.05070102214813232421875));
    };
    t["Celu"] = [](Importer &i) {
      double alpha = i.attrFloat("alpha", 1.0);
      return i.composite([&](Value x) {
        Value e = get(i.make<ExpOp>(get(i.make<DivOp>(x, i.like(alpha, x)))));
        Value below = get(i.make<MulOp>(get(i.make<SubOp>(e, i.like(1, e))),
                                        i.like(alpha, e)));
        return get(i.make<AddOp>(get(i.make<MaxOp>(x, i.like(0, x))),
                                 get(i.make<MinOp>(below, i.like(0, below)))));
      });
    };
    auto square = [](Importer &i) {
      return [&i](Value x) { return get(i.make<MulOp>(x, x)); };
    };
    t["ReduceSumSquare"] = [=](Importer &i) {
      return i.reduceComposite(ReduceKind::sum, square(i), nullptr);
    };
    t["ReduceL1"] = [](Importer &i) {
      return i.reduceComposite(
          ReduceKind::sum, [&](Value x) { return get(i.make<AbsOp>(x)); },
          nullptr);
    };
    t["ReduceL2"] = [=](Importer &i) {
      return i.reduceComposite(ReduceKind::sum, square(i),
                               [&](Value x) { return get(i.make<SqrtOp>(x)); });
    };
    t["ReduceLogSum"] = [](Importer &i) {
      return i.reduceComposite(
          ReduceKind::sum, [](Value x) { return x; },
          [&](Value x) { return get(i.make<LogOp>(x)); });
    };
    t["ReduceLogSumExp"] = [](Importer &i) {
      return i.reduceComposite(
          ReduceKind::sum, [&](Value x) { return get(i.make<ExpOp>(x)); },
          [&](Value x) { return get(i.make<LogOp>(x)); });
    };
    return t;
  }();
  return table;
}

LogicalResult Importer::importNode(const onnx::NodeProto &proto, size_t index) {
  node = &proto;
  opType = proto.op_type();
  nodeName = proto.name().empty() ? opType + "_" + std::to_string(index)
                                  : proto.name();
  loc = NameLoc::get(StringAttr::get(context, nodeName), fileLoc);
  if (!proto.domain().empty() && proto.domain() != "ai.onnx")
    return nodeError() << "UnsupportedOperator: op domain '" << proto.domain()
                       << "' is not supported (only the default ONNX domain)";
  auto it = handlers().find(opType);
  if (it == handlers().end())
    return nodeError() << "UnsupportedOperator: ONNX op '" << opType
                       << "' (opset " << opset << ") is not supported by Kiln";
  return it->second(*this);
}

OwningOpRef<ModuleOp> Importer::run(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
    else if (set.domain() != "ai.onnx.ml") {
      emitError(fileLoc) << "UnsupportedOperator: the model imports opset "
                            "domain '"
                         << set.domain() << "', which Kiln does not support";
      return nullptr;
    }
  if (opset == 0) {
    emitError(fileLoc) << "the model imports no default ONNX opset; is this "
                          "an ONNX model?";
    return nullptr;
  }
  const onnx::GraphProto &graph = model.graph();
  if (graph.output_size() == 0) {
    emitError(fileLoc) << "the model's graph has no outputs";
    return nullptr;
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());

  // Inputs: every graph input that no initializer provides.
  llvm::StringSet<> initialized;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initialized.insert(tensor.name());
  SmallVector<Type> argumentTypes;
  SmallVector<std::string> argumentNames;
  llvm::StringSet<> shapedInputs;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initialized.contains(info.name()))
      continue;
    if (!info.type().has_tensor_type()) {
      emitError(fileLoc) << "input '" << info.name()
                         << "' is not a tensor; Kiln takes tensor inputs";
      return nullptr;
    }
    const onnx::TypeProto_Tensor &tensor = info.type().tensor_type();
    Type element = elementType(context, tensor.elem_type());
    if (!element) {
      emitError(fileLoc) << "input '" << info.name() << "' has element type "
                         << onnxTypeName(tensor.elem_type())
                         << ", which Kiln does not support";
      return nullptr;
    }
    SmallVector<int64_t> shape;
    auto given = inputShapes.find(info.name());
    if (given != inputShapes.end()) {
      shapedInputs.insert(info.name());
      shape.assign(given->second.begin(), given->second.end());
      if (tensor.has_shape() &&
          tensor.shape().dim_size() != int(shape.size())) {
        emitError(fileLoc) << "--input-shape " << info.name() << " has rank "
                           << shape.size() << ", but the model's input has "
                           << tensor.shape().dim_size() << " dims";
        return nullptr;
      }
      for (auto [i, dim] : llvm::enumerate(tensor.shape().dim()))
        if (dim.has_dim_value() && dim.dim_value() != shape[i]) {
          emitError(fileLoc)
              << "--input-shape " << info.name() << " sets dim " << i << " to "
              << shape[i] << ", but the model fixes it to " << dim.dim_value();
          return nullptr;
        }
    } else {
      for (auto [i, dim] : llvm::enumerate(tensor.shape().dim())) {
        if (!dim.has_dim_value()) {
          emitError(fileLoc)
              << "input '" << info.name() << "' dim " << i << " is symbolic ('"
              << dim.dim_param() << "'); give its size with --input-shape "
              << info.name() << "=D0x...";
          return nullptr;
        }
        shape.push_back(dim.dim_value());
      }
    }
    argumentTypes.push_back(RankedTensorType::get(shape, element));
    argumentNames.push_back(info.name());
  }
  for (const auto &[name, shape] : inputShapes)
    if (!shapedInputs.contains(name)) {
      emitError(fileLoc) << "--input-shape names '" << name
                         << "', which is not an input of the model";
      return nullptr;
    }

  auto function = func::FuncOp::create(
      builder, fileLoc, "main", builder.getFunctionType(argumentTypes, {}));
  Block *body = function.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  for (auto [name, argument] : llvm::zip(argumentNames, body->getArguments()))
    values[name] = argument;
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    if (failed(importTensor(tensor, tensor.name())))
      return nullptr;
    // Weights keep their names: shardings refer to them.
    values[tensor.name()].getDefiningOp()->setAttr(
        "exec.name", builder.getStringAttr(tensor.name()));
  }
  for (auto [index, proto] : llvm::enumerate(graph.node()))
    if (failed(importNode(proto, index)))
      return nullptr;

  loc = fileLoc;
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &info : graph.output()) {
    auto it = values.find(info.name());
    if (it == values.end()) {
      emitError(fileLoc) << "output '" << info.name()
                         << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(it->second);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  function.setFunctionType(
      builder.getFunctionType(argumentTypes, ValueRange(results).getTypes()));
  // The artifact's inputs and outputs keep the model's names.
  for (auto [i, name] : llvm::enumerate(argumentNames))
    function.setArgAttr(i, kiln::exec::kNameAttr, builder.getStringAttr(name));
  for (auto [i, info] : llvm::enumerate(graph.output()))
    function.setResultAttr(i, kiln::exec::kNameAttr,
                           builder.getStringAttr(info.name()));
  return module;
}

} // namespace

OwningOpRef<ModuleOp> kiln::importOnnx(llvm::StringRef bytes,
                                       llvm::StringRef fileName,
                                       const InputShapes &inputShapes,
                                       MLIRContext *context) {
  context->loadDialect<GraphDialect, func::FuncDialect>();
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  onnx::ModelProto model;
  if (bytes.size() > size_t(INT_MAX) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    emitError(fileLoc) << "not a valid ONNX model (the protobuf does not "
                          "parse: truncated or not ONNX)";
    return nullptr;
  }
  if (!model.has_graph()) {
    emitError(fileLoc) << "the ONNX model has no graph";
    return nullptr;
  }
  return Importer(context, fileName, inputShapes).run(model);
}
