//===- CpuBackend.cpp - the CPU backend -----------------------------------===//
//
// Kernel module → LLVM dialect (the pipeline below) → LLVM IR, optimized at
// O3 for the chosen CPU → one object → a shared library (linked in-process
// by lld) that the runtime's CPU device dlopens. Options:
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
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>

LLD_HAS_DRIVER(elf)

using namespace mlir;

namespace kiln::cpu {
namespace {

/// From tensors to the LLVM dialect. Written as one textual pipeline so
/// `kiln-opt --pass-pipeline=...` can replay any prefix of it.
constexpr const char *kKernelPipeline =
    "convert-graph-to-linalg,canonicalize,cse,"
    "cpu-prepare-kernels,canonicalize,"
    "eliminate-empty-tensors,"
    "one-shot-bufferize{bufferize-function-boundaries=0},"
    "canonicalize,cse,canonicalize,"
    "cpu-distribute-workgroups,"
    "buffer-deallocation-pipeline,"
    "cpu-expand-copies,func.func(convert-linalg-to-loops),"
    "lower-affine,expand-strided-metadata,lower-affine,"
    "convert-scf-to-cf,"
    "cpu-approximate-math,convert-math-to-llvm,convert-math-to-libm,"
    "convert-arith-to-llvm,finalize-memref-to-llvm,"
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
    "convert-cf-to-llvm,reconcile-unrealized-casts,"
    "cpu-emit-entry-points";

struct TargetChoice {
  std::string triple;
  std::string cpu;
  std::string features;
};

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
    if (failed(parsePassPipeline(kKernelPipeline, pm)))
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

    std::string object;
    if (failed(emitObject(kernels, *choice, object)))
      return failure();
    CompiledKernels result;
    result.target = "cpu";
    if (failed(linkSharedLibrary(kernels, object, result.binary)))
      return failure();
    for (NamedAttribute entry : grid)
      result.kernels.push_back({entry.getName().str(),
                                (kEntryPrefix + entry.getName().strref()).str(),
                                cast<IntegerAttr>(entry.getValue()).getInt()});
    return result;
  }

private:
  LogicalResult emitObject(ModuleOp kernels, const TargetChoice &choice,
                           std::string &object) const {
    DialectRegistry registry;
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    kernels.getContext()->appendDialectRegistry(registry);

    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> module =
        translateModuleToLLVMIR(kernels, llvmContext, "kiln_kernels");
    if (!module)
      return kernels.emitError("could not translate the kernels to LLVM IR");

    llvm::Triple triple(choice.triple);
    std::string error;
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(triple, error);
    if (!target)
      return kernels.emitError("no LLVM target for ")
             << choice.triple << ": " << error;
    llvm::TargetOptions targetOptions;
    std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
        triple, choice.cpu, choice.features, targetOptions, llvm::Reloc::PIC_,
        std::nullopt, llvm::CodeGenOptLevel::Aggressive));
    module->setTargetTriple(triple);
    module->setDataLayout(machine->createDataLayout());

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
        .run(*module, modules);

    llvm::SmallVector<char> buffer;
    llvm::raw_svector_ostream stream(buffer);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, stream, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return kernels.emitError("LLVM cannot emit objects for ")
             << choice.triple;
    codegen.run(*module);
    object.assign(buffer.begin(), buffer.end());
    return success();
  }

  /// lld works on files: the object goes to a scratch directory, the shared
  /// library comes back from it, and the directory is removed.
  LogicalResult linkSharedLibrary(ModuleOp kernels, const std::string &object,
                                  std::string &library) const {
    llvm::SmallString<128> dir;
    if (llvm::sys::fs::createUniqueDirectory("kiln-link", dir))
      return kernels.emitError("cannot create a scratch directory to link in");
    llvm::SmallString<128> objectPath(dir), libraryPath(dir);
    llvm::sys::path::append(objectPath, "kernels.o");
    llvm::sys::path::append(libraryPath, "kernels.so");
    llvm::scope_exit cleanup([&] {
      llvm::sys::fs::remove(objectPath);
      llvm::sys::fs::remove(libraryPath);
      llvm::sys::fs::remove(dir);
    });
    {
      std::error_code ec;
      llvm::raw_fd_ostream out(objectPath, ec);
      if (ec)
        return kernels.emitError("cannot write ")
               << objectPath << ": " << ec.message();
      out << object;
    }
    std::string log;
    llvm::raw_string_ostream logStream(log);
    const char *args[] = {
        "ld.lld", "-shared",           "--no-undefined-version",
        "-o",     libraryPath.c_str(), objectPath.c_str()};
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
