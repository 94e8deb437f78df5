//===- VectorizeAccesses.cpp - gpu-vectorize-accesses ---------------------===//
//
// A work item reading or writing four adjacent elements of a binding (an
// elementwise kernel's tile of four, a register tile's row of B or of its
// outputs) does it as one 4-wide access: 16 bytes per instruction, so a
// warp's accesses take a quarter of the instructions. The elements must be
// aligned as a vector: the binding is (its buffer aligned, exec.alignment),
// its rows are whole vectors, and the first element's last index is a
// multiple of four.
//
//===----------------------------------------------------------------------===//

#include "lib/backends/gpu/GpuPasses.h"
#include "lib/backends/gpu/Indices.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_GPUVECTORIZEACCESSES
#include "lib/backends/gpu/GpuPasses.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace {

constexpr int64_t kWidth = 4;

/// Whether 4-wide accesses of `memref` at a last index that is a multiple
/// of four are aligned: a binding of static row-major shape whose rows are
/// whole vectors, of an element type every device loads in fours.
bool vectorizable(Value memref) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!isa<BlockArgument>(memref) || !type || !type.hasStaticShape() ||
      !type.getLayout().isIdentity() || type.getRank() < 1 ||
      type.getShape().back() % kWidth != 0)
    return false;
  Type element = type.getElementType();
  return element.isF32() || element.isF16() || element.isInteger(32);
}

/// The vector's size in bytes, its alignment: stated on the access, or the
/// device compiler assumes the element's and splits it again.
uint64_t vectorBytes(VectorType type) {
  return type.getNumElements() * type.getElementTypeBitWidth() / 8;
}

/// One load or store of a vectorizable binding.
struct Access {
  Operation *op;
  Value memref;
  SmallVector<Value> indices;
  /// The last index as base + offset.
  Value base;
  int64_t offset;
};

std::optional<Access> accessOf(Operation *op) {
  Value memref;
  ValueRange indices;
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    memref = load.getMemRef();
    indices = load.getIndices();
  } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
    memref = store.getMemRef();
    indices = store.getIndices();
  } else {
    return std::nullopt;
  }
  if (!vectorizable(memref))
    return std::nullopt;
  auto [base, offset] = kiln::gpu::splitOffset(indices.back());
  return Access{op, memref, SmallVector<Value>(indices), base, offset};
}

/// Whether `a` and `b` name elements of one row, base + offsets apart.
bool sameRow(const Access &a, const Access &b) {
  return a.memref == b.memref && a.base == b.base &&
         ArrayRef(a.indices).drop_back() == ArrayRef(b.indices).drop_back();
}

