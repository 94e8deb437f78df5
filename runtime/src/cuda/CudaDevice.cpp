//===- CudaDevice.cpp - the CUDA device -----------------------------------===//
//
// Runs the cuda target's kernels on an NVIDIA GPU through the CUDA driver
// API, opened with dlopen from libcuda.so.1: kiln-run links no CUDA and runs
// where none is installed (the device then reports why it is missing).
//
//  * One primary context per GPU, retained once per process and shared by
//    every CudaDevice (as the CUDA runtime does); each CudaDevice has its own
//    stream, on which dispatches and copies are enqueued without waiting;
//    synchronize() waits for the stream.
//  * A device address is a CUdeviceptr (64-bit unified addressing), carried
//    as a pointer: an arena plus an offset is a binding, and a launch's
//    parameters are one CUdeviceptr per binding (the kernels are bare-pointer
//    NVVM kernels).
//  * GEMMs and convolutions the compiler gave to cuBLASLt and cuDNN (a
//    kernel whose symbol is the call: `cublaslt.matmul ...`, `cudnn.conv2d
//    ...`) run through them on the same stream, with a workspace per device
//    (LibraryCalls.h).
//  * Runs of kernels the executor replays are recorded once by stream
//    capture into a CUDA graph, and each later run launches the graph: one
//    submission instead of one per kernel.
//  * A kernel library is the backend's binary: a short header (toolkit, PTX
//    ISA, archs) and a fatbin, loaded with cuModuleLoadDataEx; when the
//    driver cannot load it, the error says which toolkit and archs it was
//    built for and which driver and GPU this is.
//
// The few driver types and entry points used are declared here, so the
// runtime builds without CUDA headers.
//
//===----------------------------------------------------------------------===//

#include "../FoundOnce.h"
#include "LibraryCalls.h"

#include "kiln/runtime/Device.h"
#include "kiln/runtime/Error.h"

#include <cstdint>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace kiln::rt {
namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUgraph = struct CUgraph_st *;
using CUgraphExec = struct CUgraphExec_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_JIT_INFO_LOG_BUFFER = 3;
constexpr int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;

/// The driver entry points, resolved from libcuda.so.1.
struct Driver {
  CUresult (*Init)(unsigned);
  CUresult (*DriverGetVersion)(int *);
  CUresult (*DeviceGetCount)(int *);
  CUresult (*DeviceGet)(CUdevice *, int);
  CUresult (*DeviceGetName)(char *, int, CUdevice);
  CUresult (*DeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*DeviceTotalMem)(size_t *, CUdevice);
  CUresult (*DevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*CtxSetCurrent)(CUcontext);
  CUresult (*ModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*ModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*ModuleUnload)(CUmodule);
  CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*MemAlloc)(CUdeviceptr *, size_t);
  CUresult (*MemFree)(CUdeviceptr);
  CUresult (*MemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*MemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*MemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*StreamCreate)(CUstream *, unsigned);
  CUresult (*StreamSynchronize)(CUstream);
  CUresult (*StreamDestroy)(CUstream);
  CUresult (*GetErrorName)(CUresult, const char **);
  CUresult (*GetErrorString)(CUresult, const char **);
  // CUDA graphs (optional: without them, kernels are launched one by one).
  CUresult (*StreamBeginCapture)(CUstream, int);
  CUresult (*StreamEndCapture)(CUstream, CUgraph *);
  CUresult (*GraphInstantiate)(CUgraphExec *, CUgraph, unsigned long long);
  CUresult (*GraphLaunch)(CUgraphExec, CUstream);
  CUresult (*GraphDestroy)(CUgraph);
  CUresult (*GraphExecDestroy)(CUgraphExec);
};

