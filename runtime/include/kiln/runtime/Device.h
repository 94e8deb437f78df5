//===- Device.h - the runtime side of a backend -----------------*- C++ -*-===//
//
// A device loads the kernel library its backend compiled and launches
// kernels over a workgroup grid. Devices register by target name ("cpu"), so
// the executor names none of them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_DEVICE_H
#define KILN_RUNTIME_DEVICE_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace kiln::rt {

class Kernel {
public:
  virtual ~Kernel() = default;
  /// Runs workgroups 0..workgroups-1 over `bindings` (one pointer per
  /// buffer, inputs then outputs) and returns when all are done.
  virtual void dispatch(void **bindings, uint64_t workgroups) = 0;
};

class KernelLibrary {
public:
  virtual ~KernelLibrary() = default;
  /// The kernel with entry symbol `symbol`; throws Error if it is missing.
  virtual std::unique_ptr<Kernel> kernel(const std::string &symbol) = 0;
};

struct DeviceOptions {
  /// Worker threads; 0 means one per hardware thread.
  unsigned threads = 0;
};

class Device {
public:
  virtual ~Device() = default;
  virtual std::string_view target() const = 0;
  /// Loads a library compiled for this device; `origin` names it in errors.
  virtual std::unique_ptr<KernelLibrary> load(std::string_view binary,
                                              const std::string &origin) = 0;
  /// `bytes` of device memory aligned to `alignment` (a power of two), for
  /// an arena; null when the device has no such memory left.
  virtual void *allocate(uint64_t bytes, uint64_t alignment) = 0;
  /// Frees memory from allocate.
  virtual void deallocate(void *memory) = 0;
};

using DeviceFactory =
    std::function<std::unique_ptr<Device>(const DeviceOptions &)>;

/// Registers the device for `target`.
void registerDevice(const std::string &target, DeviceFactory factory);
/// A new device for `target`; throws Error naming the registered ones if
/// there is none.
std::unique_ptr<Device> createDevice(const std::string &target,
                                     const DeviceOptions &options);

} // namespace kiln::rt

#endif // KILN_RUNTIME_DEVICE_H
