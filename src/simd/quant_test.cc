// int8, binary (Hamming) and SQ8 kernels: SIMD against scalar (exactly for the integer kernels),
// scalar against wide-integer / double references, and batch forms against single forms.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <vector>

#include "simd/distance.h"
#include "simd/test_util.h"

namespace ragdb::simd {
namespace {

using testing::Guarded;
using testing::RandomFloats;
using testing::Scalar;
using testing::Simd;
using testing::Tolerance;

constexpr size_t kMaxDim = 300;
constexpr size_t kBatchRows = 11;  // two 4-row blocks and a remainder

std::vector<int8_t> RandomI8(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(dist(rng));
  return v;
}

std::vector<uint8_t> RandomU8(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> dist(0, 255);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(dist(rng));
  return v;
}

int64_t RefL2I8(const int8_t* a, const int8_t* b, size_t d) {
  int64_t s = 0;
  for (size_t i = 0; i < d; ++i) s += (int64_t{a[i]} - b[i]) * (int64_t{a[i]} - b[i]);
  return s;
}

int64_t RefDotI8(const int8_t* a, const int8_t* b, size_t d) {
  int64_t s = 0;
  for (size_t i = 0; i < d; ++i) s += int64_t{a[i]} * b[i];
  return s;
}

// Bit by bit, so it shares nothing with the word-wise kernels.
uint32_t RefHamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  uint32_t n = 0;
  for (size_t i = 0; i < nbytes; ++i) {
    for (int bit = 0; bit < 8; ++bit) n += ((a[i] >> bit) & 1) != ((b[i] >> bit) & 1);
  }
  return n;
}

// ---- int8 ------------------------------------------------------------------------------------

TEST(Int8Kernels, SimdEqualsScalarForEveryDimension) {
  RAGDB_REQUIRE_SIMD();
  std::mt19937 rng(50);
  for (size_t d = 1; d <= kMaxDim; ++d) {
    SCOPED_TRACE(::testing::Message() << "d=" << d);
    Guarded<int8_t> a(RandomI8(rng, d)), b(RandomI8(rng, d));
    const int32_t l2 = Scalar().l2sqr_i8(a.get(), b.get(), d);
    const int32_t dot = Scalar().dot_i8(a.get(), b.get(), d);
    EXPECT_EQ(l2, RefL2I8(a.get(), b.get(), d));
    EXPECT_EQ(dot, RefDotI8(a.get(), b.get(), d));
    EXPECT_EQ(Simd().l2sqr_i8(a.get(), b.get(), d), l2);
    EXPECT_EQ(Simd().dot_i8(a.get(), b.get(), d), dot);
  }
}

TEST(Int8Kernels, ExtremesAtTheDocumentedLimitsAreExact) {
  // The worst cases for int32 accumulation: every term at its maximum.
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    SCOPED_TRACE(SimdLevelName(k->level));
    const size_t d_l2 = 33025, d_dot = 131071;
    std::vector<int8_t> lo(d_dot, -128), hi(d_dot, 127);
    EXPECT_EQ(k->l2sqr_i8(lo.data(), hi.data(), d_l2), int64_t{65025} * d_l2);
    EXPECT_EQ(k->dot_i8(lo.data(), lo.data(), d_dot), int64_t{16384} * d_dot);
    EXPECT_EQ(k->dot_i8(lo.data(), hi.data(), d_dot), int64_t{-16256} * d_dot);
  }
}

TEST(Int8Kernels, BatchEqualsSingle) {
  std::mt19937 rng(51);
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (size_t d = 1; d <= kMaxDim; ++d) {
      SCOPED_TRACE(::testing::Message() << "level=" << SimdLevelName(k->level) << " d=" << d);
      const std::vector<int8_t> q = RandomI8(rng, d);
      Guarded<int8_t> base(RandomI8(rng, kBatchRows * d));
      std::vector<int32_t> l2(kBatchRows + 1, -7), dot(kBatchRows + 1, -7);
      k->l2sqr_i8_batch(q.data(), base.get(), kBatchRows, d, l2.data());
      k->dot_i8_batch(q.data(), base.get(), kBatchRows, d, dot.data());
      for (size_t i = 0; i < kBatchRows; ++i) {
        EXPECT_EQ(l2[i], k->l2sqr_i8(q.data(), base.get() + i * d, d)) << "row " << i;
        EXPECT_EQ(dot[i], k->dot_i8(q.data(), base.get() + i * d, d)) << "row " << i;
      }
      EXPECT_EQ(l2[kBatchRows], -7);
      EXPECT_EQ(dot[kBatchRows], -7);
    }
  }
}

