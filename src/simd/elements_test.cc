#include "simd/elements.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "simd/half.h"

namespace ragdb::simd {
namespace {

constexpr ElementType kTypes[] = {ElementType::kFloat32, ElementType::kFloat16, ElementType::kInt8,
                                  ElementType::kUint8, ElementType::kBinary};

// A random vector every type can hold: integers 0/1 fit all of them.
std::vector<float> RandomValid(ElementType t, size_t d, std::mt19937& rng) {
  std::vector<float> v(d);
  for (float& x : v) {
    switch (t) {
      case ElementType::kFloat32:
      case ElementType::kFloat16:
        x = std::uniform_real_distribution<float>(-1000, 1000)(rng);
        break;
      case ElementType::kInt8:
        x = static_cast<float>(std::uniform_int_distribution<int>(-128, 127)(rng));
        break;
      case ElementType::kUint8:
        x = static_cast<float>(std::uniform_int_distribution<int>(0, 255)(rng));
        break;
      case ElementType::kBinary:
        x = static_cast<float>(rng() & 1);
        break;
    }
  }
  return v;
}

TEST(Elements, RowBytesAreCompact) {
  EXPECT_EQ(ElementRowBytes(ElementType::kFloat32, 128), 512u);
  EXPECT_EQ(ElementRowBytes(ElementType::kFloat16, 128), 256u);
  EXPECT_EQ(ElementRowBytes(ElementType::kInt8, 128), 128u);
  EXPECT_EQ(ElementRowBytes(ElementType::kUint8, 128), 128u);
  EXPECT_EQ(ElementRowBytes(ElementType::kBinary, 128), 16u);
  EXPECT_EQ(ElementRowBytes(ElementType::kBinary, 1), 1u);
  EXPECT_EQ(ElementRowBytes(ElementType::kBinary, 9), 2u);
}

TEST(Elements, EncodeDecodeRoundTripsForEveryTypeAndDimension) {
  std::mt19937 rng(7);
  for (ElementType t : kTypes) {
    for (size_t d = 1; d <= 300; ++d) {
      std::vector<float> v = RandomValid(t, d, rng);
      std::string why;
      ASSERT_EQ(CheckElements(t, v.data(), d, &why), d) << why;
      // One guard byte past the row: encoding must not write beyond ElementRowBytes.
      std::vector<uint8_t> row(ElementRowBytes(t, d) + 1, 0xab);
      EncodeElements(t, v.data(), d, row.data());
      EXPECT_EQ(row.back(), 0xab);
      std::vector<float> back(d);
      DecodeElements(t, row.data(), d, back.data());
      for (size_t i = 0; i < d; ++i) {
        float want = t == ElementType::kFloat16 ? HalfBitsToFloat(FloatToHalfBits(v[i])) : v[i];
        ASSERT_EQ(back[i], want) << static_cast<int>(t) << " d=" << d << " i=" << i;
      }
    }
  }
}

TEST(Elements, CheckNamesTheFirstBadComponent) {
  std::string why;
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> v{1, 2, 0.5f, 3};
  EXPECT_EQ(CheckElements(ElementType::kInt8, v.data(), 4, &why), 2u);
  EXPECT_NE(why.find("-128..127"), std::string::npos) << why;
  v = {1, 0, 2};
  EXPECT_EQ(CheckElements(ElementType::kBinary, v.data(), 3, &why), 2u);
  EXPECT_NE(why.find("0 or 1"), std::string::npos) << why;
  v = {0, 255, 256};
  EXPECT_EQ(CheckElements(ElementType::kUint8, v.data(), 3, &why), 2u);
  v = {-1};
  EXPECT_EQ(CheckElements(ElementType::kUint8, v.data(), 1, &why), 0u);
  v = {-128, 127, -129};
  EXPECT_EQ(CheckElements(ElementType::kInt8, v.data(), 3, &why), 2u);
  v = {65504, -65504, 65519.f, 65520.f};
  EXPECT_EQ(CheckElements(ElementType::kFloat16, v.data(), 4, &why), 3u);
  EXPECT_NE(why.find("float16"), std::string::npos) << why;
  for (ElementType t : kTypes) {
    v = {0, nan};
    EXPECT_EQ(CheckElements(t, v.data(), 2, &why), 1u);
    EXPECT_EQ(why, "is NaN");
    v = {inf};
    EXPECT_EQ(CheckElements(t, v.data(), 1, &why), 0u);
    EXPECT_EQ(why, "is infinite");
  }
  v = {1e30f};
  EXPECT_EQ(CheckElements(ElementType::kFloat32, v.data(), 1, &why), 1u);
}

TEST(Elements, BinaryBitsArePackedLowBitFirst) {
  std::vector<float> v{1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  uint8_t row[2];
  EncodeElements(ElementType::kBinary, v.data(), v.size(), row);
  EXPECT_EQ(row[0], 0x01);
  EXPECT_EQ(row[1], 0x02);
}

}  // namespace
}  // namespace ragdb::simd
