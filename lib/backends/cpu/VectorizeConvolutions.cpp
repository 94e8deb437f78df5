//===- VectorizeConvolutions.cpp - cpu-vectorize-convolutions -------------===//
//
// A register-blocked micro-kernel for every convolution accumulated in f32
// (f32 inputs, or f16/bf16 ones widened as they are loaded; any stride,
// dilation, window, grouped or not), generated as vector code on the
// workgroup's tensors. The accumulators are an MR x NR tile of the output:
// MR output channels by NR consecutive output columns (NCHW's contiguous
// dim), one vector of NR columns per channel. Each step of the reduction
// (input channel, window row, window column) loads the NR input columns
// the tile's columns read, as one vector, and multiplies it by each of the
// MR channels' filter weights, broadcast: MR FMAs for one vector load and MR
// scalar broadcasts. The accumulators stay in registers for the whole
// reduction and are stored once.
//
// Vectorizing along output columns needs neither a packed filter (its
// weights are scalars) nor a layout change (the output rows are stored as
// they are). A row whose width is not a multiple of NR ends in a tile that
// overlaps the one before it. The loop nest LLVM vectorized before reloaded and
// stored the output row at every step of the reduction.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/cpu/CpuPasses.h"
#include "lib/backends/cpu/ElementwiseAtTile.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CPUVECTORIZECONVOLUTIONS
#include "lib/backends/cpu/CpuPasses.h.inc"
} // namespace kiln::cpu

using namespace mlir;
using kiln::cpu::ElementwiseAtTile;

namespace {

/// What each loop of a convolution is to the micro-kernel.
struct ConvolutionLoops {
  /// The output's innermost dim: NR of them a vector.
  unsigned column;
  /// The loop of a tile's MR accumulator rows: the output channel (in the
  /// output and the filter, not the image), each row one broadcast weight
  /// times one image vector shared by all rows. A depthwise convolution has
  /// no such loop (its filter and image both follow the channel): its rows
  /// are output rows (in the output and the image, not the filter), each
  /// row its own image vector times one weight shared by all rows.
  unsigned channel;
  /// Whether `channel` is an output row (depthwise), not a channel.
  bool rowsOfImage = false;
  /// The other parallel loops (batch, output rows, groups): one at a time.
  SmallVector<unsigned> outer;
  /// Every reduction loop, in the op's order.
  SmallVector<unsigned> reductions;
  /// Input operand numbers of the image (read along `column`) and filter.
  unsigned image, filter;
  /// The image's innermost index advances by `stride` per output column.
  int64_t stride;
};

/// Whether `expr` uses loop `dim`.
bool uses(AffineExpr expr, unsigned dim) { return expr.isFunctionOfDim(dim); }

/// The body is out + image * filter (in either order), accumulated in f32:
/// image and filter of f32, or of f16/bf16 each widened (arith.extf) first.
bool isMultiplyAdd(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (body->getNumArguments() != 3 || yield.getNumOperands() != 1 ||
      !body->getArgument(2).getType().isF32())
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul || (add.getLhs() != acc && add.getRhs() != acc))
    return false;
  // A factor is an f32 argument, or a 16-bit float argument widened.
  int64_t widenings = 0;
  auto argumentOf = [&](Value factor) -> Value {
    if (auto widen = factor.getDefiningOp<arith::ExtFOp>()) {
      Type narrow = widen.getIn().getType();
      if (!narrow.isF16() && !narrow.isBF16())
        return Value();
      ++widenings;
      factor = widen.getIn();
    } else if (!factor.getType().isF32()) {
      return Value();
    }
    return isa<BlockArgument>(factor) ? factor : Value();
  };
  Value x = argumentOf(mul.getLhs()), y = argumentOf(mul.getRhs());
  Value a = body->getArgument(0), b = body->getArgument(1);
  return ((x == a && y == b) || (x == b && y == a)) &&
         body->getOperations().size() == 3 + size_t(widenings);
}

