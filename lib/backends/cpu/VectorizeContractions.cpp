//===- VectorizeContractions.cpp - cpu-vectorize-contractions -------------===//
//
// A register-blocked micro-kernel for every contraction (matmul, batched
// matmul, a 1x1 convolution as linalg has it), generated through MLIR: the
// workgroup's contraction is tiled into MR x NR output tiles with K
// innermost, each step one `vector.contract` of an MR x 1 column of A and a
// 1 x NR row of B (lowered later to MR broadcast FMAs on NR-wide vectors),
// and the MR x NR accumulator is hoisted out of the K loop, so it lives in
// registers for the whole K loop and is stored once. The loop nest that
// LLVM vectorized before reloaded and stored the output row every step.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/cpu/CpuPasses.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CPUVECTORIZECONTRACTIONS
#include "lib/backends/cpu/CpuPasses.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// The largest of `choices` (descending) that divides `extent`: tiles are
/// whole, so every vector is full (no masks, no remainder loops).
int64_t largestDivisor(int64_t extent, ArrayRef<int64_t> choices) {
  for (int64_t choice : choices)
    if (extent % choice == 0)
      return choice;
  return 1;
}

/// An input read in column panels (graph.panel_matmul's rhs): map
/// (..., n, k) -> (n floordiv P, k, n mod P), a contraction otherwise.
struct PanelRead {
  unsigned operand; // the input's position
  unsigned n, k;    // its loops
  int64_t width;    // P
};

std::optional<PanelRead> panelRead(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp>(op.getOperation()) || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1)
    return std::nullopt;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    std::optional<kiln::cpu::PanelIndex> panel = kiln::cpu::panelIndex(map);
    if (!panel || map.getNumResults() != 3)
      continue;
    if (auto k = dyn_cast<AffineDimExpr>(map.getResult(1)))
      return PanelRead{input->getOperandNumber(), panel->loop, k.getPosition(),
                       panel->width};
  }
  return std::nullopt;
}

