//===- ErrorOf.h - the message a runtime call fails with --------*- C++ -*-===//

#ifndef KILN_RUNTIME_TEST_ERROROF_H
#define KILN_RUNTIME_TEST_ERROROF_H

#include "kiln/runtime/Error.h"

#include <functional>
#include <string>

namespace kiln::rt {

/// The message of the Error `body` throws, or "" when it throws none.
inline std::string errorOf(const std::function<void()> &body) {
  try {
    body();
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}

} // namespace kiln::rt

#endif // KILN_RUNTIME_TEST_ERROROF_H
