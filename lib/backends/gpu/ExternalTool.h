//===- ExternalTool.h - running a device toolchain's programs ---*- C++ -*-===//
//
// GPU backends hand their kernels to the vendor's tools (llvm-spirv for
// OpenCL, ptxas and fatbinary for CUDA) as subprocesses, through files.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_BACKENDS_GPU_EXTERNALTOOL_H
#define KILN_LIB_BACKENDS_GPU_EXTERNALTOOL_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"

#include "llvm/ADT/SmallString.h"

#include <string>
#include <vector>

namespace kiln::gpu {

/// Temporary files that are removed with this object.
class ScratchFiles {
public:
  ScratchFiles() = default;
  ScratchFiles(const ScratchFiles &) = delete;
  ScratchFiles &operator=(const ScratchFiles &) = delete;
  ~ScratchFiles();

  /// A new empty file's path, ending in `.suffix`; empty if none could be
  /// made.
  std::string create(llvm::StringRef suffix);
  /// A new file holding `contents`; empty if it could not be written.
  std::string write(llvm::StringRef suffix, llvm::StringRef contents);
  /// What `path` holds; fails (with an error at `loc`) if it cannot be read.
  mlir::FailureOr<std::string> read(llvm::StringRef path, mlir::Location loc);

private:
  std::vector<std::string> paths_;
};

/// How a tool's run ended: its exit status (-1 when it did not run, with
/// `error` saying why) and what it printed (stdout and stderr together).
struct ToolRun {
  int status = -1;
  std::string error;
  std::string messages;
};

/// Runs `tool` with `arguments` (not counting the program name), waiting at
/// most `seconds`, reporting nothing.
ToolRun runToolQuietly(llvm::StringRef tool,
                       llvm::ArrayRef<std::string> arguments,
                       unsigned seconds = 300);

/// Runs `tool` with `arguments` (not counting the program name), waiting at
/// most `seconds`. Returns what it printed (stdout and stderr together); if
/// it fails, emits an error at `loc` saying `what` failed, with its exit
/// status and messages.
mlir::FailureOr<std::string> runTool(llvm::StringRef tool,
                                     llvm::ArrayRef<std::string> arguments,
                                     mlir::Location loc, llvm::StringRef what,
                                     unsigned seconds = 300);

} // namespace kiln::gpu

#endif // KILN_LIB_BACKENDS_GPU_EXTERNALTOOL_H
