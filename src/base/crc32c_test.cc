#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace ragdb {
namespace {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 (iSCSI) test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c::Value("123456789"), 0xE3069283u);
}

TEST(Crc32c, HardwareMatchesPortableAtEveryLengthAndSplit) {
  std::mt19937 rng(7);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t n = 0; n <= data.size(); n += 7) {
    uint32_t whole = crc32c::Value(data.data(), n);
    EXPECT_EQ(whole, crc32c::ExtendPortable(0, data.data(), n)) << n;
    size_t split = n / 3;
    EXPECT_EQ(whole,
              crc32c::Extend(crc32c::Value(data.data(), split), data.data() + split, n - split))
        << n;
  }
}

}  // namespace
}  // namespace ragdb
