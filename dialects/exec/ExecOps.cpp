//===- ExecOps.cpp - exec dialect and op verification ---------------------===//

#include "dialects/exec/ExecOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace kiln::exec;

#include "dialects/exec/ExecDialect.cpp.inc"

void ExecDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/exec/ExecOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "dialects/exec/ExecOps.cpp.inc"

namespace {

/// Buffers are plain arrays: static shape, identity layout, default space.
LogicalResult verifyBuffer(Operation *op, MemRefType type, StringRef what) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace())
    return op->emitOpError()
           << what << " must be a static, identity-layout memref, got " << type;
  return success();
}

} // namespace

LogicalResult AllocOp::verify() {
  return verifyBuffer(*this, getType(), "the buffer");
}

LogicalResult ConstantOp::verify() {
  if (failed(verifyBuffer(*this, getType(), "the buffer")))
    return failure();
  auto valueType = cast<ShapedType>(getValue().getType());
  if (valueType.getShape() != getType().getShape() ||
      valueType.getElementType() != getType().getElementType())
    return emitOpError("value of type ")
           << valueType << " does not fill a buffer of type " << getType();
  return success();
}

LogicalResult ViewOp::verify() {
  MemRefType source = getSource().getType(), result = getType();
  if (failed(verifyBuffer(*this, source, "the source")) ||
      failed(verifyBuffer(*this, result, "the result")))
    return failure();
  if (source.getElementType() != result.getElementType() ||
      source.getNumElements() != result.getNumElements())
    return emitOpError("cannot view ")
           << source << " as " << result
           << ": element type and count must stay the same";
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
