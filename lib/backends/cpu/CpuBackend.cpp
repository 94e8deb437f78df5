//===- CpuBackend.cpp - the CPU backend -----------------------------------===//
//
// Kernel module → LLVM dialect (the pipeline below) → LLVM IR, split into
// parts that are optimized at O3 for the chosen CPU and compiled to objects
// in parallel → a shared library (linked in-process by lld) that the
// runtime's CPU device dlopens. Options:
//   cpu=host (default)  the compiling machine's CPU and features
//   cpu=x86-64          any x86-64 (baseline features)
//   cpu=aarch64         any AArch64
//   cpu=<llvm cpu name> a specific CPU of the host's architecture
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"
#include "lib/backends/cpu/CpuPasses.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "lld/Common/Driver.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <mutex>

LLD_HAS_DRIVER(elf)

using namespace mlir;

namespace kiln::cpu {
namespace {

/// From tensors to the LLVM dialect. Written as one textual pipeline so
/// `kiln-opt --pass-pipeline=...` can replay any prefix of it.
std::string kernelPipeline() {
  return workgroupTilingPipeline(/*maxWorkgroups=*/64,
                                 /*minIterations=*/4096) +
         ","
         "lower-affine,expand-strided-metadata,lower-affine,"
         "convert-scf-to-cf,"
         "convert-math-to-funcs,cpu-approximate-math,convert-math-to-llvm,"
         "convert-math-to-libm,"
         "convert-arith-to-llvm,finalize-memref-to-llvm,"
         "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
         "convert-cf-to-llvm,reconcile-unrealized-casts,"
         "cpu-emit-entry-points";
}

/// Kernels are independent functions, so LLVM's O3 and code generation (most
/// of a compile's time) run on this many parts of the module in parallel. A
/// fixed count, not the core count, keeps the artifact the same on every
/// machine.
constexpr unsigned kCodegenParts = 8;

struct TargetChoice {
  std::string triple;
  std::string cpu;
  std::string features;

  std::unique_ptr<llvm::TargetMachine> createMachine(std::string &error) const {
    llvm::Triple parsed(triple);
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(parsed, error);
    if (!target) {
      error = "no LLVM target for " + triple + ": " + error;
      return nullptr;
    }
    return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
        parsed, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
        std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  }
};

/// One part of the kernels (LLVM bitcode) optimized and compiled to an object
/// in a context of its own, so parts can run on different threads. Returns
/// the error, empty on success.
std::string compilePart(llvm::StringRef bitcode, const TargetChoice &choice,
                        std::string &object) {
  llvm::LLVMContext context;
  llvm::Expected<std::unique_ptr<llvm::Module>> module = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(bitcode, "kernels"), context);
  if (!module)
    return llvm::toString(module.takeError());
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = choice.createMachine(error);
  if (!machine)
    return error;

  // The same O3 pipeline clang runs: inlining, loop vectorization, SLP.
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(machine.get());
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3)
      .run(**module, modules);

  llvm::SmallVector<char> buffer;
  llvm::raw_svector_ostream stream(buffer);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, stream, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return "LLVM cannot emit objects for " + choice.triple;
  codegen.run(**module);
  object.assign(buffer.begin(), buffer.end());
  return "";
}

FailureOr<TargetChoice> chooseTarget(const BackendOptions &options,
                                     std::string &error) {
  auto it = options.find("cpu");
  std::string cpu = it == options.end() ? "host" : it->second;
  llvm::Triple host(llvm::sys::getProcessTriple());
  if (cpu == "host") {
    std::string features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (feature.second ? "+" : "-") + feature.first().str() + ",";
    return TargetChoice{host.str(), llvm::sys::getHostCPUName().str(),
                        features};
  }
  if (cpu == "x86-64")
    return TargetChoice{"x86_64-unknown-linux-gnu", "x86-64", ""};
  if (cpu == "aarch64")
    return TargetChoice{"aarch64-unknown-linux-gnu", "generic", ""};
  std::string lookupError;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(host, lookupError);
  if (!target) {
    error = lookupError;
    return failure();
  }
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(host, cpu, ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu)) {
    error = "unknown CPU '" + cpu + "' for " + host.str() +
            " (use host, x86-64, aarch64 or an LLVM CPU name)";
    return failure();
  }
  return TargetChoice{host.str(), cpu, ""};
}

class CpuBackend final : public Backend {
public:
  llvm::StringRef name() const override { return "cpu"; }

  LogicalResult checkOptions(const BackendOptions &options,
                             std::string &error) const override {
    for (const auto &[key, value] : options)
      if (key != "cpu") {
        error = "the cpu backend has no option '" + key + "' (it has: cpu)";
        return failure();
      }
    return chooseTarget(options, error);
  }

  void buildKernelPipeline(OpPassManager &pm,
                           const BackendOptions &) const override {
    // The pipeline text is a constant of this file: failing to parse it is a
    // bug, not a user error.
    if (failed(parsePassPipeline(kernelPipeline(), pm)))
      llvm::report_fatal_error("the CPU kernel pipeline does not parse");
  }

