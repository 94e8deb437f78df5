//===- Communicator.h - collectives between devices -------------*- C++ -*-===//
//
// The one interface a sharded run's collectives go through, whatever carries
// them: threads of one process (here), MPI ranks, NCCL. Every rank of a
// communicator calls the same collectives in the same order; each call
// returns when this rank's result is complete and its send buffer may be
// reused. Buffers are host pointers, or pointers into a device's memory for
// a communicator that takes that device's memory (NCCL: a CUDA device's).
//
// Results are bit-identical on every rank and for every communicator size's
// partition of the same data: reductions add the ranks' contributions in rank
// order.
//
// Faults never hang: a rank that waits longer than the communicator's
// timeout for its peers, or whose peer aborted, throws Error naming the
// collective and the ranks that did not arrive.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_COMMUNICATOR_H
#define KILN_RUNTIME_COMMUNICATOR_H

#include "kiln/runtime/Tensor.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::rt {

class Device;

enum class ReduceOp : uint8_t { sum = 0, max = 1, min = 2 };

std::string_view reduceOpName(ReduceOp op);

class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// recv[i] = op over ranks r of send_r[i], `count` elements of `dtype`
  /// (f32, f64, i32, i64). `send` and `recv` may be the same buffer.
  virtual void allReduce(const void *send, void *recv, uint64_t count,
                         DType dtype, ReduceOp op) = 0;
  /// recv = send_0 ++ send_1 ++ ... (each `bytes` long), in rank order.
  virtual void allGather(const void *send, void *recv, uint64_t bytes) = 0;
  /// send holds size() blocks of `count` elements; recv = op over ranks of
  /// their block rank().
  virtual void reduceScatter(const void *send, void *recv, uint64_t count,
                             DType dtype, ReduceOp op) = 0;
  /// send holds size() blocks of `bytes`; recv's block r is rank r's block
  /// rank().
  virtual void allToAll(const void *send, void *recv, uint64_t bytes) = 0;
  /// Returns when every rank has called it.
  virtual void barrier() = 0;
  /// Whether collectives may be given pointers into `device`'s memory
  /// (with everything submitted to the device before finished): the
  /// executor then runs a sharded program's collectives on its device's
  /// buffers. Otherwise it stages them through host memory.
  virtual bool takesMemoryOf(const Device & /*device*/) const { return false; }
  /// A communicator of the ranks that give the same `color`, ranked by
  /// `key` (ties by rank): a device group of a mesh. Every rank calls it, in
  /// the same order among its collectives.
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;
  /// Makes every rank's current and next collective throw Error with
  /// `reason` (a rank that fails calls it before it stops).
  virtual void abort(const std::string &reason) = 0;
};

/// `size` communicators that share this process, one per device, used from
/// one thread each. A collective waits at most `timeout` for the others.
std::vector<std::unique_ptr<Communicator>> createInProcessCommunicators(
    int size, std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// Whether this process is one rank of a job mpirun started (Open MPI or
/// MPICH's environment).
bool launchedByMpi();

/// The MPI world communicator, from libkiln-mpi.so (next to the executable,
/// or $KILN_MPI_LIBRARY), which initializes MPI with argc/argv: only a
/// program started by mpirun needs MPI at all. A collective waits at most
/// `timeout`, then stops the job. Throws Error when the library or MPI is
/// missing.
std::unique_ptr<Communicator> loadMpiCommunicator(
    int *argc, char ***argv,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// `size` communicators over NCCL in this process, rank r on GPU r, from
/// libkiln-nccl.so (next to the executable, or $KILN_NCCL_LIBRARY), used
/// from one thread each. Buffers stay host memory: each collective stages
/// through the rank's GPU. Throws Error when the library, CUDA, NCCL or
/// enough GPUs are missing.
std::vector<std::unique_ptr<Communicator>> loadNcclCommunicators(
    int size, std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace kiln::rt

#endif // KILN_RUNTIME_COMMUNICATOR_H