// ---- binary ----------------------------------------------------------------------------------

TEST(HammingKernels, SimdEqualsScalarForEveryLength) {
  RAGDB_REQUIRE_SIMD();
  std::mt19937 rng(52);
  for (size_t nbytes = 1; nbytes <= kMaxDim; ++nbytes) {
    SCOPED_TRACE(::testing::Message() << "nbytes=" << nbytes);
    Guarded<uint8_t> a(RandomU8(rng, nbytes)), b(RandomU8(rng, nbytes));
    const uint32_t ref = RefHamming(a.get(), b.get(), nbytes);
    EXPECT_EQ(Scalar().hamming(a.get(), b.get(), nbytes), ref);
    EXPECT_EQ(Simd().hamming(a.get(), b.get(), nbytes), ref);
  }
}

TEST(HammingKernels, AllBitsDifferAndIdentical) {
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (size_t nbytes : {1, 7, 8, 31, 32, 33, 64, 65, 96, 128, 255, 1000}) {
      std::vector<uint8_t> zeros(nbytes, 0), ones(nbytes, 0xff);
      EXPECT_EQ(k->hamming(zeros.data(), ones.data(), nbytes), 8 * nbytes) << nbytes;
      EXPECT_EQ(k->hamming(ones.data(), ones.data(), nbytes), 0u) << nbytes;
    }
  }
}

TEST(HammingKernels, BatchEqualsSingle) {
  std::mt19937 rng(53);
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (size_t nbytes = 1; nbytes <= kMaxDim; ++nbytes) {
      SCOPED_TRACE(::testing::Message() << "level=" << SimdLevelName(k->level) << " n=" << nbytes);
      const std::vector<uint8_t> q = RandomU8(rng, nbytes);
      Guarded<uint8_t> base(RandomU8(rng, kBatchRows * nbytes));
      std::vector<uint32_t> out(kBatchRows + 1, 12345);
      k->hamming_batch(q.data(), base.get(), kBatchRows, nbytes, out.data());
      for (size_t i = 0; i < kBatchRows; ++i) {
        EXPECT_EQ(out[i], RefHamming(q.data(), base.get() + i * nbytes, nbytes)) << "row " << i;
      }
      EXPECT_EQ(out[kBatchRows], 12345u);
    }
  }
}

// ---- SQ8 -------------------------------------------------------------------------------------

struct Sq8Data {
  std::vector<float> vmin, scale;
};

// Per-dimension ranges like a trained quantizer's: vmin in [-1, 0], range in (0, 2].
Sq8Data RandomSq8Params(std::mt19937& rng, size_t d) {
  Sq8Data p;
  p.vmin = RandomFloats(rng, d, -1, 0);
  p.scale = RandomFloats(rng, d, 1e-3f / 255, 2.0f / 255);
  return p;
}

struct Sq8Reference {
  double l2 = 0, l2_mag = 0, dot = 0, dot_mag = 0;
};

Sq8Reference ExactSq8(const float* q, const uint8_t* c, const Sq8Data& p, size_t d) {
  Sq8Reference r;
  for (size_t i = 0; i < d; ++i) {
    const double x = double{p.vmin[i]} + static_cast<double>(c[i]) * p.scale[i];
    r.l2 += (q[i] - x) * (q[i] - x);
    r.dot += q[i] * x;
    // The SIMD batch splits q.x into q.vmin + (q*scale).code, so its error scales with both parts.
    r.dot_mag += std::abs(q[i] * p.vmin[i]) + std::abs(q[i] * c[i] * p.scale[i]);
  }
  // Forming the difference (q - vmin - c * s, fused or not, in either order) rounds once or twice
  // at the size of its inputs, which moves t^2 by 2|t| * eps * (|q| + |vmin| + c * s). Tolerance()
  // multiplies by 1e-5, so the factor 0.01 stands for 1e-7, about two float roundings.
  r.l2_mag = r.l2;
  for (size_t i = 0; i < d; ++i) {
    const double x = double{p.vmin[i]} + static_cast<double>(c[i]) * p.scale[i];
    const double inputs = std::abs(q[i]) + std::abs(p.vmin[i]) + c[i] * p.scale[i];
    r.l2_mag += 2 * std::abs(q[i] - x) * inputs * 0.01;
  }
  return r;
}

