//===- Indices.cpp - what GPU passes know of index arithmetic -------------===//

#include "lib/backends/gpu/Indices.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace kiln::gpu {

std::pair<Value, int64_t> splitOffset(Value index) {
  int64_t offset = 0;
  while (true) {
    if (std::optional<int64_t> constant = getConstantIntValue(index))
      return {nullptr, offset + *constant};
    auto add = index.getDefiningOp<arith::AddIOp>();
    if (!add)
      return {index, offset};
    if (std::optional<int64_t> constant = getConstantIntValue(add.getRhs())) {
      offset += *constant;
      index = add.getLhs();
    } else if (std::optional<int64_t> constant =
                   getConstantIntValue(add.getLhs())) {
      offset += *constant;
      index = add.getRhs();
    } else {
      return {index, offset};
    }
  }
}

bool isMultipleOf(Value index, int64_t factor) {
  if (std::optional<int64_t> constant = getConstantIntValue(index))
    return *constant % factor == 0;
  if (auto mul = index.getDefiningOp<arith::MulIOp>())
    return isMultipleOf(mul.getLhs(), factor) ||
           isMultipleOf(mul.getRhs(), factor);
  if (auto add = index.getDefiningOp<arith::AddIOp>())
    return isMultipleOf(add.getLhs(), factor) &&
           isMultipleOf(add.getRhs(), factor);
  return false;
}

} // namespace kiln::gpu
