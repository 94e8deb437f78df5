//===- PackWeights.cpp - graph-pack-weights -------------------------------===//
//
// A matmul weight [K, N] is stored as [N/P, K, P] column panels and
// its matmuls become graph.panel_matmul; a convolution filter [O, C, KH,
// KW] as [O/P, KH, KW, C, P] output-channel panels, its convolutions
// graph.panel_conv2d. A CPU register tile of P output columns (channels)
// then streams its part of the weight contiguously. Done once, at compile
// time, on the constant's bytes.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

namespace kiln {
#define GEN_PASS_DEF_GRAPHPACKWEIGHTS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

/// Whether `user` reads `weight` as a packable weight: the rhs [K, N] of a
/// matmul, N a multiple of `columns`, or the filter [O, C, KH, KW] of an
/// ungrouped convolution, O a multiple of `columns` and C x KH x KW at least
/// `minConvReduction`; of f32, f16 or bf16 (the micro-kernels widen a
/// 16-bit panel row to f32 as they load it); read nowhere else by the op.
bool isPackableUse(Operation *user, Value weight, int64_t columns,
                   int64_t minConvReduction) {
  auto type = cast<RankedTensorType>(weight.getType());
  Type element = type.getElementType();
  if (!type.hasStaticShape() ||
      !(element.isF32() || element.isF16() || element.isBF16()))
    return false;
  if (auto matmul = dyn_cast<MatmulOp>(user))
    return matmul.getRhs() == weight && matmul.getLhs() != weight &&
           type.getRank() == 2 && type.getDimSize(1) % columns == 0;
  if (auto conv = dyn_cast<Conv2dOp>(user))
    return conv.getFilter() == weight && conv.getInput() != weight &&
           conv.getBias() != weight && conv.getGroups() == 1 &&
           type.getRank() == 4 && type.getDimSize(0) % columns == 0 &&
           type.getNumElements() / type.getDimSize(0) >= minConvReduction;
  return false;
}

/// The weight's elements as [N/P, T, P] panels, where N is the dim split
/// into panels (a matmul's columns, a convolution's output channels) and T
/// the rest (K; C x KH x KW): `sourceIndex(t, n)` is element (t, n)'s
/// position in the weight as stored.
ElementsAttr
packPanels(ConstantOp weight, int64_t columns, RankedTensorType packedType,
           llvm::function_ref<int64_t(int64_t, int64_t)> sourceIndex) {
  std::optional<std::pair<ArrayRef<char>, bool>> bytes = constantBytes(weight);
  if (!bytes)
    return nullptr;
  auto [data, splat] = *bytes;
  if (splat)
    return DenseElementsAttr::getFromRawBuffer(packedType, data);
  int64_t width = elementBytes(packedType);
  int64_t panels = packedType.getDimSize(0);
  int64_t rows = packedType.getNumElements() / (panels * columns);
  std::vector<char> packed(data.size());
  char *out = packed.data();
  for (int64_t panel = 0; panel < panels; ++panel)
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t column = 0; column < columns; ++column, out += width)
        std::memcpy(out,
                    &data[sourceIndex(row, panel * columns + column) * width],
                    width);
  // Keeps the weight's name, so the artifact still says whose it is.
  StringRef name = "weights";
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(weight.getValue()))
    name = resource.getRawHandle().getKey();
  return DenseResourceElementsAttr::get(
      packedType, (name + "_panels").str(),
      HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(packed),
                                                    alignof(std::max_align_t)));
}

/// A matmul's rhs [K, N] as [N/P, K, P].
ElementsAttr packMatmulWeight(ConstantOp weight, int64_t columns) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  return packPanels(weight, columns,
                    RankedTensorType::get({cols / columns, rows, columns},
                                          type.getElementType()),
                    [&](int64_t k, int64_t n) { return k * cols + n; });
}

