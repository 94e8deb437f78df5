//===- Npy.cpp - numpy .npy files -----------------------------------------===//
//
// Format: "\x93NUMPY", major and minor version bytes, the header length
// (uint16 in 1.0, uint32 in 2.0 and 3.0), then a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and a newline so the data starts 64-byte aligned, then the data.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Npy.h"

#include "kiln/runtime/Error.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

namespace kiln::rt {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kAlignment = 64;
// numpy leaves room to grow the first dimension in place.
constexpr size_t kGrowthAxisMaxDigits = 21;

struct NpyCode {
  DType dtype;
  char kind;
  size_t size;
};

constexpr NpyCode kCodes[] = {
    {DType::f16, 'f', 2}, {DType::f32, 'f', 4}, {DType::f64, 'f', 8},
    {DType::i1, 'b', 1},  {DType::i8, 'i', 1},  {DType::i16, 'i', 2},
    {DType::i32, 'i', 4}, {DType::i64, 'i', 8}, {DType::ui8, 'u', 1},
};

/// The dict literal of a .npy header, parsed just enough: strings, True,
/// False and tuples of integers.
class HeaderParser {
public:
  HeaderParser(std::string_view text, const std::string &path)
      : text_(text), path_(path) {}

  void parse(std::string &descr, bool &fortranOrder,
             std::vector<int64_t> &shape) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    expect('{');
    while (!peek('}')) {
      std::string key = parseString();
      expect(':');
      if (key == "descr") {
        descr = parseString();
        haveDescr = true;
      } else if (key == "fortran_order") {
        fortranOrder = parseBool();
        haveOrder = true;
      } else if (key == "shape") {
        shape = parseShape();
        haveShape = true;
      } else {
        fail("unknown key '" + key + "'");
      }
      if (!peek('}'))
        expect(',');
    }
    expect('}');
    if (!haveDescr || !haveOrder || !haveShape)
      fail("needs 'descr', 'fortran_order' and 'shape'");
  }

private:
  [[noreturn]] void fail(const std::string &what) const {
    throw Error("'" + path_ + "' has a malformed .npy header (" + what +
                "): " + std::string(text_));
  }
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace((unsigned char)text_[pos_]))
      ++pos_;
  }
  bool peek(char c) {
    skipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c))
      fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parseString() {
    skipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      fail("expected a string");
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos)
      fail("unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }
  bool parseBool() {
    skipSpace();
    for (auto [word, value] : {std::pair{"True", true}, {"False", false}}) {
      size_t length = std::strlen(word);
      if (text_.substr(pos_, length) == word) {
        pos_ += length;
        return value;
      }
    }
    fail("expected True or False");
  }
  std::vector<int64_t> parseShape() {
    std::vector<int64_t> shape;
    expect('(');
    while (!peek(')')) {
      skipSpace();
      size_t start = pos_;
      int64_t value = 0;
      while (pos_ < text_.size() && std::isdigit((unsigned char)text_[pos_])) {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, text_[pos_] - '0', &value))
          fail("dimension out of range");
        ++pos_;
      }
      if (pos_ == start)
        fail("expected a dimension");
      shape.push_back(value);
      if (!peek(')'))
        expect(',');
    }
    expect(')');
    return shape;
  }

  std::string_view text_;
  const std::string &path_;
  size_t pos_ = 0;
};

std::string supportedCodes() {
  return "<f2, <f4, <f8, |b1, |i1, <i2, <i4, <i8, |u1 (either byte order)";
}

/// Maps a descr such as '<f4' to a DType; sets `swap` for big-endian data.
DType decodeDescr(const std::string &descr, const std::string &path,
                  bool &swap) {
  auto unsupported = [&]() -> Error {
    return Error(
        "'" + path + "' has dtype '" + descr +
        "', which Kiln does not support (supported: " + supportedCodes() + ")");
  };
  if (descr.size() < 3 ||
      std::string_view("<>|=").find(descr[0]) == std::string_view::npos)
    throw unsupported();
  size_t size = 0;
  for (char c : descr.substr(2)) {
    if (!std::isdigit((unsigned char)c))
      throw unsupported();
    size = size * 10 + (c - '0');
  }
  for (const NpyCode &code : kCodes) {
    if (code.kind == descr[1] && code.size == size) {
      swap = descr[0] == '>' && size > 1;
      return code.dtype;
    }
  }
  throw unsupported();
}

std::string encodeDescr(DType dtype) {
  for (const NpyCode &code : kCodes)
    if (code.dtype == dtype)
      return std::string(code.size == 1 ? "|" : "<") + code.kind +
             std::to_string(code.size);
  throw Error("element type " + std::string(dtypeName(dtype)) +
              " has no .npy dtype");
}

