//===- kiln-run.cpp - run a compiled .kiln model --------------------------===//
//
//   kiln-run MODEL.kiln --input a.npy [--input b.npy ...] [--output-dir DIR]
//            [--print] [--benchmark N] [--threads N] [--device NAME]...
//            [--devices N] [--collective-timeout MS] [--no-replay]
//   kiln-run --list-devices [--communicator
//            in-process|nccl]
//
// A sharded model runs on every device of its mesh: in this process (one
// thread per CPU device), or, started by mpirun, one MPI rank per device
// (rank 0 prints and writes the outputs).
//
// Built on the runtime alone: no LLVM or MLIR in this process. Exit status 0
// on success, 1 on a user error (message on stderr), 2 on bad usage.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Error.h"
#include "kiln/runtime/Npy.h"
#include "kiln/runtime/Runtime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace kiln::rt;

namespace {

constexpr const char *kUsage =
    "usage: kiln-run MODEL.kiln [--input FILE.npy]... [--output-dir DIR]\n"
    "                [--print] [--benchmark N] [--threads N]\n"
    "                [--device TARGET[:INDEX]]... [--devices N]\n"
    "                [--collective-timeout MS] [--communicator "
    "in-process|nccl]\n"
    "                [--no-replay] [--profile]\n"
    "       kiln-run --list-devices\n"
    "\n"
    "Runs a model compiled by kiln-compile on the inputs, in order.\n"
    "  --input FILE.npy  the next input (numpy .npy)\n"
    "  --output-dir DIR  write output_0.npy, output_1.npy, ... into DIR\n"
    "  --print           print each output's shape, dtype and first values\n"
    "  --benchmark N     run N more times after a warm-up; print min and\n"
    "                    median latency\n"
    "  --threads N       worker threads (default: all hardware threads),\n"
    "                    split between the devices\n"
    "  --list-devices    list each target's devices on this machine (or why\n"
    "                    it has none) and exit\n"
    "  --device TARGET[:INDEX]  the device that runs the model's kernels for\n"
    "                    TARGET (default: its first, TARGET:0), e.g.\n"
    "                    opencl:1 for the second OpenCL device\n"
    "  --devices N       devices to run a sharded model on, a count or a\n"
    "                    list (cpu:0,cpu:1); must be its mesh's size\n"
    "                    (default: that size). Under mpirun, one device per\n"
    "                    rank instead.\n"
    "  --communicator in-process|nccl  how devices in this process exchange\n"
    "                    data: between threads (default), or over NCCL, one\n"
    "                    GPU per device\n"
    "  --collective-timeout MS  how long a device waits in a collective for\n"
    "                    the others before the run stops with an error\n"
    "                    (default 60000)\n"
    "  --no-replay       launch every kernel every run, instead of recording\n"
    "                    runs of kernels once and replaying them (CUDA\n"
    "                    graphs)\n"
    "  --profile         with --benchmark: time each kernel and transfer of\n"
    "                    those runs, waiting for each before the next, and\n"
    "                    print them by time, named by their kernel symbol\n"
    "                    (each dispatch's \"kernel\" in kiln-compile\n"
    "                    --report, with its flops and bytes), then the\n"
    "                    time per target and of the transfers\n";

struct Options {
  std::string model;
  std::vector<std::string> inputs;
  std::string outputDir;
  bool print = false;
  long benchmark = 0;
  long threads = 0;
  long devices = 0;
  std::vector<DeviceName> device;
  long collectiveTimeout = 60000;
  bool replay = true;
  bool profile = false;
  std::string communicator = "in-process";
};

/// "--devices 4" or "--devices cpu:0,cpu:1": the number of CPU devices.
long parseDevices(const std::string &flag, const std::string &text);

[[noreturn]] void usage(const std::string &problem) {
  std::cerr << "kiln-run: " << problem << "\n" << kUsage;
  std::exit(2);
}

long parseCount(const std::string &flag, const char *text, long minimum) {
  char *end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno || !end || *end || value < minimum)
    usage(flag + " needs an integer >= " + std::to_string(minimum) + ", got '" +
          text + "'");
  return value;
}

