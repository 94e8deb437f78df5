//===- OpenCLPasses.h - passes of the OpenCL backend ------------*- C++ -*-===//

#ifndef KILN_LIB_BACKENDS_OPENCL_OPENCLPASSES_H
#define KILN_LIB_BACKENDS_OPENCL_OPENCLPASSES_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::opencl {

#define GEN_PASS_DECL
#include "lib/backends/opencl/OpenCLPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/backends/opencl/OpenCLPasses.h.inc"

} // namespace kiln::opencl

#endif // KILN_LIB_BACKENDS_OPENCL_OPENCLPASSES_H
