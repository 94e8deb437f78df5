//===- CpuDevice.cpp - the CPU device -------------------------------------===//
//
// Kernel libraries are shared objects: written to an anonymous memory file
// and dlopen'ed, so nothing is left on disk. A kernel is called as
//   void kiln_<kernel>(void **bindings, int64_t workgroup)
// once per workgroup (the grid's x*y*z workgroups numbered linearly);
// workgroups are spread over a pool of threads that take the next id from a
// shared counter, the calling thread included. Its memory is host memory
// and dispatch returns when the work is done, so its queue is trivially in
// order.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Device.h"
#include "kiln/runtime/Error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace kiln::rt {
namespace {

using EntryPoint = void (*)(void **bindings, int64_t workgroup);

/// Runs a job, "workgroups 0..count-1 of entry", on the caller and the
/// workers. A workgroup is claimed through one atomic ticket holding the
/// job's generation (high 32 bits) and the next workgroup (low 32), so a
/// worker that arrives late can never claim a later job's workgroups with
/// an earlier job's entry. The caller claims workgroups too and waits only
/// for those claimed by workers, never for a worker to wake up: a model's
/// dispatches follow each other closely, and a sleeping worker's wake-up
/// (a futex and a reschedule, tens of microseconds here) is longer than
/// many kernels. Workers spin for a short while after a job (kSpin) so
/// that the next one finds them awake, then sleep; while they sleep they
/// take no CPU from other thread pools in the process (PyTorch's OpenMP).
class ThreadPool {
public:
  explicit ThreadPool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i) // the caller is thread 0
      workers_.emplace_back([this] { work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_.store(true);
    }
    wake_.notify_all();
    for (std::thread &worker : workers_)
      worker.join();
  }
  /// Threads that run workgroups, the caller's included.
  size_t size() const { return workers_.size() + 1; }

  void run(EntryPoint entry, void **bindings, uint64_t count) {
    if (workers_.empty() || count == 1) {
      for (uint64_t id = 0; id < count; ++id)
        entry(bindings, static_cast<int64_t>(id));
      return;
    }
    if (count >= (uint64_t(1) << 32))
      throw Error("a CPU kernel launch of " + std::to_string(count) +
                  " workgroups: more than the thread pool numbers (2^32)");
    entry_.store(entry, std::memory_order_relaxed);
    bindings_.store(bindings, std::memory_order_relaxed);
    count_.store(count, std::memory_order_relaxed);
    finished_.store(0, std::memory_order_relaxed);
    uint64_t generation = ++generation_ & 0xffffffffu;
    // Publishes the job: its fields above are visible to whoever reads
    // this ticket.
    ticket_.store(generation << 32, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex_);
    } // A worker past its check of the ticket is now waiting: notify it.
    if (sleepers_.load() > 0)
      wake_.notify_all();
    uint64_t done = drain(generation);
    // The rest are running on workers: short waits.
    uint64_t total =
        finished_.fetch_add(done, std::memory_order_acq_rel) + done;
    for (unsigned spins = 0; total < count;
         total = finished_.load(std::memory_order_acquire))
      pause(spins);
    // Closed: nothing more of this job can be claimed, and the fence
    // orders the close before the next job's fields (a seqlock: see drain).
    ticket_.store((generation << 32) | kClosed, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
  }

private:
  static constexpr auto kSpin = std::chrono::microseconds(200);
  static constexpr uint64_t kClosed = 0xffffffffu;

  /// One step of a busy wait: 64 pause instructions, then a yield.
  static void pause(unsigned &spins) {
    if (++spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      spins = 0;
      std::this_thread::yield();
    }
  }

  /// Claims and runs the job `generation`'s workgroups until none is left;
  /// returns how many it ran.
  uint64_t drain(uint64_t generation) {
    uint64_t ticket = ticket_.load(std::memory_order_acquire);
    if ((ticket >> 32) != generation)
      return 0;
    // Fields read after the ticket that published them. If the job is
    // closed and a later one's fields are being written meanwhile, a field
    // read from them makes the fence see the close, and no claim succeeds.
    EntryPoint entry = entry_.load(std::memory_order_relaxed);
    void **bindings = bindings_.load(std::memory_order_relaxed);
    uint64_t count = count_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    uint64_t ran = 0;
    while ((ticket >> 32) == generation && (ticket & 0xffffffffu) < count) {
      if (!ticket_.compare_exchange_weak(ticket, ticket + 1,
                                         std::memory_order_acq_rel))
        continue;
      entry(bindings, static_cast<int64_t>(ticket & 0xffffffffu));
      ++ran;
      ticket = ticket_.load(std::memory_order_acquire);
    }
    return ran;
  }

