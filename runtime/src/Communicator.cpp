//===- Communicator.cpp - the in-process communicator ---------------------===//
//
// Ranks are threads of one process sharing a `Group`. A collective is two
// rendezvous: at the first every rank has published its send buffer (and
// the group checks that all ranks called the same collective with the same
// size), between the two each rank computes its own result reading its
// peers' buffers, and at the second nobody reads any more, so send buffers
// may be reused and results that overwrite them be written.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Communicator.h"

#include "kiln/runtime/Error.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <unistd.h>

namespace kiln::rt {

std::string_view reduceOpName(ReduceOp op) {
  switch (op) {
  case ReduceOp::sum:
    return "sum";
  case ReduceOp::max:
    return "max";
  case ReduceOp::min:
    return "min";
  }
  return "?";
}

namespace {

enum class Kind : uint8_t {
  allReduce,
  allGather,
  reduceScatter,
  allToAll,
  barrier
};

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::allReduce:
    return "all_reduce";
  case Kind::allGather:
    return "all_gather";
  case Kind::reduceScatter:
    return "reduce_scatter";
  case Kind::allToAll:
    return "all_to_all";
  case Kind::barrier:
    return "barrier";
  }
  return "?";
}

/// What one rank asked for, to check that all ranks agree.
struct Call {
  Kind kind = Kind::barrier;
  uint64_t size = 0; // elements or bytes, as the collective counts
  DType dtype = DType::f32;
  ReduceOp op = ReduceOp::sum;
  const void *send = nullptr;

  bool operator==(const Call &other) const {
    return kind == other.kind && size == other.size && dtype == other.dtype &&
           op == other.op;
  }
  std::string describe() const {
    std::string text = kindName(kind);
    if (kind == Kind::allReduce || kind == Kind::reduceScatter)
      text += " (" + std::string(reduceOpName(op)) + ") of " +
              std::to_string(size) + " " + std::string(dtypeName(dtype));
    else if (kind != Kind::barrier)
      text += " of " + std::to_string(size) + " bytes";
    return text;
  }
};

struct Group {
  Group(int size, std::chrono::milliseconds timeout)
      : size(size), timeout(timeout), calls(size), present(size, false) {}

  const int size;
  const std::chrono::milliseconds timeout;
  std::mutex mutex;
  std::condition_variable changed;
  uint64_t generation = 0;
  int arrived = 0;
  std::vector<Call> calls;
  std::vector<bool> present;
  std::string aborted; // non-empty: every collective throws this
  /// Groups split from this one: (the split's number, color) → the group,
  /// created by the first of its ranks to arrive.
  std::map<std::pair<uint64_t, int>, std::shared_ptr<Group>> splits;

  /// Waits until every rank has arrived; publishes `call` on the way in.
  void rendezvous(int rank, const Call &call, bool first) {
    std::unique_lock<std::mutex> lock(mutex);
    if (!aborted.empty())
      throw Error(aborted);
    if (first)
      calls[rank] = call;
    present[rank] = true;
    if (++arrived == size) {
      if (first)
        for (int peer = 0; peer < size; ++peer)
          if (!(calls[peer] == calls[0])) {
            aborted = "collective mismatch: rank 0 called " +
                      calls[0].describe() + ", rank " + std::to_string(peer) +
                      " " + calls[peer].describe();
            changed.notify_all();
            throw Error(aborted);
          }
      arrived = 0;
      std::fill(present.begin(), present.end(), false);
      ++generation;
      changed.notify_all();
      return;
    }
    uint64_t waitingFor = generation;
    bool done = changed.wait_for(lock, timeout, [&] {
      return generation != waitingFor || !aborted.empty();
    });
    if (!aborted.empty())
      throw Error(aborted);
    if (done)
      return;
    std::string missing;
    for (int peer = 0; peer < size; ++peer)
      if (!present[peer])
        missing += (missing.empty() ? "" : ", ") + std::to_string(peer);
    aborted = "rank " + std::to_string(rank) + " waited " +
              std::to_string(timeout.count()) + " ms in " + call.describe() +
              " for rank(s) " + missing + ", which did not arrive";
    changed.notify_all();
    throw Error(aborted);
  }

  void abort(const std::string &reason) {
    std::lock_guard<std::mutex> lock(mutex);
    if (aborted.empty())
      aborted = reason;
    changed.notify_all();
  }
};

