//===- LibraryCallTest.cpp - library calls the runtime refuses ------------===//
//
// A library call is text in the artifact (the kernel's symbol); one the
// runtime cannot read is refused, naming the model and the call, before
// cuBLASLt, cuDNN or a GPU is needed.

#include "../src/cuda/LibraryCalls.h"

#include "ErrorOf.h"

#include <gtest/gtest.h>

using namespace kiln::rt;

TEST(LibraryCall, RefusesCallsItCannotRead) {
  auto create = [](const std::string &call) {
    cuda::LibraryContext context;
    context.workspaceBytes = 1024;
    return errorOf([&] { cuda::LibraryCall::create(call, "m.kiln", context); });
  };
  EXPECT_EQ(create("cublaslt.conv n=1"),
            "'m.kiln' asks for the library call 'cublaslt.conv n=1', which "
            "this runtime does not have");
  EXPECT_EQ(create("cublaslt.matmul m=8 k=4"),
            "the cuBLASLt call of 'm.kiln' (cublaslt.matmul m=8 k=4) has no "
            "number n");
  EXPECT_NE(create("cublaslt.matmul m=8 n=4 k=4 batch=1 a=0 b=1 bias=-1 "
                   "out=2 type=f64 epilogue=none")
                .find("has a bad type or size"),
            std::string::npos);
  EXPECT_NE(create("cublaslt.matmul m=8 n=4 k=4 batch=1 a=0 b=1 bias=-1 "
                   "out=2 type=f32 epilogue=relu_bias")
                .find("has a bad epilogue"),
            std::string::npos);
  EXPECT_NE(create("cudnn.conv2d n=1 c=3 h=8").find(
                "the cuDNN call of 'm.kiln' (cudnn.conv2d n=1 c=3 h=8) has no "
                "number w"),
            std::string::npos);
  EXPECT_TRUE(cuda::isLibraryCall("cublaslt.matmul m=1"));
  EXPECT_TRUE(cuda::isLibraryCall("cudnn.conv2d n=1"));
  EXPECT_FALSE(cuda::isLibraryCall("dispatch_0"));
}
