//===- NcclTest.cpp - the NCCL communicator, where there are GPUs ---------===//
//
// Runs the collectives over NCCL on as many GPUs as there are (two at
// most), one thread per rank; skipped, saying why, where NCCL, CUDA or a
// GPU is missing (every CPU-only machine).

#include "kiln/runtime/Communicator.h"
#include "kiln/runtime/Error.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

using namespace kiln::rt;

TEST(Nccl, CollectivesOnTheGpusOrSkipped) {
  std::vector<std::unique_ptr<Communicator>> ranks;
  std::string why;
  for (int size : {2, 1}) {
    try {
      ranks = loadNcclCommunicators(size, std::chrono::seconds(20));
      break;
    } catch (const Error &error) {
      why = error.what();
    }
  }
  if (ranks.empty())
    GTEST_SKIP() << why;
  int size = static_cast<int>(ranks.size());
  std::vector<std::string> errors(size);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank)
    threads.emplace_back([&, rank] {
      try {
        Communicator &comm = *ranks[rank];
        float mine[2] = {float(rank + 1), float(10 * (rank + 1))}, sum[2];
        comm.allReduce(mine, sum, 2, DType::f32, ReduceOp::sum);
        float expected = size * (size + 1) / 2.0f;
        EXPECT_EQ(sum[0], expected);
        EXPECT_EQ(sum[1], 10 * expected);
        std::vector<int32_t> gathered(size);
        int32_t value = rank;
        comm.allGather(&value, gathered.data(), sizeof value);
        for (int peer = 0; peer < size; ++peer)
          EXPECT_EQ(gathered[peer], peer);
        std::vector<float> blocks(size, 1.0f);
        float scattered = 0;
        comm.reduceScatter(blocks.data(), &scattered, 1, DType::f32,
                           ReduceOp::sum);
        EXPECT_EQ(scattered, float(size));
        std::vector<int32_t> out(size), in(size);
        for (int peer = 0; peer < size; ++peer)
          out[peer] = 100 * rank + peer;
        comm.allToAll(out.data(), in.data(), sizeof(int32_t));
        for (int peer = 0; peer < size; ++peer)
          EXPECT_EQ(in[peer], 100 * peer + rank);
        std::unique_ptr<Communicator> alone = comm.split(rank, 0);
        EXPECT_EQ(alone->size(), 1);
        comm.barrier();
      } catch (const Error &error) {
        errors[rank] = error.what();
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &error : errors)
    EXPECT_EQ(error, "");
}