/// libcuda.so.1, opened and initialized once per process; throws Error
/// saying why the driver cannot be used.
const Driver &driver() {
  static Driver api;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    void *library = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      failure = std::string("the cuda device needs the NVIDIA driver (") +
                ::dlerror() + "); this machine has no CUDA driver";
      return;
    }
    auto resolve = [&](auto &entry, const char *name) {
      resolveSymbol(library, entry, name, failure,
                    "the NVIDIA driver's libcuda.so.1 has no ",
                    " (the cuda device needs a CUDA 12 or newer driver)");
    };
    resolve(api.Init, "cuInit");
    resolve(api.DriverGetVersion, "cuDriverGetVersion");
    resolve(api.DeviceGetCount, "cuDeviceGetCount");
    resolve(api.DeviceGet, "cuDeviceGet");
    resolve(api.DeviceGetName, "cuDeviceGetName");
    resolve(api.DeviceGetAttribute, "cuDeviceGetAttribute");
    resolve(api.DeviceTotalMem, "cuDeviceTotalMem_v2");
    resolve(api.DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
    resolve(api.CtxSetCurrent, "cuCtxSetCurrent");
    resolve(api.ModuleLoadDataEx, "cuModuleLoadDataEx");
    resolve(api.ModuleGetFunction, "cuModuleGetFunction");
    resolve(api.ModuleUnload, "cuModuleUnload");
    resolve(api.LaunchKernel, "cuLaunchKernel");
    resolve(api.MemAlloc, "cuMemAlloc_v2");
    resolve(api.MemFree, "cuMemFree_v2");
    resolve(api.MemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
    resolve(api.MemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
    resolve(api.MemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
    resolve(api.StreamCreate, "cuStreamCreate");
    resolve(api.StreamSynchronize, "cuStreamSynchronize");
    resolve(api.StreamDestroy, "cuStreamDestroy_v2");
    resolve(api.GetErrorName, "cuGetErrorName");
    resolve(api.GetErrorString, "cuGetErrorString");
    if (!failure.empty())
      return;
    std::string optionalFailure; // Graphs are optional.
    auto optional = [&](auto &entry, const char *name) {
      resolveSymbol(library, entry, name, optionalFailure, "");
    };
    optional(api.StreamBeginCapture, "cuStreamBeginCapture_v2");
    optional(api.StreamEndCapture, "cuStreamEndCapture");
    optional(api.GraphInstantiate, "cuGraphInstantiateWithFlags");
    optional(api.GraphLaunch, "cuGraphLaunch");
    optional(api.GraphDestroy, "cuGraphDestroy");
    optional(api.GraphExecDestroy, "cuGraphExecDestroy");
    CUresult status = api.Init(0);
    if (status != CUDA_SUCCESS) {
      const char *name = nullptr;
      api.GetErrorName(status, &name);
      failure = std::string("the NVIDIA driver does not start (cuInit: ") +
                (name ? name : std::to_string(status)) +
                "); this machine has no usable CUDA GPU";
    }
  });
  if (!failure.empty())
    throw Error(failure);
  return api;
}

std::string errorText(CUresult status) {
  const Driver &cu = driver();
  const char *name = nullptr, *text = nullptr;
  cu.GetErrorName(status, &name);
  cu.GetErrorString(status, &text);
  return std::string(name ? name : "CUDA error " + std::to_string(status)) +
         (text ? std::string(": ") + text : std::string());
}

void check(CUresult status, const std::string &what) {
  if (status != CUDA_SUCCESS)
    throw Error("CUDA: " + what + " failed (" + errorText(status) + ")");
}

/// As check, the message made only on failure: for what runs every launch
/// or run (a run allocates nothing).
template <typename What> void checkEach(CUresult status, What &&what) {
  if (status != CUDA_SUCCESS)
    check(status, what());
}

CUdeviceptr address(const void *pointer) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer));
}

/// A "12.4" of the driver's 12040.
std::string versionText(int version) {
  return std::to_string(version / 1000) + "." +
         std::to_string(version % 1000 / 10);
}

/// One GPU and its primary context, found once per process.
struct Gpu {
  CUdevice device = 0;
  CUcontext context = nullptr;
  std::string name;
  int arch = 0; ///< Compute capability as major * 10 + minor (90: sm_90).
  int driverVersion = 0;
};

/// Makes `gpu`'s context the calling thread's (the driver's current
/// context is per thread; the executor may call from any).
void makeCurrent(const Gpu &gpu) {
  checkEach(driver().CtxSetCurrent(gpu.context),
            [&] { return "making " + gpu.name + " current"; });
}

std::string describe(const Gpu &gpu) {
  return "CUDA " + gpu.name + " (sm_" + std::to_string(gpu.arch) +
         ", driver CUDA " + versionText(gpu.driverVersion) + ")";
}

Gpu findGpu(unsigned index) {
  const Driver &cu = driver();
  int count = 0;
  check(cu.DeviceGetCount(&count), "counting the GPUs");
  if (index >= unsigned(count))
    throw Error("there is no device cuda:" + std::to_string(index) +
                "; this machine has " + std::to_string(count) + " CUDA GPU(s)");
  Gpu gpu;
  check(cu.DeviceGet(&gpu.device, int(index)),
        "opening GPU " + std::to_string(index));
  char name[256] = {0};
  cu.DeviceGetName(name, sizeof(name) - 1, gpu.device);
  gpu.name = name;
  int major = 0, minor = 0;
  cu.DeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                        gpu.device);
  cu.DeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                        gpu.device);
  gpu.arch = major * 10 + minor;
  cu.DriverGetVersion(&gpu.driverVersion);
  check(cu.DevicePrimaryCtxRetain(&gpu.context, gpu.device),
        "retaining the primary context of " + gpu.name);
  return gpu;
}