/// The convolution's loops as the micro-kernel takes them, or nothing when
/// it is not one it can: two inputs, a multiply-add body, an output indexed
/// by loops alone whose innermost loop the image reads at a constant stride
/// in its own innermost dim (and nowhere else), and one output channel.
std::optional<ConvolutionLoops> analyze(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !isMultiplyAdd(op))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap output = maps[2];
  if (!output.isProjectedPermutation() || output.getNumResults() == 0)
    return std::nullopt;
  ConvolutionLoops loops;
  loops.column = output.getDimPosition(output.getNumResults() - 1);
  // The image reads the columns; the filter does not.
  auto readsColumns = [&](AffineMap map) {
    return map.isFunctionOfDim(loops.column);
  };
  if (readsColumns(maps[0]) == readsColumns(maps[1]))
    return std::nullopt;
  loops.image = readsColumns(maps[0]) ? 0 : 1;
  loops.filter = 1 - loops.image;
  AffineMap image = maps[loops.image], filter = maps[loops.filter];
  if (image.getNumResults() == 0)
    return std::nullopt;
  AffineExpr last = image.getResults().back();
  for (AffineExpr result : image.getResults().drop_back())
    if (uses(result, loops.column))
      return std::nullopt;
  // stride = last(column + 1) - last(column), a positive constant.
  MLIRContext *context = op.getContext();
  AffineExpr column = getAffineDimExpr(loops.column, context);
  AffineExpr step = simplifyAffineExpr(last.replace(column, column + 1) - last,
                                       image.getNumDims(), 0);
  auto stride = dyn_cast<AffineConstantExpr>(step);
  if (!stride || stride.getValue() < 1)
    return std::nullopt;
  loops.stride = stride.getValue();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  std::optional<unsigned> channel;
  for (unsigned dim = 0; dim < op.getNumLoops(); ++dim) {
    if (iterators[dim] == utils::IteratorType::reduction) {
      loops.reductions.push_back(dim);
      continue;
    }
    if (dim == loops.column)
      continue;
    if (!output.isFunctionOfDim(dim))
      return std::nullopt;
    if (filter.isFunctionOfDim(dim) && !image.isFunctionOfDim(dim)) {
      if (channel)
        return std::nullopt; // Two output channel dims: not this kernel.
      channel = dim;
      continue;
    }
    loops.outer.push_back(dim);
  }
  if (loops.reductions.empty())
    return std::nullopt;
  if (!channel) {
    // Depthwise: the innermost outer loop the image reads and the filter
    // does not (the output rows) holds the tile's rows.
    auto rows = llvm::find_if(llvm::reverse(loops.outer), [&](unsigned dim) {
      return image.isFunctionOfDim(dim) && !filter.isFunctionOfDim(dim);
    });
    if (rows == loops.outer.rend())
      return std::nullopt;
    channel = *rows;
    loops.rowsOfImage = true;
    loops.outer.erase(std::next(rows).base());
  }
  loops.channel = *channel;
  return loops;
}

/// P, when the filter (the input not read along the output's columns) is
/// stored in output-channel panels: its map is (channel floordiv P, ...,
/// channel mod P), as graph.panel_conv2d's lowering writes it.
std::optional<int64_t> panelWidth(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : ArrayRef(maps).take_front(2))
    if (std::optional<kiln::cpu::PanelIndex> panel = kiln::cpu::panelIndex(map))
      return panel->width;
  return std::nullopt;
}

