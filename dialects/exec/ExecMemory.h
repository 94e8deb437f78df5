//===- ExecMemory.h - buffer lifetimes of a host schedule -------*- C++ -*-===//
//
// What memory planning, the compile report and the memory plot all need: the
// schedule's steps in order and, for every transient buffer (exec.alloc),
// its size, the device arena it lives in and the steps it is live at. A
// buffer is live from the first step that touches it (through any view) to
// the last, inclusive: its producer writes it at the first, its last reader
// reads it at the last.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_EXEC_EXECMEMORY_H
#define KILN_DIALECTS_EXEC_EXECMEMORY_H

#include "dialects/exec/ExecOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <array>
#include <optional>
#include <string>

namespace kiln::exec {

struct BufferLifetime {
  AllocOp alloc;
  int64_t bytes = 0;
  /// The memory it is in ("host" or a device's): its arena.
  std::string arena;
  /// Steps it is live at, [first, last]; both -1 when no step uses it.
  int64_t first = -1, last = -1;
  /// The step that touches it first (its producer), or null.
  mlir::Operation *producer = nullptr;

  bool overlaps(const BufferLifetime &other) const {
    return first >= 0 && other.first >= 0 && first <= other.last &&
           other.first <= last;
  }
};

/// Orders buffers largest first, equal sizes in program order (buffers of
/// one ScheduleLifetimes).
inline bool largestFirst(const BufferLifetime *a, const BufferLifetime *b) {
  return a->bytes != b->bytes ? a->bytes > b->bytes : a < b;
}

struct ScheduleLifetimes {
  /// Every op of the host function that reads or writes buffers (dispatches,
  /// copies), in program order.
  llvm::SmallVector<mlir::Operation *> steps;
  /// Every exec.alloc, in program order.
  llvm::SmallVector<BufferLifetime> buffers;
  llvm::DenseMap<mlir::Operation *, unsigned> bufferIndex; // alloc -> index

  /// Bytes of `arena`'s buffers live at each step.
  llvm::SmallVector<int64_t> liveBytes(llvm::StringRef arena) const;
  /// The buffers of `arena` live at `step`, largest first.
  llvm::SmallVector<const BufferLifetime *> liveAt(llvm::StringRef arena,
                                                   int64_t step) const;
  /// The arenas the buffers use, sorted.
  llvm::SmallVector<std::string> arenas() const;
};

/// The buffer `buffer` views (through any views): an argument, a constant
/// or an alloc.
mlir::Value rootBuffer(mlir::Value buffer);

/// The transient buffer `buffer` is (through views), or null for an input,
/// output or constant.
AllocOp rootAlloc(mlir::Value buffer);

/// One device arena as exec-plan-memory records it in the host function's
/// exec.arenas: its size and alignment, and the planner's figures.
struct ArenaPlan {
  std::string name; ///< the memory: "host" or a device's
  int64_t alignment = kDefaultAlignment, bytes = 0, lowerBound = 0, naive = 0,
          buffers = 0, inPlace = 0;

  mlir::NamedAttribute toAttr(mlir::Builder &builder) const;
};

/// The arenas recorded on `host` (none before planning), in name order.
/// Fails, with an error on `host`, on an entry without its bytes and
/// alignment.
mlir::FailureOr<llvm::SmallVector<ArenaPlan>>
readArenas(mlir::func::FuncOp host);

/// The device target of the kernel a dispatch launches (its kernel module's
/// exec.target), or "" when it cannot be found.
std::string dispatchTarget(DispatchOp dispatch);

/// How a dispatch's kernel is launched, as its lowered kernel module
/// records it (exec.launches or exec.workgroups); none before lowering.
struct Launch {
  std::array<int64_t, 3> grid = {1, 1, 1}, workgroup = {1, 1, 1};
  int64_t sharedBytes = 0;
};
std::optional<Launch> dispatchLaunch(DispatchOp dispatch);

/// The buffer alignment of the kernel module `dispatch` launches into
/// (exec.alignment, else kDefaultAlignment).
int64_t dispatchAlignment(DispatchOp dispatch);

/// Lifetimes of `host`'s buffers, each in the arena of its memory.
ScheduleLifetimes analyzeLifetimes(mlir::func::FuncOp host);

/// A short name for what a step computes: "dispatch_3 (graph.conv2d,
/// graph.add)", "copy".
std::string describeStep(mlir::Operation *step);

/// "f32[1,64,56,56]".
std::string describeBuffer(mlir::MemRefType type);

/// Bytes for people: "3.06 MiB (3211264 bytes)".
std::string formatBytes(int64_t bytes);

} // namespace kiln::exec

#endif // KILN_DIALECTS_EXEC_EXECMEMORY_H
