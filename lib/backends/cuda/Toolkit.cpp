//===- Toolkit.cpp - the CUDA toolkit the cuda target compiles with -------===//

#include "lib/backends/cuda/Toolkit.h"

#include "lib/backends/gpu/ExternalTool.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"

#include <map>
#include <mutex>

namespace kiln::cuda {
namespace {

std::string join(llvm::StringRef root, llvm::StringRef relative) {
  llvm::SmallString<256> path(root);
  llvm::sys::path::append(path, relative);
  return path.str().str();
}

/// The version ptxas reports ("Cuda compilation tools, release 13.0, ..."),
/// or empty.
std::string ptxasVersion(const std::string &ptxas) {
  kiln::gpu::ToolRun run = kiln::gpu::runToolQuietly(ptxas, {"--version"}, 60);
  llvm::SmallVector<llvm::StringRef> match;
  if (run.status == 0 &&
      llvm::Regex("release ([0-9]+\\.[0-9]+)").match(run.messages, &match))
    return match[1].str();
  return {};
}

/// Whether `root` is a usable toolkit; if not, `lacks` says what it lacks.
bool inspect(const std::string &root, Toolkit &toolkit, std::string &lacks) {
  toolkit.root = root;
  toolkit.ptxas = join(root, "bin/ptxas");
  toolkit.fatbinary = join(root, "bin/fatbinary");
  toolkit.libdevice = join(root, "nvvm/libdevice/libdevice.10.bc");
  std::string missing;
  if (!llvm::sys::fs::can_execute(toolkit.ptxas))
    missing += " bin/ptxas";
  if (!llvm::sys::fs::can_execute(toolkit.fatbinary))
    missing += " bin/fatbinary";
  if (!llvm::sys::fs::exists(toolkit.libdevice))
    missing += " nvvm/libdevice/libdevice.10.bc";
  if (!missing.empty()) {
    lacks = root + " (no" + missing + ")";
    return false;
  }
  toolkit.version = ptxasVersion(toolkit.ptxas);
  if (toolkit.version.empty()) {
    lacks = root + " (its ptxas --version does not run)";
    return false;
  }
  return true;
}

bool search(llvm::StringRef given, Toolkit &toolkit, std::string &error) {
  if (!given.empty()) {
    std::string lacks;
    if (inspect(given.str(), toolkit, lacks))
      return true;
    error = "the cuda target's toolkit is not a usable CUDA toolkit: " + lacks;
    return false;
  }
  std::vector<std::string> candidates;
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (auto value = llvm::sys::Process::GetEnv(variable))
      if (!value->empty())
        candidates.push_back(*value);
  if (auto ptxas = llvm::sys::findProgramByName("ptxas")) {
    llvm::SmallString<256> real;
    if (llvm::sys::fs::real_path(*ptxas, real))
      real = *ptxas;
    candidates.push_back(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(real)).str());
  }
  candidates.push_back("/usr/local/cuda");
  std::string looked;
  for (const std::string &root : candidates) {
    std::string lacks;
    if (inspect(root, toolkit, lacks))
      return true;
    looked += (looked.empty() ? "" : ", ") + lacks;
  }
  error = "the cuda target needs a CUDA toolkit (ptxas, fatbinary, "
          "libdevice) and found none; looked at $CUDA_HOME, $CUDA_PATH, "
          "$CUDA_ROOT, ptxas on PATH and /usr/local/cuda: " +
          looked +
          ". Install the CUDA toolkit or name it: kiln-compile "
          "--target-option toolkit=PATH (or set CUDA_HOME)";
  return false;
}

} // namespace

bool findToolkit(llvm::StringRef given, Toolkit &toolkit, std::string &error) {
  // Found once per process and place: a compile looks it up per pass.
  static std::mutex mutex;
  static std::map<std::string, std::pair<Toolkit, std::string>> found;
  std::lock_guard<std::mutex> lock(mutex);
  std::string key = given.str();
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT", "PATH"})
    key += "\n" + llvm::sys::Process::GetEnv(variable).value_or("");
  auto it = found.find(key);
  if (it == found.end()) {
    Toolkit result;
    std::string failure;
    if (!search(given, result, failure))
      result = Toolkit();
    it = found.emplace(key, std::make_pair(result, failure)).first;
  }
  toolkit = it->second.first;
  error = it->second.second;
  return error.empty();
}

} // namespace kiln::cuda
