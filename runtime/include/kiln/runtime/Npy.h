//===- Npy.h - numpy .npy files ---------------------------------*- C++ -*-===//
//
// Reads and writes numpy's .npy format (versions 1.0 to 3.0), the way inputs
// reach kiln-run and outputs leave it. Written files are byte-for-byte what
// numpy.save writes for the same array.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_NPY_H
#define KILN_RUNTIME_NPY_H

#include "kiln/runtime/Tensor.h"

#include <string>

namespace kiln::rt {

/// Loads a .npy file. Fortran-ordered and big-endian data are converted to
/// row-major native order. Throws Error naming the file and the problem
/// (missing, not .npy, truncated, unsupported dtype, malformed header).
HostTensor readNpy(const std::string &path);

/// Writes `tensor` as a .npy file, replacing `path`. Throws Error on I/O
/// failure or for element types numpy has no .npy code for (bf16).
void writeNpy(const std::string &path, const HostTensor &tensor);

} // namespace kiln::rt

#endif // KILN_RUNTIME_NPY_H
