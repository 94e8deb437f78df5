//===- TensorTest.cpp - element types and host tensors --------------------===//

#include "kiln/runtime/Tensor.h"
#include "kiln/runtime/Error.h"

#include <gtest/gtest.h>

#include <cstdint>

using namespace kiln::rt;

TEST(DType, NamesAndSizesRoundTrip) {
  for (DType dtype :
       {DType::f16, DType::bf16, DType::f32, DType::f64, DType::i1, DType::i8,
        DType::i16, DType::i32, DType::i64, DType::ui8})
    EXPECT_EQ(parseDType(dtypeName(dtype)), dtype) << dtypeName(dtype);
  EXPECT_EQ(dtypeSize(DType::bf16), 2u);
  EXPECT_EQ(dtypeSize(DType::i1), 1u);
  EXPECT_EQ(dtypeSize(DType::f64), 8u);
  EXPECT_EQ(parseDType("float32"), std::nullopt);
}

TEST(HostTensor, ZeroedAlignedRowMajorStorage) {
  HostTensor tensor(DType::f32, {2, 3, 5});
  EXPECT_EQ(tensor.rank(), 3);
  EXPECT_EQ(tensor.numElements(), 30);
  EXPECT_EQ(tensor.byteSize(), 120u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data()) % kHostAlignment, 0u);
  const float *data = static_cast<const float *>(tensor.data());
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(data[i], 0.0f);
}

TEST(HostTensor, ScalarsAndEmptyTensors) {
  HostTensor scalar(DType::i64, {});
  EXPECT_EQ(scalar.numElements(), 1);
  EXPECT_EQ(scalar.byteSize(), 8u);
  HostTensor empty(DType::f32, {0, 4});
  EXPECT_EQ(empty.numElements(), 0);
  EXPECT_EQ(empty.byteSize(), 0u);
  EXPECT_NE(empty.data(), nullptr);
}

TEST(HostTensor, RejectsBadShapes) {
  EXPECT_THROW(HostTensor(DType::f32, {2, -1}), Error);
  try {
    HostTensor(DType::f32, {int64_t(1) << 40, int64_t(1) << 40});
    FAIL() << "an unaddressable shape was accepted";
  } catch (const Error &error) {
    EXPECT_STREQ(error.what(), "tensor shape is too large to address");
  }
}