  FailureOr<CompiledKernels>
  serialize(ModuleOp kernels, const BackendOptions &options) const override {
    std::string error;
    FailureOr<TargetChoice> choice = chooseTarget(options, error);
    if (failed(choice))
      return kernels.emitError(error);
    auto grid = kernels->getAttrOfType<DictionaryAttr>(kWorkgroupsAttr);
    if (!grid)
      return kernels.emitError("kernel module was not lowered by the CPU "
                               "pipeline (no ")
             << kWorkgroupsAttr << ")";

    std::vector<std::string> objects;
    if (failed(emitObjects(kernels, *choice, objects)))
      return failure();
    CompiledKernels result;
    result.target = "cpu";
    if (failed(linkSharedLibrary(kernels, objects, result.binary)))
      return failure();
    // A CPU workgroup is one call of the entry point: the grid is 1-D.
    for (NamedAttribute entry : grid) {
      CompiledKernel &kernel = result.kernels.emplace_back();
      kernel.name = entry.getName().str();
      kernel.symbol = (kEntryPrefix + entry.getName().strref()).str();
      kernel.grid[0] = cast<IntegerAttr>(entry.getValue()).getInt();
    }
    return result;
  }

private:
  LogicalResult emitObjects(ModuleOp kernels, const TargetChoice &choice,
                            std::vector<std::string> &objects) const {
    DialectRegistry registry;
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    kernels.getContext()->appendDialectRegistry(registry);

    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> module =
        translateModuleToLLVMIR(kernels, llvmContext, "kiln_kernels");
    if (!module)
      return kernels.emitError("could not translate the kernels to LLVM IR");
    std::string error;
    std::unique_ptr<llvm::TargetMachine> machine = choice.createMachine(error);
    if (!machine)
      return kernels.emitError(error);
    module->setTargetTriple(llvm::Triple(choice.triple));
    module->setDataLayout(machine->createDataLayout());

    // Split by kernel (a kernel's internal functions stay with its entry
    // point, so O3 still inlines them), balanced by size.
    std::vector<llvm::SmallString<0>> parts;
    size_t functions =
        llvm::count_if(module->functions(),
                       [](llvm::Function &f) { return !f.isDeclaration(); });
    auto keep = [&](std::unique_ptr<llvm::Module> part) {
      llvm::raw_svector_ostream stream(parts.emplace_back());
      llvm::WriteBitcodeToFile(*part, stream);
    };
    if (functions > 1)
      llvm::SplitModule(*module, std::min<size_t>(kCodegenParts, functions),
                        keep, /*PreserveLocals=*/true, /*RoundRobin=*/true);
    else
      keep(std::move(module));

    objects.assign(parts.size(), "");
    std::vector<std::string> errors(parts.size());
    {
      llvm::DefaultThreadPool pool(llvm::hardware_concurrency());
      for (size_t i = 0; i < parts.size(); ++i)
        pool.async(
            [&, i] { errors[i] = compilePart(parts[i], choice, objects[i]); });
      pool.wait();
    }
    for (const std::string &partError : errors)
      if (!partError.empty())
        return kernels.emitError("compiling the kernels failed: ") << partError;
    return success();
  }

  /// lld works on files: the objects go to a scratch directory, the shared
  /// library comes back from it, and the directory is removed.
  LogicalResult linkSharedLibrary(ModuleOp kernels,
                                  const std::vector<std::string> &objects,
                                  std::string &library) const {
    llvm::SmallString<128> dir;
    if (llvm::sys::fs::createUniqueDirectory("kiln-link", dir))
      return kernels.emitError("cannot create a scratch directory to link in");
    llvm::SmallString<128> libraryPath(dir);
    llvm::sys::path::append(libraryPath, "kernels.so");
    std::vector<std::string> objectPaths;
    llvm::scope_exit cleanup([&] {
      for (const std::string &path : objectPaths)
        llvm::sys::fs::remove(path);
      llvm::sys::fs::remove(libraryPath);
      llvm::sys::fs::remove(dir);
    });
    for (const std::string &object : objects) {
      llvm::SmallString<128> path(dir);
      llvm::sys::path::append(
          path, "kernels" + std::to_string(objectPaths.size()) + ".o");
      objectPaths.push_back(path.str().str());
      std::error_code ec;
      llvm::raw_fd_ostream out(path, ec);
      if (ec)
        return kernels.emitError("cannot write ")
               << path << ": " << ec.message();
      out << object;
    }
    std::string log;
    llvm::raw_string_ostream logStream(log);
    std::vector<const char *> args = {"ld.lld", "-shared",
                                      "--no-undefined-version", "-o",
                                      libraryPath.c_str()};
    for (const std::string &path : objectPaths)
      args.push_back(path.c_str());
    lld::Result linked;
    {
      // lld keeps global state; one link at a time.
      static std::mutex lldMutex;
      std::lock_guard<std::mutex> lock(lldMutex);
      linked = lld::lldMain(args, logStream, logStream,
                            {{lld::Gnu, &lld::elf::link}});
    }
    if (linked.retCode != 0)
      return kernels.emitError("linking the kernels failed: ") << log;
    auto bytes = llvm::MemoryBuffer::getFile(libraryPath);
    if (!bytes)
      return kernels.emitError("cannot read back ") << libraryPath;
    library = (*bytes)->getBuffer().str();
    return success();
  }
};

} // namespace

std::unique_ptr<Backend> createCpuBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    registerCpuPasses();
  });
  return std::make_unique<CpuBackend>();
}

} // namespace kiln::cpu
