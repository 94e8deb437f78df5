//===- kiln-compile.cpp - compile a model graph to a .kiln artifact -------===//
//
//   kiln-compile INPUT.{mlir,mlirbc,onnx} -o OUT.kiln [--target cpu]
//                [--cpu=host] [--entry NAME] [--input-shape NAME=1x3x224x224]
//                [--input-format auto|mlir|onnx] [--dump-ir-after-all DIR]
//                [--timing] [--report FILE.json] [--no-fusion]
//                [--memory-plot FILE.svg|FILE.html]
//                [--device-memory-limit BYTES[KiB|MiB|GiB]]
//                [--mesh dp=2,tp=2 --shard fc1.weight=tp,_ ...]
//
// Exit status 0 on success, 1 when the input cannot be compiled (the
// diagnostics name file:line:col), 2 on bad usage.
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"
#include "kiln/Compiler.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;

static cl::opt<std::string> input(cl::Positional, cl::Required,
                                  cl::desc("<model.mlir|.mlirbc|.onnx>"));
static cl::opt<std::string> output("o", cl::Required,
                                   cl::desc("Write the artifact here"),
                                   cl::value_desc("file.kiln"));
static cl::opt<std::string> target("target", cl::init("cpu"),
                                   cl::desc("Backend to compile for"));
static cl::list<std::string> targets(
    "targets", cl::CommaSeparated,
    cl::desc("Several backends: each op runs on the one placement estimates "
             "fastest (docs/placement.md); replaces --target"),
    cl::value_desc("cuda,cpu"));
static cl::list<std::string>
    placements("place",
               cl::desc("With --targets, run the ops named NAME (a torch "
                        "module path, an ONNX node name) or inside it on "
                        "TARGET (repeatable)"),
               cl::value_desc("NAME=TARGET"));
static cl::list<std::string> placementCosts(
    "place-cost",
    cl::desc("With --targets, a cost figure placement weighs: gflops, "
             "memory-gbps, launch-us, transfer-gbps or transfer-us "
             "(repeatable)"),
    cl::value_desc("TARGET.FIGURE=VALUE"));
static cl::opt<std::string>
    cpu("cpu",
        cl::desc("CPU to generate code for: host (default), x86-64, aarch64 "
                 "or an LLVM CPU name"));
static cl::list<std::string> targetOptions(
    "target-option",
    cl::desc("An option of the target's backend, name=value (repeatable): "
             "opencl takes llvm-spirv=PATH and workgroup-size=N; cuda takes "
             "arch=sm_80,sm_90, toolkit=PATH and workgroup-size=N"),
    cl::value_desc("name=value"));
static cl::opt<std::string>
    entry("entry", cl::desc("Function to compile (default: the only one)"));
static cl::opt<std::string>
    dumpDir("dump-ir-after-all",
            cl::desc("Write the IR after every pass below this directory"),
            cl::value_desc("dir"));
static cl::opt<bool> timing("timing", cl::desc("Report the time of each pass"));
static cl::opt<bool>
    noFusion("no-fusion",
             cl::desc("One kernel per op: no fusion, no batch-norm folding "
                      "(to compare against)"));
static cl::opt<std::string>
    reportPath("report",
               cl::desc("Write the compile report (JSON: each dispatch's ops, "
                        "flops and bytes) to this file"),
               cl::value_desc("file.json"));
static cl::opt<std::string> memoryPlotPath(
    "memory-plot",
    cl::desc("Draw the memory plan (buffers over time and arena offset, the "
             "peak marked) to this .svg, or .html with a table of buffers"),
    cl::value_desc("file.svg|file.html"));
static cl::opt<std::string> deviceMemoryLimit(
    "device-memory-limit",
    cl::desc("Fail when the memory plan needs more than this on a device "
             "(arena, weights, inputs, outputs), listing the buffers live at "
             "the peak"),
    cl::value_desc("bytes[KiB|MiB|GiB]"));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Static shape of an ONNX input, fixing its symbolic "
                         "dims (repeatable)"),
                cl::value_desc("name=1x3x224x224"));
static cl::opt<std::string>
    mesh("mesh",
         cl::desc("Shard the model across a mesh of devices, named axes and "
                  "their sizes"),
         cl::value_desc("dp=2,tp=2"));
static cl::list<std::string>
    shardings("shard",
              cl::desc("Split a weight (state_dict name) or input (name, or "
                       "inputN) along mesh axes, one entry per dim, _ for "
                       "none (repeatable)"),
              cl::value_desc("fc1.weight=tp,_"));
static cl::opt<std::string>
    inputFormat("input-format", cl::init("auto"),
                cl::desc("How to read the input: auto (by extension: .onnx "
                         "is ONNX, anything else MLIR), mlir, onnx"));

/// "name=1x3x224x224" -> ("name", {1, 3, 224, 224}); "name=" is a scalar.
static bool parseInputShape(llvm::StringRef text, std::string &name,
                            std::vector<int64_t> &shape) {
  auto [key, dims] = text.rsplit('=');
  if (key.empty() || key.size() == text.size())
    return false;
  name = key.str();
  if (dims.empty())
    return true;
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, 'x');
  for (llvm::StringRef part : parts) {
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return false;
    shape.push_back(dim);
  }
  return true;
}

