//===- LibraryCallTest.cpp - library calls the runtime refuses ------------===//
//
// A library call is text in the artifact (the kernel's symbol); one the
// runtime cannot read is refused, naming the model and the call, before
// cuBLASLt, cuDNN or a GPU is needed.

#include "../src/cuda/LibraryCalls.h"

#include "ErrorOf.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

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
  // TF32 is for f32 only.
  EXPECT_NE(create("cublaslt.matmul m=8 n=4 k=4 batch=1 a=0 b=1 bias=-1 "
                   "out=2 type=f16 epilogue=none compute=tf32")
                .find("has a bad compute type"),
            std::string::npos);
  EXPECT_NE(create("cublaslt.matmul m=8 n=4 k=4 batch=1 a=0 b=1 bias=-1 "
                   "out=2 type=f32 epilogue=none compute=f64")
                .find("has a bad compute type"),
            std::string::npos);
  EXPECT_NE(
      create("cudnn.conv2d n=1 c=3 h=8")
          .find("the cuDNN call of 'm.kiln' (cudnn.conv2d n=1 c=3 h=8) has no "
                "number w"),
      std::string::npos);
  EXPECT_TRUE(cuda::isLibraryCall("cublaslt.matmul m=1"));
  EXPECT_TRUE(cuda::isLibraryCall("cudnn.conv2d n=1"));
  EXPECT_FALSE(cuda::isLibraryCall("dispatch_0"));
}

TEST(LibraryCall, SaysWhenItsLibraryIsMissing) {
  // In a fresh process that names a library that is not there: an error
  // naming the library and what to do (where the real one is on the
  // loader's path, a later step fails instead: still an error, never a
  // crash).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto expectError = [](const char *variable, const std::string &call,
                        const char *message) {
    EXPECT_EXIT(
        {
          setenv(variable, "/nonexistent/libkiln-test.so", 1);
          cuda::LibraryContext context;
          context.workspaceBytes = 1024;
          context.constant = [](const std::string &) { return nullptr; };
          std::string error = errorOf(
              [&] { cuda::LibraryCall::create(call, "m.kiln", context); });
          fprintf(stderr, "%s\n", error.c_str());
          std::exit(error.empty() ? 0 : 3);
        },
        testing::ExitedWithCode(3), message);
  };
  expectError("KILN_CUBLASLT_LIBRARY",
              "cublaslt.matmul m=8 n=4 k=4 batch=1 stride_a=0 stride_b=0 "
              "type=f32 epilogue=none a=0 b=1 bias=-1 out=2",
              "cuBLASLt");
  expectError("KILN_CUDNN_LIBRARY",
              "cudnn.conv2d n=1 c=3 h=8 w=8 k=4 r=3 s=3 pad_h=1 pad_w=1 "
              "stride_h=1 stride_w=1 dil_h=1 dil_w=1 groups=1 type=f32 "
              "relu=0 x=0 w_=1 bias=-1 z=-1 y=2",
              "cuDNN");
}
