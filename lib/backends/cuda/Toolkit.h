//===- Toolkit.h - the CUDA toolkit the cuda target compiles with -*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_CUDA_TOOLKIT_H
#define KILN_LIB_BACKENDS_CUDA_TOOLKIT_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace kiln::cuda {

/// The parts of a CUDA toolkit the cuda target uses.
struct Toolkit {
  std::string root;      ///< The toolkit folder (its bin/, nvvm/).
  std::string ptxas;     ///< PTX to cubin.
  std::string fatbinary; ///< Cubins and PTX into one fatbin.
  std::string libdevice; ///< The math library's bitcode (__nv_expf, ...).
  std::string version;   ///< "13.0", as ptxas says it.
};

/// The toolkit at `given` if not empty, else the first of $CUDA_HOME,
/// $CUDA_PATH, $CUDA_ROOT, the folder above a `ptxas` on PATH, and
/// /usr/local/cuda that has ptxas, fatbinary and libdevice. On failure,
/// `error` says where it looked and what each place lacked.
bool findToolkit(llvm::StringRef given, Toolkit &toolkit, std::string &error);

} // namespace kiln::cuda

#endif // KILN_LIB_BACKENDS_CUDA_TOOLKIT_H
