//===- NpyTest.cpp - .npy reading and writing against numpy's files -------===//
//
// The fixtures in Inputs/ were written by numpy (make_npy_fixtures.py), the
// independent reference: reads must give numpy's values, and writes must give
// numpy's bytes.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Npy.h"
#include "kiln/runtime/Error.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

std::string input(const std::string &name) {
  return std::string(KILN_RUNTIME_TEST_INPUTS) + "/" + name + ".npy";
}

std::string readBytes(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "kiln-npy-" + name + ".npy";
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

template <typename T> std::vector<T> values(const HostTensor &tensor) {
  const T *data = static_cast<const T *>(tensor.data());
  return std::vector<T>(data, data + tensor.numElements());
}

/// The message of the Error `read` throws, or "" when it does not throw.
std::string readError(const std::string &path) {
  try {
    readNpy(path);
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST(ReadNpy, FloatTypes) {
  HostTensor f32 = readNpy(input("f32_2x3"));
  EXPECT_EQ(f32.dtype(), DType::f32);
  EXPECT_EQ(f32.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values<float>(f32),
            (std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f}));

  HostTensor f16 = readNpy(input("f16_4"));
  EXPECT_EQ(f16.dtype(), DType::f16);
  // IEEE half bit patterns of 1.5, -2, 0.25 and 65504.
  EXPECT_EQ(values<uint16_t>(f16),
            (std::vector<uint16_t>{0x3e00, 0xc000, 0x3400, 0x7bff}));

  HostTensor f64 = readNpy(input("f64_scalar"));
  EXPECT_EQ(f64.dtype(), DType::f64);
  EXPECT_TRUE(f64.shape().empty());
  EXPECT_EQ(values<double>(f64), std::vector<double>{3.25});
}

TEST(ReadNpy, IntegerAndBoolTypes) {
  HostTensor i1 = readNpy(input("i1_2x2"));
  EXPECT_EQ(i1.dtype(), DType::i1);
  EXPECT_EQ(values<uint8_t>(i1), (std::vector<uint8_t>{1, 0, 0, 1}));
  EXPECT_EQ(values<int8_t>(readNpy(input("i8_3"))),
            (std::vector<int8_t>{-128, 0, 127}));
  EXPECT_EQ(values<int16_t>(readNpy(input("i16_2"))),
            (std::vector<int16_t>{-32768, 32767}));
  HostTensor i32 = readNpy(input("i32_2x2x2"));
  EXPECT_EQ(i32.shape(), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(values<int32_t>(i32),
            (std::vector<int32_t>{-4, -3, -2, -1, 0, 1, 2, 3}));
  EXPECT_EQ(values<int64_t>(readNpy(input("i64_3"))),
            (std::vector<int64_t>{-1, 0, int64_t(1) << 40}));
  HostTensor ui8 = readNpy(input("ui8_4"));
  EXPECT_EQ(ui8.dtype(), DType::ui8);
  EXPECT_EQ(values<uint8_t>(ui8), (std::vector<uint8_t>{0, 1, 200, 255}));
}

TEST(ReadNpy, EmptyTensor) {
  HostTensor empty = readNpy(input("empty_0x3"));
  EXPECT_EQ(empty.shape(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(empty.byteSize(), 0u);
}

TEST(ReadNpy, FortranOrderBecomesRowMajor) {
  HostTensor tensor = readNpy(input("fortran_i32_2x3"));
  EXPECT_EQ(tensor.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values<int32_t>(tensor), (std::vector<int32_t>{0, 1, 2, 3, 4, 5}));
}

TEST(ReadNpy, BigEndianBecomesNative) {
  HostTensor tensor = readNpy(input("bigendian_f32_3"));
  EXPECT_EQ(tensor.dtype(), DType::f32);
  EXPECT_EQ(values<float>(tensor), (std::vector<float>{1.0f, -2.5f, 3.0f}));
}

TEST(ReadNpy, FormatVersion2) {
  EXPECT_EQ(values<float>(readNpy(input("v2_f32_2"))),
            (std::vector<float>{7.0f, 8.0f}));
}

TEST(WriteNpy, BytesEqualNumpySave) {
  for (const char *name :
       {"f32_2x3", "f16_4", "f64_scalar", "i1_2x2", "i8_3", "i16_2",
        "i32_2x2x2", "i64_3", "ui8_4", "empty_0x3", "f32_1000"}) {
    std::string path = tempPath(name);
    writeNpy(path, readNpy(input(name)));
    EXPECT_EQ(readBytes(path), readBytes(input(name))) << name;
  }
}

TEST(WriteNpy, HugeHeaderUsesVersion2) {
  // 30000 dims of size 1 need a header longer than version 1.0's 65535 bytes.
  HostTensor tensor(DType::f32, std::vector<int64_t>(30000, 1));
  *static_cast<float *>(tensor.data()) = 42.0f;
  std::string path = tempPath("huge-header");
  writeNpy(path, tensor);
  EXPECT_EQ(readBytes(path)[6], 2);
  HostTensor back = readNpy(path);
  EXPECT_EQ(back.shape(), tensor.shape());
  EXPECT_EQ(values<float>(back), std::vector<float>{42.0f});
}

TEST(WriteNpy, RejectsTypesWithoutNpyCode) {
  HostTensor tensor(DType::bf16, {2});
  try {
    writeNpy(tempPath("bf16"), tensor);
    FAIL() << "bf16 was written";
  } catch (const Error &error) {
    EXPECT_STREQ(error.what(), "element type bf16 has no .npy dtype");
  }
}

TEST(WriteNpy, ReportsUnwritablePath) {
  HostTensor tensor(DType::f32, {1});
  try {
    writeNpy("/nonexistent-dir/out.npy", tensor);
    FAIL() << "wrote into a missing directory";
  } catch (const Error &error) {
    EXPECT_STREQ(error.what(), "cannot write '/nonexistent-dir/out.npy': No "
                               "such file or directory");
  }
}

TEST(ReadNpyErrors, MissingFile) {
  EXPECT_EQ(readError("/nonexistent/in.npy"),
            "cannot open '/nonexistent/in.npy': No such file or directory");
}

TEST(ReadNpyErrors, NotNpy) {
  std::string path = tempPath("garbage");
  writeBytes(path, "this is a text file, not an array\n");
  EXPECT_EQ(readError(path),
            "'" + path + "' is not a .npy file (no \\x93NUMPY magic)");
}

TEST(ReadNpyErrors, UnknownVersion) {
  std::string bytes = readBytes(input("f32_2x3"));
  bytes[6] = 9;
  std::string path = tempPath("version9");
  writeBytes(path, bytes);
  EXPECT_EQ(readError(path), "'" + path +
                                 "' has .npy format version 9, expected 1, "
                                 "2 or 3");
}

TEST(ReadNpyErrors, TruncatedHeader) {
  std::string path = tempPath("short-header");
  writeBytes(path, readBytes(input("f32_2x3")).substr(0, 40));
  EXPECT_EQ(readError(path),
            "'" + path + "' is truncated inside the .npy header");
}

TEST(ReadNpyErrors, TruncatedData) {
  std::string bytes = readBytes(input("f32_2x3"));
  std::string path = tempPath("short-data");
  writeBytes(path, bytes.substr(0, bytes.size() - 4));
  EXPECT_EQ(readError(path), "'" + path +
                                 "' is truncated: its header promises 24 "
                                 "bytes of data, it has 20");
}

TEST(ReadNpyErrors, UnsupportedDType) {
  std::string path = input("complex64_2");
  EXPECT_EQ(readError(path),
            "'" + path +
                "' has dtype '<c8', which Kiln does not support (supported: "
                "<f2, <f4, <f8, |b1, |i1, <i2, <i4, <i8, |u1 (either byte "
                "order))");
}

TEST(ReadNpyErrors, MalformedHeader) {
  std::string bytes = readBytes(input("f32_2x3"));
  size_t shape = bytes.find("(2, 3)");
  bytes.replace(shape, 6, "(2, x)");
  std::string path = tempPath("bad-shape");
  writeBytes(path, bytes);
  std::string message = readError(path);
  EXPECT_EQ(message.rfind("'" + path +
                              "' has a malformed .npy header (expected a "
                              "dimension): {'descr'",
                          0),
            0u)
      << message;
}