template <typename T>
void reduceInto(T *out, const T *in, uint64_t n, ReduceOp op) {
  switch (op) {
  case ReduceOp::sum:
    for (uint64_t i = 0; i < n; ++i)
      out[i] += in[i];
    break;
  case ReduceOp::max:
    for (uint64_t i = 0; i < n; ++i)
      out[i] = std::max(out[i], in[i]);
    break;
  case ReduceOp::min:
    for (uint64_t i = 0; i < n; ++i)
      out[i] = std::min(out[i], in[i]);
    break;
  }
}

/// out = in, then out op= each further input, in the order given.
void reduce(void *out, const std::vector<const char *> &inputs, uint64_t count,
            DType dtype, ReduceOp op) {
  std::memcpy(out, inputs[0], count * dtypeSize(dtype));
  for (size_t i = 1; i < inputs.size(); ++i) {
    switch (dtype) {
    case DType::f32:
      reduceInto(static_cast<float *>(out),
                 reinterpret_cast<const float *>(inputs[i]), count, op);
      break;
    case DType::f64:
      reduceInto(static_cast<double *>(out),
                 reinterpret_cast<const double *>(inputs[i]), count, op);
      break;
    case DType::i32:
      reduceInto(static_cast<int32_t *>(out),
                 reinterpret_cast<const int32_t *>(inputs[i]), count, op);
      break;
    case DType::i64:
      reduceInto(static_cast<int64_t *>(out),
                 reinterpret_cast<const int64_t *>(inputs[i]), count, op);
      break;
    default:
      break; // Checked before the rendezvous.
    }
  }
}

class InProcessCommunicator final : public Communicator {
public:
  InProcessCommunicator(std::shared_ptr<Group> group, int rank)
      : group_(std::move(group)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return group_->size; }

  void allReduce(const void *send, void *recv, uint64_t count, DType dtype,
                 ReduceOp op) override {
    Call call{Kind::allReduce, count, dtype, op, send};
    checkDType(call);
    uint64_t bytes = count * dtypeSize(dtype);
    begin(call);
    reduce(scratch(bytes), peerSends(0), count, dtype, op);
    end(call);
    std::memcpy(recv, scratch_.data(), bytes);
  }

  void allGather(const void *send, void *recv, uint64_t bytes) override {
    Call call{Kind::allGather, bytes, DType::ui8, ReduceOp::sum, send};
    begin(call);
    char *out = static_cast<char *>(recv);
    for (int peer = 0; peer < size(); ++peer)
      std::memcpy(out + peer * bytes, group_->calls[peer].send, bytes);
    end(call);
  }

  void reduceScatter(const void *send, void *recv, uint64_t count, DType dtype,
                     ReduceOp op) override {
    Call call{Kind::reduceScatter, count, dtype, op, send};
    checkDType(call);
    uint64_t bytes = count * dtypeSize(dtype);
    begin(call);
    reduce(scratch(bytes), peerSends(rank_ * bytes), count, dtype, op);
    end(call);
    std::memcpy(recv, scratch_.data(), bytes);
  }

  void allToAll(const void *send, void *recv, uint64_t bytes) override {
    Call call{Kind::allToAll, bytes, DType::ui8, ReduceOp::sum, send};
    begin(call);
    char *out = static_cast<char *>(recv);
    for (int peer = 0; peer < size(); ++peer)
      std::memcpy(out + peer * bytes,
                  static_cast<const char *>(group_->calls[peer].send) +
                      rank_ * bytes,
                  bytes);
    end(call);
  }

  void barrier() override {
    Call call;
    group_->rendezvous(rank_, call, /*first=*/true);
  }

  void abort(const std::string &reason) override {
    group_->abort("rank " + std::to_string(rank_) + " aborted: " + reason);
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    int32_t mine[2] = {color, key};
    std::vector<int32_t> all(2 * size());
    allGather(mine, all.data(), sizeof mine);
    std::vector<std::pair<int32_t, int>> members; // (key, rank)
    for (int peer = 0; peer < size(); ++peer)
      if (all[2 * peer] == color)
        members.push_back({all[2 * peer + 1], peer});
    std::sort(members.begin(), members.end());
    int newRank = static_cast<int>(
        std::find(members.begin(), members.end(), std::make_pair(key, rank_)) -
        members.begin());
    std::shared_ptr<Group> sub;
    {
      std::lock_guard<std::mutex> lock(group_->mutex);
      std::shared_ptr<Group> &slot = group_->splits[{splits_, color}];
      if (!slot)
        slot = std::make_shared<Group>(static_cast<int>(members.size()),
                                       group_->timeout);
      sub = slot;
    }
    ++splits_;
    return std::make_unique<InProcessCommunicator>(std::move(sub), newRank);
  }

private:
  void checkDType(const Call &call) {
    if (call.dtype != DType::f32 && call.dtype != DType::f64 &&
        call.dtype != DType::i32 && call.dtype != DType::i64)
      throw Error(call.describe() + ": reductions take f32, f64, i32 or i64");
  }
  void begin(const Call &call) { group_->rendezvous(rank_, call, true); }
  void end(const Call &call) { group_->rendezvous(rank_, call, false); }

