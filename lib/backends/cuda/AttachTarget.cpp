//===- AttachTarget.cpp - cuda-attach-target ------------------------------===//

#include "lib/backends/cuda/CudaPasses.h"

#include "llvm/ADT/StringExtras.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_CUDAATTACHTARGET
#include "lib/backends/cuda/CudaPasses.h.inc"

int archNumber(llvm::StringRef arch) {
  if (!arch.consume_front("sm_"))
    return 0;
  arch.consume_back("a");
  int number = 0;
  if (arch.getAsInteger(10, number) || number < 50 || number > 999)
    return 0;
  return number;
}

} // namespace kiln::cuda

using namespace mlir;

namespace {

/// The PTX ISA version (x10) an arch needs, at least 8.0 (CUDA 12.0):
/// sm_90a's wgmma needs 8.0, Blackwell's archs later ISAs.
int ptxVersion(int arch) {
  if (arch >= 120)
    return 87;
  if (arch >= 100)
    return 86;
  return 80;
}

struct CudaAttachTarget
    : kiln::cuda::impl::CudaAttachTargetBase<CudaAttachTarget> {
  using CudaAttachTargetBase::CudaAttachTargetBase;

  void runOnOperation() override {
    SmallVector<std::string> chips(archs.begin(), archs.end());
    if (chips.empty())
      chips.assign(std::begin(kiln::cuda::kDefaultArchs),
                   std::end(kiln::cuda::kDefaultArchs));
    SmallVector<Attribute> targets;
    for (const std::string &chip : chips) {
      int number = kiln::cuda::archNumber(chip);
      if (!number) {
        emitError(getOperation().getLoc(),
                  "the cuda target's arch must be sm_NN "
                  "(e.g. sm_80, sm_90, sm_90a), got '")
            << chip << "'";
        return signalPassFailure();
      }
      targets.push_back(NVVM::NVVMTargetAttr::get(
          &getContext(), /*optLevel=*/3, "nvptx64-nvidia-cuda", chip,
          "+ptx" + std::to_string(ptxVersion(number))));
    }
    ArrayAttr list = ArrayAttr::get(&getContext(), targets);
    getOperation().walk(
        [&](mlir::gpu::GPUModuleOp module) { module.setTargetsAttr(list); });
  }
};

} // namespace
