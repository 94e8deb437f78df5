//===- MmaMatmuls.cpp - cuda-mma-matmuls ----------------------------------===//
//
// Tensor cores in Kiln's own code: an f16/bf16 GEMM kernel and its fused
// epilogue become one gpu.func built here, on Ampere's warp-level
// `mma.sync.m16n8k16` (f32 accumulators), the way CUTLASS's and Triton's
// sm_80 GEMMs work:
//
//  * a workgroup computes a tile of the output (128x128 with 8 warps, or
//    64x64 with 4 when big tiles would leave a large GPU's SMs idle), each
//    warp a 64x32 or 32x32 part of it as m16n8 accumulators in registers;
//  * K advances 32 at a time through two stages of workgroup memory: the
//    next stage is copied with `cp.async` (16 bytes a copy, zero-filled past
//    the matrices' edges) while the warps multiply the current one, so
//    global loads overlap the tensor cores;
//  * operands reach registers through `ldmatrix` (B transposed on the way);
//    rows of the stages are padded by 8 elements, so the 8 rows one
//    `ldmatrix` reads fall in distinct banks;
//  * the epilogue (bias, residual, activation) runs on the f32 accumulators
//    and each thread stores its pairs of adjacent outputs once.
//
// The kernel is built from the graph ops' match (Gemm.h), not by rewriting
// the tiled loops the SIMT codegen makes: the shape of an mma kernel (warp
// roles, fragments, a software pipeline) is not something those loops can
// be massaged into, and the match already says all it needs.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/cuda/CudaPasses.h"
#include "lib/backends/cuda/Gemm.h"
#include "lib/backends/gpu/GpuPasses.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_CUDAMMAMATMULS
#include "lib/backends/cuda/CudaPasses.h.inc"
} // namespace kiln::cuda

using namespace mlir;
using kiln::cuda::EpilogueStep;
using kiln::cuda::Gemm;

namespace {

/// K per stage, stages, and the padding of a stage's rows (elements).
constexpr int64_t kTileK = 32;
constexpr int64_t kStages = 2;
constexpr int64_t kPad = 8;
/// Elements per cp.async (16 bytes).
constexpr int64_t kChunk = 8;

/// A workgroup's output tile and its warps (warpsM x warpsN).
struct Tiling {
  int64_t m, n, warpsM, warpsN;
  int64_t threads() const { return warpsM * warpsN * 32; }
  int64_t warpTileM() const { return m / warpsM; }
  int64_t warpTileN() const { return n / warpsN; }
  /// m16 and n8 accumulator tiles per warp.
  int64_t fragmentsM() const { return warpTileM() / 16; }
  int64_t fragmentsN() const { return warpTileN() / 8; }
};

Tiling chooseTiling(const Gemm &gemm) {
  // 128x128 reuses each loaded element most; below about one wave of a
  // large GPU (100+ SMs) smaller tiles keep more SMs busy.
  int64_t bigTiles = llvm::divideCeil(gemm.m, 128) *
                     llvm::divideCeil(gemm.n, 128) * gemm.batch;
  return bigTiles >= 100 ? Tiling{128, 128, 2, 4} : Tiling{64, 64, 2, 2};
}

/// Why cuda-mma-matmuls cannot compile `gemm`, or empty when it can.
std::string unsupported(const Gemm &gemm) {
  if (!gemm.element.isF16() && !gemm.element.isBF16())
    return "not f16 or bf16";
  // A 16-byte copy never straddles a row's end.
  if (gemm.k % kChunk != 0 || gemm.n % kChunk != 0)
    return "K or N not a multiple of 8";
  return "";
}

/// Builds the kernel's body: index arithmetic folds when constant.
class Builder {
public:
  Builder(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return add(x, index(y)); }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, index(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, index(y));
  }
  Value below(Value x, int64_t bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x,
                                 index(bound));
  }
  Value f32(double value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }

  OpBuilder &b;
  Location loc;
};

struct KernelBuilder : Builder {
  KernelBuilder(OpBuilder &builder, Location loc, const Gemm &gemm,
                Tiling tiling)
      : Builder(builder, loc), gemm(gemm), tiling(tiling) {}

