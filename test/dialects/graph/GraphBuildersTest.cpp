//===- GraphBuildersTest.cpp - building graph ops from C++ ----------------===//
//
// Frontends build graph ops through the generated builders without result
// types: the shape rules in GraphOps.cpp infer them. These tests build ops
// the way an importer does and check the inferred types, defaults and the
// diagnostics of inference on bad operands.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;
using namespace kiln::graph;

namespace {

class GraphBuilders : public ::testing::Test {
protected:
  GraphBuilders() : builder(&context), loc(UnknownLoc::get(&context)) {
    context.loadDialect<GraphDialect>();
    builder.setInsertionPointToEnd(&block);
  }

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }
  Value argument(Type type) { return block.addArgument(type, loc); }

  MLIRContext context;
  OpBuilder builder;
  Location loc;
  Block block;
};

TEST_F(GraphBuilders, BinaryOpsInferTheBroadcastShape) {
  auto add = AddOp::create(builder, loc, argument(f32({4, 1, 3})),
                           argument(f32({2, 3})));
  EXPECT_EQ(add.getType(), f32({4, 2, 3}));
  EXPECT_TRUE(succeeded(verify(add)));

  auto less = CompareOp::create(builder, loc, ComparePredicate::lt,
                                add.getResult(), argument(f32({3})));
  EXPECT_EQ(less.getType(),
            RankedTensorType::get({4, 2, 3}, builder.getI1Type()));
}

TEST_F(GraphBuilders, MatmulAndConvolutionInferTheirShapes) {
  auto matmul = MatmulOp::create(builder, loc, argument(f32({8, 4, 16})),
                                 argument(f32({16, 32})));
  EXPECT_EQ(matmul.getType(), f32({8, 4, 32}));

  auto conv =
      Conv2dOp::create(builder, loc, argument(f32({1, 3, 224, 224})),
                       argument(f32({64, 3, 7, 7})), argument(f32({64})),
                       builder.getDenseI64ArrayAttr({2, 2}),
                       builder.getDenseI64ArrayAttr({3, 3, 3, 3}));
  EXPECT_EQ(conv.getType(), f32({1, 64, 112, 112}));
  // Attributes left out take their documented defaults.
  EXPECT_EQ(conv.getDilations(), ArrayRef<int64_t>({1, 1}));
  EXPECT_EQ(conv.getGroups(), 1u);
  EXPECT_TRUE(succeeded(verify(conv)));
}

TEST_F(GraphBuilders, OmittedDefaultsReachInference) {
  // Generated builders infer before MLIR fills in default attributes.
  Value image = argument(f32({1, 8, 9, 9}));
  auto pool = MaxPool2dOp::create(builder, loc, image,
                                  builder.getDenseI64ArrayAttr({3, 3}),
                                  /*strides=*/nullptr);
  EXPECT_EQ(pool.getType(), f32({1, 8, 7, 7}));
  auto average = AvgPool2dOp::create(builder, loc, image,
                                     builder.getDenseI64ArrayAttr({2, 2}),
                                     builder.getDenseI64ArrayAttr({2, 2}));
  EXPECT_EQ(average.getType(), f32({1, 8, 4, 4}));
  auto pad = PadOp::create(builder, loc, image,
                           builder.getDenseI64ArrayAttr({0, 0, 1, 2}),
                           builder.getDenseI64ArrayAttr({0, 0, 3, 4}),
                           /*mode=*/nullptr, /*value=*/nullptr);
  EXPECT_EQ(pad.getType(), f32({1, 8, 13, 15}));
  EXPECT_EQ(pad.getMode(), PadMode::constant);
  EXPECT_TRUE(succeeded(verify(pad)));
}

TEST_F(GraphBuilders, DataMovementInfersItsShape) {
  Value x = argument(f32({2, 3, 4}));
  EXPECT_EQ(TransposeOp::create(builder, loc, x, ArrayRef<int64_t>{2, 0, 1})
                .getType(),
            f32({4, 2, 3}));
  EXPECT_EQ(SliceOp::create(builder, loc, x, ArrayRef<int64_t>{0, 2, 3},
                            ArrayRef<int64_t>{2, -1, 0},
                            ArrayRef<int64_t>{1, -1, -2})
                .getType(),
            f32({2, 3, 2}));
  EXPECT_EQ(ReduceOp::create(builder, loc, ReduceKind::mean, x,
                             ArrayRef<int64_t>{0, 2}, /*keepdims=*/true)
                .getType(),
            f32({1, 3, 1}));
  Value indices =
      argument(RankedTensorType::get({5}, builder.getIntegerType(64)));
  EXPECT_EQ(GatherOp::create(builder, loc, x, indices, 1).getType(),
            f32({2, 5, 4}));
}

TEST_F(GraphBuilders, InferenceReportsBadOperandsInsteadOfCrashing) {
  std::string message;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diagnostic) {
    message = diagnostic.str();
    return success();
  });
  Value unranked = argument(UnrankedTensorType::get(builder.getF32Type()));
  MatmulOp::Adaptor adaptor(ValueRange{unranked, argument(f32({4, 2}))});
  SmallVector<Type> inferred;
  EXPECT_TRUE(
      failed(MatmulOp::inferReturnTypes(&context, loc, adaptor, inferred)));
  EXPECT_EQ(message, "'graph.matmul' op operand #0 must be a ranked tensor, "
                     "got 'tensor<*xf32>'");

  SmallVector<Type> quiet;
  EXPECT_TRUE(failed(
      MatmulOp::inferReturnTypes(&context, std::nullopt, adaptor, quiet)));
}

} // namespace