/// A convolution's filter [O, C, KH, KW] as [O/P, KH, KW, C, P].
ElementsAttr packConvolutionFilter(ConstantOp weight, int64_t columns) {
  auto type = cast<RankedTensorType>(weight.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t channels = shape[1], window = shape[2] * shape[3];
  return packPanels(weight, columns,
                    RankedTensorType::get({shape[0] / columns, shape[2],
                                           shape[3], channels, columns},
                                          type.getElementType()),
                    [&](int64_t t, int64_t o) {
                      // t runs over (kh, kw, c), c fastest.
                      int64_t c = t % channels, position = t / channels;
                      return (o * channels + c) * window + position;
                    });
}

struct GraphPackWeights : kiln::impl::GraphPackWeightsBase<GraphPackWeights> {
  using GraphPackWeightsBase::GraphPackWeightsBase;

  void runOnOperation() override {
    if (panelColumns < 0) {
      getOperation().emitError("graph-pack-weights: panel-columns must be "
                               ">= 0, got ")
          << static_cast<int64_t>(panelColumns);
      return signalPassFailure();
    }
    if (panelColumns == 0)
      return;
    SmallVector<ConstantOp> weights;
    getOperation().walk([&](ConstantOp constant) {
      Value weight = constant.getResult();
      if (!weight.use_empty() &&
          llvm::all_of(weight.getUsers(), [&](Operation *user) {
            return onDevice(user) &&
                   isPackableUse(user, weight, panelColumns, minConvReduction);
          }))
        weights.push_back(constant);
    });
    for (ConstantOp weight : weights) {
      bool matmuls = isa<MatmulOp>(*weight->getUsers().begin());
      ElementsAttr packed = matmuls
                                ? packMatmulWeight(weight, panelColumns)
                                : packConvolutionFilter(weight, panelColumns);
      if (!packed)
        continue;
      OpBuilder builder(weight);
      Value panels =
          ConstantOp::create(builder, weight.getLoc(), packed).getResult();
      for (Operation *user :
           llvm::make_early_inc_range(weight.getResult().getUsers())) {
        builder.setInsertionPoint(user);
        Value replacement;
        if (auto matmul = dyn_cast<MatmulOp>(user)) {
          replacement = PanelMatmulOp::create(builder, matmul.getLoc(),
                                              matmul.getLhs(), panels);
        } else {
          auto conv = cast<Conv2dOp>(user);
          replacement = PanelConv2dOp::create(
              builder, conv.getLoc(), conv.getInput(), panels, conv.getBias(),
              conv.getStridesAttr(), conv.getPaddingAttr(),
              conv.getDilationsAttr());
        }
        keepDevice(user, replacement.getDefiningOp());
        user->getResult(0).replaceAllUsesWith(replacement);
        user->erase();
      }
      weight.erase();
    }
    packActivations();
  }

  /// Whether `op` runs on the target this packs for: the one named by
  /// `device`, or any when it names none or graph-place placed nothing.
  bool onDevice(Operation *op) {
    auto placed = op->getAttrOfType<StringAttr>(kDeviceAttr);
    return device.empty() || !placed || placed.getValue() == device;
  }

  /// `replacement` runs where `op` did.
  static void keepDevice(Operation *op, Operation *replacement) {
    if (Attribute placed = op->getAttr(kDeviceAttr))
      replacement->setAttr(kDeviceAttr, placed);
  }

  /// A matmul whose rhs [K, N] is computed at run time (sgemm's B) reads it
  /// through a transpose kernel of its own that lays it out in panels once
  /// per run: [K, N] viewed as [K, N/P, P], transposed to [N/P, K, P]. That
  /// copy costs a read and a write of B; every row tile of the matmul then
  /// streams its panel. Only when enough rows (`minActivationRows`) reuse
  /// each panel for the copy to pay.
  void packActivations() {
    SmallVector<MatmulOp> matmuls;
    getOperation().walk([&](MatmulOp matmul) {
      auto type = cast<RankedTensorType>(matmul.getRhs().getType());
      auto lhs = cast<RankedTensorType>(matmul.getLhs().getType());
      if (minActivationRows > 0 && onDevice(matmul) &&
          !matmul.getRhs().getDefiningOp<ConstantOp>() && type.getRank() == 2 &&
          type.hasStaticShape() && type.getElementType().isF32() &&
          type.getDimSize(1) % panelColumns == 0 && lhs.hasStaticShape() &&
          lhs.getNumElements() / lhs.getShape().back() >= minActivationRows)
        matmuls.push_back(matmul);
    });
    for (MatmulOp matmul : matmuls) {
      auto type = cast<RankedTensorType>(matmul.getRhs().getType());
      int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
      OpBuilder builder(matmul);
      Location loc = matmul.getLoc();
      Value split = ReshapeOp::create(
          builder, loc,
          RankedTensorType::get({rows, cols / panelColumns, panelColumns},
                                type.getElementType()),
          matmul.getRhs());
      Value panels =
          TransposeOp::create(builder, loc, split, ArrayRef<int64_t>{1, 0, 2});
      Value product =
          PanelMatmulOp::create(builder, loc, matmul.getLhs(), panels);
      keepDevice(matmul, panels.getDefiningOp());
      keepDevice(matmul, product.getDefiningOp());
      matmul.replaceAllUsesWith(product);
      matmul.erase();
    }
  }
};

} // namespace