  /// Copies the K-slice [k0, k0 + 32) of A's rows and B's columns of this
  /// workgroup into `stage`: each thread its 16-byte chunks, zero-filled
  /// where the chunk is past M, N or K.
  void copyStage(Value stage, Value k0) {
    Value zero = index(0);
    auto copy = [&](Value source, Value offset, Value valid, Value target,
                    Value row, Value column) {
      // Past the edge: nothing read (0 source elements) from a valid
      // address, the chunk filled with zeros.
      Value from = arith::SelectOp::create(b, loc, valid, offset, zero);
      Value elements =
          arith::SelectOp::create(b, loc, valid, index(kChunk), zero);
      nvgpu::DeviceAsyncCopyOp::create(
          b, loc, target, ValueRange{stage, row, column}, source,
          ValueRange{from}, b.getIndexAttr(kChunk), elements, b.getUnitAttr());
    };
    int64_t chunksA = tiling.m * kTileK / kChunk;
    for (int64_t first = 0; first < chunksA; first += tiling.threads()) {
      Value chunk = add(thread, first);
      Value row = div(chunk, kTileK / kChunk);
      Value column = mul(rem(chunk, kTileK / kChunk), kChunk);
      Value globalRow = add(rowBase, row), globalK = add(k0, column);
      Value valid = arith::AndIOp::create(b, loc, below(globalRow, gemm.m),
                                          below(globalK, gemm.k));
      Value offset = add(aBase, add(mul(globalRow, gemm.k), globalK));
      copy(matrixA, offset, valid, stageA, row, column);
    }
    int64_t chunksB = kTileK * tiling.n / kChunk;
    for (int64_t first = 0; first < chunksB; first += tiling.threads()) {
      Value chunk = add(thread, first);
      Value row = div(chunk, tiling.n / kChunk);
      Value column = mul(rem(chunk, tiling.n / kChunk), kChunk);
      Value globalK = add(k0, row), globalColumn = add(columnBase, column);
      Value valid = arith::AndIOp::create(b, loc, below(globalK, gemm.k),
                                          below(globalColumn, gemm.n));
      Value offset = add(bBase, add(mul(globalK, gemm.n), globalColumn));
      copy(matrixB, offset, valid, stageB, row, column);
    }
  }

