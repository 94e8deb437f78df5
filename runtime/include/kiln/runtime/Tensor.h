//===- Tensor.h - element types and host tensors ----------------*- C++ -*-===//
//
// The runtime's view of tensor data on the host: an element type, a shape and
// a 64-byte aligned, row-major buffer that owns its bytes.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_TENSOR_H
#define KILN_RUNTIME_TENSOR_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace kiln::rt {

/// Element types, named as MLIR spells them (f32, i64, i1, ui8).
enum class DType : uint8_t { f16, bf16, f32, f64, i1, i8, i16, i32, i64, ui8 };

/// Bytes per element (i1 takes one byte).
size_t dtypeSize(DType dtype);
/// "f32", "i1", ...
std::string_view dtypeName(DType dtype);
/// The DType named `name`, if any.
std::optional<DType> parseDType(std::string_view name);

/// Host buffers are aligned for the widest vector loads kernels use.
inline constexpr size_t kHostAlignment = 64;

/// A row-major tensor in host memory that owns its (zero-initialized) bytes.
class HostTensor {
public:
  HostTensor(DType dtype, std::vector<int64_t> shape);

  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numElements() const;
  size_t byteSize() const { return numElements() * dtypeSize(dtype_); }
  void *data() { return storage_.get(); }
  const void *data() const { return storage_.get(); }

private:
  struct Free {
    void operator()(void *pointer) const;
  };
  DType dtype_;
  std::vector<int64_t> shape_;
  std::unique_ptr<void, Free> storage_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_TENSOR_H