TEST(Sq8Kernels, SimdMatchesScalarForEveryDimension) {
  RAGDB_REQUIRE_SIMD();
  std::mt19937 rng(54);
  for (size_t d = 1; d <= kMaxDim; ++d) {
    SCOPED_TRACE(::testing::Message() << "d=" << d);
    const Sq8Data p = RandomSq8Params(rng, d);
    Guarded<float> q(RandomFloats(rng, d)), vmin(p.vmin), scale(p.scale);
    Guarded<uint8_t> code(RandomU8(rng, d));
    const Sq8Reference ref = ExactSq8(q.get(), code.get(), p, d);
    const float s_l2 = Scalar().l2sqr_sq8(q.get(), code.get(), vmin.get(), scale.get(), d);
    const float s_dot = Scalar().dot_sq8(q.get(), code.get(), vmin.get(), scale.get(), d);
    EXPECT_NEAR(s_l2, ref.l2, Tolerance(ref.l2_mag));
    EXPECT_NEAR(s_dot, ref.dot, Tolerance(ref.dot_mag));
    EXPECT_NEAR(Simd().l2sqr_sq8(q.get(), code.get(), vmin.get(), scale.get(), d), s_l2,
                Tolerance(ref.l2_mag));
    EXPECT_NEAR(Simd().dot_sq8(q.get(), code.get(), vmin.get(), scale.get(), d), s_dot,
                Tolerance(ref.dot_mag));
  }
}

TEST(Sq8Kernels, BatchMatchesSingle) {
  std::mt19937 rng(55);
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (size_t d = 1; d <= kMaxDim; ++d) {
      SCOPED_TRACE(::testing::Message() << "level=" << SimdLevelName(k->level) << " d=" << d);
      const Sq8Data p = RandomSq8Params(rng, d);
      const std::vector<float> q = RandomFloats(rng, d);
      Guarded<uint8_t> codes(RandomU8(rng, kBatchRows * d));
      std::vector<float> l2(kBatchRows + 1, -7), dot(kBatchRows + 1, -7);
      k->l2sqr_sq8_batch(q.data(), codes.get(), kBatchRows, d, p.vmin.data(), p.scale.data(),
                         l2.data());
      k->dot_sq8_batch(q.data(), codes.get(), kBatchRows, d, p.vmin.data(), p.scale.data(),
                       dot.data());
      for (size_t i = 0; i < kBatchRows; ++i) {
        const uint8_t* row = codes.get() + i * d;
        const Sq8Reference ref = ExactSq8(q.data(), row, p, d);
        EXPECT_NEAR(l2[i], k->l2sqr_sq8(q.data(), row, p.vmin.data(), p.scale.data(), d),
                    Tolerance(ref.l2_mag))
            << "row " << i;
        EXPECT_NEAR(dot[i], k->dot_sq8(q.data(), row, p.vmin.data(), p.scale.data(), d),
                    Tolerance(ref.dot_mag))
            << "row " << i;
      }
      EXPECT_EQ(l2[kBatchRows], -7);
      EXPECT_EQ(dot[kBatchRows], -7);
    }
  }
}

TEST(Sq8Kernels, KnownValues) {
  // x = vmin + code * scale = {0.5, -1 + 2 * 0.25, 10 * 0.1} = {0.5, -0.5, 1.0}.
  const float vmin[3] = {0.5f, -1.0f, 0.0f}, scale[3] = {1.0f, 0.25f, 0.1f};
  const uint8_t code[3] = {0, 2, 10};
  const float q[3] = {1.0f, 1.0f, 1.0f};
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    EXPECT_NEAR(k->dot_sq8(q, code, vmin, scale, 3), 1.0f, 1e-6);
    EXPECT_NEAR(k->l2sqr_sq8(q, code, vmin, scale, 3), 0.25f + 2.25f + 0.0f, 1e-6);
  }
}

}  // namespace
}  // namespace ragdb::simd