struct CpuVectorizeConvolutions
    : kiln::cpu::impl::CpuVectorizeConvolutionsBase<CpuVectorizeConvolutions> {
  using CpuVectorizeConvolutionsBase::CpuVectorizeConvolutionsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, ConvolutionLoops>> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      std::optional<ConvolutionLoops> loops = analyze(op);
      // A matmul has the shape of a convolution's loops too (its rows are
      // channels): only convolutions by linalg's test, panel ones, and
      // depthwise ones (rows of the image: a contraction has none).
      if (loops && (linalg::isaConvolutionOpInterface(op) || panelWidth(op) ||
                    loops->rowsOfImage))
        candidates.emplace_back(op, *loops);
    });
    for (auto &[op, loops] : candidates) {
      std::optional<int64_t> width = panelWidth(op);
      if (width && !loops.rowsOfImage) {
        if (failed(rewritePanels(op, loops, *width)))
          return signalPassFailure();
        continue;
      }
      rewrite(op, loops);
    }
  }

  /// The loops around a tile (channel tiles, rows, columns) stay loops:
  /// LLVM would otherwise unroll those of a few iterations (a workgroup's
  /// 4 rows, 7 column tiles), copying the whole micro-kernel each time for
  /// no speed, only compile time (+1.5 s on resnet18). The window loops
  /// inside a tile are left to unroll.
  static void keepLoop(scf::ForOp loop) {
    MLIRContext *context = loop.getContext();
    loop->setAttr(
        "llvm.loop_annotation",
        LLVM::LoopAnnotationAttr::get(
            context, {}, {}, {},
            LLVM::LoopUnrollAttr::get(context, BoolAttr::get(context, true), {},
                                      {}, {}, {}, {}, {}),
            {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}));
  }

  /// The elementwise ops around a convolution (a bias broadcast before, an
  /// activation or residual after), evaluated on its tiles, whose vectors
  /// run along `loop`.
  struct Surroundings {
    std::optional<ElementwiseAtTile> prologue, epilogue;
    /// Where the tile loops go: at the epilogue, its operands defined.
    Operation *insertionPoint;
  };
  static Surroundings surroundingsOf(linalg::LinalgOp op, unsigned loop) {
    AffineMap outputMap = op.getIndexingMapsArray()[2];
    unsigned dim =
        *outputMap.getResultPosition(getAffineDimExpr(loop, op.getContext()));
    Surroundings around{ElementwiseAtTile::prologueOf(op.getDpsInits()[0], dim),
                        ElementwiseAtTile::epilogueOf(op->getResult(0), dim),
                        op};
    if (around.epilogue)
      around.insertionPoint = around.epilogue->op;
    return around;
  }

  /// The tensor a kernel's tiles are stored into: its init, or the init of
  /// the prologue that computed it.
  static Value firstOutput(linalg::LinalgOp op,
                           const std::optional<ElementwiseAtTile> &prologue) {
    if (!prologue)
      return op.getDpsInits()[0];
    linalg::GenericOp generic = prologue->op;
    return generic.getDpsInits()[0];
  }

  /// Replaces the kernel `op` and the prologue and epilogue its tiles
  /// evaluate with `result`, the tiles' output.
  static void replace(linalg::LinalgOp op,
                      const std::optional<ElementwiseAtTile> &prologue,
                      const std::optional<ElementwiseAtTile> &epilogue,
                      Value result) {
    Value first = firstOutput(op, prologue);
    (epilogue ? epilogue->op->getResult(0) : op->getResult(0))
        .replaceAllUsesWith(result);
    if (epilogue)
      epilogue->op->erase();
    op->erase();
    if (prologue) {
      // Its users left are the loop bounds' tensor.dim: the same shape.
      prologue->op->getResult(0).replaceAllUsesWith(first);
      prologue->op->erase();
    }
  }

  /// `value` (a scalar or vector of a 16-bit float or f32) in f32: the
  /// inputs are read as they are stored and widened once read, so a
  /// 16-bit convolution runs the f32 micro-kernel.
  static Value widened(OpBuilder &b, Location loc, Value value) {
    Type type = value.getType();
    if (getElementTypeOrSelf(type).isF32())
      return value;
    Type f32 = b.getF32Type();
    if (auto vector = dyn_cast<VectorType>(type))
      f32 = vector.clone(f32);
    return arith::ExtFOp::create(b, loc, f32, value);
  }

  /// The padding of reads from `tensor`: a zero of its element type.
  static Value zeroOf(OpBuilder &b, Location loc, Value tensor) {
    Type element = getElementTypeOrSelf(tensor.getType());
    return arith::ConstantOp::create(b, loc, element, b.getZeroAttr(element));
  }

  /// An operand's indices at the loop values `ivs`.
  static SmallVector<Value> indices(OpBuilder &b, Location loc, AffineMap map,
                                    ArrayRef<Value> ivs) {
    SmallVector<OpFoldResult> operands(ivs.begin(), ivs.end());
    SmallVector<Value> result;
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      result.push_back(getValueOrCreateConstantIndexOp(
          b, loc,
          affine::makeComposedFoldedAffineApply(b, loc, map.getSubMap({r}),
                                                operands)));
    return result;
  }

  /// Loops over `dims` of `op` from 0 to their extents, step 1.
  struct LoopBounds {
    SmallVector<Value> lbs, ubs, steps;
  };
  static LoopBounds boundsOf(OpBuilder &b, linalg::LinalgOp op,
                             ArrayRef<unsigned> dims) {
    Location loc = op.getLoc();
    SmallVector<Range> ranges =
        cast<TilingInterface>(op.getOperation()).getIterationDomain(b);
    LoopBounds bounds;
    for (unsigned dim : dims) {
      bounds.lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
      bounds.ubs.push_back(
          getValueOrCreateConstantIndexOp(b, loc, ranges[dim].size));
      bounds.steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
    }
    return bounds;
  }

  /// The micro-kernel for a filter stored in output-channel panels
  /// (graph.panel_conv2d): the accumulators are MP consecutive output
  /// columns by one panel's P channels, one P-wide vector per column. Each
  /// reduction step loads the panel's P weights, contiguous, as one vector
  /// and FMAs it with each column's image element, broadcast: MP x P /
  /// vectorWidth FMAs for P / vectorWidth vector loads and MP scalar
  /// broadcasts, whatever the stride, with no masked lanes (a row's last
  /// columns are a narrower tile). The tile is read and written once, each
  /// pixel's P channels by a transfer along the channel dim, which NCHW
  /// strides: P scalar accesses a pixel once unrolled.
  LogicalResult rewritePanels(linalg::LinalgOp op,
                              const ConvolutionLoops &loops, int64_t width) {
    SmallVector<int64_t> extents = op.getStaticLoopRanges();
    // Columns and channels size the tiles, the reductions are loops of
    // constant trip count; the other loops (a workgroup's last band of
    // rows) may be dynamic.
    if (ShapedType::isDynamic(extents[loops.column]) ||
        ShapedType::isDynamic(extents[loops.channel]) ||
        llvm::any_of(loops.reductions, [&](unsigned dim) {
          return ShapedType::isDynamic(extents[dim]);
        }))
      return success(); // Left to the loops.
    int64_t columns = extents[loops.column];
    int64_t channels = extents[loops.channel];
    if (channels % width != 0)
      return op.emitOpError("reads ")
             << width << "-channel filter panels but computes " << channels
             << " channels, not whole panels";
    int64_t maxColumns =
        std::max<int64_t>(1, registers / llvm::divideCeil(width, vectorWidth));

    AffineMap outputMap = op.getIndexingMapsArray()[2];
    Surroundings around = surroundingsOf(op, loops.channel);
    const std::optional<ElementwiseAtTile> &prologue = around.prologue;
    const std::optional<ElementwiseAtTile> &epilogue = around.epilogue;
    Location loc = op.getLoc();
    OpBuilder builder(around.insertionPoint);
    auto index = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(builder, loc, value);
    };
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Value image = op.getDpsInputs()[loops.image];
    Value filter = op.getDpsInputs()[loops.filter];
    AffineMap imageMap = maps[loops.image], filterMap = maps[loops.filter];
    auto f32 = builder.getF32Type();
    Value zero = arith::ConstantOp::create(builder, loc, f32,
                                           builder.getF32FloatAttr(0));
    // Each output pixel's P channels are read and written as one vector.
    AffineMap channelMap = AffineMap::get(
        cast<RankedTensorType>(op.getDpsInits()[0].getType()).getRank(), 0,
        {builder.getAffineDimExpr(*outputMap.getResultPosition(
            builder.getAffineDimExpr(loops.channel)))},
        builder.getContext());
    auto panelVector = VectorType::get({width}, f32);
    Type filterElement = getElementTypeOrSelf(filter.getType());
    Value filterZero = zeroOf(builder, loc, filter);
    LoopBounds reductionLoops = boundsOf(builder, op, loops.reductions);
    // A tile's pixels run along the output rows, not within one: the loop of
    // the output dim before the columns (the rows), when it has a static
    // extent, is folded into the columns. A 7 x 7 image is then 8 tiles of
    // 6 pixels and one of 1, not 7 x (6 + 1): a 1-pixel tile waits on its
    // FMAs' latency for little work.
    std::optional<unsigned> row;
    unsigned columnResult =
        *outputMap.getResultPosition(builder.getAffineDimExpr(loops.column));
    if (columnResult > 0) {
      if (auto rowExpr =
              dyn_cast<AffineDimExpr>(outputMap.getResult(columnResult - 1));
          rowExpr && llvm::is_contained(loops.outer, rowExpr.getPosition()) &&
          !ShapedType::isDynamic(extents[rowExpr.getPosition()]))
        row = rowExpr.getPosition();
    }
    int64_t pixels = columns * (row ? extents[*row] : 1);
    SmallVector<unsigned> outer;
    for (unsigned dim : loops.outer)
      if (dim != row)
        outer.push_back(dim);

    // One tile of `mp` pixels from pixel `first` (along the flattened rows
    // and columns) at (ivs): ivs[channel] starts a panel.
    auto emitTile = [&](OpBuilder &b, Value output, SmallVector<Value> ivs,
                        Value first, int64_t mp) -> Value {
      SmallVector<SmallVector<Value>> pixelAt;
      for (int64_t pixel = 0; pixel < mp; ++pixel) {
        SmallVector<Value> at = ivs;
        AffineExpr flat = b.getAffineDimExpr(0) + pixel;
        at[loops.column] = affine::makeComposedAffineApply(
            b, loc, row ? flat % columns : flat, {first});
        if (row)
          at[*row] = affine::makeComposedAffineApply(
              b, loc, flat.floorDiv(columns), {first});
        pixelAt.push_back(at);
      }
      SmallVector<SmallVector<Value>> outputAt;
      SmallVector<Value> accumulators;
      for (int64_t pixel = 0; pixel < mp; ++pixel) {
        outputAt.push_back(indices(b, loc, outputMap, pixelAt[pixel]));
        accumulators.push_back(
            prologue ? prologue->emit(b, loc, outputAt.back(), width, Value())
                     : vector::TransferReadOp::create(
                           b, loc, panelVector, output, outputAt.back(),
                           AffineMapAttr::get(channelMap), zero,
                           /*mask=*/Value(), b.getBoolArrayAttr({true})));
      }
      scf::LoopNest nest = scf::buildLoopNest(
          b, loc, reductionLoops.lbs, reductionLoops.ubs, reductionLoops.steps,
          accumulators,
          [&](OpBuilder &nb, Location, ValueRange reductionIvs,
              ValueRange sums) -> scf::ValueVector {
            SmallVector<Value> at = ivs;
            for (auto [dim, iv] : llvm::zip(loops.reductions, reductionIvs))
              at[dim] = iv;
            Value weights =
                widened(nb, loc,
                        vector::TransferReadOp::create(
                            nb, loc, panelVector.clone(filterElement), filter,
                            indices(nb, loc, filterMap, at), filterZero,
                            ArrayRef<bool>{true}));
            scf::ValueVector next;
            for (int64_t pixel = 0; pixel < mp; ++pixel) {
              SmallVector<Value> imageAt = pixelAt[pixel];
              for (auto [dim, iv] : llvm::zip(loops.reductions, reductionIvs))
                imageAt[dim] = iv;
              Value value = widened(
                  nb, loc,
                  tensor::ExtractOp::create(
                      nb, loc, image, indices(nb, loc, imageMap, imageAt)));
              Value broadcast =
                  vector::BroadcastOp::create(nb, loc, panelVector, value);
              next.push_back(vector::FMAOp::create(nb, loc, broadcast, weights,
                                                   sums[pixel]));
            }
            return next;
          });
      // Unrolled, the window loops would share broadcasts between steps
      // (pixel p at kw + 1 is pixel p + 1 at kw): more live vectors than
      // registers, and spills in the innermost loop.
      for (scf::ForOp loop : nest.loops)
        keepLoop(loop);
      for (int64_t pixel = 0; pixel < mp; ++pixel)
        output = vector::TransferWriteOp::create(
                     b, loc,
                     epilogue ? epilogue->emit(b, loc, outputAt[pixel], width,
                                               nest.results[pixel])
                              : nest.results[pixel],
                     output, outputAt[pixel], AffineMapAttr::get(channelMap),
                     /*mask=*/Value(), b.getBoolArrayAttr({true}))
                     .getResult();
      return output;
    };

    // Pixels: tiles of maxColumns in a loop, then one of the rest.
    int64_t fullPixels = pixels / maxColumns * maxColumns;
    auto emitColumns = [&](OpBuilder &b, Value output,
                           SmallVector<Value> ivs) -> Value {
      if (fullPixels > 0) {
        auto loop = scf::ForOp::create(
            b, loc, index(0), index(fullPixels), index(maxColumns),
            ValueRange{output},
            [&](OpBuilder &nb, Location, Value first, ValueRange args) {
              scf::YieldOp::create(
                  nb, loc, emitTile(nb, args[0], ivs, first, maxColumns));
            });
        keepLoop(loop);
        output = loop.getResult(0);
      }
      if (fullPixels < pixels)
        output =
            emitTile(b, output, ivs, index(fullPixels), pixels - fullPixels);
      return output;
    };

    // Panels outermost, so one panel's weights stay in cache for all rows
    // and columns; then the other parallel loops, then the columns.
    LoopBounds outerLoops = boundsOf(builder, op, outer);
    auto panels = scf::ForOp::create(
        builder, loc, index(0), index(channels), index(width),
        ValueRange{firstOutput(op, prologue)},
        [&](OpBuilder &b, Location, Value channel, ValueRange args) {
          scf::LoopNest nest = scf::buildLoopNest(
              b, loc, outerLoops.lbs, outerLoops.ubs, outerLoops.steps,
              ValueRange{args[0]},
              [&](OpBuilder &nb, Location, ValueRange outerIvs,
                  ValueRange outputs) -> scf::ValueVector {
                SmallVector<Value> ivs(op.getNumLoops(), index(0));
                for (auto [dim, iv] : llvm::zip(outer, outerIvs))
                  ivs[dim] = iv;
                ivs[loops.channel] = channel;
                return {emitColumns(nb, outputs[0], ivs)};
              });
          for (scf::ForOp loop : nest.loops)
            keepLoop(loop);
          scf::YieldOp::create(b, loc, nest.results.front());
        });
    keepLoop(panels);
    replace(op, prologue, epilogue, panels.getResult(0));
    return success();
  }

  void rewrite(linalg::LinalgOp op, const ConvolutionLoops &loops) {
    SmallVector<int64_t> extents = op.getStaticLoopRanges();
    int64_t columns = extents[loops.column];
    int64_t channels = extents[loops.channel];
    // Column and channel extents size the tiles; the reductions' are loops
    // of constant trip count (a window, the input channels).
    if (ShapedType::isDynamic(columns) || ShapedType::isDynamic(channels))
      return;
    for (unsigned dim : loops.reductions)
      if (ShapedType::isDynamic(extents[dim]))
        return;
    // NR: two vectors a row where that wastes no more lanes than one, else
    // one; a row narrower than a vector is one tile of its width.
    auto wasted = [&](int64_t width) {
      return llvm::divideCeil(columns, width) * width - columns;
    };
    int64_t nr = std::min<int64_t>(columns, vectorWidth);
    if (columns >= 2 * vectorWidth &&
        wasted(2 * vectorWidth) <= wasted(vectorWidth))
      nr = 2 * vectorWidth;
    int64_t maxRows =
        std::max<int64_t>(1, registers / llvm::divideCeil(nr, vectorWidth));
    // Channels in tiles of one size where a divisor of the channels fills
    // at least half the registers (64 channels: 8 tiles of 8, not 4 of 11
    // and 2 of 10: each tile size is a copy of the micro-kernel for LLVM to
    // compile); else in tiles of near-equal size, the first
    // `channels % tiles` one channel larger.
    int64_t tiles = llvm::divideCeil(channels, maxRows);
    for (int64_t rows = maxRows; 2 * rows >= maxRows; --rows)
      if (channels % rows == 0) {
        tiles = channels / rows;
        break;
      }
    int64_t small = channels / tiles, large = small + 1;
    int64_t largeTiles = channels % tiles;

    AffineMap outputMap = op.getIndexingMapsArray()[2];
    Surroundings around = surroundingsOf(op, loops.column);
    const std::optional<ElementwiseAtTile> &prologue = around.prologue;
    const std::optional<ElementwiseAtTile> &epilogue = around.epilogue;
    Location loc = op.getLoc();
    OpBuilder builder(around.insertionPoint);
    auto index = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(builder, loc, value);
    };
    Value image = op.getDpsInputs()[loops.image];
    Value filter = op.getDpsInputs()[loops.filter];
    AffineMap imageMap = op.getIndexingMapsArray()[loops.image];
    AffineMap filterMap = op.getIndexingMapsArray()[loops.filter];
    auto f32 = builder.getF32Type();
    Value zero = arith::ConstantOp::create(builder, loc, f32,
                                           builder.getF32FloatAttr(0));
    auto indicesAt = [&](OpBuilder &b, AffineMap map, ArrayRef<Value> ivs) {
      return indices(b, loc, map, ivs);
    };
    auto vectorOf = [&](int64_t lanes) {
      return VectorType::get({lanes}, f32);
    };
    // The image is read in its own type (f16, bf16 or f32) and widened.
    Value imageZero = zeroOf(builder, loc, image);
    auto imageVectorOf = [&](int64_t lanes) {
      return VectorType::get({lanes}, imageZero.getType());
    };

    LoopBounds reductionLoops = boundsOf(builder, op, loops.reductions);

    // One MR x NR tile at (ivs): channel ivs[channel] + 0..mr-1, columns
    // ivs[column] + 0..nr-1, its vectors whole and in bounds. A row's last
    // tile overlaps the one before it: its first `done` columns are
    // computed again but stored as they were (a blend). Masked instead, a
    // depthwise tile's image vector per row and step is read element by
    // element, and vectors of the columns left (14 of a row, 16 lanes) are
    // assembled lane by lane.
    auto emitTile = [&](OpBuilder &b, Value output, SmallVector<Value> ivs,
                        int64_t mr, int64_t done) -> Value {
      Value channel0 = ivs[loops.channel];
      SmallVector<Value> channelOf;
      for (int64_t row = 0; row < mr; ++row)
        channelOf.push_back(affine::makeComposedAffineApply(
            b, loc, b.getAffineDimExpr(0) + row, {channel0}));
      SmallVector<SmallVector<Value>> outputAt;
      for (int64_t row = 0; row < mr; ++row) {
        SmallVector<Value> at = ivs;
        at[loops.channel] = channelOf[row];
        outputAt.push_back(indicesAt(b, outputMap, at));
      }
      auto readOutput = [&](int64_t row) -> Value {
        return vector::TransferReadOp::create(b, loc, vectorOf(nr), output,
                                              outputAt[row], zero,
                                              ArrayRef<bool>{true});
      };
      SmallVector<Value> accumulators, stored;
      for (int64_t row = 0; row < mr; ++row) {
        accumulators.push_back(
            prologue ? prologue->emit(b, loc, outputAt[row], nr, Value())
                     : readOutput(row));
        if (done > 0)
          stored.push_back(prologue ? readOutput(row) : accumulators.back());
      }
      // The reductions, each step MR FMAs.
      int64_t span = (nr - 1) * loops.stride + 1;
      scf::LoopNest nest = scf::buildLoopNest(
          b, loc, reductionLoops.lbs, reductionLoops.ubs, reductionLoops.steps,
          accumulators,
          [&](OpBuilder &nb, Location, ValueRange reductionIvs,
              ValueRange sums) -> scf::ValueVector {
            SmallVector<Value> at = ivs;
            for (auto [dim, iv] : llvm::zip(loops.reductions, reductionIvs))
              at[dim] = iv;
            // The tile's columns read `span` consecutive image elements;
            // with a stride, every stride-th is one column's.
            // Stride 2 reads them as two NR-lane vectors, the second ending
            // at the span's last element, not one of 2 NR - 1 lanes: LLVM
            // assembles a vector of an odd lane count element by element.
            auto readImage = [&]() -> Value {
              SmallVector<Value> first = indicesAt(nb, imageMap, at);
              if (loops.stride == 1)
                return widened(nb, loc,
                               vector::TransferReadOp::create(
                                   nb, loc, imageVectorOf(nr), image, first,
                                   imageZero, ArrayRef<bool>{true}));
              bool halves = span <= 2 * nr;
              int64_t width = halves ? nr : span;
              Value low = vector::TransferReadOp::create(
                  nb, loc, imageVectorOf(width), image, first, imageZero,
                  ArrayRef<bool>{true});
              Value high = low;
              if (halves) {
                SmallVector<Value> second = first;
                second.back() = affine::makeComposedAffineApply(
                    nb, loc, nb.getAffineDimExpr(0) + (span - nr),
                    {second.back()});
                high = vector::TransferReadOp::create(
                    nb, loc, imageVectorOf(nr), image, second, imageZero,
                    ArrayRef<bool>{true});
              }
              // Lane l of the concatenation (low, high) is element l of the
              // span below `width`, element l - width + span - nr above.
              SmallVector<int64_t> lanes;
              for (int64_t lane = 0; lane < nr; ++lane) {
                int64_t element = lane * loops.stride;
                lanes.push_back(
                    element < width ? element : element - (span - nr) + width);
              }
              return widened(
                  nb, loc,
                  vector::ShuffleOp::create(nb, loc, low, high, lanes));
            };
            auto readWeight = [&]() -> Value {
              Value weight =
                  widened(nb, loc,
                          tensor::ExtractOp::create(
                              nb, loc, filter, indicesAt(nb, filterMap, at)));
              return vector::BroadcastOp::create(nb, loc, vectorOf(nr), weight);
            };
            // One operand is shared by the tile's rows, the other is each
            // row's own.
            Value shared = loops.rowsOfImage ? readWeight() : readImage();
            scf::ValueVector next;
            for (int64_t r = 0; r < mr; ++r) {
              at[loops.channel] = channelOf[r];
              Value own = loops.rowsOfImage ? readImage() : readWeight();
              next.push_back(
                  vector::FMAOp::create(nb, loc, own, shared, sums[r]));
            }
            return next;
          });
      if (!nest.loops.empty())
        keepLoop(nest.loops.front());
      Value fresh;
      if (done > 0) {
        SmallVector<bool> lanes(nr, true);
        std::fill_n(lanes.begin(), done, false);
        fresh = arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(VectorType::get({nr}, b.getI1Type()),
                                   ArrayRef<bool>(lanes)));
      }
      for (int64_t r = 0; r < mr; ++r) {
        Value sum = nest.results[r];
        if (epilogue)
          sum = epilogue->emit(b, loc, outputAt[r], nr, sum);
        if (fresh)
          sum = arith::SelectOp::create(b, loc, fresh, sum, stored[r]);
        output = vector::TransferWriteOp::create(
                     b, loc, sum, output, outputAt[r], ArrayRef<bool>{true})
                     .getResult();
      }
      return output;
    };

    // Columns: full tiles in a loop, then one ending at the row's end.
    int64_t fullColumns = columns / nr * nr;
    auto emitColumns = [&](OpBuilder &b, Value output, SmallVector<Value> ivs,
                           int64_t mr) -> Value {
      auto loop = scf::ForOp::create(
          b, loc, index(0), index(fullColumns), index(nr), ValueRange{output},
          [&](OpBuilder &nb, Location, Value column, ValueRange args) {
            SmallVector<Value> at = ivs;
            at[loops.column] = column;
            scf::YieldOp::create(nb, loc, emitTile(nb, args[0], at, mr, 0));
          });
      keepLoop(loop);
      output = loop.getResult(0);
      if (fullColumns < columns) {
        ivs[loops.column] = index(columns - nr);
        output = emitTile(b, output, ivs, mr, fullColumns - (columns - nr));
      }
      return output;
    };

    // Channel tiles (large, then small) outermost, so one tile's weights
    // (MR x the reduction) stay in cache for all rows and columns; then the
    // other parallel loops (rows, batch, groups), then the columns.
    LoopBounds outerLoops = boundsOf(builder, op, loops.outer);
    auto emitOuter = [&](OpBuilder &b, Value output, Value channel,
                         int64_t mr) -> Value {
      scf::LoopNest nest = scf::buildLoopNest(
          b, loc, outerLoops.lbs, outerLoops.ubs, outerLoops.steps,
          ValueRange{output},
          [&](OpBuilder &nb, Location, ValueRange outerIvs,
              ValueRange args) -> scf::ValueVector {
            SmallVector<Value> ivs(op.getNumLoops(), index(0));
            for (auto [dim, iv] : llvm::zip(loops.outer, outerIvs))
              ivs[dim] = iv;
            ivs[loops.channel] = channel;
            return {emitColumns(nb, args[0], ivs, mr)};
          });
      for (scf::ForOp loop : nest.loops)
        keepLoop(loop);
      return nest.results.front();
    };
    Value output = firstOutput(op, prologue);
    int64_t start = 0;
    for (auto [count, mr] :
         {std::pair{largeTiles, large}, {tiles - largeTiles, small}}) {
      if (count == 0 || mr == 0)
        continue;
      auto loop = scf::ForOp::create(
          builder, loc, index(start), index(start + count * mr), index(mr),
          ValueRange{output},
          [&, mr = mr](OpBuilder &b, Location, Value channel, ValueRange args) {
            scf::YieldOp::create(b, loc, emitOuter(b, args[0], channel, mr));
          });
      keepLoop(loop);
      output = loop.getResult(0);
      start += count * mr;
    }
    replace(op, prologue, epilogue, output);
  }
};

} // namespace
