//===- GraphOps.h - the Kiln model graph dialect ----------------*- C++ -*-===//
//
// Declarations generated from GraphOps.td, plus the shape helpers the
// verifiers, inference and later passes share.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_GRAPH_GRAPHOPS_H
#define KILN_DIALECTS_GRAPH_GRAPHOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/graph/GraphDialect.h.inc"
#include "dialects/graph/GraphEnums.h.inc"

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.h.inc"

namespace kiln::graph {

/// The numpy broadcast of two shapes (dynamic dims allowed), or failure when
/// a pair of static dims differs and neither is 1.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Bytes of one element as weights and buffers store it: whole bytes, one
/// per i1.
int64_t elementBytes(mlir::ShapedType type);

/// Bytes of a tensor or buffer of static shape stored row-major that way:
/// a dense_resource's blob, a buffer the runtime allocates.
int64_t byteSize(mlir::ShapedType type);

/// Whether `value` is a graph.constant holding one value in every element.
bool isSplatConstant(mlir::Value value);

/// A constant's bytes as stored: every element row-major, or one element
/// for a splat (the bool says which: true for a splat); none when a
/// dense_resource has no data. Booleans are as DenseElementsAttr packs them.
std::optional<std::pair<llvm::ArrayRef<char>, bool>>
constantBytes(ConstantOp constant);

/// The names in a location, outermost first: what the frontends record of
/// an op (a torch module path and node, an ONNX node name), through fused
/// and call-site locations.
llvm::SmallVector<std::string> locationNames(mlir::Location loc);

/// The target a compute op, or the dispatch region holding it, runs on
/// (a StringAttr naming its backend), as graph-place chose it. Without it,
/// the compile's target.
inline constexpr llvm::StringLiteral kDeviceAttr = "graph.device";

/// Moves `ops` (all in one block, in block order) into a new graph.dispatch
/// region placed where the last of them was. Values they read from outside
/// become the region's inputs, except splat constants, which are copied in so
/// the kernel sees scalars; their results used outside become its results.
/// The caller keeps the group convex (no path leaves it and comes back), so
/// every input is defined before the last op. The region runs where its ops
/// were placed (kDeviceAttr, the same for all of them); the ops inside no
/// longer carry it.
DispatchOp formDispatch(llvm::ArrayRef<mlir::Operation *> ops);

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_GRAPHOPS_H
