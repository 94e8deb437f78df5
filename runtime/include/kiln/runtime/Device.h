//===- Device.h - the runtime side of a backend -----------------*- C++ -*-===//
//
// A device, in the manner of IREE's HAL: it loads the kernel library its
// backend compiled, owns memory (the arenas and constants the executor puts
// there), moves bytes between that memory and the host, and launches
// kernels over a 3-D grid of workgroups. Work is submitted to one ordered
// queue per device: dispatches, uploads, downloads and copies run in the
// order they were submitted, and `synchronize()` waits for all of it.
// Devices register by target name ("cpu", "opencl"), so the executor names
// none of them.
//
// Device memory is addressed by pointers: a device allocation is a `void *`
// the device understands (host memory for the CPU, an SVM pointer for
// OpenCL, a CUdeviceptr for CUDA), and a buffer inside an arena is that
// pointer plus its offset, so the executor's arithmetic is the same for all.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_DEVICE_H
#define KILN_RUNTIME_DEVICE_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::rt {

/// How one dispatch of a kernel is launched, as its backend decided.
struct Launch {
  uint32_t grid[3] = {1, 1, 1};      ///< Workgroups along x, y, z.
  uint32_t workgroup[3] = {1, 1, 1}; ///< Work items per workgroup.
  uint32_t sharedBytes = 0;          ///< Workgroup memory it needs.

  uint64_t workgroups() const { return uint64_t(grid[0]) * grid[1] * grid[2]; }
};

class Kernel {
public:
  virtual ~Kernel() = default;
  /// Submits a run of `launch`'s grid over `bindings` (`count` device
  /// pointers, one per buffer, inputs then outputs). The pointers are read
  /// at submission; the work may still be running when this returns.
  virtual void dispatch(void **bindings, size_t count,
                        const Launch &launch) = 0;
};

class KernelLibrary {
public:
  virtual ~KernelLibrary() = default;
  /// The kernel with entry symbol `symbol`; throws Error if it is missing.
  virtual std::unique_ptr<Kernel> kernel(const std::string &symbol) = 0;
};

/// Work a device recorded once and replays whole (a CUDA graph): the same
/// kernels on the same buffers, each replay one submission instead of a
/// launch per kernel.
class Replay {
public:
  virtual ~Replay() = default;
  /// Submits the recorded work again, in order with the device's queue.
  virtual void submit() = 0;
};

struct DeviceOptions {
  /// Worker threads (CPU); 0 means one per hardware thread.
  unsigned threads = 0;
  /// Which of the target's devices on this machine, in the order the
  /// target lists them ("opencl:1" is index 1); a factory throws Error
  /// naming the devices there are when it has no such one.
  unsigned index = 0;
};

/// A device as users name it: "opencl", "opencl:1" (index 0 when omitted).
struct DeviceName {
  std::string target;
  unsigned index = 0;

  std::string str() const { return target + ":" + std::to_string(index); }
};
/// Parses "TARGET[:INDEX]"; throws Error saying what is wrong with `text`.
DeviceName parseDeviceName(std::string_view text);

class Device {
public:
  virtual ~Device() = default;
  virtual std::string_view target() const = 0;
  /// What the device is, for people ("OpenCL Portable Computing Language
  /// device cpu-haswell").
  virtual std::string describe() const { return std::string(target()); }
  /// Whether this device's kernels work on host memory (the CPU): the
  /// compiler then keeps its buffers in host memory and inserts no
  /// transfers, and the executor never asks it to allocate.
  virtual bool usesHostMemory() const { return false; }
  /// Loads a library compiled for this device; `origin` names it in errors.
  virtual std::unique_ptr<KernelLibrary> load(std::string_view binary,
                                              const std::string &origin) = 0;
  /// `bytes` of device memory aligned to `alignment` (a power of two), for
  /// an arena or the constants; null when the device has no such memory
  /// left.
  virtual void *allocate(uint64_t bytes, uint64_t alignment) = 0;
  /// Frees memory from allocate.
  virtual void deallocate(void *memory) = 0;
  /// Submits a copy of host bytes to device memory; `host` must stay as it
  /// is until the copy is done (synchronize).
  virtual void upload(void *device, const void *host, uint64_t bytes) = 0;
  /// Submits a copy of device bytes to host memory; `host` holds them after
  /// synchronize.
  virtual void download(void *host, const void *device, uint64_t bytes) = 0;
  /// Submits a copy within this device's memory.
  virtual void copy(void *target, const void *source, uint64_t bytes) = 0;
  /// Waits until everything submitted has finished; throws Error if any of
  /// it failed.
  virtual void synchronize() = 0;
  /// Starts recording what is submitted to this device, instead of running
  /// it, until endRecording; false (and nothing changes) when the device
  /// cannot record.
  virtual bool beginRecording() { return false; }
  /// What was submitted since beginRecording, as a replay not yet
  /// submitted; throws Error when the recording failed.
  virtual std::unique_ptr<Replay> endRecording() { return nullptr; }
};

using DeviceFactory =
    std::function<std::unique_ptr<Device>(const DeviceOptions &)>;

/// Registers the device for `target`.
void registerDevice(const std::string &target, DeviceFactory factory);
/// A new device for `target`; throws Error naming the registered ones if
/// there is none, or why the device cannot be used (no driver, no
/// platform).
std::unique_ptr<Device> createDevice(const std::string &target,
                                     const DeviceOptions &options);

/// The devices of one registered target on this machine: each one's
/// description, in index order, or why there is none.
struct TargetDevices {
  std::string target;
  std::vector<std::string> devices;
  std::string unavailable;
};
/// Every registered target's devices (made, described and released).
std::vector<TargetDevices> listDevices();

} // namespace kiln::rt

#endif // KILN_RUNTIME_DEVICE_H
