#include "base/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace ragdb {
namespace {

TEST(HugePages, LargeBuffersAreAlignedToHugePages) {
  HugeVector<float> v(1 << 20);  // 4 MiB
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u);
  std::iota(v.begin(), v.end(), 0.0f);
  EXPECT_EQ(v[12345], 12345.0f);
  EXPECT_EQ(v.back(), float((1 << 20) - 1));
}

TEST(HugePages, GrowingKeepsContentsAcrossTheSmallToHugeBoundary) {
  HugeVector<uint32_t> v;
  for (uint32_t i = 0; i < 3'000'000; ++i) v.push_back(i * 7u);  // crosses 2 MiB, reallocates
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u);
  for (uint32_t i = 0; i < 3'000'000; i += 99'991) ASSERT_EQ(v[i], i * 7u);
  v.resize(10);
  v.shrink_to_fit();  // back to operator new
  EXPECT_EQ(v[9], 63u);
}

TEST(HugePages, OddSizesRoundUpWithoutTouchingNeighbours) {
  // Two mappings of a size that is not a multiple of 2 MiB: writing the last byte of each must
  // not disturb the other.
  size_t bytes = kHugePageBytes + 12345;
  auto* a = static_cast<unsigned char*>(AllocateHugePages(bytes));
  auto* b = static_cast<unsigned char*>(AllocateHugePages(bytes));
  a[bytes - 1] = 1;
  b[0] = 2;
  b[bytes - 1] = 3;
  EXPECT_EQ(a[bytes - 1], 1);
  EXPECT_EQ(b[0], 2);
  FreeHugePages(a, bytes);
  FreeHugePages(b, bytes);
  FreeHugePages(nullptr, bytes);  // a no-op, like free(nullptr)
}

}  // namespace
}  // namespace ragdb