/// Whether an op strictly between `first` and `last` (one block) may touch
/// `memref` as `reads` (and writes) say, other than `members`.
bool touchedBetween(Operation *first, Operation *last, Value memref, bool reads,
                    ArrayRef<Operation *> members) {
  for (Operation *op = first->getNextNode(); op != last;
       op = op->getNextNode()) {
    if (llvm::is_contained(members, op))
      continue;
    WalkResult result = op->walk([&](Operation *inner) {
      if (inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance();
      auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
      if (!effects)
        return WalkResult::interrupt();
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (const MemoryEffects::EffectInstance &effect : instances) {
        bool counts = isa<MemoryEffects::Write>(effect.getEffect()) ||
                      (reads && isa<MemoryEffects::Read>(effect.getEffect()));
        // Bindings never share bytes: only this one (or a view of it), or
        // an unknown value.
        Value target = effect.getValue();
        if (auto typed = dyn_cast_if_present<MemrefValue>(target))
          target = memref::skipViewLikeOps(typed);
        if (counts && (!target || target == memref))
          return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return true;
  }
  return false;
}

struct GpuVectorizeAccesses
    : kiln::gpu::impl::GpuVectorizeAccessesBase<GpuVectorizeAccesses> {
  using GpuVectorizeAccessesBase::GpuVectorizeAccessesBase;

  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    DominanceInfo dominance(getOperation());
    for (Block *block : blocks) {
      vectorize<memref::LoadOp>(block, dominance);
      if (stores)
        vectorize<memref::StoreOp>(block, dominance);
    }
  }

  /// Four accesses of one kind (loads or stores) in `block` at offsets
  /// 4i..4i+3 of one row, with nothing between them touching the binding
  /// in a way that moving them together would reorder, become one vector
  /// access: loads at the first of them, stores at the last.
  template <typename AccessOp>
  void vectorize(Block *block, DominanceInfo &dominance) {
    constexpr bool isLoad = std::is_same_v<AccessOp, memref::LoadOp>;
    SmallVector<Access> accesses;
    for (Operation &op : *block)
      if (isa<AccessOp>(op))
        if (std::optional<Access> access = accessOf(&op))
          accesses.push_back(*access);
    llvm::DenseSet<Operation *> done;
    for (auto [position, start] : llvm::enumerate(accesses)) {
      if (done.contains(start.op) || start.offset % kWidth != 0 ||
          (start.base && !kiln::gpu::isMultipleOf(start.base, kWidth)))
        continue;
      // The other three: of each offset, the access nearest to this one
      // (another access of the element, a zero fill before a sum's store,
      // stays as it is; what between the members touches the binding
      // keeps them apart).
      SmallVector<const Access *> group(kWidth, nullptr);
      SmallVector<size_t> distance(kWidth, 0);
      group[0] = &start;
      for (auto [otherPosition, other] : llvm::enumerate(accesses)) {
        int64_t lane = other.offset - start.offset;
        if (done.contains(other.op) || !sameRow(start, other) || lane <= 0 ||
            lane >= kWidth)
          continue;
        size_t apart = otherPosition > position ? otherPosition - position
                                                : position - otherPosition;
        if (!group[lane] || apart < distance[lane]) {
          group[lane] = &other;
          distance[lane] = apart;
        }
      }
      if (llvm::is_contained(group, nullptr))
        continue;
      SmallVector<Operation *> members;
      for (const Access *access : group)
        members.push_back(access->op);
      Operation *first =
          *llvm::min_element(members, [](Operation *a, Operation *b) {
            return a->isBeforeInBlock(b);
          });
      Operation *last =
          *llvm::max_element(members, [](Operation *a, Operation *b) {
            return a->isBeforeInBlock(b);
          });
      Operation *at = isLoad ? first : last;
      if (touchedBetween(first, last, start.memref, /*reads=*/!isLoad,
                         members) ||
          !llvm::all_of(start.indices, [&](Value index) {
            return dominance.properlyDominates(index, at);
          }))
        continue;
      OpBuilder builder(at);
      Location loc = at->getLoc();
      Type element = cast<MemRefType>(start.memref.getType()).getElementType();
      auto type = VectorType::get({kWidth}, element);
      if constexpr (isLoad) {
        auto load = vector::LoadOp::create(builder, loc, type, start.memref,
                                           start.indices);
        load.setAlignment(vectorBytes(type));
        Value vector = load;
        for (auto [lane, access] : llvm::enumerate(group)) {
          Value scalar = vector::ExtractOp::create(builder, loc, vector,
                                                   static_cast<int64_t>(lane));
          access->op->getResult(0).replaceAllUsesWith(scalar);
        }
      } else {
        SmallVector<Value> scalars;
        for (const Access *access : group)
          scalars.push_back(
              cast<memref::StoreOp>(access->op).getValueToStore());
        Value vector =
            vector::FromElementsOp::create(builder, loc, type, scalars);
        auto store = vector::StoreOp::create(builder, loc, vector, start.memref,
                                             start.indices);
        store.setAlignment(vectorBytes(type));
      }
      for (Operation *member : members) {
        done.insert(member);
        member->erase();
      }
    }
  }
};

} // namespace
