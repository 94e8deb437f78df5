//===- Error.h - runtime errors ---------------------------------*- C++ -*-===//
//
// The runtime reports every failure as a kiln::rt::Error whose message names
// what failed and where (file, tensor, expected vs. got), so the CLI can print
// it and the Python binding can raise it unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_ERROR_H
#define KILN_RUNTIME_ERROR_H

#include <stdexcept>
#include <string>

namespace kiln::rt {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_ERROR_H