  /// One m16n8k16 product: a's 4 and b's 2 registers (pairs of elements)
  /// added to the 4 accumulators `c`.
  SmallVector<Value> mma(Value fragmentA, ArrayRef<Value> fragmentB,
                         ArrayRef<Value> c) {
    MLIRContext *context = b.getContext();
    bool bf16 = gemm.element.isBF16();
    // f16 pairs are vector<2xf16>; bf16 pairs are passed as 32-bit words.
    auto registerOf = [&](Value pair) -> Value {
      if (!bf16)
        return pair;
      Value word = vector::BitCastOp::create(
          b, loc, VectorType::get({1}, b.getI32Type()), pair);
      return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
    };
    SmallVector<Value> operandsA, operandsB;
    for (int64_t i = 0; i < 4; ++i)
      operandsA.push_back(registerOf(
          vector::ExtractOp::create(b, loc, fragmentA, ArrayRef<int64_t>{i})));
    for (Value pair : fragmentB)
      operandsB.push_back(registerOf(pair));
    Type f32 = b.getF32Type();
    auto result =
        LLVM::LLVMStructType::getLiteral(context, {f32, f32, f32, f32});
    NVVM::MMATypes type = bf16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
    Value sum = NVVM::MmaOp::create(
                    b, loc, result, operandsA, operandsB, c,
                    ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
                    std::array<NVVM::MMATypes, 2>{type, type},
                    std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                                   NVVM::MMALayout::col})
                    .getResult();
    SmallVector<Value> values;
    for (int64_t i = 0; i < 4; ++i)
      values.push_back(LLVM::ExtractValueOp::create(b, loc, sum, i));
    return values;
  }

  /// The warp's products over one stage (K 32: two k16 steps), added to
  /// `sums` (fragmentsM x fragmentsN x 4, row-major).
  SmallVector<Value> multiplyStage(Value stage, ValueRange sums) {
    SmallVector<Value> result(sums.begin(), sums.end());
    int64_t fm = tiling.fragmentsM(), fn = tiling.fragmentsN();
    auto fragmentType = VectorType::get({4, 2}, gemm.element);
    // ldmatrix x4: lanes 0-15 name the 16 rows of the first 8 columns,
    // lanes 16-31 those of the next 8.
    Value laneRow = rem(lane, 16), laneColumn = mul(div(lane, 16), 8);
    for (int64_t step = 0; step < kTileK; step += 16) {
      SmallVector<Value> fragmentsA;
      for (int64_t i = 0; i < fm; ++i)
        fragmentsA.push_back(nvgpu::LdMatrixOp::create(
            b, loc, fragmentType, stageA,
            ValueRange{stage, add(warpRow, add(laneRow, i * 16)),
                       add(laneColumn, step)},
            /*transpose=*/false, /*numTiles=*/4));
      // B is stored K-major: one transposed ldmatrix x4 is the k16 x n16
      // fragments of two n8 tiles.
      SmallVector<SmallVector<Value, 2>> fragmentsB;
      for (int64_t j = 0; j < fn; j += 2) {
        Value pairs = nvgpu::LdMatrixOp::create(
            b, loc, fragmentType, stageB,
            ValueRange{stage, add(laneRow, step),
                       add(warpColumn, add(laneColumn, j * 8))},
            /*transpose=*/true, /*numTiles=*/4);
        for (int64_t half = 0; half < 2; ++half)
          fragmentsB.push_back(
              {vector::ExtractOp::create(b, loc, pairs,
                                         ArrayRef<int64_t>{2 * half}),
               vector::ExtractOp::create(b, loc, pairs,
                                         ArrayRef<int64_t>{2 * half + 1})});
      }
      for (int64_t i = 0; i < fm; ++i)
        for (int64_t j = 0; j < fn; ++j) {
          int64_t at = (i * fn + j) * 4;
          SmallVector<Value> sum = mma(fragmentsA[i], fragmentsB[j],
                                       ArrayRef<Value>(result).slice(at, 4));
          llvm::copy(sum, result.begin() + at);
        }
    }
    return result;
  }

  /// `value` (f32), element `element` of a stored pair, after the
  /// epilogue's steps; `pair(binding, bias)` loads the binding's pair of
  /// elements there (a bias: at the pair's columns).
  Value epilogue(Value value, int64_t element,
                 llvm::function_ref<Value(int64_t binding, bool bias)> pair) {
    using Kind = EpilogueStep::Kind;
    auto sigmoid = [&](Value x) {
      Value negated = arith::NegFOp::create(b, loc, x);
      Value exp = math::ExpOp::create(b, loc, negated);
      return arith::DivFOp::create(b, loc, f32(1.0), fadd(f32(1.0), exp))
          .getResult();
    };
    for (const EpilogueStep &step : gemm.epilogue) {
      switch (step.kind) {
      case Kind::AddBias:
      case Kind::AddResidual: {
        Value other = vector::ExtractOp::create(
            b, loc, pair(step.binding, step.kind == Kind::AddBias),
            ArrayRef<int64_t>{element});
        value =
            fadd(value, arith::ExtFOp::create(b, loc, b.getF32Type(), other));
        break;
      }
      case Kind::Relu:
        value = arith::MaximumFOp::create(b, loc, value, f32(0.0));
        break;
      case Kind::GeluTanh: {
        // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        Value cube = fmul(value, fmul(value, value));
        Value inner = fmul(f32(0.7978845608028654),
                           fadd(value, fmul(f32(0.044715), cube)));
        value = fmul(fmul(f32(0.5), value),
                     fadd(f32(1.0), math::TanhOp::create(b, loc, inner)));
        break;
      }
      case Kind::GeluErf: {
        // x/2 (1 + erf(x / sqrt 2))
        Value erf =
            math::ErfOp::create(b, loc, fmul(value, f32(0.7071067811865476)));
        value = fmul(fmul(f32(0.5), value), fadd(f32(1.0), erf));
        break;
      }
      case Kind::Tanh:
        value = math::TanhOp::create(b, loc, value);
        break;
      case Kind::Sigmoid:
        value = sigmoid(value);
        break;
      case Kind::Silu:
        value = fmul(value, sigmoid(value));
        break;
      }
    }
    return value;
  }

  /// Each thread's accumulators (c0 c1 at row g and columns 2t, 2t+1 of an
  /// m16n8 tile; c2 c3 eight rows below, for lane = 4g + t) through the
  /// epilogue into the output, two adjacent elements a store.
  void store(ValueRange sums) {
    int64_t fm = tiling.fragmentsM(), fn = tiling.fragmentsN();
    Value group = div(lane, 4), pairColumn = mul(rem(lane, 4), 2);
    auto pairType = VectorType::get({2}, gemm.element);
    // Guards only where a workgroup's tile can pass the matrix's edge.
    bool rowsExact = gemm.m % tiling.m == 0;
    bool columnsExact = gemm.n % tiling.n == 0;
    OpBuilder::InsertionGuard guard(b);
    for (int64_t i = 0; i < fm; ++i)
      for (int64_t half = 0; half < 2; ++half) {
        OpBuilder::InsertionGuard rowGuard(b);
        Value row = add(rowBase, add(warpRow, add(group, i * 16 + half * 8)));
        if (!rowsExact) {
          auto inside = scf::IfOp::create(b, loc, below(row, gemm.m), false);
          b.setInsertionPointToStart(inside.thenBlock());
        }
        Value rowOffset = add(outBase, mul(row, gemm.n));
        for (int64_t j = 0; j < fn; ++j) {
          OpBuilder::InsertionGuard columnGuard(b);
          Value column =
              add(columnBase, add(warpColumn, add(pairColumn, j * 8)));
          if (!columnsExact) {
            auto inside =
                scf::IfOp::create(b, loc, below(column, gemm.n), false);
            b.setInsertionPointToStart(inside.thenBlock());
          }
          Value offset = add(rowOffset, column);
          auto pair = [&](int64_t binding, bool bias) -> Value {
            return vector::LoadOp::create(b, loc, pairType, bindings[binding],
                                          ValueRange{bias ? column : offset});
          };
          SmallVector<Value> values;
          for (int64_t element = 0; element < 2; ++element) {
            Value sum = sums[(i * fn + j) * 4 + half * 2 + element];
            values.push_back(arith::TruncFOp::create(
                b, loc, gemm.element, epilogue(sum, element, pair)));
          }
          Value stored =
              vector::FromElementsOp::create(b, loc, pairType, values);
          vector::StoreOp::create(b, loc, stored, bindings[gemm.out],
                                  ValueRange{offset});
        }
      }
  }

  void build(gpu::GPUFuncOp func) {
    // Every binding as a flat array of its elements.
    for (BlockArgument argument : func.getArguments()) {
      auto type = cast<MemRefType>(argument.getType());
      Value flat = argument;
      if (type.getRank() != 1) {
        SmallVector<ReassociationIndices> all(1);
        for (int64_t dim = 0; dim < type.getRank(); ++dim)
          all.front().push_back(dim);
        flat = memref::CollapseShapeOp::create(b, loc, argument, all);
      }
      bindings.push_back(flat);
    }
    matrixA = bindings[gemm.a];
    matrixB = bindings[gemm.b];
    stageA = func.getWorkgroupAttributions()[0];
    stageB = func.getWorkgroupAttributions()[1];
    thread = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    lane = rem(thread, 32);
    Value warp = div(thread, 32);
    warpRow = mul(div(warp, tiling.warpsN), tiling.warpTileM());
    warpColumn = mul(rem(warp, tiling.warpsN), tiling.warpTileN());
    columnBase =
        mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::x), tiling.n);
    rowBase = mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::y), tiling.m);
    Value batch =
        gemm.batch > 1
            ? gpu::BlockIdOp::create(b, loc, gpu::Dimension::z).getResult()
            : index(0);
    aBase = mul(batch, gemm.strideA);
    bBase = mul(batch, gemm.strideB);
    outBase = mul(batch, gemm.batch > 1 ? gemm.m * gemm.n : 0);

    // The first stage, then per K step: copy the next while multiplying
    // this one. A group is committed every step (empty at the end), so
    // "all but the newest group done" always means "this stage arrived".
    int64_t steps = llvm::divideCeil(gemm.k, kTileK);
    copyStage(index(0), index(0));
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
    SmallVector<Value> zeros(tiling.fragmentsM() * tiling.fragmentsN() * 4,
                             f32(0.0));
    auto loop =
        scf::ForOp::create(b, loc, index(0), index(steps), index(1), zeros);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value step = loop.getInductionVar();
      Value next = add(step, 1);
      auto more = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next,
                                index(steps)),
          false);
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(more.thenBlock());
        copyStage(rem(next, kStages), mul(next, kTileK));
      }
      NVVM::CpAsyncCommitGroupOp::create(b, loc);
      NVVM::CpAsyncWaitGroupOp::create(b, loc, 1);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> sums =
          multiplyStage(rem(step, kStages), loop.getRegionIterArgs());
      // Nobody copies into this stage (next step's next) before every warp
      // has read it.
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, sums);
    }
    store(loop.getResults());
    gpu::ReturnOp::create(b, loc);
  }

  const Gemm &gemm;
  Tiling tiling;
  SmallVector<Value> bindings;
  Value matrixA, matrixB, stageA, stageB, thread, lane, warpRow, warpColumn,
      rowBase, columnBase, aBase, bBase, outBase;
};