  void work() {
    uint64_t seen = 0; // The generation last joined.
    while (true) {
      // A new job, or stopping: spin for kSpin, then sleep.
      auto published = [&] {
        return (ticket_.load(std::memory_order_acquire) >> 32) != seen ||
               stopping_.load();
      };
      auto until = std::chrono::steady_clock::now() + kSpin;
      for (unsigned spins = 0; !published();) {
        if (std::chrono::steady_clock::now() > until) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleepers_.fetch_add(1);
          wake_.wait(lock, published);
          sleepers_.fetch_sub(1);
          break;
        }
        pause(spins);
      }
      if (stopping_.load())
        return;
      seen = ticket_.load(std::memory_order_acquire) >> 32;
      // Job fields are read after the ticket that published them; a job
      // already replaced leaves nothing to claim under `seen`.
      if (uint64_t ran = drain(seen))
        finished_.fetch_add(ran, std::memory_order_acq_rel);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned> sleepers_{0};
  uint64_t generation_ = 0; // The caller's count of jobs.
  std::atomic<uint64_t> ticket_{0};
  std::atomic<EntryPoint> entry_{nullptr};
  std::atomic<void **> bindings_{nullptr};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> finished_{0};
};

class CpuKernel final : public Kernel {
public:
  CpuKernel(EntryPoint entry, ThreadPool &pool) : entry_(entry), pool_(pool) {}
  void dispatch(void **bindings, size_t, const Launch &launch) override {
    pool_.run(entry_, bindings, launch.workgroups());
  }

private:
  EntryPoint entry_;
  ThreadPool &pool_;
};

class CpuKernelLibrary final : public KernelLibrary {
public:
  CpuKernelLibrary(std::string_view binary, const std::string &origin,
                   ThreadPool &pool)
      : origin_(origin), pool_(pool) {
    int fd = ::memfd_create("kiln-cpu-kernels", MFD_CLOEXEC);
    if (fd < 0)
      throw Error("cannot create a memory file for the CPU kernels of '" +
                  origin + "': " + std::strerror(errno));
    size_t written = 0;
    while (written < binary.size()) {
      ssize_t n = ::write(fd, binary.data() + written, binary.size() - written);
      if (n <= 0) {
        ::close(fd);
        throw Error("cannot write the CPU kernels of '" + origin + "'");
      }
      written += static_cast<size_t>(n);
    }
    // dlopen recognizes a library it already loaded by its path, so the
    // descriptor stays open while the library is loaded: closing it would
    // let the next library get the same /proc/self/fd path and be handed
    // this one's code instead.
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      std::string reason = ::dlerror();
      ::close(fd);
      throw Error("cannot load the CPU kernels of '" + origin + "': " + reason);
    }
    fd_ = fd;
  }
  ~CpuKernelLibrary() override {
    ::dlclose(handle_);
    ::close(fd_);
  }

  std::unique_ptr<Kernel> kernel(const std::string &symbol) override {
    void *address = ::dlsym(handle_, symbol.c_str());
    if (!address)
      throw Error("the CPU kernels of '" + origin_ + "' have no kernel '" +
                  symbol + "'");
    return std::make_unique<CpuKernel>(reinterpret_cast<EntryPoint>(address),
                                       pool_);
  }

private:
  std::string origin_;
  ThreadPool &pool_;
  void *handle_ = nullptr;
  int fd_ = -1; // the memory file the library was loaded from
};

class CpuDevice final : public Device {
public:
  explicit CpuDevice(const DeviceOptions &options)
      : pool_(options.threads
                  ? options.threads
                  : std::max(1u, std::thread::hardware_concurrency())) {}
  std::string_view target() const override { return "cpu"; }
  std::string describe() const override {
    return "the host CPU (" + std::to_string(pool_.size()) + " threads)";
  }
  bool usesHostMemory() const override { return true; }
  std::unique_ptr<KernelLibrary> load(std::string_view binary,
                                      const std::string &origin) override {
    return std::make_unique<CpuKernelLibrary>(binary, origin, pool_);
  }
  void *allocate(uint64_t bytes, uint64_t alignment) override {
    alignment = std::max<uint64_t>(alignment, sizeof(void *));
    // aligned_alloc wants a multiple of the alignment.
    return std::aligned_alloc(alignment,
                              (bytes + alignment - 1) / alignment * alignment);
  }
  void deallocate(void *memory) override { std::free(memory); }
  // Its memory is the host's, and its work is done when dispatch returns.
  void upload(void *device, const void *host, uint64_t bytes) override {
    std::memcpy(device, host, bytes);
  }
  void download(void *host, const void *device, uint64_t bytes) override {
    std::memcpy(host, device, bytes);
  }
  void copy(void *target, const void *source, uint64_t bytes) override {
    std::memcpy(target, source, bytes);
  }
  void synchronize() override {}

private:
  ThreadPool pool_;
};

} // namespace

void registerCpuDevice() {
  registerDevice("cpu", [](const DeviceOptions &options) {
    // Its threads are the machine's cores; a mesh's CPU devices are
    // executors of their own, each with device cpu:0.
    if (options.index != 0)
      throw Error("there is no device cpu:" + std::to_string(options.index) +
                  "; the cpu target has one device, cpu:0 (its threads are "
                  "the machine's cores)");
    return std::make_unique<CpuDevice>(options);
  });
}

} // namespace kiln::rt
