//===- Registry.cpp - the backend registry --------------------------------===//
//
// Below the passes: the compile pipeline looks backends up here, and each
// backend library registers itself (registerAllBackends, in InitAll.cpp,
// names them), so no arrow points from passes/ up to a backend.
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/CommandLine.h"

#include "llvm/ADT/StringExtras.h"

namespace kiln {

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

std::string unknownTarget(llvm::StringRef name) {
  std::string known;
  for (const std::string &registered : registeredBackends())
    known += (known.empty() ? "" : ", ") + registered;
  return "unknown target '" + name.str() + "' (available: " + known + ")";
}

llvm::LogicalResult parseBackendOptions(llvm::StringRef text,
                                        BackendOptions &options,
                                        std::string &error) {
  llvm::SmallVector<llvm::StringRef> entries;
  text.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  std::string *last = nullptr;
  for (llvm::StringRef entry : entries) {
    // A value may be a list: "arch=sm_80,sm_90" continues arch's value.
    if (last && !entry.contains('=')) {
      *last += "," + entry.trim().str();
      continue;
    }
    auto [key, value] = entry.split('=');
    key = key.trim();
    if (key.empty() || !entry.contains('=')) {
      error = ("bad target option '" + entry +
               "': expected name=value (e.g. cpu=host)")
                  .str();
      return llvm::failure();
    }
    last = &(options[key.str()] = value.trim().str());
  }
  return llvm::success();
}

std::string printBackendOptions(const BackendOptions &options) {
  std::string text;
  for (const auto &[key, value] : options)
    text += (text.empty() ? "" : ",") + key + "=" + value;
  return text;
}

BackendOptions optionsOfTarget(const BackendOptions &all,
                               llvm::StringRef target,
                               llvm::StringRef defaultTarget) {
  BackendOptions options;
  for (const auto &[key, value] : all) {
    auto [prefix, name] = llvm::StringRef(key).split('.');
    if (name.empty()) {
      if (target == defaultTarget)
        options[key] = value;
    } else if (prefix == target) {
      options[name.str()] = value;
    }
  }
  return options;
}

namespace {
struct CommandLine {
  int argc = 0;
  const char *const *argv = nullptr;
};
CommandLine &commandLine() {
  static CommandLine remembered;
  return remembered;
}
} // namespace

void rememberCommandLine(int argc, const char *const *argv) {
  commandLine() = {argc, argv};
}

void restoreCommandLine() {
  const CommandLine &remembered = commandLine();
  if (!remembered.argv)
    return;
  // Every option is at its default again: the same arguments, parsed again,
  // give each the value it had. They parsed once, so they parse again.
  llvm::cl::ResetAllOptionOccurrences();
  llvm::cl::ParseCommandLineOptions(remembered.argc, remembered.argv, "",
                                    &llvm::nulls());
}

mlir::DictionaryAttr backendOptionsAttr(mlir::MLIRContext *context,
                                        const BackendOptions &options) {
  if (options.empty())
    return {};
  mlir::Builder builder(context);
  llvm::SmallVector<mlir::NamedAttribute> entries;
  for (const auto &[key, value] : options)
    entries.push_back(builder.getNamedAttr(key, builder.getStringAttr(value)));
  return builder.getDictionaryAttr(entries);
}

BackendOptions backendOptionsOf(mlir::DictionaryAttr entries) {
  BackendOptions options;
  if (entries)
    for (mlir::NamedAttribute entry : entries)
      if (auto value = llvm::dyn_cast<mlir::StringAttr>(entry.getValue()))
        options[entry.getName().str()] = value.str();
  return options;
}

} // namespace kiln