struct CudaMmaMatmuls : kiln::cuda::impl::CudaMmaMatmulsBase<CudaMmaMatmuls> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    OpBuilder builder(context);
    gpu::GPUModuleOp gpuModule;
    SmallVector<NamedAttribute> launches;
    if (auto existing =
            module->getAttrOfType<DictionaryAttr>(kiln::gpu::kLaunchesAttr))
      launches.append(existing.begin(), existing.end());
    for (auto kernel :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      std::optional<Gemm> gemm = kiln::cuda::matchGemm(kernel);
      if (!gemm || !unsupported(*gemm).empty())
        continue;
      Tiling tiling = chooseTiling(*gemm);
      int64_t columnTiles = llvm::divideCeil(gemm->n, tiling.n);
      int64_t rowTiles = llvm::divideCeil(gemm->m, tiling.m);
      // A grid's y and z are at most 65535 workgroups.
      if (rowTiles > 65535 || gemm->batch > 65535)
        continue;
      if (!gpuModule)
        gpuModule = kiln::gpu::kernelsModule(module);
      kiln::cuda::declareBindings(kernel);
      Location loc = kernel.getLoc();
      gpu::GPUFuncOp func = kiln::gpu::createKernel(
          builder, gpuModule, loc, kernel.getSymName(),
          kernel.getFunctionType(), tiling.threads(), /*spirv=*/false);
      // The two stages of A's rows and B's columns; 16-byte aligned for
      // cp.async and ldmatrix.
      auto workgroup =
          gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup);
      MemRefType stages[2] = {
          MemRefType::get({kStages, tiling.m, kTileK + kPad}, gemm->element,
                          MemRefLayoutAttrInterface(), workgroup),
          MemRefType::get({kStages, kTileK, tiling.n + kPad}, gemm->element,
                          MemRefLayoutAttrInterface(), workgroup)};
      int64_t sharedBytes = 0;
      for (MemRefType type : stages) {
        func.addWorkgroupAttribution(type, loc);
        func.setWorkgroupAttributionAttr(func.getNumWorkgroupAttributions() - 1,
                                         LLVM::LLVMDialect::getAlignAttrName(),
                                         builder.getI64IntegerAttr(16));
        sharedBytes += type.getNumElements() * 2;
      }
      builder.setInsertionPointToStart(&func.getBody().front());
      KernelBuilder(builder, loc, *gemm, tiling).build(func);
      launches.push_back(builder.getNamedAttr(
          kernel.getSymName(),
          kiln::gpu::launchAttr(builder, {columnTiles, rowTiles, gemm->batch},
                                tiling.threads(), sharedBytes)));
    }
    if (!gpuModule)
      return;
    module->setAttr(kiln::gpu::kLaunchesAttr,
                    builder.getDictionaryAttr(launches));
  }
};

} // namespace
