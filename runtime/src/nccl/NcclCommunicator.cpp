//===- NcclCommunicator.cpp - collectives over NCCL -----------------------===//
//
// libkiln-nccl.so: the Communicator over NCCL, one GPU per device of the
// mesh, all in one process (one thread per device, as MeshExecutor runs
// them). Built when the CUDA toolkit has NCCL, loaded with dlopen only when
// asked for (loadNcclCommunicators), so nothing else links CUDA.
//
// A sharded program compiled for cuda keeps its collectives' buffers in the
// GPU's memory, and the executor hands them over as they are (takesMemoryOf:
// a cuda device, which must be this rank's GPU): NCCL reads and writes them
// in place. Host buffers (a program for the CPU) are staged through device
// memory on the rank's GPU and the result copied back. Either way the
// collective runs on the rank's stream.
// Waits poll the stream with a deadline and watch the other ranks: a rank
// that aborts, or a collective past the deadline, aborts every rank's NCCL
// communicator and throws, instead of hanging.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Communicator.h"
#include "kiln/runtime/Device.h"
#include "kiln/runtime/Error.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

using namespace kiln::rt;

namespace {

void check(cudaError_t status, const char *what) {
  if (status != cudaSuccess)
    throw Error(std::string(what) + ": " + cudaGetErrorString(status));
}
void check(ncclResult_t status, const char *what) {
  if (status != ncclSuccess)
    throw Error(std::string(what) + ": " + ncclGetErrorString(status));
}

ncclDataType_t ncclType(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return ncclFloat32;
  case DType::f64:
    return ncclFloat64;
  case DType::i32:
    return ncclInt32;
  case DType::i64:
    return ncclInt64;
  default:
    throw Error(std::string("NCCL reductions take f32, f64, i32 or i64, not ") +
                std::string(dtypeName(dtype)));
  }
}

ncclRedOp_t ncclOp(ReduceOp op) {
  switch (op) {
  case ReduceOp::sum:
    return ncclSum;
  case ReduceOp::max:
    return ncclMax;
  case ReduceOp::min:
    return ncclMin;
  }
  return ncclSum;
}

/// What the ranks of one process share: whether one of them aborted, and
/// every communicator to abort then.
struct Shared {
  std::atomic<bool> aborted{false};
  std::mutex mutex;
  std::string reason;
  std::vector<ncclComm_t> comms;

  void abort(const std::string &why) {
    std::lock_guard<std::mutex> lock(mutex);
    if (aborted.exchange(true))
      return;
    reason = why;
    for (ncclComm_t comm : comms)
      ncclCommAbort(comm);
  }
};

class NcclCommunicator final : public Communicator {
public:
  NcclCommunicator(ncclComm_t comm, int device,
                   std::chrono::milliseconds timeout,
                   std::shared_ptr<Shared> shared)
      : comm_(comm), device_(device), timeout_(timeout),
        shared_(std::move(shared)) {
    ncclCommUserRank(comm_, &rank_);
    ncclCommCount(comm_, &size_);
    check(cudaSetDevice(device_), "cudaSetDevice");
    check(cudaStreamCreate(&stream_), "cudaStreamCreate");
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->comms.push_back(comm_);
  }
  ~NcclCommunicator() override {
    cudaSetDevice(device_);
    cudaFree(send_);
    cudaFree(recv_);
    cudaStreamDestroy(stream_);
    if (!shared_->aborted)
      ncclCommDestroy(comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void allReduce(const void *send, void *recv, uint64_t count, DType dtype,
                 ReduceOp op) override {
    size_t bytes = count * dtypeSize(dtype);
    Buffers b = stage(send, recv, bytes, bytes);
    check(ncclAllReduce(b.send, b.recv, count, ncclType(dtype), ncclOp(op),
                        comm_, stream_),
          "ncclAllReduce");
    finish(b, recv, bytes, "all_reduce");
  }
  void allGather(const void *send, void *recv, uint64_t bytes) override {
    Buffers b = stage(send, recv, bytes, bytes * size_);
    check(ncclAllGather(b.send, b.recv, bytes, ncclUint8, comm_, stream_),
          "ncclAllGather");
    finish(b, recv, bytes * size_, "all_gather");
  }
  void reduceScatter(const void *send, void *recv, uint64_t count, DType dtype,
                     ReduceOp op) override {
    size_t bytes = count * dtypeSize(dtype);
    Buffers b = stage(send, recv, bytes * size_, bytes);
    check(ncclReduceScatter(b.send, b.recv, count, ncclType(dtype), ncclOp(op),
                            comm_, stream_),
          "ncclReduceScatter");
    finish(b, recv, bytes, "reduce_scatter");
  }
  void allToAll(const void *send, void *recv, uint64_t bytes) override {
    Buffers b = stage(send, recv, bytes * size_, bytes * size_);
    check(ncclGroupStart(), "ncclGroupStart");
    for (int peer = 0; peer < size_; ++peer) {
      check(ncclSend(static_cast<const char *>(b.send) + peer * bytes, bytes,
                     ncclUint8, peer, comm_, stream_),
            "ncclSend");
      check(ncclRecv(static_cast<char *>(b.recv) + peer * bytes, bytes,
                     ncclUint8, peer, comm_, stream_),
            "ncclRecv");
    }
    check(ncclGroupEnd(), "ncclGroupEnd");
    finish(b, recv, bytes * size_, "all_to_all");
  }
  /// A cuda device's buffers are read in place; the executor's device must
  /// then be this rank's GPU (cuda:rank, as MeshExecutor picks it), which
  /// each collective checks.
  bool takesMemoryOf(const Device &device) const override {
    return device.target() == "cuda";
  }
  void barrier() override {
    int32_t token = 0;
    allReduce(&token, &token, 1, DType::i32, ReduceOp::sum);
  }
  void abort(const std::string &reason) override {
    shared_->abort("rank " + std::to_string(rank_) + " aborted: " + reason);
  }
  std::unique_ptr<Communicator> split(int color, int key) override {
    check(cudaSetDevice(device_), "cudaSetDevice");
    ncclComm_t group;
    check(ncclCommSplit(comm_, color, key, &group, nullptr), "ncclCommSplit");
    return std::make_unique<NcclCommunicator>(group, device_, timeout_,
                                              shared_);
  }

private:
  /// What NCCL reads and writes: the caller's buffers when they are in this
  /// rank's GPU, else the staging buffers.
  struct Buffers {
    const void *send;
    void *recv;
    bool staged;
  };

  /// Whether `pointer` is device memory: of this rank's GPU, or an error
  /// naming the GPU it is on. False for host memory.
  bool onThisGpu(const void *pointer) const {
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, pointer) != cudaSuccess) {
      cudaGetLastError(); // Not CUDA's: host memory.
      return false;
    }
    if (attributes.type != cudaMemoryTypeDevice)
      return false;
    if (attributes.device != device_)
      throw Error("rank " + std::to_string(rank_) + "'s NCCL communicator " +
                  "runs on GPU " + std::to_string(device_) +
                  ", but was given a buffer on GPU " +
                  std::to_string(attributes.device) +
                  " (run rank r on cuda:r)");
    return true;
  }

