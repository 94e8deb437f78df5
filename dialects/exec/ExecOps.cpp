//===- ExecOps.cpp - exec dialect and op verification ---------------------===//

#include "dialects/exec/ExecOps.h"
#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::exec;

#include "dialects/exec/ExecDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/exec/ExecAttrs.cpp.inc"

void ExecDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/exec/ExecOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/exec/ExecAttrs.cpp.inc"
      >();
}

std::string TargetAttr::option(StringRef key, StringRef fallback) const {
  if (DictionaryAttr options = getOptions())
    if (auto value = options.getAs<StringAttr>(key))
      return value.str();
  return fallback.str();
}

StringRef kiln::exec::memoryOf(Type buffer) {
  auto type = dyn_cast<MemRefType>(buffer);
  if (auto space = type ? dyn_cast_or_null<StringAttr>(type.getMemorySpace())
                        : StringAttr())
    return space.getValue();
  return kHostMemory;
}

MemRefType kiln::exec::inMemory(MemRefType type, StringRef memory) {
  Attribute space;
  if (memory != kHostMemory)
    space = StringAttr::get(type.getContext(), memory);
  return MemRefType::get(type.getShape(), type.getElementType(),
                         MemRefLayoutAttrInterface(), space);
}

TargetAttr kiln::exec::targetOf(ModuleOp kernels) {
  return kernels->getAttrOfType<TargetAttr>(kTargetAttr);
}

#define GET_OP_CLASSES
#include "dialects/exec/ExecOps.cpp.inc"

namespace {

/// Buffers are plain arrays: static shape, identity layout, in the host's
/// memory (no memory space) or a device's (its name).
LogicalResult verifyBuffer(Operation *op, MemRefType type, StringRef what) {
  auto space = dyn_cast_or_null<StringAttr>(type.getMemorySpace());
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      (type.getMemorySpace() && !space))
    return op->emitOpError()
           << what << " must be a static, identity-layout memref, got " << type;
  if (space && (space.getValue().empty() || space.getValue() == kHostMemory))
    return op->emitOpError()
           << what << " names memory '" << space.getValue()
           << "'; host memory is written without a memory space";
  return success();
}

} // namespace

LogicalResult AllocOp::verify() {
  if (failed(verifyBuffer(*this, getType(), "the buffer")))
    return failure();
  if (!getArena() && !getOffset())
    return success();
  if (!getArena() || !getOffset())
    return emitOpError("needs both an arena and an offset, or neither");
  if (*getArena() != memoryOf(getType()))
    return emitOpError("is in arena '")
           << *getArena() << "', but its buffer is in memory '"
           << memoryOf(getType()) << "'";
  int64_t offset = *getOffset();
  if (offset < 0)
    return emitOpError("offset ") << offset << " is negative";
  // The arena's extent and alignment, as memory planning recorded them.
  auto host = (*this)->getParentOfType<func::FuncOp>();
  auto arenas =
      host ? host->getAttrOfType<DictionaryAttr>(kArenasAttr) : nullptr;
  auto arena =
      arenas ? arenas.getAs<DictionaryAttr>(*getArena()) : DictionaryAttr();
  if (!arena)
    return emitOpError("arena '")
           << *getArena() << "' is not in the function's " << kArenasAttr;
  auto bytes = arena.getAs<IntegerAttr>("bytes");
  auto alignment = arena.getAs<IntegerAttr>("alignment");
  if (!bytes || !alignment || alignment.getInt() <= 0)
    return emitOpError("arena '")
           << *getArena() << "' needs integer 'bytes' and a positive "
           << "'alignment'";
  if (offset % alignment.getInt() != 0)
    return emitOpError("offset ")
           << offset << " is not a multiple of arena '" << *getArena()
           << "''s alignment " << alignment.getInt();
  int64_t size = graph::byteSize(getType());
  if (offset + size > bytes.getInt())
    return emitOpError("bytes [")
           << offset << ", " << offset + size << ") lie outside arena '"
           << *getArena() << "' of " << bytes.getInt() << " bytes";
  return success();
}

bool kiln::exec::isCollective(Operation *op) {
  return isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp, AllSliceOp>(
      op);
}

std::vector<std::string> kiln::exec::meshAxisNames(Operation *host) {
  auto mesh = host->getAttrOfType<DenseI64ArrayAttr>(kMeshAttr);
  auto names = host->getAttrOfType<ArrayAttr>(kMeshAxesAttr);
  std::vector<std::string> result;
  for (int64_t axis = 0; mesh && axis < mesh.size(); ++axis) {
    auto name = names && axis < static_cast<int64_t>(names.size())
                    ? dyn_cast<StringAttr>(names[axis])
                    : StringAttr();
    result.push_back(name ? name.str() : "axis" + std::to_string(axis));
  }
  return result;
}