Options parse(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc)
        usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "--input") {
      options.inputs.push_back(value());
    } else if (arg == "--output-dir") {
      options.outputDir = value();
    } else if (arg == "--print") {
      options.print = true;
    } else if (arg == "--no-replay") {
      options.replay = false;
    } else if (arg == "--profile") {
      options.profile = true;
    } else if (arg == "--benchmark") {
      options.benchmark = parseCount(arg, value(), 1);
    } else if (arg == "--threads") {
      options.threads = parseCount(arg, value(), 1);
    } else if (arg == "--communicator") {
      options.communicator = value();
      if (options.communicator != "in-process" &&
          options.communicator != "nccl")
        usage("--communicator is in-process or nccl, got '" +
              options.communicator + "'");
    } else if (arg == "--collective-timeout") {
      options.collectiveTimeout = parseCount(arg, value(), 1);
    } else if (arg == "--list-devices") {
      for (const TargetDevices &target : listDevices()) {
        if (target.devices.empty())
          std::cout << target.target << ": none (" << target.unavailable
                    << ")\n";
        for (size_t i = 0; i < target.devices.size(); ++i)
          std::cout << target.target << ":" << i << "  " << target.devices[i]
                    << "\n";
      }
      std::exit(0);
    } else if (arg == "--device") {
      try {
        options.device.push_back(parseDeviceName(value()));
      } catch (const Error &error) {
        usage("--device: " + std::string(error.what()));
      }
    } else if (arg == "--devices") {
      options.devices = parseDevices(arg, value());
    } else if (!arg.empty() && arg[0] == '-') {
      usage("unknown option " + arg);
    } else if (options.model.empty()) {
      options.model = arg;
    } else {
      usage("more than one model given ('" + options.model + "' and '" + arg +
            "')");
    }
  }
  if (options.model.empty())
    usage("no model given");
  if (options.profile && options.benchmark == 0)
    usage("--profile times the runs of --benchmark N; give both");
  return options;
}

long parseDevices(const std::string &flag, const std::string &text) {
  if (text.find(':') == std::string::npos)
    return parseCount(flag, text.c_str(), 1);
  long count = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    std::string device = text.substr(start, end - start);
    if (device != "cpu:" + std::to_string(count))
      usage(flag + " lists devices cpu:0,cpu:1,... in order; got '" + device +
            "' in '" + text + "'");
    ++count;
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return count;
}

template <typename T>
void printValues(std::ostream &os, const void *data, int64_t n) {
  const T *values = static_cast<const T *>(data);
  for (int64_t i = 0; i < n; ++i) {
    if (i)
      os << ", ";
    if constexpr (sizeof(T) == 1)
      os << static_cast<int>(values[i]);
    else
      os << values[i];
  }
}

void printTensor(const std::string &name, const HostTensor &tensor) {
  constexpr int64_t kShown = 8;
  int64_t shown = std::min(kShown, tensor.numElements());
  std::ostringstream os;
  os.precision(6);
  os << name << ": " << describe(tensor.dtype(), tensor.shape()) << " = [";
  switch (tensor.dtype()) {
  case DType::f32:
    printValues<float>(os, tensor.data(), shown);
    break;
  case DType::f64:
    printValues<double>(os, tensor.data(), shown);
    break;
  case DType::i64:
    printValues<int64_t>(os, tensor.data(), shown);
    break;
  case DType::i32:
    printValues<int32_t>(os, tensor.data(), shown);
    break;
  case DType::i16:
    printValues<int16_t>(os, tensor.data(), shown);
    break;
  case DType::i8:
    printValues<int8_t>(os, tensor.data(), shown);
    break;
  case DType::i1:
  case DType::ui8:
    printValues<uint8_t>(os, tensor.data(), shown);
    break;
  case DType::f16:
  case DType::bf16:
    os << "(" << dtypeName(tensor.dtype()) << " values not printed)";
    break;
  }
  if (tensor.numElements() > shown)
    os << ", ...";
  std::cout << os.str() << "]\n";
}

/// The kernels by time per run, longest first.
void printProfile(std::vector<KernelTime> profile, long runs) {
  double total = 0;
  for (const KernelTime &kernel : profile)
    total += kernel.seconds;
  std::stable_sort(profile.begin(), profile.end(),
                   [](const KernelTime &a, const KernelTime &b) {
                     return a.seconds > b.seconds;
                   });
  size_t transfers =
      std::count_if(profile.begin(), profile.end(), [](const KernelTime &step) {
        return step.target == "transfer";
      });
  std::printf("profile: %zu dispatches", profile.size() - transfers);
  if (transfers)
    std::printf(", %zu transfers", transfers);
  std::printf(", %.6f ms per run in %s\n", total * 1e3 / runs,
              transfers ? "kernels and transfers" : "kernels");
  std::printf("  %10s %7s  %-6s %-8s %s\n", "ms/run", "share", "step", "target",
              "kernel");
  for (const KernelTime &kernel : profile)
    std::printf("  %10.4f %6.1f%%  %-6zu %-8s %s\n",
                kernel.seconds * 1e3 / runs,
                total > 0 ? 100 * kernel.seconds / total : 0.0, kernel.step,
                kernel.target.c_str(), kernel.symbol.c_str());
  // Per device (and the transfers between them): what the compile
  // report's placement section estimated, measured.
  std::map<std::string, std::pair<size_t, double>> byTarget;
  for (const KernelTime &kernel : profile) {
    auto &[steps, seconds] = byTarget[kernel.target];
    ++steps;
    seconds += kernel.seconds;
  }
  if (byTarget.size() > 1 || byTarget.count("transfer"))
    for (const auto &[target, entry] : byTarget)
      std::printf("  %-8s %zu steps, %.4f ms per run\n", target.c_str(),
                  entry.first, entry.second * 1e3 / runs);
}

