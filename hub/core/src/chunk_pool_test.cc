#include "chunk_pool.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace accord::hub {
namespace {

TEST(ChunkPoolTest, RunsEveryChunkExactlyOnceAcrossManyGenerations) {
  for (size_t threads : {0u, 1u, 3u}) {
    ChunkPool pool(threads);
    EXPECT_EQ(pool.parallelism(), threads + 1);
    for (size_t round = 0; round < 500; ++round) {
      const size_t n = 1 + round % 9;
      std::vector<std::atomic<int>> hits(n);
      pool.Run(n, [&](size_t i) { hits[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "round " << round << " chunk " << i;
    }
    pool.Run(0, [](size_t) { FAIL() << "no chunks, no calls"; });
  }
}

}  // namespace
}  // namespace accord::hub