struct CpuVectorizeContractions
    : kiln::cpu::impl::CpuVectorizeContractionsBase<CpuVectorizeContractions> {
  using CpuVectorizeContractionsBase::CpuVectorizeContractionsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if ((linalg::isaContractionOpInterface(op) || panelRead(op)) &&
          op.hasPureTensorSemantics() && !op.hasDynamicShape() &&
          getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32())
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : contractions)
      if (failed(vectorize(rewriter, op)))
        return signalPassFailure();
    // A generic's vectorized step is reads that broadcast (A's column, B's
    // row), a multiply and a reduction. As plain reads and broadcasts they
    // fold into one vector.contract whose maps are an outer product, which
    // lowers to FMAs: one rounding a step, as BLAS computes.
    // An f16/bf16 contraction's step widens its operands after broadcasting
    // them (extf of the broadcasts): moved before the broadcasts, the
    // widening is of A's MR and B's NR elements, and the broadcasts meet the
    // contraction as f32's do.
    RewritePatternSet patterns(&getContext());
    vector::populateSinkVectorOpsPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }

  /// Tiles `op`, whose input `panel` is read in column panels, into one
  /// panel's columns at a time (the outermost loop), and makes each tile
  /// read its panel, a K x P block, as a plain [K, P] rhs: a contraction
  /// like any other. The tile's columns are one whole panel: the tiles
  /// start where panels start (kernel-tile-workgroups splits along whole
  /// blocks) and are P columns wide.
  FailureOr<linalg::LinalgOp> tilePanels(IRRewriter &rewriter,
                                         linalg::LinalgOp op,
                                         const PanelRead &panel) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (ranges[panel.n] % panel.width != 0)
      return op.emitOpError("reads ")
             << panel.width << "-column panels but computes " << ranges[panel.n]
             << " columns, not whole panels";
    SmallVector<int64_t> sizes(ranges.size(), 0);
    sizes[panel.n] = panel.width;
    if (failed(this->tile(rewriter, op, sizes, {})))
      return op.emitOpError("could not be tiled into column panels");
    auto tile = cast<linalg::GenericOp>(op.getOperation());
    // The tile's panel, [1, K, P], as [K, P], read at (k, n): within one
    // panel, n floordiv P is 0 and n mod P is n.
    OpOperand &rhs = tile->getOpOperand(panel.operand);
    auto panelType = cast<RankedTensorType>(rhs.get().getType());
    rewriter.setInsertionPoint(tile);
    Value block = tensor::createCanonicalRankReducingExtractSliceOp(
        rewriter, tile.getLoc(), rhs.get(),
        RankedTensorType::get(panelType.getShape().drop_front(),
                              panelType.getElementType()));
    SmallVector<AffineMap> maps = tile.getIndexingMapsArray();
    maps[panel.operand] = AffineMap::get(maps[panel.operand].getNumDims(), 0,
                                         {rewriter.getAffineDimExpr(panel.k),
                                          rewriter.getAffineDimExpr(panel.n)},
                                         &getContext());
    rewriter.modifyOpInPlace(tile, [&] {
      rhs.set(block);
      tile.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    return cast<linalg::LinalgOp>(tile.getOperation());
  }

  LogicalResult vectorize(IRRewriter &rewriter, linalg::LinalgOp op) {
    // A panel's columns are contiguous: every register tile along them
    // streams its block of B. Without this no other tile shape fits.
    bool panels = false;
    if (std::optional<PanelRead> panel = panelRead(op)) {
      FailureOr<linalg::LinalgOp> tile = tilePanels(rewriter, op, *panel);
      if (failed(tile))
        return failure();
      op = *tile;
      panels = true;
      if (!linalg::isaContractionOpInterface(op))
        return op.emitOpError("is not a contraction once read by panels");
    }
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    // One M, N and K dim (and any batch): the micro-kernel's shape.
    if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
        dims->k.size() != 1)
      return success();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    unsigned m = dims->m.front(), n = dims->n.front(), k = dims->k.front();
    // A step reads NR consecutive elements of B's row and of the output's:
    // N must be the innermost dim of both (a transposed B, as attention's
    // q @ k^T has it, would be NR strided loads a step: left to the loops).
    auto innermostIsN = [&](AffineMap map) {
      return map.getNumResults() > 0 &&
             map.getResults().back() == getAffineDimExpr(n, &getContext());
    };
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (!innermostIsN(maps.back()))
      return success();
    for (AffineMap map : ArrayRef(maps).drop_back())
      if (map.isFunctionOfDim(n) && !innermostIsN(map))
        return success();
    // MR x NR accumulators: NR floats a row in vectors of `vectorWidth`,
    // MR rows, at most `registers` vectors (AVX2: 12 of 16 ymm, the rest for
    // B's row and A's broadcasts).
    int64_t nr = largestDivisor(
        ranges[n], {2 * vectorWidth, vectorWidth, vectorWidth / 2, 2, 1});
    int64_t vectorsPerRow = std::max<int64_t>(1, nr / vectorWidth);
    int64_t maxRows = std::max<int64_t>(1, registers / vectorsPerRow);
    int64_t rows = ranges[m];
    // Fewer than 4 rows a tile load as much as they compute (a B row and
    // the rows' broadcasts per FMA pair): the loops, which stream B's rows,
    // are as fast (measured on the encoder layer's 2-row workgroups).
    // (B read by panels has no such loops to fall back on.)
    if (!panels && (std::min(rows, maxRows) < 4 || nr < 4))
      return success();
    // K in blocks first: each block's rows of B (kc x N, in 256 KiB of a
    // core's L2) are walked for every NR columns before the next block,
    // while the accumulators are reloaded once a block. The largest block
    // dividing K that fits, else the smallest dividing one, else K whole.
    int64_t kc = ranges[k];
    for (int64_t choice : {256, 128, 64, 32, 16, 8}) {
      if (ranges[k] % choice != 0)
        continue;
      kc = choice;
      if (choice * ranges[n] * int64_t(sizeof(float)) <= (256 << 10))
        break;
    }
    if (kc < ranges[k]) {
      SmallVector<int64_t> blocks(ranges.size(), 0);
      blocks[k] = kc;
      if (failed(tile(rewriter, op, blocks, {})))
        return op.emitOpError("could not be tiled into K blocks");
    }
    // Row tiles of as many rows as the registers hold: MR accumulators
    // rows keep MR x NR / vectorWidth FMAs in flight per step, which the
    // FMA units' latency needs (8 of AVX2's 4x16 tile left a fifth of them
    // idle). Rows a tile of them does not divide, unless a tile one row
    // shorter does, are a second op with one tile of the rows left.
    SmallVector<std::pair<linalg::LinalgOp, int64_t>> parts;
    int64_t mr = std::min(rows, maxRows);
    if (rows % mr != 0 && rows % (mr - 1) == 0 && mr > 4)
      --mr;
    int64_t whole = rows / mr * mr;
    if (whole < rows) {
      rewriter.setInsertionPoint(op);
      auto [first, second] =
          linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()), m,
                          rewriter.getIndexAttr(whole));
      if (!first || !second)
        return op.emitOpError("could not be split into whole row tiles");
      parts = {{cast<linalg::LinalgOp>(first.getOperation()), mr},
               {cast<linalg::LinalgOp>(second.getOperation()), rows - whole}};
    } else {
      parts = {{op, mr}};
    }
    for (auto [part, partRows] : parts) {
      SmallVector<int64_t> sizes(ranges.size(), 1);
      sizes[m] = partRows;
      sizes[n] = nr;
      // Loops: batch dims, then M, N, and K innermost (the accumulator's
      // loop).
      SmallVector<int64_t> order(dims->batch.begin(), dims->batch.end());
      order.append({m, n, k});
      if (failed(tile(rewriter, part, sizes, order)))
        return part.emitOpError("could not be tiled into register tiles");
      rewriter.setInsertionPoint(part);
      FailureOr<linalg::VectorizationResult> vectors = linalg::vectorize(
          rewriter, part, /*inputVectorSizes=*/{},
          /*inputScalableVecDims=*/{},
          /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false,
          /*createNamedContraction=*/true);
      if (failed(vectors))
        return part.emitOpError("could not be vectorized as a register tile");
      rewriter.replaceOp(part, vectors->replacements);
    }
    // The accumulator leaves the K loop in the pipeline's
    // loop-invariant-subset-hoisting, once canonicalization has folded the
    // tiles' index arithmetic.
    return success();
  }

  /// Tiles `op` by `sizes` (0: untiled) in `order` (empty: as it is) with
  /// scf.for loops; `op` becomes the tiled op.
  LogicalResult tile(IRRewriter &rewriter, linalg::LinalgOp &op,
                     ArrayRef<int64_t> sizes, ArrayRef<int64_t> order) {
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
    options.setInterchange(order);
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled) || tiled->tiledOps.size() != 1)
      return failure();
    rewriter.replaceOp(op, tiled->replacements);
    op = cast<linalg::LinalgOp>(tiled->tiledOps.front());
    return success();
  }
};

} // namespace
