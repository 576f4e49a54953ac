#include "base/popcount.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "base/bitset.h"

namespace ragdb {
namespace {

// The dispatched count equals the portable one on every length 0..300 and on edge words.
TEST(Popcount, DispatchedEqualsPortable) {
  std::mt19937_64 rng(4);
  for (size_t n = 0; n <= 300; ++n) {
    std::vector<uint64_t> w(n);
    for (auto& x : w) x = rng() & rng();
    if (n > 0) w[0] = ~uint64_t{0};
    if (n > 1) w[n - 1] = uint64_t{1} << 63;
    EXPECT_EQ(PopcountWords(w.data(), n), internal::PopcountWordsPortable(w.data(), n)) << n;
  }
  Bitset b(1000);
  for (size_t i = 0; i < 1000; i += 3) b.Set(i);
  EXPECT_EQ(b.Count(), 334u);
}

}  // namespace
}  // namespace ragdb