FailureOr<SmallVector<int64_t>> kiln::exec::blockShape(Operation *op,
                                                       ArrayRef<int64_t> whole,
                                                       ArrayAttr split) {
  SmallVector<int64_t> shape(whole);
  if (!split)
    return shape;
  auto host = op->getParentOfType<func::FuncOp>();
  auto mesh = host ? host->getAttrOfType<DenseI64ArrayAttr>(kMeshAttr)
                   : DenseI64ArrayAttr();
  if (!mesh)
    return op->emitOpError("is split, but its function has no device mesh (")
           << kMeshAttr << ")";
  if (split.size() > whole.size())
    return op->emitOpError("splits ")
           << split.size() << " dims of a rank-" << whole.size() << " tensor";
  for (auto [dim, entry] : llvm::enumerate(split)) {
    auto axes = dyn_cast<DenseI16ArrayAttr>(entry);
    if (!axes)
      return op->emitOpError("split dim ")
             << dim << " must be an array<i16> of mesh axes";
    int64_t devices = 1;
    for (int16_t axis : axes.asArrayRef()) {
      if (axis < 0 || axis >= static_cast<int64_t>(mesh.size()))
        return op->emitOpError("axis ") << axis << " is not an axis of the "
                                        << mesh.size() << "-axis mesh";
      devices *= mesh[axis];
    }
    if (shape[dim] % devices != 0)
      return op->emitOpError("dim ")
             << dim << " of size " << shape[dim] << " does not split across "
             << devices << " devices";
    shape[dim] /= devices;
  }
  return shape;
}

LogicalResult ConstantOp::verify() {
  if (failed(verifyBuffer(*this, getType(), "the buffer")))
    return failure();
  auto valueType = cast<ShapedType>(getValue().getType());
  FailureOr<SmallVector<int64_t>> shape =
      blockShape(*this, valueType.getShape(), getSplit().value_or(ArrayAttr()));
  if (failed(shape))
    return failure();
  if (ArrayRef<int64_t>(*shape) != getType().getShape() ||
      valueType.getElementType() != getType().getElementType())
    return emitOpError("value of type ")
           << valueType << (getSplit() ? " split as given" : "")
           << " does not fill a buffer of type " << getType();
  return success();
}

LogicalResult ViewOp::verify() {
  MemRefType source = getSource().getType(), result = getType();
  if (failed(verifyBuffer(*this, source, "the source")) ||
      failed(verifyBuffer(*this, result, "the result")))
    return failure();
  if (source.getElementType() != result.getElementType() ||
      source.getNumElements() != result.getNumElements() ||
      memoryOf(source) != memoryOf(result))
    return emitOpError("cannot view ")
           << source << " as " << result
           << ": element type, count and memory must stay the same";
  return success();
}

LogicalResult TransferOp::verify() {
  MemRefType source = getSource().getType(), target = getTarget().getType();
  if (failed(verifyBuffer(*this, source, "the source")) ||
      failed(verifyBuffer(*this, target, "the target")))
    return failure();
  if (source.getShape() != target.getShape() ||
      source.getElementType() != target.getElementType())
    return emitOpError("moves ") << source << " into " << target
                                 << ": shape and element type must be the same";
  if (memoryOf(source) == memoryOf(target))
    return emitOpError("moves bytes within memory '")
           << memoryOf(source) << "'; that is an exec.copy";
  return success();
}

LogicalResult CopyOp::verify() {
  if (getSource().getType() != getTarget().getType())
    return emitOpError("copies between different types ")
           << getSource().getType() << " and " << getTarget().getType();
  return verifyBuffer(*this, getSource().getType(), "the source");
}

LogicalResult DispatchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  Operation *symbol =
      symbolTable.lookupNearestSymbolFrom(*this, getKernelAttr());
  if (!symbol)
    return emitOpError("kernel ") << getKernelAttr() << " does not exist";
  // Until its backend lowers it, a kernel maps tensors like the input buffers
  // to tensors like the output buffers; lowered kernels are the backend's.
  StringRef memory = getNumOperands() ? memoryOf(getOperand(0).getType())
                                      : StringRef(kHostMemory);
  for (Value buffer : getOperands())
    if (memoryOf(buffer.getType()) != memory)
      return emitOpError("binds buffers in memories '")
             << memory << "' and '" << memoryOf(buffer.getType())
             << "'; a kernel reads one memory (transfer the others)";
  auto kernel = dyn_cast<func::FuncOp>(symbol);
  if (!kernel ||
      !llvm::all_of(kernel.getArgumentTypes(),
                    llvm::IsaPred<RankedTensorType>) ||
      kernel.getNumResults() == 0)
    return success();
  auto asTensors = [](ValueRange buffers) {
    SmallVector<Type> types;
    for (Value buffer : buffers) {
      auto type = cast<MemRefType>(buffer.getType());
      types.push_back(
          RankedTensorType::get(type.getShape(), type.getElementType()));
    }
    return types;
  };
  FunctionType expected = FunctionType::get(
      getContext(), asTensors(getInputs()), asTensors(getOutputs()));
  if (kernel.getFunctionType() != expected)
    return emitOpError("kernel ")
           << getKernelAttr() << " has type " << kernel.getFunctionType()
           << ", but the buffers need " << expected;
  return success();
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