/// Writes `bytes` next to `path`, then renames: a failed write never leaves
/// a truncated file behind. Returns the error, empty on success.
static std::string writeAtomically(const std::string &path,
                                   llvm::StringRef bytes) {
  llvm::SmallString<128> temp;
  int fd;
  if (auto ec = llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, temp))
    return "cannot write '" + path + "': " + ec.message();
  {
    llvm::raw_fd_ostream stream(fd, /*shouldClose=*/true);
    stream << bytes;
    stream.close();
    if (stream.has_error()) {
      llvm::sys::fs::remove(temp);
      return "cannot write '" + path + "': " + stream.error().message();
    }
  }
  if (auto ec = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return "cannot write '" + path + "': " + ec.message();
  }
  return "";
}

/// "4096", "512KiB", "1.5GiB" (K/M/G and KB/MB/GB read as powers of 1024
/// too) -> bytes; -1 when it is not such a size.
static int64_t parseBytes(llvm::StringRef text) {
  text = text.trim();
  size_t digits = text.find_first_not_of("0123456789.");
  llvm::StringRef number = text.take_front(digits),
                  unit = text.drop_front(number.size());
  double value;
  if (number.empty() || number.getAsDouble(value) || value <= 0)
    return -1;
  unit = unit.trim();
  double scale = 1;
  if (unit.empty() || unit.equals_insensitive("b"))
    scale = 1;
  else if (llvm::is_contained({"k", "kb", "kib"}, unit.lower()))
    scale = 1024.0;
  else if (llvm::is_contained({"m", "mb", "mib"}, unit.lower()))
    scale = 1024.0 * 1024;
  else if (llvm::is_contained({"g", "gb", "gib"}, unit.lower()))
    scale = 1024.0 * 1024 * 1024;
  else
    return -1;
  return static_cast<int64_t>(value * scale);
}

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kiln-compile: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  kiln::rememberCommandLine(argc, argv);
  if (!cl::ParseCommandLineOptions(
          argc, argv, "Compile a Kiln model graph into a .kiln artifact\n",
          &llvm::errs()))
    return 2;

  // Read every option before compiling: linking kernels runs lld's driver,
  // which resets all command-line options to their defaults.
  std::string inputPath = input.getValue(), outputPath = output.getValue(),
              report = reportPath.getValue(),
              memoryPlot = memoryPlotPath.getValue();
  auto file = llvm::MemoryBuffer::getFile(inputPath, /*IsText=*/false);
  if (!file)
    return fail("cannot read '" + inputPath +
                "': " + file.getError().message());
  if (llvm::sys::fs::equivalent(inputPath, outputPath))
    return fail("the output '" + outputPath + "' is the input");

  kiln::CompileOptions options;
  options.target = target.getValue();
  if (!targets.empty() && target.getNumOccurrences())
    return fail("give --target (one backend) or --targets (several), not "
                "both");
  options.targets.assign(targets.begin(), targets.end());
  options.placements.assign(placements.begin(), placements.end());
  options.placementCosts.assign(placementCosts.begin(), placementCosts.end());
  if (cpu.getNumOccurrences())
    options.backendOptions["cpu"] = cpu.getValue();
  for (const std::string &option : targetOptions) {
    size_t equals = option.find('=');
    if (equals == std::string::npos || equals == 0)
      return fail("bad --target-option '" + option +
                  "': expected name=value (e.g. workgroup-size=128)");
    options.backendOptions[option.substr(0, equals)] =
        option.substr(equals + 1);
  }
  options.entry = entry.getValue();
  options.dumpIrDir = dumpDir.getValue();
  options.timing = timing;
  options.fusion = !noFusion;
  options.mesh = mesh.getValue();
  for (const std::string &sharding : shardings)
    options.shardings.push_back(sharding);
  if (!memoryPlot.empty()) {
    llvm::StringRef extension = llvm::sys::path::extension(memoryPlot);
    if (extension != ".svg" && extension != ".html") {
      llvm::errs() << "kiln-compile: error: --memory-plot '" << memoryPlot
                   << "' must end in .svg or .html\n";
      return 2;
    }
    options.memoryPlot = extension.drop_front().str();
  }
  if (deviceMemoryLimit.getNumOccurrences()) {
    options.deviceMemoryLimit = parseBytes(deviceMemoryLimit.getValue());
    if (options.deviceMemoryLimit <= 0) {
      llvm::errs() << "kiln-compile: error: --device-memory-limit '"
                   << deviceMemoryLimit.getValue()
                   << "' is not a size (bytes, or a number with KiB, MiB or "
                      "GiB)\n";
      return 2;
    }
  }

  kiln::SourceOptions reading;
  reading.format = inputFormat.getValue();
  for (const std::string &text : inputShapes) {
    std::string name;
    std::vector<int64_t> shape;
    if (!parseInputShape(text, name, shape)) {
      llvm::errs() << "kiln-compile: error: --input-shape '" << text
                   << "' is not NAME=D0xD1x... (non-negative integer dims)\n";
      return 2;
    }
    reading.inputShapes[name] = shape;
  }

  kiln::CompileResult result =
      kiln::compile((*file)->getBuffer(), inputPath, options, reading);
  llvm::errs() << result.diagnostics;
  if (!result.succeeded)
    return 1;
  llvm::errs() << result.timing; // empty unless --timing

  if (std::string error = writeAtomically(outputPath, result.artifact);
      !error.empty())
    return fail(error);
  if (!report.empty())
    if (std::string error = writeAtomically(report, result.report + "\n");
        !error.empty())
      return fail(error);
  if (!memoryPlot.empty())
    if (std::string error = writeAtomically(memoryPlot, result.memoryPlot);
        !error.empty())
      return fail(error);
  return 0;
}
