//===- GraphOps.td - the Kiln model graph dialect ----------*- tablegen -*-===//
//
// The `graph` dialect holds a model as its frontends hand it over: tensor ops
// with value semantics on ranked tensors, at the level of PyTorch's ATen ops
// and ONNX nodes. Every op verifies its operands; where the result type
// follows from the operands it is inferred (and checked when written).
//
// Conventions shared by all ops:
//  * integers are signless and read as signed; i1 is the boolean type;
//  * axes are non-negative (frontends normalize Python-style negative axes);
//  * images are NCHW, filters OIHW, spatial attributes are [H, W] and padding
//    is [top, left, bottom, right] (ONNX's begin..., end... order);
//  * binary elementwise ops broadcast their operands the numpy way.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRAPH_OPS
#define KILN_GRAPH_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::kiln::graph";
  let summary = "Model-level tensor ops: the graph Kiln's frontends produce";
  let description = [{
    Tensor operations with value semantics at the level of PyTorch ATen ops
    and ONNX nodes. Weights are `graph.constant`s holding dense resources, so
    large models are not stored as text.
  }];
  let hasConstantMaterializer = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Types and attribute constraints
//===----------------------------------------------------------------------===//

def Graph_Int : AnyTypeOf<[I8, I16, I32, I64], "8/16/32/64-bit signless integer">;
def Graph_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Graph_NumericTensor : RankedTensorOf<[AnyFloat, Graph_Int]>;
def Graph_BoolTensor : RankedTensorOf<[I1]>;
def Graph_Tensor : RankedTensorOf<[AnyFloat, Graph_Int, I1]>;
def Graph_IndexTensor : RankedTensorOf<[I32, I64]>;

def Graph_Pair : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<2>]>;
def Graph_Quad : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<4>]>;
def Graph_Axis : ConfinedAttr<I64Attr, [IntNonNegative]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Graph_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how gelu evaluates the Gaussian CDF", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"tanh", 1>]> {
  let cppNamespace = "::kiln::graph";
}

def Graph_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "elementwise comparison", [
      I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::kiln::graph";
}

def Graph_ReduceKind : I32EnumAttr<"ReduceKind", "reduction", [
      I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
      I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
      I32EnumAttrCase<"prod", 4>]> {
  let cppNamespace = "::kiln::graph";
}

def Graph_PadMode : I32EnumAttr<"PadMode", "how pad fills the border", [
      I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>,
      I32EnumAttrCase<"edge", 2>]> {
  let cppNamespace = "::kiln::graph";
}

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

// An op whose result type follows from its operands: it defines the shape rule
// `inferResultType` in GraphOps.cpp, which the generated `inferReturnTypes`
// runs for builders once the operands are known to be ranked. Custom assembly
// still prints the result type so a graph reads like a table of shapes.
//
// The op verifier runs the inference rule with diagnostics on and compares the
// result, so a shape error is reported once, by the rule that found it (MLIR's
// own inferred-type check runs only after the op verifier and then adds a
// second, vaguer error).
class Graph_InferredOp<string mnemonic, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat([Pure, InferTypeOpAdaptor], traits)> {
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The op's shape rule (GraphOps.cpp). inferReturnTypes runs it once the
    /// operands are known to be ranked tensors.
    static ::llvm::LogicalResult inferResultType(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> loc, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferred);
  }];
  code inferredOpDefinitions = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      if (::mlir::failed(requireRanked(getOperationName(), loc,
                                       adaptor.getOperands())))
        return ::mlir::failure();
      return inferResultType(context, loc, adaptor, inferred);
    }
    ::llvm::LogicalResult $cppClass::verify() {
      ::llvm::SmallVector<::mlir::Type, 1> inferred;
      if (::mlir::failed(inferReturnTypes(getContext(), getLoc(),
                                          Adaptor(*this), inferred)))
        return ::mlir::failure();
      return checkInferredType(getOperation(), inferred.front());
    }
  }];
  let extraClassDefinition = inferredOpDefinitions;
}

