//===- LinkKernels.cpp - cpu-link-kernels ---------------------------------===//
//
// The CPU kernel pipeline's last step: the lowered kernel module (LLVM
// dialect) → LLVM IR, split into parts that are optimized at O3 for the
// CPU its #exec.target names and compiled to objects in parallel → a
// shared library, linked in-process by lld, that the runtime's CPU device
// dlopens. The library's bytes replace the kernels (`exec.library`), so
// `kiln-opt` prints what the artifact will hold, to the last byte.
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"
#include "lib/backends/cpu/CpuPasses.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "lld/Common/Driver.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <mutex>

LLD_HAS_DRIVER(elf)

namespace kiln::cpu {
#define GEN_PASS_DEF_CPULINKKERNELS
#include "lib/backends/cpu/CpuPasses.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

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

/// A bf16 value that lives in a register (a phi, a select) is kept as f32
/// by LLVM on targets without bf16 arithmetic, and rounded back by a call
/// to compiler-rt's __truncsfbf2, which the kernels' library, loaded alone
/// by the runtime, does not link. The library defines it (hidden): round to
/// nearest even, NaN quiet, as arith's bf16 expansion rounds.
void defineBFloat16Rounding(llvm::Module &module) {
  constexpr llvm::StringLiteral name = "__truncsfbf2";
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *bf16 = llvm::Type::getBFloatTy(context);
  llvm::Function *function = module.getFunction(name);
  if (function && !function->isDeclaration())
    return;
  if (!function)
    function = llvm::Function::Create(
        llvm::FunctionType::get(bf16, {llvm::Type::getFloatTy(context)},
                                /*isVarArg=*/false),
        llvm::GlobalValue::ExternalLinkage, name, module);
  function->setVisibility(llvm::GlobalValue::HiddenVisibility);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", function));
  llvm::Value *x = function->getArg(0);
  llvm::Value *bits = b.CreateBitCast(x, b.getInt32Ty());
  llvm::Value *odd = b.CreateAnd(b.CreateLShr(bits, 16), 1);
  llvm::Value *rounded =
      b.CreateLShr(b.CreateAdd(bits, b.CreateAdd(odd, b.getInt32(0x7FFF))), 16);
  llvm::Value *result =
      b.CreateSelect(b.CreateFCmpUNO(x, x), b.getInt16(0x7FC0),
                     b.CreateTrunc(rounded, b.getInt16Ty()));
  b.CreateRet(b.CreateBitCast(result, bf16));
}

LogicalResult emitObjects(ModuleOp kernels, const TargetChoice &choice,
                          std::vector<std::string> &objects) {
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
  size_t functions = llvm::count_if(module->functions(), [](llvm::Function &f) {
    return !f.isDeclaration();
  });
  defineBFloat16Rounding(*module);
  auto keep = [&](std::unique_ptr<llvm::Module> part) {
    llvm::raw_svector_ostream stream(parts.emplace_back());
    llvm::WriteBitcodeToFile(*part, stream);
  };
  if (functions > 1)
    llvm::SplitModule(*module, std::min<size_t>(kCodegenParts, functions), keep,
                      /*PreserveLocals=*/true, /*RoundRobin=*/true);
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
                                std::string &library) {
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
      return kernels.emitError("cannot write ") << path << ": " << ec.message();
    out << object;
  }
  std::string log;
  llvm::raw_string_ostream logStream(log);
  std::vector<const char *> args = {
      "ld.lld", "-shared", "--no-undefined-version", "-o", libraryPath.c_str()};
  for (const std::string &path : objectPaths)
    args.push_back(path.c_str());
  lld::Result linked;
  {
    // lld keeps global state; one link at a time.
    static std::mutex lldMutex;
    std::lock_guard<std::mutex> lock(lldMutex);
    linked =
        lld::lldMain(args, logStream, logStream, {{lld::Gnu, &lld::elf::link}});
    // lld reset every command-line option to its default.
    restoreCommandLine();
  }
  if (linked.retCode != 0)
    return kernels.emitError("linking the kernels failed: ") << log;
  auto bytes = llvm::MemoryBuffer::getFile(libraryPath);
  if (!bytes)
    return kernels.emitError("cannot read back ") << libraryPath;
  library = (*bytes)->getBuffer().str();
  return success();
}

struct CpuLinkKernels final : impl::CpuLinkKernelsBase<CpuLinkKernels> {
  void getDependentDialects(DialectRegistry &registry) const override {
    CpuLinkKernelsBase::getDependentDialects(registry);
    // Registered up front: a pass may not extend the context while the
    // pass manager runs modules in parallel.
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
  }

  void runOnOperation() override {
    ModuleOp kernels = getOperation();
    exec::TargetAttr target = exec::targetOf(kernels);
    if (!target || target.getName() != "cpu") {
      kernels.emitError("cpu-link-kernels runs on a kernel module whose "
                        "#exec.target is cpu");
      return signalPassFailure();
    }
    std::string error;
    FailureOr<TargetChoice> choice =
        chooseTarget(backendOptionsOf(target.getOptions()), error);
    if (failed(choice)) {
      kernels.emitError(error);
      return signalPassFailure();
    }
    std::vector<std::string> objects;
    std::string library;
    if (failed(emitObjects(kernels, *choice, objects)) ||
        failed(linkSharedLibrary(kernels, objects, library)))
      return signalPassFailure();
    // The library is the kernels now. Each kernel stays as a declaration,
    // for the host schedule's dispatches to name; the rest goes.
    auto workgroups = kernels->getAttrOfType<DictionaryAttr>(kWorkgroupsAttr);
    for (Operation &op : llvm::make_early_inc_range(*kernels.getBody())) {
      auto function = dyn_cast<LLVM::LLVMFuncOp>(op);
      if (function && workgroups && workgroups.contains(function.getName())) {
        function.eraseBody();
        function.setLinkage(LLVM::Linkage::External);
        continue;
      }
      op.erase();
    }
    kernels->setAttr(kLibraryAttr,
                     StringAttr::get(kernels.getContext(), library));
  }
};

} // namespace

FailureOr<SimdRegisters> simdRegistersOf(const BackendOptions &options,
                                         std::string &error) {
  FailureOr<TargetChoice> choice = chooseTarget(options, error);
  if (failed(choice))
    return failure();
  llvm::Triple triple(choice->triple);
  // A few registers stay free for B's row and A's broadcasts.
  auto leaving = [](int64_t lanes, int64_t total) {
    return SimdRegisters{lanes, total - 4};
  };
  // AArch64 always has NEON's 32 128-bit registers (SVE's scalable ones
  // are not used).
  if (triple.isAArch64())
    return leaving(4, 32);
  if (!triple.isX86())
    return leaving(4, 16);
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return failure();
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, choice->cpu, choice->features));
  if (!subtarget) {
    error = "no subtarget for CPU '" + choice->cpu + "'";
    return failure();
  }
  // LLVM keeps explicit 512-bit vectors in zmm registers (MLIR's functions
  // carry no min-legal-vector-width), whatever the CPU's preferred width.
  if (subtarget->checkFeatures("+avx512f"))
    return leaving(16, 32);
  if (subtarget->checkFeatures("+avx"))
    return leaving(8, 16);
  return leaving(4, 16);
}

} // namespace kiln::cpu
