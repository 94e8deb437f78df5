//===- OpenCLDevice.cpp - the OpenCL device -------------------------------===//
//
// Runs kernels on an OpenCL 2.0+ device through the ICD loader, opened with
// dlopen so kiln-run links no OpenCL and runs where none is installed. In CI
// the device is PoCL on the CPU, which executes the GPU programming model
// for real: workgroups, local memory, barriers, transfers.
//
//  * Memory is shared virtual memory (clSVMAlloc, coarse-grained): a device
//    address is a pointer, so an arena and the buffers inside it are a base
//    plus offsets, and a binding is clSetKernelArgSVMPointer. The host never
//    touches SVM directly: every byte crosses with clEnqueueSVMMemcpy.
//  * Devices are those with SVM, numbered over platforms in order
//    ("opencl:1" is the second); each one's context is made once per
//    process, and each OpenCLDevice has one in-order command queue: dispatches
//    and copies are enqueued without waiting, and synchronize() is clFinish.
//  * A kernel library is a program from a binary (SPIR 1.2 bitcode, the
//    form PoCL 3.1 accepts; clCreateProgramWithBinary), built once.
//
// The few OpenCL types and entry points used are declared here, so the
// runtime builds without OpenCL headers.
//
//===----------------------------------------------------------------------===//