/// GPU `index`, found on first use and kept for the process.
const Gpu &gpu(unsigned index) { return foundOnce<Gpu>(index, findGpu); }

/// What the cuda backend wrote before the fatbin.
struct BinaryHeader {
  std::map<std::string, std::string> fields; ///< toolkit, ptx, archs.
  size_t size = 0;                           ///< Bytes up to the fatbin.
};

BinaryHeader readHeader(std::string_view binary, const std::string &origin) {
  static constexpr std::string_view kMagic = "kiln-cuda 1\n";
  if (binary.substr(0, kMagic.size()) != kMagic)
    throw Error("the CUDA kernels of '" + origin +
                "' are not the cuda target's (no kiln-cuda header); compile "
                "the model again with this Kiln");
  BinaryHeader header;
  size_t at = kMagic.size();
  while (true) {
    size_t end = binary.find('\n', at);
    if (end == std::string_view::npos)
      throw Error("the CUDA kernels of '" + origin +
                  "' have a truncated header");
    std::string_view line = binary.substr(at, end - at);
    at = end + 1;
    if (line.empty())
      break;
    size_t space = line.find(' ');
    header.fields[std::string(line.substr(0, space))] =
        space == std::string_view::npos ? ""
                                        : std::string(line.substr(space + 1));
  }
  header.size = at;
  return header;
}

/// A CUDA graph of the kernels recorded on a stream.
class CudaReplay final : public Replay {
public:
  CudaReplay(CUgraphExec graph, CUstream stream, const Gpu &gpu)
      : graph_(graph), stream_(stream), gpu_(gpu) {}
  ~CudaReplay() override {
    const Driver &cu = driver();
    cu.CtxSetCurrent(gpu_.context);
    cu.GraphExecDestroy(graph_);
  }
  void submit() override {
    const Driver &cu = driver();
    makeCurrent(gpu_);
    checkEach(cu.GraphLaunch(graph_, stream_),
              [&] { return "launching a CUDA graph on " + gpu_.name; });
  }

private:
  CUgraphExec graph_;
  CUstream stream_;
  const Gpu &gpu_;
};

class CudaKernel final : public Kernel {
public:
  CudaKernel(CUfunction function, CUstream stream, const Gpu &gpu,
             std::string symbol)
      : function_(function), stream_(stream), gpu_(gpu),
        symbol_(std::move(symbol)) {}
  void dispatch(void **bindings, size_t count, const Launch &launch) override {
    // The launch copies the parameters: one CUdeviceptr per binding, each
    // parameter pointing at one (a pointer is a CUdeviceptr's size).
    static_assert(sizeof(void *) == sizeof(CUdeviceptr));
    params_.resize(count);
    for (size_t i = 0; i < count; ++i)
      params_[i] = &bindings[i];
    const Driver &cu = driver();
    makeCurrent(gpu_);
    // Workgroup memory is static (gpu.func attributions): nothing dynamic.
    checkEach(cu.LaunchKernel(function_, launch.grid[0], launch.grid[1],
                              launch.grid[2], launch.workgroup[0],
                              launch.workgroup[1], launch.workgroup[2], 0,
                              stream_, params_.data(), nullptr),
              [&] { return "launching " + symbol_ + " on " + gpu_.name; });
  }

private:
  CUfunction function_;
  CUstream stream_;
  const Gpu &gpu_;
  std::string symbol_;
  std::vector<void *> params_;
};

/// What library calls use of a device: a workspace made on first use and
/// shared by its calls (they run in order on its stream), and constants.
struct LibraryMemory {
  static constexpr size_t kWorkspaceBytes = size_t(32) << 20;
  CUdeviceptr workspace = 0;
  std::vector<CUdeviceptr> constants;
};

/// A call the compiler gave to a vendor library (cuBLASLt, cuDNN).
class CudaLibraryKernel final : public Kernel {
public:
  CudaLibraryKernel(std::unique_ptr<cuda::LibraryCall> call, CUstream stream,
                    const Gpu &gpu)
      : call_(std::move(call)), stream_(stream), gpu_(gpu) {}
  void dispatch(void **bindings, size_t count, const Launch &) override {
    makeCurrent(gpu_);
    call_->run(bindings, count, stream_);
  }

private:
  std::unique_ptr<cuda::LibraryCall> call_;
  CUstream stream_;
  const Gpu &gpu_;
};

