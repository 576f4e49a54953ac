// float16 <-> float32 conversion: known values (rounding ties, overflow, subnormals, inf, NaN),
// exact round trips, and the scalar converters bit-identical to F16C.
#include "simd/half.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "simd/distance.h"
#include "simd/test_util.h"

namespace ragdb::simd {
namespace {

using testing::Scalar;
using testing::Simd;

bool IsHalfNan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0; }

TEST(Half, FloatToHalfKnownValues) {
  struct Case {
    float f;
    uint16_t h;
  };
  const Case cases[] = {
      {0.0f, 0x0000},
      {-0.0f, 0x8000},
      {1.0f, 0x3c00},
      {-2.0f, 0xc000},
      {0.5f, 0x3800},
      {0.1f, 0x2e66},
      {1.0f / 3, 0x3555},
      {65504.0f, 0x7bff},             // largest finite half
      {65519.0f, 0x7bff},             // below the midpoint to 65536: stays finite
      {65520.0f, 0x7c00},             // the midpoint ties to even, which is infinity
      {1e10f, 0x7c00},                // overflow
      {-1e10f, 0xfc00},               //
      {0x1p-14f, 0x0400},             // smallest normal
      {0x1p-14f - 0x1p-24f, 0x03ff},  // largest subnormal
      {0x1p-24f, 0x0001},             // smallest subnormal
      {0x1p-25f, 0x0000},             // halfway to the smallest subnormal: ties to even (0)
      {0x1.000002p-25f, 0x0001},      // just above halfway
      {0x1.8p-24f, 0x0002},           // 1.5 steps: ties to even (2)
      {0x1p-26f, 0x0000},             // underflow
      {1e-40f, 0x0000},               // float subnormal
      {-1e-40f, 0x8000},              //
      {2049.0f, 0x6800},              // tie between 2048 and 2050: even mantissa (2048)
      {2051.0f, 0x6802},              // tie between 2050 and 2052: even mantissa (2052)
      {2049.001f, 0x6801},            // above the tie
      {std::numeric_limits<float>::infinity(), 0x7c00},
      {-std::numeric_limits<float>::infinity(), 0xfc00},
  };
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (const Case& c : cases) {
      EXPECT_EQ(FloatToHalfBits(c.f), c.h) << c.f;
      // Through the array kernel, in a full vector of 8 (the SIMD path) and alone (the tail).
      std::vector<float> in(9, c.f);
      std::vector<uint16_t> out(9);
      k->float_to_half(in.data(), out.data(), in.size());
      for (uint16_t h : out) EXPECT_EQ(h, c.h) << c.f << " level " << SimdLevelName(k->level);
    }
  }
  EXPECT_TRUE(IsHalfNan(FloatToHalfBits(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(IsHalfNan(FloatToHalfBits(std::numeric_limits<float>::signaling_NaN())));
  // A NaN whose payload lives only in the low mantissa bits must not become infinity.
  EXPECT_TRUE(IsHalfNan(FloatToHalfBits(std::bit_cast<float>(0x7f800001u))));
}

TEST(Half, HalfToFloatKnownValues) {
  EXPECT_EQ(HalfBitsToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfBitsToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfBitsToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(HalfBitsToFloat(0x0400), 0x1p-14f);
  EXPECT_EQ(HalfBitsToFloat(0x0001), 0x1p-24f);
  EXPECT_EQ(HalfBitsToFloat(0x03ff), 1023 * 0x1p-24f);
  EXPECT_EQ(HalfBitsToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfBitsToFloat(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(HalfBitsToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(HalfBitsToFloat(0x7c01)));
  EXPECT_TRUE(std::signbit(HalfBitsToFloat(0x8000)));
  EXPECT_EQ(HalfBitsToFloat(0x8000), 0.0f);
}

TEST(Half, EveryHalfRoundTrips) {
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    std::vector<uint16_t> all(65536), back(65536);
    for (uint32_t h = 0; h < 65536; ++h) all[h] = static_cast<uint16_t>(h);
    std::vector<float> f(65536);
    k->half_to_float(all.data(), f.data(), all.size());
    k->float_to_half(f.data(), back.data(), f.size());
    for (uint32_t h = 0; h < 65536; ++h) {
      if (IsHalfNan(all[h])) {
        ASSERT_TRUE(IsHalfNan(back[h])) << std::hex << h;
        ASSERT_EQ(back[h] & 0x8000, all[h] & 0x8000) << std::hex << h;
      } else {
        ASSERT_EQ(back[h], all[h]) << std::hex << h << " level " << SimdLevelName(k->level);
      }
    }
  }
}

// The scalar converters are the reference and the tail of the SIMD ones, so they must agree with
// the hardware bit for bit, NaNs included.
TEST(Half, ScalarMatchesF16cOnEveryHalf) {
  RAGDB_REQUIRE_SIMD();
  std::vector<uint16_t> all(65536);
  for (uint32_t h = 0; h < 65536; ++h) all[h] = static_cast<uint16_t>(h);
  std::vector<float> hw(65536);
  Simd().half_to_float(all.data(), hw.data(), all.size());
  for (uint32_t h = 0; h < 65536; ++h) {
    ASSERT_EQ(std::bit_cast<uint32_t>(HalfBitsToFloat(all[h])), std::bit_cast<uint32_t>(hw[h]))
        << std::hex << h;
  }
}

TEST(Half, ScalarMatchesF16cOnRoundingBoundaries) {
  RAGDB_REQUIRE_SIMD();
  std::vector<float> in = {
      std::bit_cast<float>(0x7f800001u),  // signalling NaN, low payload
      std::bit_cast<float>(0xffbfffffu),  // signalling NaN, full payload
  };
  // Around every midpoint between neighbouring halves (exact in float: one more bit), where
  // rounding decisions are made, plus a sweep over the whole float bit space.
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    const double lo = HalfBitsToFloat(static_cast<uint16_t>(h));
    const double hi = h + 1 == 0x7c00 ? 65536.0 : HalfBitsToFloat(static_cast<uint16_t>(h + 1));
    const float mid = static_cast<float>((lo + hi) / 2);
    for (float sign : {1.0f, -1.0f}) {
      in.push_back(sign * mid);
      in.push_back(sign * std::nextafter(mid, 0.0f));
      in.push_back(sign * std::nextafter(mid, 1e30f));
      in.push_back(sign * static_cast<float>(lo));
    }
  }
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 997) {
    in.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits)));
  }
  in.resize(in.size() / 8 * 8);  // whole vectors, so every element goes through F16C
  std::vector<uint16_t> hw(in.size());
  Simd().float_to_half(in.data(), hw.data(), in.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (FloatToHalfBits(in[i]) != hw[i] && ++mismatches <= 10) {
      ADD_FAILURE() << std::hex << "float bits 0x" << std::bit_cast<uint32_t>(in[i])
                    << ": scalar 0x" << FloatToHalfBits(in[i]) << " F16C 0x" << hw[i];
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << in.size();
}

}  // namespace
}  // namespace ragdb::simd
