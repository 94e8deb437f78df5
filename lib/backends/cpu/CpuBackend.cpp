//===- CpuBackend.cpp - the CPU backend -----------------------------------===//
//
// Kernel module → LLVM dialect (the kernel pipeline below) → a shared
// library the runtime's CPU device dlopens (the binary pipeline:
// cpu-link-kernels compiles and links). Options:
//   cpu=host (default)  the compiling machine's CPU and features
//   cpu=x86-64          any x86-64 (baseline features)
//   cpu=aarch64         any AArch64
//   cpu=<llvm cpu name> a specific CPU of the host's architecture
//
//===----------------------------------------------------------------------===//

#include "kiln/Backend.h"
#include "lib/backends/cpu/CpuPasses.h"
#include "lib/backends/tiling/TilingPasses.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/TargetSelect.h"

#include <mutex>

using namespace mlir;

namespace kiln::cpu {
namespace {

/// From tensors to the LLVM dialect. Written as one textual pipeline so
/// `kiln-opt --pass-pipeline=...` can replay any prefix of it.
std::string kernelPipeline(SimdRegisters simd) {
  // Contractions and convolutions become register-blocked vector
  // micro-kernels on the workgroup's tiles, blocked for the target CPU's
  // registers; the rest is loops LLVM vectorizes.
  std::string blocking = "{vector-width=" + std::to_string(simd.vectorWidth) +
                         " registers=" + std::to_string(simd.accumulators) +
                         "}";
  return tiling::workgroupTilingPipeline(
             /*maxWorkgroups=*/64,
             /*minIterations=*/4096, /*workItems=*/false,
             "func.func(cpu-vectorize-contractions" + blocking +
                 ",cpu-vectorize-convolutions" + blocking +
                 ",cpu-reassociate-reductions),"
                 "canonicalize,"
                 "loop-invariant-subset-hoisting") +
         ","
         "func.func(convert-vector-to-scf{full-unroll=1}),"
         "lower-affine,expand-strided-metadata,lower-affine,"
         // Unrolling a transfer repeats its index arithmetic per element (a
         // strided write of 32 channels: the same pixel's row divided 32
         // times). Merged here, the conversions to the LLVM dialect below
         // see a quarter less IR; LLVM merged them too, only later.
         "cse,"
         "convert-scf-to-cf,"
         // f16/bf16 math and bf16 arithmetic in f32 (a widening and a
         // rounding each, as LLVM promotes f16 arithmetic), so math gets
         // the f32 approximations and no libcall is left for bf16.
         "math-extend-to-supported-types{target-type=f32},"
         "arith-emulate-unsupported-floats{source-types=bf16 "
         "target-type=f32},"
         "convert-math-to-funcs,cpu-approximate-math,convert-math-to-llvm,"
         "convert-math-to-libm,"
         "convert-vector-to-llvm{vector-contract-lowering=outerproduct},"
         "convert-ub-to-llvm,"
         "convert-arith-to-llvm,finalize-memref-to-llvm,"
         "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
         "convert-cf-to-llvm,reconcile-unrealized-casts,"
         "cpu-emit-entry-points";
}

/// The registers of the CPU `options` name, which checkOptions accepted.
SimdRegisters simdRegisters(const BackendOptions &options) {
  std::string error;
  FailureOr<SimdRegisters> simd = simdRegistersOf(options, error);
  if (failed(simd))
    llvm::report_fatal_error(llvm::Twine("unchecked cpu options: ") + error);
  return *simd;
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
    return simdRegistersOf(options, error);
  }

  // Two vectors: the micro-kernels' register tile width (NR), so a panel
  // row is what one K step loads (AVX2: 16 floats, one 64-byte line).
  int64_t weightPanelColumns(const BackendOptions &options) const override {
    return 2 * simdRegisters(options).vectorWidth;
  }

  // A few cores' worth of the micro-kernels (issue 16 measured 130-200
  // GFLOP/s on 2 AVX-512 cores): GFLOP/s grow with the vector width.
  CostFigures costFigures(const BackendOptions &options) const override {
    // Host memory: no link.
    return {12.5 * simdRegisters(options).vectorWidth, 20, 3};
  }

  void buildKernelPipeline(OpPassManager &pm,
                           const BackendOptions &options) const override {
    // The pipeline text is a constant of this file: failing to parse it is a
    // bug, not a user error.
    if (failed(parsePassPipeline(kernelPipeline(simdRegisters(options)), pm)))
      llvm::report_fatal_error("the CPU kernel pipeline does not parse");
  }

  void buildBinaryPipeline(OpPassManager &pm,
                           const BackendOptions &) const override {
    pm.addPass(createCpuLinkKernels());
  }

  FailureOr<CompiledKernels> serialize(ModuleOp kernels,
                                       const BackendOptions &) const override {
    auto grid = kernels->getAttrOfType<DictionaryAttr>(kWorkgroupsAttr);
    auto library = kernels->getAttrOfType<StringAttr>(kLibraryAttr);
    if (!grid || !library)
      return kernels.emitError("kernel module was not compiled by the CPU "
                               "pipeline (no ")
             << kWorkgroupsAttr << " and " << kLibraryAttr << ")";
    CompiledKernels result;
    result.target = "cpu";
    result.binary = library.str();
    // A CPU workgroup is one call of the entry point: the grid is 1-D.
    for (NamedAttribute entry : grid) {
      CompiledKernel &kernel = result.kernels.emplace_back();
      kernel.name = entry.getName().str();
      kernel.symbol = (kEntryPrefix + entry.getName().strref()).str();
      kernel.grid[0] = cast<IntegerAttr>(entry.getValue()).getInt();
    }
    return result;
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
    tiling::registerPasses();
    registerCpuPasses();
  });
  return std::make_unique<CpuBackend>();
}

} // namespace kiln::cpu