class CudaLibrary final : public KernelLibrary {
public:
  CudaLibrary(CUmodule module, CUstream stream, const Gpu &gpu,
              std::string origin, LibraryMemory &memory)
      : module_(module), stream_(stream), gpu_(gpu), origin_(std::move(origin)),
        memory_(memory) {}
  ~CudaLibrary() override {
    const Driver &cu = driver();
    cu.CtxSetCurrent(gpu_.context);
    cu.ModuleUnload(module_);
  }
  std::unique_ptr<Kernel> kernel(const std::string &symbol) override {
    if (cuda::isLibraryCall(symbol)) {
      const Driver &cu = driver();
      makeCurrent(gpu_);
      if (!memory_.workspace)
        check(cu.MemAlloc(&memory_.workspace, LibraryMemory::kWorkspaceBytes),
              "allocating the libraries' workspace on " + gpu_.name);
      cuda::LibraryContext context;
      context.workspace =
          reinterpret_cast<void *>(uintptr_t(memory_.workspace));
      context.workspaceBytes = LibraryMemory::kWorkspaceBytes;
      context.constant = [&](const std::string &bytes) {
        CUdeviceptr constant = 0;
        check(cu.MemAlloc(&constant, bytes.size()),
              "allocating a library call's constant on " + gpu_.name);
        memory_.constants.push_back(constant);
        check(cu.MemcpyHtoDAsync(constant, bytes.data(), bytes.size(), stream_),
              "copying a library call's constant to " + gpu_.name);
        check(cu.StreamSynchronize(stream_), "waiting for " + gpu_.name);
        return reinterpret_cast<void *>(uintptr_t(constant));
      };
      return std::make_unique<CudaLibraryKernel>(
          cuda::LibraryCall::create(symbol, origin_, context), stream_, gpu_);
    }
    CUfunction function = nullptr;
    CUresult status =
        driver().ModuleGetFunction(&function, module_, symbol.c_str());
    if (status != CUDA_SUCCESS)
      throw Error("the CUDA kernels of '" + origin_ + "' have no kernel '" +
                  symbol + "' (" + errorText(status) + ")");
    return std::make_unique<CudaKernel>(function, stream_, gpu_, symbol);
  }

private:
  CUmodule module_;
  CUstream stream_;
  const Gpu &gpu_;
  std::string origin_;
  LibraryMemory &memory_;
};

class CudaDevice final : public Device {
public:
  explicit CudaDevice(unsigned index) : gpu_(gpu(index)) {
    const Driver &cu = driver();
    makeCurrent(gpu_);
    check(cu.StreamCreate(&stream_, CU_STREAM_NON_BLOCKING),
          "creating a stream on " + gpu_.name);
  }
  ~CudaDevice() override {
    const Driver &cu = driver();
    cu.CtxSetCurrent(gpu_.context);
    cu.StreamSynchronize(stream_);
    cu.StreamDestroy(stream_);
    if (libraryMemory_.workspace)
      cu.MemFree(libraryMemory_.workspace);
    for (CUdeviceptr constant : libraryMemory_.constants)
      cu.MemFree(constant);
  }

  std::string_view target() const override { return "cuda"; }
  std::string describe() const override { return kiln::rt::describe(gpu_); }

