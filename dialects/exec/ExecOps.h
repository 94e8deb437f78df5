//===- ExecOps.h - the Kiln host schedule dialect ---------------*- C++ -*-===//

#ifndef KILN_DIALECTS_EXEC_EXECOPS_H
#define KILN_DIALECTS_EXEC_EXECOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <string>
#include <vector>

#include "dialects/exec/ExecDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/exec/ExecAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/exec/ExecOps.h.inc"

namespace kiln::exec {

/// Attribute names of the schedule's structure.
/// On a kernel module: the target its kernels are compiled for, a
/// #exec.target<"cpu", {options}>.
inline constexpr llvm::StringLiteral kTargetAttr = "exec.target";
/// On the host function: the entry point the runtime calls.
inline constexpr llvm::StringLiteral kEntryAttr = "exec.entry";
/// On the host function: how many leading arguments are inputs; the rest are
/// the outputs, written in place.
inline constexpr llvm::StringLiteral kNumInputsAttr = "exec.num_inputs";
/// On host function arguments: the user-facing name of an input or output.
inline constexpr llvm::StringLiteral kNameAttr = "exec.name";
/// On an exec.dispatch: the graph ops its kernel computes (names, in order)
/// and their estimated arithmetic, for the compile report.
inline constexpr llvm::StringLiteral kOpsAttr = "exec.ops";
inline constexpr llvm::StringLiteral kFlopsAttr = "exec.flops";
/// On an exec.dispatch, once the artifact is written: the symbol the
/// runtime calls for its kernel (the report's and a profile's "kernel").
inline constexpr llvm::StringLiteral kKernelSymbolAttr = "exec.kernel_symbol";
/// On a lowered kernel module: how each kernel is launched. GPU backends
/// record exec.launches, per kernel {grid = array<i64: x, y, z>, workgroup =
/// array<i64: x, y, z>, shared_bytes}; the CPU records exec.workgroups, per
/// kernel its count of workgroups (a 1-D grid of one-thread workgroups).
inline constexpr llvm::StringLiteral kLaunchesAttr = "exec.launches";
inline constexpr llvm::StringLiteral kWorkgroupsAttr = "exec.workgroups";
/// On a kernel module: the byte alignment its device needs for buffers.
inline constexpr llvm::StringLiteral kAlignmentAttr = "exec.alignment";
/// Alignment of a kernel module without exec.alignment (a host cache line).
inline constexpr int64_t kDefaultAlignment = 64;
/// On the host function, after memory planning: one dictionary per arena
/// (device target), {alignment, bytes, lower_bound_bytes, naive_bytes,
/// buffers, in_place}; see exec-plan-memory.
inline constexpr llvm::StringLiteral kArenasAttr = "exec.arenas";
/// On the host function of a sharded program: the device mesh, the number
/// of devices along each axis (array<i64>); collectives run over its axes.
inline constexpr llvm::StringLiteral kMeshAttr = "exec.mesh";
/// On the host function of a sharded program: the mesh axes' names.
inline constexpr llvm::StringLiteral kMeshAxesAttr = "exec.mesh_axes";
/// On host function arguments of a sharded program: per dim, the mesh axes
/// the caller's tensor is split along (absent: the same on every device).
inline constexpr llvm::StringLiteral kSplitAttr = "exec.split";

/// The memory a buffer type's bytes are in: "host" (no memory space) or the
/// device its string memory space names.
llvm::StringRef memoryOf(mlir::Type buffer);
inline constexpr llvm::StringLiteral kHostMemory = "host";
/// `type` in `memory` ("host": without a memory space).
mlir::MemRefType inMemory(mlir::MemRefType type, llvm::StringRef memory);

/// The target of a kernel module (its exec.target), or null.
TargetAttr targetOf(mlir::ModuleOp kernels);

/// Whether `op` is one of the exec collectives (all_reduce, all_gather,
/// reduce_scatter, all_to_all, all_slice).
bool isCollective(mlir::Operation *op);

/// The names of the mesh axes of `host` (exec.mesh_axes), "axisN" for an
/// axis without one; one per exec.mesh axis.
std::vector<std::string> meshAxisNames(mlir::Operation *host);

/// The shape of one device's block of a `whole` tensor split as `split`
/// says (per dim an array<i16> of axes of the mesh on `op`'s function);
/// `whole` itself when `split` is null. Errors are reported on `op`.
mlir::FailureOr<llvm::SmallVector<int64_t>>
blockShape(mlir::Operation *op, llvm::ArrayRef<int64_t> whole,
           mlir::ArrayAttr split);

} // namespace kiln::exec

#endif // KILN_DIALECTS_EXEC_EXECOPS_H
