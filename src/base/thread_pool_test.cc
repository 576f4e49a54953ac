#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace ragdb {
namespace {

TEST(ThreadPool, ParallelForVisitsEveryIndexOnce) {
  ThreadPool pool(3);
  for (size_t n : {0u, 1u, 7u, 1000u}) {
    std::vector<std::atomic<int>> hits(n);
    pool.ParallelFor(n, 13, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) hits[i]++;
    });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
  }
}

TEST(ThreadPool, ManyShortLoopsDoNotOutliveTheirState) {
  ThreadPool pool(2);
  for (int round = 0; round < 2000; ++round) {
    std::atomic<size_t> sum{0};
    pool.ParallelFor(4, 1, [&](size_t b, size_t e) { sum += e - b; });
    ASSERT_EQ(sum.load(), 4u);
  }
}

}  // namespace
}  // namespace ragdb
