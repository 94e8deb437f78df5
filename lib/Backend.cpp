//===- Backend.cpp - the backend registry ---------------------------------===//

#include "kiln/Backend.h"

#include <mutex>

namespace kiln {
namespace cpu {
std::unique_ptr<Backend> createCpuBackend();
} // namespace cpu

namespace {
std::map<std::string, std::unique_ptr<Backend>> &registry() {
  static std::map<std::string, std::unique_ptr<Backend>> backends;
  return backends;
}
} // namespace

void registerBackend(std::unique_ptr<Backend> backend) {
  std::string name = backend->name().str();
  registry()[name] = std::move(backend);
}

const Backend *lookupBackend(llvm::StringRef name) {
  auto it = registry().find(name.str());
  return it == registry().end() ? nullptr : it->second.get();
}

std::vector<std::string> registeredBackends() {
  std::vector<std::string> names;
  for (const auto &[name, backend] : registry())
    names.push_back(name);
  return names;
}

void registerAllBackends() {
  static std::once_flag once;
  std::call_once(once, [] { registerBackend(cpu::createCpuBackend()); });
}

} // namespace kiln
