//===- MpiCommunicator.cpp - collectives between MPI ranks ----------------===//
//
// libkiln-mpi.so: the Communicator over MPI, one rank per device, loaded by
// the runtime (loadMpiCommunicator) only when a program runs under mpirun,
// so nothing else links MPI. Each collective is MPI's nonblocking one,
// waited for with a deadline: a peer that never arrives (hung, or gone
// without MPI noticing) makes this rank abort the job with a message naming
// the collective, instead of hanging. abort() is MPI_Abort: mpirun stops
// every rank.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Communicator.h"
#include "kiln/runtime/Error.h"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace kiln::rt;

namespace {

MPI_Datatype mpiType(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return MPI_FLOAT;
  case DType::f64:
    return MPI_DOUBLE;
  case DType::i32:
    return MPI_INT32_T;
  case DType::i64:
    return MPI_INT64_T;
  default:
    throw Error(std::string("MPI reductions take f32, f64, i32 or i64, not ") +
                std::string(dtypeName(dtype)));
  }
}

MPI_Op mpiOp(ReduceOp op) {
  switch (op) {
  case ReduceOp::sum:
    return MPI_SUM;
  case ReduceOp::max:
    return MPI_MAX;
  case ReduceOp::min:
    return MPI_MIN;
  }
  return MPI_SUM;
}

class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(MPI_Comm comm, bool owner, std::chrono::milliseconds timeout)
      : comm_(comm), owner_(owner), timeout_(timeout) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    if (owner_) {
      MPI_Finalize();
    } else {
      MPI_Comm_free(&comm_);
    }
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void allReduce(const void *send, void *recv, uint64_t count, DType dtype,
                 ReduceOp op) override {
    MPI_Request request;
    MPI_Datatype type = mpiType(dtype);
    MPI_Iallreduce(send == recv ? MPI_IN_PLACE : send, recv, int(count), type,
                   mpiOp(op), comm_, &request);
    wait(request, "all_reduce of " + std::to_string(count) + " " +
                      std::string(dtypeName(dtype)));
  }
  void allGather(const void *send, void *recv, uint64_t bytes) override {
    MPI_Request request;
    MPI_Iallgather(send, int(bytes), MPI_BYTE, recv, int(bytes), MPI_BYTE,
                   comm_, &request);
    wait(request, "all_gather of " + std::to_string(bytes) + " bytes");
  }
  void reduceScatter(const void *send, void *recv, uint64_t count, DType dtype,
                     ReduceOp op) override {
    MPI_Request request;
    MPI_Ireduce_scatter_block(send, recv, int(count), mpiType(dtype), mpiOp(op),
                              comm_, &request);
    wait(request, "reduce_scatter of " + std::to_string(count) + " " +
                      std::string(dtypeName(dtype)));
  }
  void allToAll(const void *send, void *recv, uint64_t bytes) override {
    MPI_Request request;
    MPI_Ialltoall(send, int(bytes), MPI_BYTE, recv, int(bytes), MPI_BYTE, comm_,
                  &request);
    wait(request, "all_to_all of " + std::to_string(bytes) + " bytes");
  }
  void barrier() override {
    MPI_Request request;
    MPI_Ibarrier(comm_, &request);
    wait(request, "barrier");
  }
  void abort(const std::string &reason) override {
    std::fprintf(stderr, "kiln: error: rank %d: %s (stopping every rank)\n",
                 worldRank(), reason.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  std::unique_ptr<Communicator> split(int color, int key) override {
    MPI_Comm group;
    MPI_Comm_split(comm_, color, key, &group);
    return std::make_unique<MpiCommunicator>(group, false, timeout_);
  }

private:
  static int worldRank() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
  }
  /// Waits for `request` until the deadline; past it, the peers are not
  /// coming: stop the whole job with what this rank waited for.
  void wait(MPI_Request &request, const std::string &what) {
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    int done = 0;
    for (int spins = 0;; ++spins) {
      MPI_Test(&request, &done, MPI_STATUS_IGNORE);
      if (done)
        return;
      if (std::chrono::steady_clock::now() > deadline)
        abort("waited " + std::to_string(timeout_.count()) + " ms in " + what +
              " for the other ranks, which did not arrive");
      if (spins > 1000)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  MPI_Comm comm_;
  bool owner_;
  std::chrono::milliseconds timeout_;
  int rank_ = 0, size_ = 1;
};

} // namespace

/// The plugin's one entry point: the world communicator, MPI initialized.
extern "C" Communicator *kilnCreateMpiCommunicator(int *argc, char ***argv,
                                                   long timeoutMs) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized)
    MPI_Init(argc, argv);
  return new MpiCommunicator(MPI_COMM_WORLD, !initialized,
                             std::chrono::milliseconds(timeoutMs));
}
