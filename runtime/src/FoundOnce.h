//===- FoundOnce.h - what devices look up once per process ------*- C++ -*-===//
//
// Device implementations open vendor libraries with dlopen, resolve their
// entry points, find their hardware once per process and read the calls
// the compiler wrote: those shapes, shared.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_FOUNDONCE_H
#define KILN_RUNTIME_FOUNDONCE_H

#include "kiln/runtime/Error.h"

#include <cstdlib>
#include <dlfcn.h>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

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

/// The first library that opens of the one named by the environment
/// variable `variable` (if set) and `names`, or null with `tried` holding
/// why each did not.
inline void *openLibrary(const char *variable,
                         std::initializer_list<const char *> names,
                         std::string &tried) {
  std::vector<std::string> candidates;
  if (const char *given = std::getenv(variable); given && *given)
    candidates.push_back(given);
  candidates.insert(candidates.end(), names.begin(), names.end());
  for (const std::string &name : candidates) {
    if (void *library = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL))
      return library;
    tried += (tried.empty() ? "" : "; ") + std::string(::dlerror());
  }
  return nullptr;
}

/// Field `key` of a library call's fields as a number; throws Error
/// (through `fail`) when it is missing or not one.
template <typename Fail>
long callNumber(const std::map<std::string, std::string> &fields,
                const char *key, Fail &&fail) {
  auto it = fields.find(key);
  char *end = nullptr;
  long value = it == fields.end() ? 0 : std::strtol(it->second.c_str(), &end, 10);
  if (it == fields.end() || !end || *end)
    fail(std::string("has no number ") + key);
  return value;
}

} // namespace kiln::rt

#endif // KILN_RUNTIME_FOUNDONCE_H
