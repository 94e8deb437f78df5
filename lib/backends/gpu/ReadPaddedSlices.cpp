//===- ReadPaddedSlices.cpp - gpu-read-padded-slices ----------------------===//
//
// A padded window read in place. Tiling a padded convolution fuses its
// input's tensor.pad into each tile as a pad of the input's slice, which a
// CPU copies into a small buffer once per tile and streams through; a GPU
// work item would copy it into private (local) memory, kilobytes each.
// Reading the input through bounds checks instead costs a compare and a
// select per load, and no memory.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/gpu/GpuPasses.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_GPUREADPADDEDSLICES
#include "lib/backends/gpu/GpuPasses.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace {

/// A window `padded[p] = in bounds ? source[origin + p] : value`.
struct PaddedWindow {
  Value source;
  SmallVector<OpFoldResult> origin; ///< Slice offset minus low padding.
  SmallVector<bool> padded;         ///< Dims that may be out of bounds.
  Value value;
};

/// The window `value` is, where it is a constant pad of a unit-stride slice
/// (possibly behind the scf.if tiling puts around it for an all-padding
/// window), its offsets and padding defined where `user` can see them.
std::optional<PaddedWindow> matchWindow(Value value, Operation *user,
                                        DominanceInfo &dominance) {
  auto padOf = [](Value value) {
    if (auto cast = value.getDefiningOp<tensor::CastOp>())
      value = cast.getSource();
    return value.getDefiningOp<tensor::PadOp>();
  };
  tensor::PadOp pad = padOf(value);
  if (auto branch = value.getDefiningOp<scf::IfOp>()) {
    // then: the window when the slice is empty (all padding); else: the
    // pad. Reading through bounds checks covers both.
    auto yield = cast<scf::YieldOp>(branch.elseBlock()->getTerminator());
    pad = padOf(yield.getOperand(cast<OpResult>(value).getResultNumber()));
  }
  if (!pad || pad.getNofold())
    return std::nullopt;
  Value padValue = pad.getConstantPaddingValue();
  auto slice = pad.getSource().getDefiningOp<tensor::ExtractSliceOp>();
  if (!padValue || !slice || !slice.hasUnitStride() ||
      slice.getSourceType().getRank() != slice.getType().getRank())
    return std::nullopt;
  auto visible = [&](OpFoldResult fold) {
    auto v = dyn_cast<Value>(fold);
    return !v || dominance.properlyDominates(v, user);
  };
  PaddedWindow window;
  window.source = slice.getSource();
  window.value = padValue;
  if (!visible(window.source) || !visible(padValue))
    return std::nullopt;
  for (auto [offset, low, high] :
       llvm::zip(slice.getMixedOffsets(), pad.getMixedLowPad(),
                 pad.getMixedHighPad())) {
    if (!visible(offset) || !visible(low))
      return std::nullopt;
    window.origin.push_back(offset);
    window.origin.push_back(low);
    window.padded.push_back(!isZeroInteger(low) || !isZeroInteger(high));
  }
  return window;
}

Value materialize(OpBuilder &b, Location loc, OpFoldResult fold) {
  if (auto value = dyn_cast<Value>(fold))
    return value;
  return arith::ConstantIndexOp::create(
      b, loc, cast<IntegerAttr>(cast<Attribute>(fold)).getInt());
}

