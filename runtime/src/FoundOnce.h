//===- FoundOnce.h - what devices look up once per process ------*- C++ -*-===//
//
// Device implementations open a vendor library with dlopen and find their
// hardware once per process; these are the two shapes of that, shared.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_FOUNDONCE_H
#define KILN_RUNTIME_FOUNDONCE_H

#include "kiln/runtime/Error.h"

#include <dlfcn.h>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>

namespace kiln::rt {

/// What `find(index)` returns the first time it is asked for `index`, kept
/// for the process (one table per T); a failure (an Error) is remembered
/// and thrown again.
template <typename T, typename Find>
const T &foundOnce(unsigned index, Find &&find) {
  static std::map<unsigned, T> found;
  static std::map<unsigned, std::string> failures;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = found.find(index); it != found.end())
    return it->second;
  if (auto it = failures.find(index); it != failures.end())
    throw Error(it->second);
  try {
    return found[index] = find(index);
  } catch (const Error &error) {
    failures[index] = error.what();
    throw;
  }
}

/// Sets `entry` to the function `name` of `library` (from dlopen); when it
/// has none and `failure` is still empty, sets it to `missing` + name +
/// `why`.
template <typename Entry>
void resolveSymbol(void *library, Entry &entry, const char *name,
                   std::string &failure, const char *missing,
                   const char *why = "") {
  entry = reinterpret_cast<Entry>(::dlsym(library, name));
  if (!entry && failure.empty())
    failure = std::string(missing) + name + why;
}

} // namespace kiln::rt

#endif // KILN_RUNTIME_FOUNDONCE_H