  std::unique_ptr<KernelLibrary> load(std::string_view binary,
                                      const std::string &origin) override {
    BinaryHeader header = readHeader(binary, origin);
    const Driver &cu = driver();
    makeCurrent(gpu_);
    std::string errors(8192, '\0'), info(8192, '\0');
    int options[] = {CU_JIT_ERROR_LOG_BUFFER,
                     CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, CU_JIT_INFO_LOG_BUFFER,
                     CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {
        errors.data(), reinterpret_cast<void *>(uintptr_t(errors.size() - 1)),
        info.data(), reinterpret_cast<void *>(uintptr_t(info.size() - 1))};
    // The fatbin, 8-byte aligned (in the artifact it follows the header).
    std::string_view fatbin = binary.substr(header.size);
    std::vector<uint64_t> image((fatbin.size() + 7) / 8);
    std::memcpy(image.data(), fatbin.data(), fatbin.size());
    CUmodule module = nullptr;
    CUresult status =
        cu.ModuleLoadDataEx(&module, image.data(), 4, options, values);
    if (status != CUDA_SUCCESS) {
      errors.resize(std::strlen(errors.c_str()));
      std::string built = "toolkit CUDA " + header.fields["toolkit"] +
                          ", PTX ISA " + header.fields["ptx"] + ", archs " +
                          header.fields["archs"];
      throw Error("the CUDA kernels of '" + origin + "' (" + built +
                  ") do not load on " + describe() + ": " + errorText(status) +
                  (errors.empty() ? "" : ": " + errors) +
                  ". A GPU needs a cubin of its arch family or PTX its "
                  "driver knows: compile with --target-option arch=sm_" +
                  std::to_string(gpu_.arch) +
                  ", or update the driver to the toolkit's CUDA version");
    }
    return std::make_unique<CudaLibrary>(module, stream_, gpu_, origin,
                                         libraryMemory_);
  }

  void *allocate(uint64_t bytes, uint64_t alignment) override {
    // cuMemAlloc aligns to 256 bytes; a larger alignment over-allocates.
    makeCurrent(gpu_);
    uint64_t extra = alignment > 256 ? alignment : 0;
    CUdeviceptr base = 0;
    if (driver().MemAlloc(&base, bytes + extra) != CUDA_SUCCESS)
      return nullptr;
    CUdeviceptr aligned =
        extra ? (base + alignment - 1) / alignment * alignment : base;
    if (aligned != base) {
      std::lock_guard<std::mutex> lock(mutex_);
      bases_[aligned] = base;
    }
    return reinterpret_cast<void *>(uintptr_t(aligned));
  }
  void deallocate(void *memory) override {
    makeCurrent(gpu_);
    CUdeviceptr pointer = address(memory);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = bases_.find(pointer); it != bases_.end()) {
        pointer = it->second;
        bases_.erase(it);
      }
    }
    driver().MemFree(pointer);
  }
  void upload(void *device, const void *host, uint64_t bytes) override {
    if (bytes == 0)
      return;
    makeCurrent(gpu_);
    checkEach(
        driver().MemcpyHtoDAsync(address(device), host, bytes, stream_), [&] {
          return "copying " + std::to_string(bytes) + " bytes to " + gpu_.name;
        });
  }
  void download(void *host, const void *device, uint64_t bytes) override {
    if (bytes == 0)
      return;
    makeCurrent(gpu_);
    checkEach(driver().MemcpyDtoHAsync(host, address(device), bytes, stream_),
              [&] {
                return "copying " + std::to_string(bytes) + " bytes from " +
                       gpu_.name;
              });
  }
  void copy(void *target, const void *source, uint64_t bytes) override {
    if (bytes == 0)
      return;
    makeCurrent(gpu_);
    checkEach(driver().MemcpyDtoDAsync(address(target), address(source), bytes,
                                       stream_),
              [&] {
                return "copying " + std::to_string(bytes) + " bytes on " +
                       gpu_.name;
              });
  }
  void synchronize() override {
    makeCurrent(gpu_);
    checkEach(driver().StreamSynchronize(stream_),
              [&] { return "waiting for " + gpu_.name; });
  }
  bool beginRecording() override {
    const Driver &cu = driver();
    if (!cu.StreamBeginCapture || !cu.StreamEndCapture ||
        !cu.GraphInstantiate || !cu.GraphLaunch || !cu.GraphDestroy ||
        !cu.GraphExecDestroy)
      return false;
    makeCurrent(gpu_);
    return cu.StreamBeginCapture(
               stream_, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) == CUDA_SUCCESS;
  }
  std::unique_ptr<Replay> endRecording() override {
    const Driver &cu = driver();
    makeCurrent(gpu_);
    CUgraph graph = nullptr;
    check(cu.StreamEndCapture(stream_, &graph),
          "recording kernels on " + gpu_.name + " as a CUDA graph");
    CUgraphExec executable = nullptr;
    CUresult status = cu.GraphInstantiate(&executable, graph, 0);
    cu.GraphDestroy(graph);
    check(status, "instantiating a CUDA graph on " + gpu_.name);
    return std::make_unique<CudaReplay>(executable, stream_, gpu_);
  }

private:
  const Gpu &gpu_;
  CUstream stream_ = nullptr;
  LibraryMemory libraryMemory_;
  std::mutex mutex_;
  std::map<CUdeviceptr, CUdeviceptr> bases_; ///< Aligned -> allocated.
};

} // namespace

void registerCudaDevice() {
  registerDevice("cuda", [](const DeviceOptions &options) {
    return std::make_unique<CudaDevice>(options.index);
  });
}

} // namespace kiln::rt