/// `op` reading input `index` through the bounds checks of `window`.
LogicalResult readInPlace(linalg::GenericOp op, unsigned index,
                          const PaddedWindow &window, IRRewriter &rewriter) {
  Location loc = op.getLoc();
  auto sourceType = cast<RankedTensorType>(window.source.getType());
  if (!sourceType.hasStaticShape())
    return failure(); // Kernels have static shapes.
  rewriter.setInsertionPoint(op);
  // The window's origin in the source, per dim: offset - low.
  SmallVector<Value> origin, sizes;
  for (int64_t dim = 0; dim < sourceType.getRank(); ++dim) {
    Value offset = materialize(rewriter, loc, window.origin[2 * dim]);
    Value low = materialize(rewriter, loc, window.origin[2 * dim + 1]);
    origin.push_back(arith::SubIOp::create(rewriter, loc, offset, low));
    sizes.push_back(arith::ConstantIndexOp::create(rewriter, loc,
                                                   sourceType.getDimSize(dim)));
  }

  // The same op without that input.
  SmallVector<Value> inputs(op.getDpsInputs());
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap windowMap = maps[index];
  inputs.erase(inputs.begin() + index);
  maps.erase(maps.begin() + index);
  auto fused = linalg::GenericOp::create(rewriter, loc, op.getResultTypes(),
                                         inputs, op.getDpsInits(), maps,
                                         op.getIteratorTypesArray());
  fused->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  rewriter.inlineRegionBefore(op.getRegion(), fused.getRegion(),
                              fused.getRegion().begin());
  Block &body = fused.getRegion().front();
  BlockArgument element = body.getArgument(index);
  rewriter.setInsertionPointToStart(&body);
  SmallVector<Value> loops;
  for (unsigned loop = 0; loop < fused.getNumLoops(); ++loop)
    loops.push_back(linalg::IndexOp::create(rewriter, loc, loop));
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value inBounds;
  SmallVector<Value> at;
  for (auto [dim, expr] : llvm::enumerate(windowMap.getResults())) {
    Value position =
        affine::makeComposedAffineApply(
            rewriter, loc, AffineMap::get(windowMap.getNumDims(), 0, expr),
            getAsOpFoldResult(loops))
            .getResult();
    Value source = arith::AddIOp::create(rewriter, loc, origin[dim], position);
    if (!window.padded[dim]) {
      at.push_back(source);
      continue;
    }
    Value last = arith::ConstantIndexOp::create(rewriter, loc,
                                                sourceType.getDimSize(dim) - 1);
    Value above = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::sge, source, zero);
    Value below = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::slt, source, sizes[dim]);
    Value here = arith::AndIOp::create(rewriter, loc, above, below);
    inBounds =
        inBounds ? arith::AndIOp::create(rewriter, loc, inBounds, here) : here;
    // Clamped, so the load is in bounds whatever the select keeps.
    at.push_back(arith::MinSIOp::create(
        rewriter, loc, arith::MaxSIOp::create(rewriter, loc, source, zero),
        last));
  }
  Value loaded = tensor::ExtractOp::create(rewriter, loc, window.source, at);
  Value read = inBounds ? arith::SelectOp::create(rewriter, loc, inBounds,
                                                  loaded, window.value)
                        : loaded;
  rewriter.replaceAllUsesWith(element, read);
  body.eraseArgument(index);
  rewriter.replaceOp(op, fused.getResults());
  return success();
}

struct GpuReadPaddedSlices
    : kiln::gpu::impl::GpuReadPaddedSlicesBase<GpuReadPaddedSlices> {
  void runOnOperation() override {
    DominanceInfo dominance(getOperation());
    IRRewriter rewriter(&getContext());
    // Each rewrite replaces an op: collect first, one window at a time.
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<linalg::LinalgOp> ops;
      getOperation()->walk([&](linalg::LinalgOp op) { ops.push_back(op); });
      for (linalg::LinalgOp op : ops) {
        for (OpOperand *input : op.getDpsInputOperands()) {
          std::optional<PaddedWindow> window =
              matchWindow(input->get(), op, dominance);
          if (!window)
            continue;
          // A named op (a convolution without register tiles) as the
          // generic it is, to read its input in the body.
          unsigned index = input->getOperandNumber();
          auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
          if (!generic) {
            rewriter.setInsertionPoint(op);
            FailureOr<linalg::GenericOp> general =
                linalg::generalizeNamedOp(rewriter, op);
            if (failed(general))
              continue;
            generic = *general;
          }
          if (succeeded(readInPlace(generic, index, *window, rewriter))) {
            changed = true;
            break;
          }
        }
      }
    }
  }
};

} // namespace