  /// The buffers for a collective of `bytes` in and `recvBytes` out: the
  /// caller's where both are on this GPU, else device buffers of at least
  /// these sizes with `bytes` of `send` copied in.
  Buffers stage(const void *send, void *recv, size_t bytes, size_t recvBytes) {
    if (shared_->aborted)
      throw Error(shared_->reason);
    check(cudaSetDevice(device_), "cudaSetDevice");
    if (onThisGpu(send) && onThisGpu(recv))
      return {send, recv, false};
    grow(send_, sendBytes_, bytes);
    grow(recv_, recvBytes_, recvBytes);
    check(cudaMemcpyAsync(send_, send, bytes, cudaMemcpyHostToDevice, stream_),
          "cudaMemcpyAsync to the device");
    return {send_, recv_, true};
  }
  static void grow(void *&buffer, size_t &size, size_t bytes) {
    if (bytes <= size)
      return;
    cudaFree(buffer);
    buffer = nullptr;
    check(cudaMalloc(&buffer, bytes), "cudaMalloc");
    size = bytes;
  }
  /// Copies a staged result back and waits for it, with the deadline.
  void finish(const Buffers &buffers, void *recv, size_t bytes,
              const char *what) {
    if (buffers.staged)
      check(
          cudaMemcpyAsync(recv, recv_, bytes, cudaMemcpyDeviceToHost, stream_),
          "cudaMemcpyAsync to the host");
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (true) {
      cudaError_t status = cudaStreamQuery(stream_);
      if (status == cudaSuccess)
        return;
      if (status != cudaErrorNotReady)
        check(status, what);
      if (shared_->aborted)
        throw Error(shared_->reason);
      if (std::chrono::steady_clock::now() > deadline) {
        std::string reason = "rank " + std::to_string(rank_) + " waited " +
                             std::to_string(timeout_.count()) + " ms in " +
                             what + " of " + std::to_string(bytes) +
                             " bytes for the other ranks, which did not arrive";
        shared_->abort(reason);
        throw Error(reason);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }

  ncclComm_t comm_;
  int device_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<Shared> shared_;
  cudaStream_t stream_ = nullptr;
  int rank_ = 0, size_ = 1;
  void *send_ = nullptr, *recv_ = nullptr;
  size_t sendBytes_ = 0, recvBytes_ = 0;
};

} // namespace

/// The plugin's one entry point: `size` communicators, rank r on GPU r.
/// Returns 0, or 1 with the reason in `error`.
extern "C" int kilnCreateNcclCommunicators(int size, long timeoutMs,
                                           Communicator **out, char *error,
                                           size_t errorSize) {
  try {
    int gpus = 0;
    cudaError_t status = cudaGetDeviceCount(&gpus);
    if (status != cudaSuccess)
      throw Error(std::string("no CUDA device (cudaGetDeviceCount: ") +
                  cudaGetErrorString(status) + ")");
    if (gpus < size)
      throw Error("NCCL runs one device per GPU: " + std::to_string(size) +
                  " devices asked for, " + std::to_string(gpus) +
                  " GPU(s) here");
    std::vector<ncclComm_t> comms(size);
    std::vector<int> devices(size);
    for (int rank = 0; rank < size; ++rank)
      devices[rank] = rank;
    check(ncclCommInitAll(comms.data(), size, devices.data()),
          "ncclCommInitAll");
    auto shared = std::make_shared<Shared>();
    for (int rank = 0; rank < size; ++rank)
      out[rank] = new NcclCommunicator(
          comms[rank], rank, std::chrono::milliseconds(timeoutMs), shared);
    return 0;
  } catch (const std::exception &failure) {
    std::snprintf(error, errorSize, "%s", failure.what());
    return 1;
  }
}