#include "../FoundOnce.h"
#include "kiln/runtime/Device.h"
#include "kiln/runtime/Error.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace kiln::rt {
namespace {

using cl_int = int32_t;
using cl_uint = uint32_t;
using cl_ulong = uint64_t;
using cl_bitfield = uint64_t;
using cl_platform_id = struct _cl_platform_id *;
using cl_device_id = struct _cl_device_id *;
using cl_context = struct _cl_context *;
using cl_command_queue = struct _cl_command_queue *;
using cl_program = struct _cl_program *;
using cl_kernel = struct _cl_kernel *;
using cl_event = struct _cl_event *;

constexpr cl_int CL_SUCCESS = 0;
constexpr cl_bitfield CL_DEVICE_TYPE_ALL = 0xFFFFFFFF;
constexpr cl_bitfield CL_MEM_READ_WRITE = 1 << 0;
constexpr cl_uint CL_PLATFORM_NAME = 0x0902;
constexpr cl_uint CL_DEVICE_NAME = 0x102B;
constexpr cl_uint CL_DEVICE_SVM_CAPABILITIES = 0x1053;
constexpr cl_uint CL_PROGRAM_BUILD_LOG = 0x1183;
constexpr cl_uint CL_KERNEL_NUM_ARGS = 0x1191;
constexpr cl_uint CL_FALSE = 0;

/// The OpenCL entry points, resolved from the ICD loader.
struct OpenCL {
  cl_int (*GetPlatformIDs)(cl_uint, cl_platform_id *, cl_uint *);
  cl_int (*GetPlatformInfo)(cl_platform_id, cl_uint, size_t, void *, size_t *);
  cl_int (*GetDeviceIDs)(cl_platform_id, cl_bitfield, cl_uint, cl_device_id *,
                         cl_uint *);
  cl_int (*GetDeviceInfo)(cl_device_id, cl_uint, size_t, void *, size_t *);
  cl_context (*CreateContext)(const intptr_t *, cl_uint, const cl_device_id *,
                              void (*)(const char *, const void *, size_t,
                                       void *),
                              void *, cl_int *);
  cl_command_queue (*CreateCommandQueueWithProperties)(cl_context, cl_device_id,
                                                       const cl_ulong *,
                                                       cl_int *);
  cl_program (*CreateProgramWithBinary)(cl_context, cl_uint,
                                        const cl_device_id *, const size_t *,
                                        const unsigned char **, cl_int *,
                                        cl_int *);
  cl_int (*BuildProgram)(cl_program, cl_uint, const cl_device_id *,
                         const char *, void (*)(cl_program, void *), void *);
  cl_int (*GetProgramBuildInfo)(cl_program, cl_device_id, cl_uint, size_t,
                                void *, size_t *);
  cl_kernel (*CreateKernel)(cl_program, const char *, cl_int *);
  cl_int (*GetKernelInfo)(cl_kernel, cl_uint, size_t, void *, size_t *);
  cl_int (*SetKernelArgSVMPointer)(cl_kernel, cl_uint, const void *);
  cl_int (*EnqueueNDRangeKernel)(cl_command_queue, cl_kernel, cl_uint,
                                 const size_t *, const size_t *, const size_t *,
                                 cl_uint, const cl_event *, cl_event *);
  void *(*SVMAlloc)(cl_context, cl_bitfield, size_t, cl_uint);
  void (*SVMFree)(cl_context, void *);
  cl_int (*EnqueueSVMMemcpy)(cl_command_queue, cl_uint, void *, const void *,
                             size_t, cl_uint, const cl_event *, cl_event *);
  cl_int (*Finish)(cl_command_queue);
  cl_int (*ReleaseKernel)(cl_kernel);
  cl_int (*ReleaseProgram)(cl_program);
  cl_int (*ReleaseCommandQueue)(cl_command_queue);
};

/// The ICD loader, opened once per process; throws Error naming the
/// package to install when it is missing.
const OpenCL &openCL() {
  static OpenCL api;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    void *library = ::dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      failure = std::string("the opencl device needs an OpenCL ICD loader "
                            "and platform (") +
                ::dlerror() +
                "); on Debian: apt-get install ocl-icd-libopencl1 "
                "pocl-opencl-icd";
      return;
    }
    auto resolve = [&](auto &entry, const char *name) {
      resolveSymbol(library, entry, name, failure,
                    "the OpenCL ICD loader has no ",
                    " (the opencl device needs OpenCL 2.0)");
    };
    resolve(api.GetPlatformIDs, "clGetPlatformIDs");
    resolve(api.GetPlatformInfo, "clGetPlatformInfo");
    resolve(api.GetDeviceIDs, "clGetDeviceIDs");
    resolve(api.GetDeviceInfo, "clGetDeviceInfo");
    resolve(api.CreateContext, "clCreateContext");
    resolve(api.CreateCommandQueueWithProperties,
            "clCreateCommandQueueWithProperties");
    resolve(api.CreateProgramWithBinary, "clCreateProgramWithBinary");
    resolve(api.BuildProgram, "clBuildProgram");
    resolve(api.GetProgramBuildInfo, "clGetProgramBuildInfo");
    resolve(api.CreateKernel, "clCreateKernel");
    resolve(api.GetKernelInfo, "clGetKernelInfo");
    resolve(api.SetKernelArgSVMPointer, "clSetKernelArgSVMPointer");
    resolve(api.EnqueueNDRangeKernel, "clEnqueueNDRangeKernel");
    resolve(api.SVMAlloc, "clSVMAlloc");
    resolve(api.SVMFree, "clSVMFree");
    resolve(api.EnqueueSVMMemcpy, "clEnqueueSVMMemcpy");
    resolve(api.Finish, "clFinish");
    resolve(api.ReleaseKernel, "clReleaseKernel");
    resolve(api.ReleaseProgram, "clReleaseProgram");
    resolve(api.ReleaseCommandQueue, "clReleaseCommandQueue");
  });
  if (!failure.empty())
    throw Error(failure);
  return api;
}

void check(cl_int status, const std::string &what) {
  if (status != CL_SUCCESS)
    throw Error("OpenCL: " + what + " failed (error " + std::to_string(status) +
                ")");
}

class OpenCLKernel final : public Kernel {
public:
  OpenCLKernel(cl_kernel kernel, cl_command_queue queue, std::string symbol,
               cl_uint bindings)
      : kernel_(kernel), queue_(queue), symbol_(std::move(symbol)),
        bindings_(bindings) {}
  ~OpenCLKernel() override { openCL().ReleaseKernel(kernel_); }
  void dispatch(void **bindings, size_t, const Launch &launch) override {
    const OpenCL &cl = openCL();
    size_t global[3], local[3];
    for (int i = 0; i < 3; ++i) {
      local[i] = launch.workgroup[i];
      global[i] = size_t(launch.grid[i]) * launch.workgroup[i];
    }
    // Arguments are captured at enqueue: the next dispatch may set others.
    for (cl_uint i = 0; i < bindings_; ++i)
      check(cl.SetKernelArgSVMPointer(kernel_, i, bindings[i]),
            "binding argument " + std::to_string(i) + " of " + symbol_);
    check(cl.EnqueueNDRangeKernel(queue_, kernel_, 3, nullptr, global, local, 0,
                                  nullptr, nullptr),
          "launching " + symbol_);
  }

private:
  cl_kernel kernel_;
  cl_command_queue queue_;
  std::string symbol_;
  cl_uint bindings_; ///< Its arguments: one pointer per binding.
};

