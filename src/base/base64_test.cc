#include "base/base64.h"

#include <gtest/gtest.h>

namespace ragdb {
namespace {

TEST(Base64, RoundTripsAllLengths) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    auto back = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
  EXPECT_EQ(Base64Encode("Man"), "TWFu");
  EXPECT_EQ(Base64Encode("Ma"), "TWE=");
}

TEST(Base64, AcceptsDataUrlsWhitespaceAndNoPadding) {
  EXPECT_EQ(Base64Decode("data:image/png;base64,TWE=").value(), "Ma");
  EXPECT_EQ(Base64Decode("TW\nFu\r\nTWE").value(), "ManMa");
}

TEST(Base64, RejectsGarbage) {
  EXPECT_FALSE(Base64Decode("TW*u").ok());
  EXPECT_FALSE(Base64Decode("T").ok());
  EXPECT_FALSE(Base64Decode("TQ==TQ==").ok());
  EXPECT_FALSE(Base64Decode("data:image/png,TWE=").ok());
  EXPECT_NE(Base64Decode("a/b.png").status().message().find("offset 3"), std::string::npos);
}

}  // namespace
}  // namespace ragdb
