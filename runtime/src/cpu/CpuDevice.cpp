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

/// Workers wait for a job; a job is "run workgroups 0..count-1 of entry".
class ThreadPool {
public:
  explicit ThreadPool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i) // the caller is thread 0
      workers_.emplace_back([this] { work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
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
    {
      std::lock_guard<std::mutex> lock(mutex_);
      entry_ = entry;
      bindings_ = bindings;
      count_ = count;
      next_.store(0);
      busy_ = workers_.size();
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_ == 0; });
  }

private:
  void drain() {
    for (uint64_t id = next_.fetch_add(1); id < count_; id = next_.fetch_add(1))
      entry_(bindings_, static_cast<int64_t>(id));
  }

  void work() {
    uint64_t seen = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_)
          return;
        seen = generation_;
      }
      drain();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--busy_ == 0)
          done_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  size_t busy_ = 0;
  EntryPoint entry_ = nullptr;
  void **bindings_ = nullptr;
  uint64_t count_ = 0;
  std::atomic<uint64_t> next_{0};
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