class OpenCLLibrary final : public KernelLibrary {
public:
  OpenCLLibrary(cl_program program, cl_command_queue queue, std::string origin)
      : program_(program), queue_(queue), origin_(std::move(origin)) {}
  ~OpenCLLibrary() override { openCL().ReleaseProgram(program_); }
  std::unique_ptr<Kernel> kernel(const std::string &symbol) override;

private:
  cl_program program_;
  cl_command_queue queue_;
  std::string origin_;
};

/// The platform device and its context, made once per process and shared by
/// every OpenCLDevice (each has its own queue): a process running many
/// models (a test suite, a server) initializes the platform once.
struct Platform {
  cl_device_id device = nullptr;
  cl_context context = nullptr;
  std::string name;
};

std::string describe(cl_platform_id platform, cl_device_id device) {
  const OpenCL &cl = openCL();
  char text[256] = {0};
  std::string name;
  if (cl.GetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof(text) - 1, text,
                         nullptr) == CL_SUCCESS)
    name = text;
  std::fill(std::begin(text), std::end(text), '\0');
  if (cl.GetDeviceInfo(device, CL_DEVICE_NAME, sizeof(text) - 1, text,
                       nullptr) == CL_SUCCESS)
    name += std::string(" device ") + text;
  return "OpenCL " + name;
}

/// The platform devices the opencl target can use (those with shared
/// virtual memory, which its arenas are), in platform then device order:
/// "opencl:N" is the N-th.
std::vector<std::pair<cl_platform_id, cl_device_id>> usableDevices() {
  const OpenCL &cl = openCL();
  cl_uint platforms = 0;
  cl_int status = cl.GetPlatformIDs(0, nullptr, &platforms);
  if (status != CL_SUCCESS || platforms == 0)
    throw Error("the opencl device found no OpenCL platform (clGetPlatformIDs "
                "returned " +
                std::to_string(status) +
                "); install one, e.g. apt-get install pocl-opencl-icd");
  std::vector<cl_platform_id> ids(platforms);
  check(cl.GetPlatformIDs(platforms, ids.data(), nullptr), "listing platforms");
  std::vector<std::pair<cl_platform_id, cl_device_id>> usable;
  for (cl_platform_id platform : ids) {
    cl_uint devices = 0;
    if (cl.GetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &devices) !=
            CL_SUCCESS ||
        devices == 0)
      continue;
    std::vector<cl_device_id> list(devices);
    cl.GetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices, list.data(),
                    nullptr);
    for (cl_device_id device : list) {
      cl_bitfield svm = 0;
      if (cl.GetDeviceInfo(device, CL_DEVICE_SVM_CAPABILITIES, sizeof(svm),
                           &svm, nullptr) == CL_SUCCESS &&
          svm != 0)
        usable.emplace_back(platform, device);
    }
  }
  if (usable.empty())
    throw Error("the opencl device found OpenCL platforms but no device with "
                "shared virtual memory (OpenCL 2.0)");
  return usable;
}

Platform findPlatform(unsigned index) {
  auto usable = usableDevices();
  if (index >= usable.size()) {
    std::string names;
    for (size_t i = 0; i < usable.size(); ++i)
      names += (i ? ", " : "") + std::string("opencl:") + std::to_string(i) +
               " (" + describe(usable[i].first, usable[i].second) + ")";
    throw Error("there is no device opencl:" + std::to_string(index) +
                "; this machine has " + std::to_string(usable.size()) +
                " OpenCL device(s) with shared virtual memory: " + names);
  }
  Platform found;
  found.device = usable[index].second;
  found.name = describe(usable[index].first, found.device);
  cl_int error = CL_SUCCESS;
  found.context = openCL().CreateContext(nullptr, 1, &found.device, nullptr,
                                         nullptr, &error);
  check(error, "creating a context on " + found.name);
  return found;
}

/// The platform of device `index`, found on first use and kept for the
/// process.
const Platform &platform(unsigned index) {
  return foundOnce<Platform>(index, findPlatform);
}

