//===- TilingPasses.h - kernel tiling every backend shares ------*- C++ -*-===//
//
// From a kernel module on tensors to bufferized kernels for one workgroup
// each: the passes and the pipeline prefix the CPU and the GPU backends
// share (a CPU workgroup is a call on a worker thread; a GPU backend tiles
// to single iterations, one per work item).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LIB_BACKENDS_TILING_TILINGPASSES_H
#define KILN_LIB_BACKENDS_TILING_TILINGPASSES_H

#include "dialects/exec/ExecOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <string>

namespace kiln::tiling {

#define GEN_PASS_DECL
#include "lib/backends/tiling/TilingPasses.h.inc"

/// Registers the passes (once per process, whichever backend asks first).
void registerPasses();

/// From tensor kernels to bufferized kernels for one workgroup each: the
/// root tiled into at most `maxWorkgroups` tiles of at least
/// `minIterations` iterations (producers fused), bufferized in place, the
/// tile loop replaced by the workgroup id, temporaries on the stack. The CPU
/// runs it with its workgroup budget; GPU backends with single-iteration
/// tiles and `workItems`, a tile per work item. `afterTiling`: the
/// backend's passes on the tiled tensors, before bufferization.
inline std::string
workgroupTilingPipeline(int64_t maxWorkgroups, int64_t minIterations,
                        bool workItems = false,
                        const std::string &afterTiling = "") {
  // Work items each pad their element; a CPU fills and copies.
  return std::string(workItems ? "convert-graph-to-linalg{gather-pads=1}"
                               : "convert-graph-to-linalg") +
         ",canonicalize,cse,"
         "kernel-tile-workgroups{max-workgroups=" +
         std::to_string(maxWorkgroups) +
         " min-workgroup-iterations=" + std::to_string(minIterations) +
         (workItems ? " work-items=1" : "") +
         // Producers fused into several consumers are computed once.
         "},cse," + (afterTiling.empty() ? "" : afterTiling + ",") +
         "canonicalize,"
         "eliminate-empty-tensors,"
         "one-shot-bufferize{bufferize-function-boundaries=0},"
         "canonicalize,cse,canonicalize,"
         "kernel-distribute-workgroups,kernel-stack-temporaries,"
         "buffer-deallocation-pipeline,"
         "kernel-expand-copies,func.func(convert-linalg-to-loops)";
}

} // namespace kiln::tiling

#endif // KILN_LIB_BACKENDS_TILING_TILINGPASSES_H
