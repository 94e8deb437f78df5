//===- Tensor.cpp - element types and host tensors ------------------------===//

#include "kiln/runtime/Tensor.h"

#include "kiln/runtime/Error.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kiln::rt {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array<DTypeInfo, 10> kDTypes = {{
    {DType::f16, "f16", 2},
    {DType::bf16, "bf16", 2},
    {DType::f32, "f32", 4},
    {DType::f64, "f64", 8},
    {DType::i1, "i1", 1},
    {DType::i8, "i8", 1},
    {DType::i16, "i16", 2},
    {DType::i32, "i32", 4},
    {DType::i64, "i64", 8},
    {DType::ui8, "ui8", 1},
}};

const DTypeInfo &info(DType dtype) {
  return kDTypes[static_cast<size_t>(dtype)];
}

} // namespace

size_t dtypeSize(DType dtype) { return info(dtype).size; }

std::string_view dtypeName(DType dtype) { return info(dtype).name; }

std::optional<DType> parseDType(std::string_view name) {
  for (const DTypeInfo &entry : kDTypes)
    if (entry.name == name)
      return entry.dtype;
  return std::nullopt;
}

void HostTensor::Free::operator()(void *pointer) const { std::free(pointer); }

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape)
    : dtype_(dtype), shape_(std::move(shape)) {
  int64_t bytesNeeded = static_cast<int64_t>(dtypeSize(dtype));
  for (int64_t dim : shape_) {
    if (dim < 0)
      throw Error("tensor dimension " + std::to_string(dim) + " is negative");
    if (__builtin_mul_overflow(bytesNeeded, dim, &bytesNeeded))
      throw Error("tensor shape is too large to address");
  }
  // aligned_alloc needs a non-zero multiple of the alignment.
  size_t bytes = byteSize();
  size_t rounded =
      (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  if (rounded == 0)
    rounded = kHostAlignment;
  storage_.reset(std::aligned_alloc(kHostAlignment, rounded));
  if (!storage_)
    throw Error("cannot allocate " + std::to_string(bytes) +
                " bytes for a tensor");
  std::memset(storage_.get(), 0, rounded);
}

int64_t HostTensor::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape_)
    count *= dim;
  return count;
}

} // namespace kiln::rt
