//===- CommunicatorTest.cpp - the in-process communicator -----------------===//

#include "kiln/runtime/Communicator.h"
#include "kiln/runtime/Error.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace kiln::rt;

namespace {

/// Runs `body(rank, communicator)` on one thread per rank; returns each
/// rank's error message ("" when it succeeded).
std::vector<std::string>
onRanks(int size, const std::function<void(int, Communicator &)> &body,
        std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto ranks = createInProcessCommunicators(size, timeout);
  std::vector<std::string> errors(size);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank)
    threads.emplace_back([&, rank] {
      try {
        body(rank, *ranks[rank]);
      } catch (const Error &error) {
        errors[rank] = error.what();
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  return errors;
}

} // namespace

TEST(Communicator, AllReduceSumsInRankOrderInPlace) {
  const int size = 4;
  std::vector<std::vector<float>> results(size);
  auto errors = onRanks(size, [&](int rank, Communicator &comm) {
    EXPECT_EQ(comm.rank(), rank);
    EXPECT_EQ(comm.size(), size);
    std::vector<float> data = {float(rank), 1.0f, float(rank * rank)};
    comm.allReduce(data.data(), data.data(), data.size(), DType::f32,
                   ReduceOp::sum);
    results[rank] = data;
  });
  for (int rank = 0; rank < size; ++rank) {
    EXPECT_EQ(errors[rank], "");
    EXPECT_EQ(results[rank], (std::vector<float>{6, 4, 14}));
  }
}

TEST(Communicator, MaxMinAndIntegers) {
  std::vector<std::vector<int64_t>> maxima(3), minima(3);
  auto errors = onRanks(3, [&](int rank, Communicator &comm) {
    std::vector<int64_t> data = {rank - 1, -rank}, out(2);
    comm.allReduce(data.data(), out.data(), 2, DType::i64, ReduceOp::max);
    maxima[rank] = out;
    comm.allReduce(data.data(), out.data(), 2, DType::i64, ReduceOp::min);
    minima[rank] = out;
  });
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(errors[rank], "");
    EXPECT_EQ(maxima[rank], (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(minima[rank], (std::vector<int64_t>{-1, -2}));
  }
}

TEST(Communicator, GatherScatterAllToAll) {
  const int size = 3;
  std::vector<std::vector<double>> gathered(size), scattered(size),
      exchanged(size);
  auto errors = onRanks(size, [&](int rank, Communicator &comm) {
    // all_gather: two doubles per rank.
    std::vector<double> mine = {10.0 * rank, 10.0 * rank + 1};
    gathered[rank].resize(2 * size);
    comm.allGather(mine.data(), gathered[rank].data(), 2 * sizeof(double));
    // reduce_scatter: block b of rank r holds r + b; rank b gets the sum.
    std::vector<double> blocks(size);
    for (int b = 0; b < size; ++b)
      blocks[b] = rank + b;
    scattered[rank].resize(1);
    comm.reduceScatter(blocks.data(), scattered[rank].data(), 1, DType::f64,
                       ReduceOp::sum);
    // all_to_all: block b of rank r is 100 r + b; rank b gets 100 r + b.
    std::vector<double> send(size);
    for (int b = 0; b < size; ++b)
      send[b] = 100.0 * rank + b;
    exchanged[rank].resize(size);
    comm.allToAll(send.data(), exchanged[rank].data(), sizeof(double));
    comm.barrier();
  });
  for (int rank = 0; rank < size; ++rank) {
    EXPECT_EQ(errors[rank], "");
    EXPECT_EQ(gathered[rank], (std::vector<double>{0, 1, 10, 11, 20, 21}));
    EXPECT_EQ(scattered[rank], (std::vector<double>{3.0 * rank + 3}));
    EXPECT_EQ(exchanged[rank],
              (std::vector<double>{0.0 + rank, 100.0 + rank, 200.0 + rank}));
  }
}

TEST(Communicator, MissingRankTimesOutInsteadOfHanging) {
  auto start = std::chrono::steady_clock::now();
  auto errors = onRanks(
      3,
      [&](int rank, Communicator &comm) {
        if (rank == 2)
          return; // never arrives
        float x = 1;
        comm.allReduce(&x, &x, 1, DType::f32, ReduceOp::sum);
      },
      std::chrono::milliseconds(200));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // The first to time out names the missing rank; the other stops too.
  bool named = false;
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_NE(errors[rank], "");
    named |= errors[rank].find("waited 200 ms in all_reduce (sum) of 1 f32 "
                               "for rank(s) 2, which did not arrive") !=
             std::string::npos;
  }
  EXPECT_TRUE(named) << errors[0] << " / " << errors[1];
  EXPECT_EQ(errors[2], "");
}

TEST(Communicator, AbortStopsThePeers) {
  auto errors = onRanks(2, [&](int rank, Communicator &comm) {
    if (rank == 1) {
      comm.abort("its kernel failed");
      return;
    }
    float x = 1;
    comm.allReduce(&x, &x, 1, DType::f32, ReduceOp::sum);
  });
  EXPECT_EQ(errors[0], "rank 1 aborted: its kernel failed");
}

TEST(Communicator, MismatchedCollectivesAreAnError) {
  auto errors = onRanks(2, [&](int rank, Communicator &comm) {
    float x[2] = {1, 2};
    comm.allReduce(x, x, rank == 0 ? 2 : 1, DType::f32, ReduceOp::sum);
  });
  for (const std::string &error : errors)
    EXPECT_EQ(error, "collective mismatch: rank 0 called all_reduce (sum) of "
                     "2 f32, rank 1 all_reduce (sum) of 1 f32");
}

TEST(Communicator, ReductionsNeedANumericDType) {
  auto errors = onRanks(1, [&](int, Communicator &comm) {
    uint8_t x = 1;
    comm.allReduce(&x, &x, 1, DType::ui8, ReduceOp::sum);
  });
  EXPECT_EQ(errors[0], "all_reduce (sum) of 1 ui8: reductions take f32, f64, "
                       "i32 or i64");
  EXPECT_THROW(createInProcessCommunicators(0), Error);
}

TEST(Communicator, SplitMakesDeviceGroups) {
  // A 2x2 mesh: color by row, key by column; each row sums on its own.
  std::vector<float> sums(4);
  std::vector<int> ranks(4), sizes(4);
  auto errors = onRanks(4, [&](int rank, Communicator &world) {
    std::unique_ptr<Communicator> row = world.split(rank / 2, rank % 2);
    ranks[rank] = row->rank();
    sizes[rank] = row->size();
    float value = static_cast<float>(rank + 1);
    row->allReduce(&value, &sums[rank], 1, DType::f32, ReduceOp::sum);
    // A second split (by column, keys reversed) is a group of its own.
    std::unique_ptr<Communicator> column = world.split(rank % 2, -rank);
    int32_t mine = rank, gathered[2];
    column->allGather(&mine, gathered, sizeof mine);
    EXPECT_EQ(gathered[0], rank % 2 + 2);
    EXPECT_EQ(gathered[1], rank % 2);
  });
  for (const std::string &error : errors)
    EXPECT_EQ(error, "");
  EXPECT_EQ(ranks, (std::vector<int>{0, 1, 0, 1}));
  EXPECT_EQ(sizes, (std::vector<int>{2, 2, 2, 2}));
  EXPECT_EQ(sums, (std::vector<float>{3, 3, 7, 7}));
}
