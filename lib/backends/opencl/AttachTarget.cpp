//===- AttachTarget.cpp - opencl-attach-target ----------------------------===//

#include "lib/backends/opencl/OpenCLPasses.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"

namespace kiln::opencl {
#define GEN_PASS_DEF_OPENCLATTACHTARGET
#include "lib/backends/opencl/OpenCLPasses.h.inc"
} // namespace kiln::opencl

using namespace mlir;

namespace {

struct OpenCLAttachTarget
    : kiln::opencl::impl::OpenCLAttachTargetBase<OpenCLAttachTarget> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    using spirv::Capability;
    Capability capabilities[] = {Capability::Addresses, Capability::Kernel,
                                 Capability::Int8,      Capability::Int16,
                                 Capability::Int64,     Capability::Float16,
                                 Capability::Float64};
    auto triple = spirv::VerCapExtAttr::get(spirv::Version::V_1_0, capabilities,
                                            {}, context);
    auto environment = spirv::TargetEnvAttr::get(
        triple, spirv::getDefaultResourceLimits(context),
        spirv::ClientAPI::OpenCL, spirv::Vendor::Unknown,
        spirv::DeviceType::Unknown, spirv::TargetEnvAttr::kUnknownDeviceID);
    getOperation().walk([&](mlir::gpu::GPUModuleOp module) {
      module->setAttr(spirv::getTargetEnvAttrName(), environment);
      module.setTargetsAttr(ArrayAttr::get(context, {environment}));
    });
  }
};

} // namespace