// y = f(x) elementwise; the result has the operand's type.
class Graph_UnaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType],
                                     traits)> {
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

// z = f(x, y) elementwise with numpy broadcasting; operands share the element
// type.
class Graph_BinaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : Graph_InferredOp<mnemonic, traits> {
  let arguments = (ins tensorType:$lhs, tensorType:$rhs);
  let results = (outs tensorType:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let extraClassDefinition = inferredOpDefinitions # [{
    ::llvm::LogicalResult $cppClass::inferResultType(::mlir::MLIRContext *,
        std::optional<::mlir::Location> loc, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return inferElementwiseBinary(getOperationName(), loc, adaptor.getLhs(),
                                    adaptor.getRhs(), inferred);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Graph_ConstantOp : Graph_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor (weights live in dense resources)";
  let description = [{
    Holds a `dense<...>` literal for small values and `dense_resource<name>`
    for weights, whose bytes sit in the file's resource section instead of
    being printed as text.
    ```mlir
    %w = graph.constant dense_resource<fc1_weight> : tensor<256x784xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Graph_ArangeOp : Graph_Op<"arange", [Pure]> {
  let summary = "start, start + step, ... (torch.arange, ONNX Range)";
  let description = [{
    A rank-1 tensor whose element i is `start + i * step`. The length is the
    result type's; integer results need integral `start` and `step`.
    ```mlir
    %i = graph.arange start = 0.0 step = 2.0 : tensor<5xi64>
    ```
  }];
  let arguments = (ins F64Attr:$start, F64Attr:$step);
  let results = (outs RankedTensorOf<[AnyFloat, Graph_Int]>:$result);
  let assemblyFormat =
      "`start` `=` $start `step` `=` $step attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

def Graph_NegOp : Graph_UnaryOp<"neg", Graph_NumericTensor> {
  let summary = "-x";
  let hasFolder = 1;
}
def Graph_AbsOp : Graph_UnaryOp<"abs", Graph_NumericTensor> {
  let summary = "|x|";
  let hasFolder = 1;
}
def Graph_ReluOp : Graph_UnaryOp<"relu", Graph_NumericTensor> {
  let summary = "max(x, 0)";
  let hasFolder = 1;
}
def Graph_ExpOp : Graph_UnaryOp<"exp", Graph_FloatTensor> {
  let summary = "e^x";
}
def Graph_LogOp : Graph_UnaryOp<"log", Graph_FloatTensor> {
  let summary = "natural logarithm";
}
def Graph_SqrtOp : Graph_UnaryOp<"sqrt", Graph_FloatTensor> {
  let summary = "square root";
}
def Graph_RsqrtOp : Graph_UnaryOp<"rsqrt", Graph_FloatTensor> {
  let summary = "1 / sqrt(x)";
}
def Graph_TanhOp : Graph_UnaryOp<"tanh", Graph_FloatTensor> {
  let summary = "hyperbolic tangent";
}
def Graph_SigmoidOp : Graph_UnaryOp<"sigmoid", Graph_FloatTensor> {
  let summary = "1 / (1 + e^-x)";
}
def Graph_SiluOp : Graph_UnaryOp<"silu", Graph_FloatTensor> {
  let summary = "x * sigmoid(x)";
}
def Graph_ErfOp : Graph_UnaryOp<"erf", Graph_FloatTensor> {
  let summary = "Gauss error function";
}

def Graph_GeluOp : Graph_UnaryOp<"gelu", Graph_FloatTensor> {
  let summary = "x * Phi(x), exact (erf) or tanh-approximated";
  let description = [{
    ```mlir
    %0 = graph.gelu %x : tensor<8xf32>                       // erf form
    %1 = graph.gelu %x approximate = tanh : tensor<8xf32>    // tanh form
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input,
      DefaultValuedAttr<Graph_GeluApproximation,
                        "GeluApproximation::none">:$approximate);
  let assemblyFormat =
      "$input (`approximate` `=` $approximate^)? attr-dict `:` type($input)";
}

def Graph_ClampOp : Graph_UnaryOp<"clamp", Graph_NumericTensor> {
  let summary = "min(max(x, min), max); either bound may be absent";
  let description = [{
    ```mlir
    %relu6 = graph.clamp %x min = 0.0 max = 6.0 : tensor<8xf32>
    ```
  }];
  let arguments = (ins Graph_NumericTensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let assemblyFormat = "$input (`min` `=` $min^)? (`max` `=` $max^)? "
                       "attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary (numpy broadcasting)
//===----------------------------------------------------------------------===//

def Graph_AddOp : Graph_BinaryOp<"add", Graph_NumericTensor, [Commutative]> {
  let summary = "x + y";
}
def Graph_SubOp : Graph_BinaryOp<"sub", Graph_NumericTensor> {
  let summary = "x - y";
}
def Graph_MulOp : Graph_BinaryOp<"mul", Graph_NumericTensor, [Commutative]> {
  let summary = "x * y";
}
def Graph_DivOp : Graph_BinaryOp<"div", Graph_NumericTensor> {
  let summary = "x / y (integers truncate toward zero)";
}
def Graph_PowOp : Graph_BinaryOp<"pow", Graph_NumericTensor> {
  let summary = "x ^ y";
}
def Graph_MaxOp : Graph_BinaryOp<"max", Graph_NumericTensor, [Commutative]> {
  let summary = "elementwise maximum (NaN propagates)";
}
def Graph_MinOp : Graph_BinaryOp<"min", Graph_NumericTensor, [Commutative]> {
  let summary = "elementwise minimum (NaN propagates)";
}

def Graph_CompareOp : Graph_InferredOp<"compare"> {
  let summary = "elementwise comparison with broadcasting, giving i1";
  let description = [{
    ```mlir
    %m = graph.compare lt, %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
    ```
  }];
  let arguments = (ins Graph_ComparePredicate:$predicate, Graph_Tensor:$lhs,
                       Graph_Tensor:$rhs);
  let results = (outs Graph_BoolTensor:$result);
  let assemblyFormat = "$predicate `,` $lhs `,` $rhs attr-dict `:` "
                       "functional-type(operands, results)";
}

def Graph_SelectOp : Graph_InferredOp<"select"> {
  let summary = "condition ? on_true : on_false, with broadcasting (where)";
  let arguments = (ins Graph_BoolTensor:$condition, Graph_Tensor:$on_true,
                       Graph_Tensor:$on_false);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$condition `,` $on_true `,` $on_false attr-dict `:` "
                       "functional-type(operands, results)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Contractions and windows
//===----------------------------------------------------------------------===//

def Graph_MatmulOp : Graph_InferredOp<"matmul"> {
  let summary = "batched matrix product [..., M, K] x [..., K, N]";
  let description = [{
    Both operands have rank >= 2; the leading (batch) dimensions broadcast
    the numpy way.
    ```mlir
    %y = graph.matmul %a, %b : (tensor<8x4x16xf32>, tensor<16x32xf32>) -> tensor<8x4x32xf32>
    ```
  }];
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Graph_PanelMatmulOp : Graph_InferredOp<"panel_matmul"> {
  let summary = "matrix product [..., M, K] x [K, N], the rhs stored as column panels";
  let description = [{
    The product `graph.matmul` computes, with the rhs `B` [K, N] stored as
    N/P panels of P consecutive columns, each panel row-major:
    `rhs[j, k, c] = B[k, j * P + c]`, so rhs is [N/P, K, P]. A CPU
    micro-kernel computing P columns of the result then reads its columns of
    B as one contiguous stream. graph-pack-weights rewrites a matmul whose
    rhs is a weight into this form; importers never produce it.
    ```mlir
    %y = graph.panel_matmul %a, %w : (tensor<64x1024xf32>, tensor<256x1024x16xf32>) -> tensor<64x4096xf32>
    ```
  }];
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Graph_Conv2dOp : Graph_InferredOp<"conv2d"> {
  let summary = "2-D convolution, NCHW input, OIHW filter, optional bias";
  let description = [{
    With `groups = g`, input channels C and output channels O are split into
    g groups; the filter is [O, C / g, KH, KW].
    ```mlir
    %y = graph.conv2d %x, %w, %b strides = [2, 2] padding = [1, 1, 1, 1]
        : (tensor<1x3x224x224xf32>, tensor<64x3x3x3xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$filter,
      Optional<Graph_FloatTensor>:$bias,
      DefaultValuedAttr<Graph_Pair, "{1, 1}">:$strides,
      DefaultValuedAttr<Graph_Quad, "{0, 0, 0, 0}">:$padding,
      DefaultValuedAttr<Graph_Pair, "{1, 1}">:$dilations,
      DefaultValuedAttr<ConfinedAttr<I64Attr, [IntPositive]>, "1">:$groups);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? (`strides` `=` $strides^)?
    (`padding` `=` $padding^)? (`dilations` `=` $dilations^)?
    (`groups` `=` $groups^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Graph_PanelConv2dOp : Graph_InferredOp<"panel_conv2d"> {
  let summary = "2-D convolution, its filter stored as output-channel panels";
  let description = [{
    The convolution `graph.conv2d` computes (no groups), with the filter
    `W` [O, C, KH, KW] stored as O/P panels of P consecutive output
    channels, each panel window position by window position, the input
    channels, then the panel's output channels innermost:
    `filter[j, kh, kw, c, p] = W[j * P + p, c, kh, kw]`, so filter is
    [O/P, KH, KW, C, P]. A CPU micro-kernel computing P output channels
    then reads the P weights of each reduction step as one vector, and the
    steps over input channels as one contiguous stream. graph-pack-weights
    rewrites a convolution whose filter is a weight into this form;
    importers never produce it.
    ```mlir
    %y = graph.panel_conv2d %x, %w, %b padding = [1, 1, 1, 1]
        : (tensor<1x64x56x56xf32>, tensor<4x3x3x64x16xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$filter,
      Optional<Graph_FloatTensor>:$bias,
      DefaultValuedAttr<Graph_Pair, "{1, 1}">:$strides,
      DefaultValuedAttr<Graph_Quad, "{0, 0, 0, 0}">:$padding,
      DefaultValuedAttr<Graph_Pair, "{1, 1}">:$dilations);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? (`strides` `=` $strides^)?
    (`padding` `=` $padding^)? (`dilations` `=` $dilations^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def Graph_MaxPool2dOp : Graph_InferredOp<"max_pool2d"> {
  let summary = "2-D max pooling over NCHW (padding never wins the max)";
  let arguments = (ins Graph_NumericTensor:$input, Graph_Pair:$kernel,
      DefaultValuedAttr<Graph_Pair, "{1, 1}">:$strides,
      DefaultValuedAttr<Graph_Quad, "{0, 0, 0, 0}">:$padding,
      DefaultValuedAttr<Graph_Pair, "{1, 1}">:$dilations,
      UnitAttr:$ceil_mode);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel (`strides` `=` $strides^)?
    (`padding` `=` $padding^)? (`dilations` `=` $dilations^)?
    (`ceil_mode` $ceil_mode^)? attr-dict `:` type($input) `->` type($result)
  }];
}

def Graph_AvgPool2dOp : Graph_InferredOp<"avg_pool2d"> {
  let summary = "2-D average pooling over NCHW";
  let description = [{
    Padded positions count in the divisor only with `count_include_pad`.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_Pair:$kernel,
      DefaultValuedAttr<Graph_Pair, "{1, 1}">:$strides,
      DefaultValuedAttr<Graph_Quad, "{0, 0, 0, 0}">:$padding,
      UnitAttr:$ceil_mode, UnitAttr:$count_include_pad);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel (`strides` `=` $strides^)?
    (`padding` `=` $padding^)? (`ceil_mode` $ceil_mode^)?
    (`count_include_pad` $count_include_pad^)? attr-dict `:` type($input)
    `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

def Graph_ReduceOp : Graph_InferredOp<"reduce"> {
  let summary = "sum / mean / max / min / prod over axes";
  let description = [{
    ```mlir
    %m = graph.reduce mean %x axes = [2, 3] keepdims : tensor<1x64x7x7xf32> -> tensor<1x64x1x1xf32>
    ```
  }];
  let arguments = (ins Graph_ReduceKind:$kind, Graph_NumericTensor:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keepdims);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = [{
    $kind $input `axes` `=` $axes (`keepdims` $keepdims^)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Graph_SoftmaxOp : Graph_UnaryOp<"softmax", Graph_FloatTensor> {
  let summary = "exp(x) / sum(exp(x)) along an axis";
  let arguments = (ins Graph_FloatTensor:$input, Graph_Axis:$axis);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Graph_LogSoftmaxOp : Graph_UnaryOp<"log_softmax", Graph_FloatTensor> {
  let summary = "log(softmax(x)) along an axis, computed stably";
  let arguments = (ins Graph_FloatTensor:$input, Graph_Axis:$axis);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Graph_LayerNormOp : Graph_Op<"layer_norm", [Pure,
    AllTypesMatch<["input", "result"]>, AllTypesMatch<["scale", "bias"]>]> {
  let summary = "normalize over dims axis.. rank-1, then scale and shift";
  let description = [{
    `scale` and `bias` have the normalized shape (the input's dims from
    `axis` on). Frontends without affine parameters pass splat 1 and 0.
    ```mlir
    %y = graph.layer_norm %x, %g, %b axis = 2 epsilon = 1.0e-05
        : tensor<2x8x16xf32>, tensor<16xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
      Graph_FloatTensor:$bias, Graph_Axis:$axis,
      DefaultValuedAttr<F64Attr, "1e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `axis` `=` $axis (`epsilon` `=` $epsilon^)?
    attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def Graph_BatchNormOp : Graph_Op<"batch_norm", [Pure,
    AllTypesMatch<["input", "result"]>,
    AllTypesMatch<["scale", "bias", "mean", "variance"]>]> {
  let summary = "inference batch norm over channel dim 1 (N, C, ...)";
  let description = [{
    y = (x - mean) / sqrt(variance + epsilon) * scale + bias, with the [C]
    parameters broadcast along dim 1.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
      Graph_FloatTensor:$bias, Graph_FloatTensor:$mean,
      Graph_FloatTensor:$variance,
      DefaultValuedAttr<F64Attr, "1e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance
    (`epsilon` `=` $epsilon^)? attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

def Graph_ReshapeOp : Graph_Op<"reshape", [Pure]> {
  let summary = "same elements, row-major, in a new shape";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_TransposeOp : Graph_InferredOp<"transpose"> {
  let summary = "permute dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = [{
    $input `perm` `=` $perm attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Graph_BroadcastToOp : Graph_Op<"broadcast_to", [Pure]> {
  let summary = "numpy broadcast to the result shape (torch expand)";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ConcatOp : Graph_InferredOp<"concat"> {
  let summary = "join tensors along an axis";
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, Graph_Axis:$axis);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = [{
    $inputs `axis` `=` $axis attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Graph_SliceOp : Graph_InferredOp<"slice"> {
  let summary = "strided slice with one [start, limit) and step per dim";
  let description = [{
    Dim d takes indices start[d], start[d] + step[d], ... while before
    limit[d]. Indices are normalized: with step > 0,
    0 <= start <= limit <= size; with step < 0 (walking backwards),
    -1 <= limit <= start < size, where limit = -1 means "through index 0".
    ```mlir
    %s = graph.slice %x start = [0, 1] limit = [2, 6] step = [1, 2]
        : tensor<4x6xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$limit, DenseI64ArrayAttr:$step);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = [{
    $input `start` `=` $start `limit` `=` $limit `step` `=` $step attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Graph_GatherOp : Graph_InferredOp<"gather"> {
  let summary = "take indices along an axis (numpy take, ONNX Gather)";
  let description = [{
    result shape = data[:axis] + indices.shape + data[axis + 1:]. A negative
    index counts from the end, as in ONNX and PyTorch.
  }];
  let arguments = (ins Graph_Tensor:$data, Graph_IndexTensor:$indices,
                       Graph_Axis:$axis);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
}

def Graph_PadOp : Graph_InferredOp<"pad"> {
  let summary = "pad each dim with low/high elements (constant/reflect/edge)";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$low,
      DenseI64ArrayAttr:$high,
      DefaultValuedAttr<Graph_PadMode, "PadMode::constant">:$mode,
      DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = [{
    $input `low` `=` $low `high` `=` $high (`mode` `=` $mode^)?
    (`value` `=` $value^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Graph_CastOp : Graph_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "convert element type (floats round to nearest even; "
                "float to int truncates; to i1 tests != 0)";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Dispatch regions
//===----------------------------------------------------------------------===//

def Graph_DispatchOp : Graph_Op<"dispatch", [IsolatedFromAbove,
    RecursiveMemoryEffects, SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "ops that run together as one kernel";
  let description = [{
    A dispatch region: its body becomes one kernel, launched over a grid of
    workgroups. The region is isolated from above; the values it reads are
    its `inputs` (the entry block's arguments) and it yields its results.
    `graph-fuse` creates them (several ops each); `graph-form-dispatches`
    makes one per op (`--no-fusion`).
    ```mlir
    %y = graph.dispatch (%x, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
    ^bb0(%in: tensor<4x8xf32>, %bias: tensor<8xf32>):
      %0 = graph.add %in, %bias : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
      graph.yield %0 : tensor<4x8xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body
  }];
  let hasRegionVerifier = 1;
}

def Graph_YieldOp : Graph_Op<"yield", [Pure, Terminator, ReturnLike,
    HasParent<"DispatchOp">]> {
  let summary = "the results of a dispatch region";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, {}); }]>];
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // KILN_GRAPH_OPS