int run(const Options &options, Communicator *communicator) {
  std::shared_ptr<const Model> model = Model::load(options.model);
  if (options.inputs.size() != model->inputs().size())
    throw Error("'" + options.model + "' takes " +
                std::to_string(model->inputs().size()) + " input(s) (" +
                [&] {
                  std::string names;
                  for (const TensorSpec &spec : model->inputs())
                    names += (names.empty() ? "" : ", ") + spec.name + ": " +
                             describe(spec.dtype, spec.shape);
                  return names;
                }() +
                "), got " + std::to_string(options.inputs.size()) +
                " --input file(s)");
  if (!options.outputDir.empty()) {
    struct stat info;
    if (::stat(options.outputDir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
      throw Error("output directory '" + options.outputDir +
                  "' does not exist");
    if (::access(options.outputDir.c_str(), W_OK) != 0)
      throw Error("output directory '" + options.outputDir +
                  "' is not writable");
  }

  std::vector<HostTensor> inputs;
  for (const std::string &path : options.inputs)
    inputs.push_back(readNpy(path));
  std::vector<const HostTensor *> inputPointers;
  for (const HostTensor &input : inputs)
    inputPointers.push_back(&input);

  // One device: the executor itself; a mesh: one executor per device, in
  // this process or one per MPI rank.
  std::unique_ptr<Executor> executor;
  std::unique_ptr<MeshExecutor> mesh;
  bool writes = !communicator || communicator->rank() == 0;
  if (!communicator &&
      (meshSize(model->manifest().mesh) > 1 || options.devices > 1)) {
    if (!options.device.empty())
      throw Error("'" + options.model +
                  "' is sharded: each of its mesh devices (--devices) runs "
                  "on its target's first device, or rank r on cuda:r with "
                  "--communicator nccl; --device " +
                  options.device.front().str() + " does not apply");
    if (options.profile)
      throw Error("'" + options.model +
                  "' is sharded: --profile times the kernels of one "
                  "device's executor, not a mesh's");
    MeshExecutorOptions meshOptions;
    meshOptions.threads = static_cast<unsigned>(options.threads);
    meshOptions.devices = options.devices;
    meshOptions.timeout = std::chrono::milliseconds(options.collectiveTimeout);
    meshOptions.communicator = options.communicator;
    mesh = std::make_unique<MeshExecutor>(model, meshOptions);
  } else {
    ExecutorOptions executorOptions;
    executorOptions.threads = static_cast<unsigned>(options.threads);
    executorOptions.communicator = communicator;
    executorOptions.devices = options.device;
    executorOptions.replayKernels = options.replay;
    executorOptions.profileKernels = options.profile;
    executor = std::make_unique<Executor>(model, executorOptions);
  }
  auto runOnce = [&] {
    if (communicator)
      return runOnMesh(*executor, *communicator, inputPointers, 0);
    return mesh ? mesh->run(inputPointers) : executor->run(inputPointers);
  };
  std::vector<HostTensor> outputs = runOnce();
  if (executor)
    executor->resetKernelProfile(); // The warm-up is not profiled.

  if (options.benchmark > 0) {
    std::vector<double> times;
    for (long i = 0; i < options.benchmark; ++i) {
      auto start = std::chrono::steady_clock::now();
      outputs = runOnce();
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
    }
    std::sort(times.begin(), times.end());
    if (writes)
      std::printf("benchmark: %ld runs, min %.6f ms, median %.6f ms\n",
                  options.benchmark, times.front(), times[times.size() / 2]);
    if (writes && executor) {
      LaunchCounts launches = executor->launchCounts();
      std::printf("launches: %zu kernels per run, %zu of them in %zu "
                  "replay(s) (CUDA graphs)\n",
                  launches.kernels, launches.replayed, launches.replays);
    }
    if (writes && executor && options.profile)
      printProfile(executor->kernelProfile(), options.benchmark);
  }
  // Under MPI only rank 0 holds the whole outputs.
  for (size_t i = 0; writes && i < outputs.size(); ++i) {
    std::string name = model->outputs()[i].name;
    if (options.print)
      printTensor(name, outputs[i]);
    if (!options.outputDir.empty())
      writeNpy(options.outputDir + "/output_" + std::to_string(i) + ".npy",
               outputs[i]);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options options = parse(argc, argv);
  // Under mpirun each rank is one device of the model's mesh.
  std::unique_ptr<Communicator> communicator;
  std::string failure;
  try {
    if (launchedByMpi()) {
      if (options.devices)
        usage("--devices is for runs in one process; under mpirun each rank "
              "is a device (mpirun -np N)");
      communicator = loadMpiCommunicator(
          &argc, &argv, std::chrono::milliseconds(options.collectiveTimeout));
    }
    return run(options, communicator.get());
  } catch (const Error &error) {
    failure = error.what();
  } catch (const std::bad_alloc &) {
    failure = "out of memory";
  }
  // The other ranks must not wait for this one: stop the job (which says
  // why, naming this rank).
  if (communicator && communicator->size() > 1)
    communicator->abort(failure);
  std::cerr << "kiln-run: error: " << failure << "\n";
  return 1;
}
