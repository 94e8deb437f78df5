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

struct CpuVectorizeContractions
    : kiln::cpu::impl::CpuVectorizeContractionsBase<CpuVectorizeContractions> {
  using CpuVectorizeContractionsBase::CpuVectorizeContractionsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (linalg::isaContractionOpInterface(op) &&
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
    RewritePatternSet patterns(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }

  LogicalResult vectorize(IRRewriter &rewriter, linalg::LinalgOp op) {
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
    int64_t mr = maxRows;
    while (ranges[m] % mr != 0)
      --mr;
    // Fewer than 4 rows a tile load as much as they compute (a B row and
    // the rows' broadcasts per FMA pair): the loops, which stream B's rows,
    // are as fast (measured on the encoder layer's 2-row workgroups).
    if (mr < 4 || nr < 4)
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
    // Tiles `op` by `sizes` (0: untiled) in `order` (empty: as it is) with
    // scf.for loops; the tiled op, or none.
    auto tile =
        [&](ArrayRef<int64_t> sizes,
            ArrayRef<int64_t> order) -> FailureOr<scf::SCFTilingResult> {
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
      return tiled;
    };
    if (kc < ranges[k]) {
      SmallVector<int64_t> blocks(ranges.size(), 0);
      blocks[k] = kc;
      if (failed(tile(blocks, {})))
        return op.emitOpError("could not be tiled into K blocks");
    }
    SmallVector<int64_t> sizes(ranges.size(), 1);
    sizes[m] = mr;
    sizes[n] = nr;
    // Loops: batch dims, then M, N, and K innermost (the accumulator's
    // loop).
    SmallVector<int64_t> order(dims->batch.begin(), dims->batch.end());
    order.append({m, n, k});
    if (failed(tile(sizes, order)))
      return op.emitOpError("could not be tiled into register tiles");
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::VectorizationResult> vectors = linalg::vectorize(
        rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
        /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
        /*assumeDynamicDimsMatchVecSizes=*/false,
        /*createNamedContraction=*/true);
    if (failed(vectors))
      return op.emitOpError("could not be vectorized as a register tile");
    rewriter.replaceOp(op, vectors->replacements);

    // The accumulator leaves the K loop in the pipeline's
    // loop-invariant-subset-hoisting, once canonicalization has folded the
    // tiles' index arithmetic.
    return success();
  }
};

} // namespace