class OpenCLDevice final : public Device {
public:
  explicit OpenCLDevice(unsigned index) : platform_(platform(index)) {
    cl_int error = CL_SUCCESS;
    queue_ = openCL().CreateCommandQueueWithProperties(
        platform_.context, platform_.device, nullptr, &error);
    check(error, "creating a command queue on " + platform_.name);
  }
  ~OpenCLDevice() override {
    const OpenCL &cl = openCL();
    cl.Finish(queue_);
    cl.ReleaseCommandQueue(queue_);
  }

  std::string_view target() const override { return "opencl"; }
  std::string describe() const override { return platform_.name; }

  std::unique_ptr<KernelLibrary> load(std::string_view binary,
                                      const std::string &origin) override {
    const OpenCL &cl = openCL();
    size_t size = binary.size();
    auto *bytes = reinterpret_cast<const unsigned char *>(binary.data());
    cl_int status = CL_SUCCESS, error = CL_SUCCESS;
    cl_program program =
        cl.CreateProgramWithBinary(platform_.context, 1, &platform_.device,
                                   &size, &bytes, &status, &error);
    if (error != CL_SUCCESS || status != CL_SUCCESS)
      throw Error("the OpenCL kernels of '" + origin + "' are not a binary " +
                  platform_.name + " loads (error " +
                  std::to_string(error != CL_SUCCESS ? error : status) + ")");
    error =
        cl.BuildProgram(program, 1, &platform_.device, "", nullptr, nullptr);
    if (error != CL_SUCCESS) {
      size_t length = 0;
      cl.GetProgramBuildInfo(program, platform_.device, CL_PROGRAM_BUILD_LOG, 0,
                             nullptr, &length);
      std::string log(length, '\0');
      cl.GetProgramBuildInfo(program, platform_.device, CL_PROGRAM_BUILD_LOG,
                             length, log.data(), nullptr);
      cl.ReleaseProgram(program);
      throw Error("cannot build the OpenCL kernels of '" + origin + "' on " +
                  platform_.name + " (error " + std::to_string(error) +
                  "): " + log);
    }
    return std::make_unique<OpenCLLibrary>(program, queue_, origin);
  }

  void *allocate(uint64_t bytes, uint64_t alignment) override {
    return openCL().SVMAlloc(platform_.context, CL_MEM_READ_WRITE, bytes,
                             static_cast<cl_uint>(alignment));
  }
  void deallocate(void *memory) override {
    openCL().SVMFree(platform_.context, memory);
  }
  void upload(void *device, const void *host, uint64_t bytes) override {
    copy(device, host, bytes);
  }
  void download(void *host, const void *device, uint64_t bytes) override {
    copy(host, device, bytes);
  }
  void copy(void *target, const void *source, uint64_t bytes) override {
    if (bytes == 0)
      return; // OpenCL refuses empty copies; there is nothing to move.
    check(openCL().EnqueueSVMMemcpy(queue_, CL_FALSE, target, source, bytes, 0,
                                    nullptr, nullptr),
          "copying " + std::to_string(bytes) + " bytes on " + platform_.name);
  }
  void synchronize() override {
    check(openCL().Finish(queue_), "waiting for " + platform_.name);
  }

private:
  const Platform &platform_;
  cl_command_queue queue_ = nullptr;
};

std::unique_ptr<Kernel> OpenCLLibrary::kernel(const std::string &symbol) {
  cl_int error = CL_SUCCESS;
  cl_kernel kernel = openCL().CreateKernel(program_, symbol.c_str(), &error);
  if (error != CL_SUCCESS)
    throw Error("the OpenCL kernels of '" + origin_ + "' have no kernel '" +
                symbol + "' (error " + std::to_string(error) + ")");
  cl_uint arguments = 0;
  check(openCL().GetKernelInfo(kernel, CL_KERNEL_NUM_ARGS, sizeof(arguments),
                               &arguments, nullptr),
        "reading the arguments of " + symbol);
  return std::make_unique<OpenCLKernel>(kernel, queue_, symbol, arguments);
}

} // namespace

void registerOpenCLDevice() {
  registerDevice("opencl", [](const DeviceOptions &options) {
    return std::make_unique<OpenCLDevice>(options.index);
  });
}

} // namespace kiln::rt