  /// Every rank's send buffer, from byte `offset`, in rank order.
  const std::vector<const char *> &peerSends(uint64_t offset) {
    sends_.clear();
    for (int peer = 0; peer < size(); ++peer)
      sends_.push_back(static_cast<const char *>(group_->calls[peer].send) +
                       offset);
    return sends_;
  }
  /// A result buffer kept between calls (a rank's recv may be a send buffer
  /// a peer still reads, so results land here first).
  void *scratch(uint64_t bytes) {
    if (scratch_.size() < bytes)
      scratch_.resize(bytes);
    return scratch_.data();
  }

  std::shared_ptr<Group> group_;
  int rank_;
  uint64_t splits_ = 0;
  std::vector<const char *> sends_;
  std::vector<char> scratch_;
};

} // namespace

bool launchedByMpi() {
  for (const char *variable :
       {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(variable))
      return true;
  return false;
}

namespace {
/// Opens the communicator plugin `file`: $`variable` if set, else beside
/// the executable (or in ../lib), else on the library path. Throws Error
/// saying `what` needs it and what each place said.
void *openPlugin(const std::string &file, const char *variable,
                 const std::string &what) {
  std::vector<std::string> candidates;
  if (const char *path = std::getenv(variable))
    candidates.push_back(path);
  char self[4096];
  ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length > 0) {
    std::string directory(self, static_cast<size_t>(length));
    directory.resize(directory.rfind('/') + 1);
    candidates.push_back(directory + file);
    candidates.push_back(directory + "../lib/" + file);
  }
  candidates.push_back(file);
  std::string tried;
  for (const std::string &candidate : candidates) {
    if (void *library = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_GLOBAL))
      return library;
    tried += std::string("\n  ") + ::dlerror();
  }
  throw Error(what + " (" + file + "), which cannot be loaded:" + tried);
}

template <typename Function>
Function entryPoint(void *library, const char *name, const std::string &file) {
  auto entry = reinterpret_cast<Function>(::dlsym(library, name));
  if (!entry)
    throw Error("'" + file + "' has no " + name + ": not Kiln's library");
  return entry;
}
} // namespace

std::unique_ptr<Communicator>
loadMpiCommunicator(int *argc, char ***argv,
                    std::chrono::milliseconds timeout) {
  void *library =
      openPlugin("libkiln-mpi.so", "KILN_MPI_LIBRARY",
                 "this process runs under mpirun, but needs Kiln's MPI "
                 "library, built when MPI is installed (Debian's "
                 "libopenmpi-dev)");
  auto create = entryPoint<Communicator *(*)(int *, char ***, long)>(
      library, "kilnCreateMpiCommunicator", "libkiln-mpi.so");
  return std::unique_ptr<Communicator>(
      create(argc, argv, static_cast<long>(timeout.count())));
}

std::vector<std::unique_ptr<Communicator>>
loadNcclCommunicators(int size, std::chrono::milliseconds timeout) {
  void *library = openPlugin(
      "libkiln-nccl.so", "KILN_NCCL_LIBRARY",
      "NCCL collectives need Kiln's NCCL library, built when the CUDA toolkit "
      "has NCCL (/usr/local/cuda), and NCCL and CUDA at run time");
  auto create = entryPoint<int (*)(int, long, Communicator **, char *, size_t)>(
      library, "kilnCreateNcclCommunicators", "libkiln-nccl.so");
  std::vector<Communicator *> raw(size, nullptr);
  char error[1024] = {0};
  if (create(size, static_cast<long>(timeout.count()), raw.data(), error,
             sizeof(error)) != 0)
    throw Error(std::string("NCCL is not available: ") + error);
  std::vector<std::unique_ptr<Communicator>> ranks;
  for (Communicator *rank : raw)
    ranks.emplace_back(rank);
  return ranks;
}

std::vector<std::unique_ptr<Communicator>>
createInProcessCommunicators(int size, std::chrono::milliseconds timeout) {
  if (size < 1)
    throw Error("a communicator needs at least one rank, got " +
                std::to_string(size));
  auto group = std::make_shared<Group>(size, timeout);
  std::vector<std::unique_ptr<Communicator>> ranks;
  for (int rank = 0; rank < size; ++rank)
    ranks.push_back(std::make_unique<InProcessCommunicator>(group, rank));
  return ranks;
}

} // namespace kiln::rt
