//===- Registration.cpp - registering the tiling passes -------------------===//

#include "lib/backends/tiling/TilingPasses.h"

#include <mutex>

namespace kiln::tiling {
namespace {
#define GEN_PASS_REGISTRATION
#include "lib/backends/tiling/TilingPasses.h.inc"
} // namespace

void registerPasses() {
  static std::once_flag once;
  std::call_once(once, [] { registerTilingPasses(); });
}

} // namespace kiln::tiling