std::string readFile(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw Error("cannot open '" + path + "': " + std::strerror(errno));
  // Whole buffers at a time: a character iterator took 136M instructions
  // (callgrind) to read a 4 MB file.
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad())
    throw Error("cannot read '" + path + "': " + std::strerror(errno));
  return std::move(bytes).str();
}

uint32_t readLittleEndian(const std::string &bytes, size_t offset,
                          size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= uint32_t(uint8_t(bytes[offset + i])) << (8 * i);
  return value;
}

/// Column-major `from` into row-major `to`, element by element.
void fortranToRowMajor(const char *from, char *to,
                       const std::vector<int64_t> &shape, size_t element) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t offset = 0, stride = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      offset += index[d] * stride;
      stride *= shape[d];
    }
    std::memcpy(to + linear * element, from + offset * element, element);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

} // namespace

HostTensor readNpy(const std::string &path) {
  std::string bytes = readFile(path);
  if (bytes.size() < kMagicSize + 2 ||
      bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0)
    throw Error("'" + path + "' is not a .npy file (no \\x93NUMPY magic)");
  int major = uint8_t(bytes[kMagicSize]);
  if (major < 1 || major > 3)
    throw Error("'" + path + "' has .npy format version " +
                std::to_string(major) + ", expected 1, 2 or 3");
  size_t lengthWidth = major == 1 ? 2 : 4;
  size_t headerStart = kMagicSize + 2 + lengthWidth;
  if (bytes.size() < headerStart)
    throw Error("'" + path + "' is truncated inside the .npy header");
  size_t headerLength = readLittleEndian(bytes, kMagicSize + 2, lengthWidth);
  if (bytes.size() < headerStart + headerLength)
    throw Error("'" + path + "' is truncated inside the .npy header");

  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  HeaderParser(std::string_view(bytes).substr(headerStart, headerLength), path)
      .parse(descr, fortranOrder, shape);
  bool swap = false;
  DType dtype = decodeDescr(descr, path, swap);

  HostTensor tensor(dtype, shape);
  size_t dataStart = headerStart + headerLength;
  size_t available = bytes.size() - dataStart;
  if (available < tensor.byteSize())
    throw Error("'" + path + "' is truncated: its header promises " +
                std::to_string(tensor.byteSize()) + " bytes of data, it has " +
                std::to_string(available));

  char *data = static_cast<char *>(tensor.data());
  size_t element = dtypeSize(dtype);
  if (fortranOrder && shape.size() > 1)
    fortranToRowMajor(bytes.data() + dataStart, data, shape, element);
  else
    std::memcpy(data, bytes.data() + dataStart, tensor.byteSize());
  if (swap)
    for (size_t i = 0; i < tensor.byteSize(); i += element)
      std::reverse(data + i, data + i + element);
  return tensor;
}

void writeNpy(const std::string &path, const HostTensor &tensor) {
  // The same text numpy.save writes, so files compare equal byte for byte.
  std::ostringstream dict;
  dict << "{'descr': '" << encodeDescr(tensor.dtype())
       << "', 'fortran_order': False, 'shape': (";
  for (size_t d = 0; d < tensor.shape().size(); ++d)
    dict << (d ? ", " : "") << tensor.shape()[d];
  dict << (tensor.shape().size() == 1 ? ",), }" : "), }");
  std::string header = dict.str();
  if (!tensor.shape().empty())
    header.append(kGrowthAxisMaxDigits -
                      std::to_string(tensor.shape().front()).size(),
                  ' ');

  int major = 1;
  size_t lengthWidth = 2;
  auto padded = [&] {
    size_t used = kMagicSize + 2 + lengthWidth + header.size() + 1;
    // As numpy: 1 to 64 spaces, then '\n', so the data starts aligned.
    return header.size() + 1 + (kAlignment - used % kAlignment);
  };
  if (padded() > 0xffff) {
    major = 2;
    lengthWidth = 4;
  }
  size_t headerLength = padded();
  header.resize(headerLength - 1, ' ');
  header.push_back('\n');

  std::string prefix(kMagic, kMagicSize);
  prefix.push_back(char(major));
  prefix.push_back(0);
  for (size_t i = 0; i < lengthWidth; ++i)
    prefix.push_back(char((headerLength >> (8 * i)) & 0xff));

  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file)
    throw Error("cannot write '" + path + "': " + std::strerror(errno));
  file.write(prefix.data(), prefix.size());
  file.write(header.data(), header.size());
  file.write(static_cast<const char *>(tensor.data()), tensor.byteSize());
  if (!file.flush())
    throw Error("cannot write '" + path + "': " + std::strerror(errno));
}

} // namespace kiln::rt
