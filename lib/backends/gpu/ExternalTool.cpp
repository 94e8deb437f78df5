//===- ExternalTool.cpp - running a device toolchain's programs -----------===//

#include "lib/backends/gpu/ExternalTool.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln::gpu {

ScratchFiles::~ScratchFiles() {
  for (const std::string &path : paths_)
    llvm::sys::fs::remove(path);
}

std::string ScratchFiles::create(llvm::StringRef suffix) {
  llvm::SmallString<128> path;
  if (llvm::sys::fs::createTemporaryFile("kiln", suffix, path))
    return {};
  paths_.push_back(path.str().str());
  return paths_.back();
}

std::string ScratchFiles::write(llvm::StringRef suffix,
                                llvm::StringRef contents) {
  std::string path = create(suffix);
  if (path.empty())
    return {};
  std::error_code error;
  llvm::raw_fd_ostream out(path, error);
  if (error)
    return {};
  out << contents;
  out.close();
  return out.has_error() ? std::string() : path;
}

FailureOr<std::string> ScratchFiles::read(llvm::StringRef path, Location loc) {
  auto contents = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (!contents)
    return emitError(loc, "cannot read '")
           << path << "': " << contents.getError().message();
  return (*contents)->getBuffer().str();
}

ToolRun runToolQuietly(llvm::StringRef tool,
                       llvm::ArrayRef<std::string> arguments,
                       unsigned seconds) {
  ToolRun run;
  ScratchFiles scratch;
  std::string log = scratch.create("log");
  if (log.empty()) {
    run.error = "cannot create a temporary file for its messages";
    return run;
  }
  SmallVector<StringRef> args = {tool};
  for (const std::string &argument : arguments)
    args.push_back(argument);
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  run.status = llvm::sys::ExecuteAndWait(tool, args, std::nullopt, redirects,
                                         seconds, 0, &run.error);
  if (auto text = llvm::MemoryBuffer::getFile(log))
    run.messages = (*text)->getBuffer().trim().str();
  return run;
}

FailureOr<std::string> runTool(llvm::StringRef tool,
                               llvm::ArrayRef<std::string> arguments,
                               Location loc, llvm::StringRef what,
                               unsigned seconds) {
  ToolRun run = runToolQuietly(tool, arguments, seconds);
  if (run.status != 0)
    return emitError(loc, "")
           << what << " failed (" << tool << ", exit " << run.status
           << (run.error.empty() ? "" : ", " + run.error) << ")"
           << (run.messages.empty() ? "" : ": " + run.messages);
  return run.messages;
}

} // namespace kiln::gpu