namespace {

/// Checks what every collective shares and returns the size of its device
/// group: the product of the mesh's sizes along `axes`.
FailureOr<int64_t> verifyCollective(Operation *op, Value source, Value target,
                                    ArrayRef<int16_t> axes) {
  auto sourceType = cast<MemRefType>(source.getType());
  auto targetType = cast<MemRefType>(target.getType());
  if (failed(verifyBuffer(op, sourceType, "the source")) ||
      failed(verifyBuffer(op, targetType, "the target")))
    return failure();
  if (sourceType.getElementType() != targetType.getElementType() ||
      sourceType.getRank() != targetType.getRank())
    return op->emitOpError("source ")
           << sourceType << " and target " << targetType
           << " must have one element type and rank";
  if (memoryOf(sourceType) != memoryOf(targetType))
    return op->emitOpError("reads and writes one memory, got source in '")
           << memoryOf(sourceType) << "' and target in '"
           << memoryOf(targetType) << "' (transfer one first)";
  auto host = op->getParentOfType<func::FuncOp>();
  auto mesh = host ? host->getAttrOfType<DenseI64ArrayAttr>(kMeshAttr)
                   : DenseI64ArrayAttr();
  if (!mesh)
    return op->emitOpError("needs the device mesh (")
           << kMeshAttr << ") on its function";
  int64_t group = 1;
  SmallVector<bool> seen(mesh.size(), false);
  for (int16_t axis : axes) {
    if (axis < 0 || axis >= static_cast<int64_t>(mesh.size()))
      return op->emitOpError("axis ") << axis << " is not an axis of the "
                                      << mesh.size() << "-axis mesh";
    if (seen[axis])
      return op->emitOpError("names axis ") << axis << " twice";
    seen[axis] = true;
    group *= mesh[axis];
  }
  return group;
}

LogicalResult verifyReduction(Operation *op, StringRef reduction) {
  if (reduction != "sum" && reduction != "max" && reduction != "min")
    return op->emitOpError("reduction '")
           << reduction << "' is not sum, max or min";
  return success();
}

/// The shape `source` has along `dim` scaled by `numerator / denominator`
/// must be the target's, every other dim equal.
LogicalResult verifyScaledDim(Operation *op, MemRefType source,
                              MemRefType target, int64_t dim, int64_t numerator,
                              int64_t denominator) {
  if (dim < 0 || dim >= source.getRank())
    return op->emitOpError("dim ") << dim << " is not a dim of " << source;
  SmallVector<int64_t> expected(source.getShape());
  if (expected[dim] * numerator % denominator != 0)
    return op->emitOpError("dim ")
           << dim << " of " << source << " does not split across "
           << denominator << " devices";
  expected[dim] = expected[dim] * numerator / denominator;
  if (ArrayRef<int64_t>(expected) != target.getShape())
    return op->emitOpError("target ")
           << target << " should have shape "
           << MemRefType::get(expected, source.getElementType());
  return success();
}

} // namespace

LogicalResult AllSliceOp::verify() {
  FailureOr<int64_t> group =
      verifyCollective(*this, getSource(), getTarget(), getAxes());
  if (failed(group))
    return failure();
  return verifyScaledDim(*this, getSource().getType(), getTarget().getType(),
                         getDim(), 1, *group);
}

LogicalResult AllReduceOp::verify() {
  if (failed(verifyCollective(*this, getSource(), getTarget(), getAxes())) ||
      failed(verifyReduction(*this, getReduction())))
    return failure();
  if (getSource().getType() != getTarget().getType())
    return emitOpError("source and target must have one type");
  return success();
}

LogicalResult AllGatherOp::verify() {
  FailureOr<int64_t> group =
      verifyCollective(*this, getSource(), getTarget(), getAxes());
  if (failed(group))
    return failure();
  return verifyScaledDim(*this, getSource().getType(), getTarget().getType(),
                         getDim(), *group, 1);
}

LogicalResult ReduceScatterOp::verify() {
  FailureOr<int64_t> group =
      verifyCollective(*this, getSource(), getTarget(), getAxes());
  if (failed(group) || failed(verifyReduction(*this, getReduction())))
    return failure();
  return verifyScaledDim(*this, getSource().getType(), getTarget().getType(),
                         getDim(), 1, *group);
}

LogicalResult AllToAllOp::verify() {
  FailureOr<int64_t> group =
      verifyCollective(*this, getSource(), getTarget(), getAxes());
  if (failed(group))
    return failure();
  MemRefType source = getSource().getType(), target = getTarget().getType();
  int64_t split = getSplitDim(), concat = getConcatDim();
  for (int64_t dim : {split, concat})
    if (dim < 0 || dim >= source.getRank())
      return emitOpError("dim ") << dim << " is not a dim of " << source;
  SmallVector<int64_t> expected(source.getShape());
  if (expected[split] % *group != 0)
    return emitOpError("dim ")
           << split << " of " << source << " does not split across " << *group
           << " devices";
  expected[split] /= *group;
  expected[concat] *= *group;
  if (ArrayRef<int64_t>(expected) != target.getShape())
    return emitOpError("target ")
           << target << " should have shape "
           << MemRefType::get(expected, source.getElementType());
  return success();
}
