// Float32 and float16 distance kernels: every SIMD kernel against the scalar reference, the scalar
// reference against double precision, batch forms against single forms, and dispatch.
#include "simd/distance.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <type_traits>
#include <vector>

#include "simd/distance_impl.h"
#include "simd/half.h"
#include "simd/test_util.h"

namespace ragdb::simd {
namespace {

using testing::Guarded;
using testing::RandomFloats;
using testing::Scalar;
using testing::Simd;
using testing::Tolerance;

constexpr size_t kMaxDim = 300;

// Double-precision truth and the sum of |terms| that bounds the float rounding error.
struct Reference {
  double l2 = 0, l2_mag = 0;
  double dot = 0, dot_mag = 0;
  double cosine = 0, cosine_tol = 0;
};

template <typename T>
double AsDouble(T x) {
  if constexpr (std::is_same_v<T, uint16_t>) {
    return HalfBitsToFloat(x);
  } else {
    return x;
  }
}

template <typename T>
Reference Exact(const float* q, const T* x, size_t d) {
  Reference r;
  double qq = 0, xx = 0;
  for (size_t i = 0; i < d; ++i) {
    const double a = q[i], b = AsDouble(x[i]);
    r.l2 += (a - b) * (a - b);
    r.dot += a * b;
    r.dot_mag += std::abs(a * b);
    qq += a * a;
    xx += b * b;
  }
  r.l2_mag = r.l2;
  r.cosine = (qq == 0 || xx == 0) ? 0 : r.dot / std::sqrt(qq * xx);
  // The dot's absolute error scales with dot_mag, and dot_mag / (|q| |x|) <= 1 (Cauchy-Schwarz).
  const double norms = std::sqrt(qq * xx);
  r.cosine_tol = 1e-5 * ((norms == 0 ? 0 : r.dot_mag / norms) + std::abs(r.cosine)) + 1e-6;
  return r;
}

std::vector<uint16_t> ToHalf(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = FloatToHalfBits(v[i]);
  return h;
}

// Checks one kernel set's single-vector kernels against double precision for a float32 query and
// rows of type T (float or float16).
template <typename T>
void CheckSingle(const Kernels& k, const float* q, const T* x, size_t d, const Reference& ref) {
  SCOPED_TRACE(SimdLevelName(k.level));
  if constexpr (std::is_same_v<T, float>) {
    EXPECT_NEAR(k.l2sqr(q, x, d), ref.l2, Tolerance(ref.l2_mag));
    EXPECT_NEAR(k.dot(q, x, d), ref.dot, Tolerance(ref.dot_mag));
    // Cosine is a ratio of float sums; its error is relative to |cos| <= 1 scaled by the terms.
    EXPECT_NEAR(k.cosine(q, x, d), ref.cosine, ref.cosine_tol);
  } else {
    EXPECT_NEAR(k.l2sqr_f16(q, x, d), ref.l2, Tolerance(ref.l2_mag));
    EXPECT_NEAR(k.dot_f16(q, x, d), ref.dot, Tolerance(ref.dot_mag));
    EXPECT_NEAR(k.cosine_f16(q, x, d), ref.cosine, ref.cosine_tol);
  }
}

TEST(FloatKernels, SimdMatchesScalarForEveryDimension) {
  RAGDB_REQUIRE_SIMD();
  std::mt19937 rng(42);
  for (size_t d = 1; d <= kMaxDim; ++d) {
    SCOPED_TRACE(::testing::Message() << "d=" << d);
    // Guarded: both vectors end at an unmapped page, so a tail that reads too far crashes.
    Guarded<float> q(RandomFloats(rng, d));
    Guarded<float> x(RandomFloats(rng, d));
    const Reference ref = Exact(q.get(), x.get(), d);
    const float s_l2 = Scalar().l2sqr(q.get(), x.get(), d);
    const float s_dot = Scalar().dot(q.get(), x.get(), d);
    const float s_cos = Scalar().cosine(q.get(), x.get(), d);
    EXPECT_NEAR(Simd().l2sqr(q.get(), x.get(), d), s_l2, Tolerance(ref.l2_mag));
    EXPECT_NEAR(Simd().dot(q.get(), x.get(), d), s_dot, Tolerance(ref.dot_mag));
    EXPECT_NEAR(Simd().cosine(q.get(), x.get(), d), s_cos, ref.cosine_tol);
    CheckSingle(Scalar(), q.get(), x.get(), d, ref);
    CheckSingle(Simd(), q.get(), x.get(), d, ref);
  }
}

TEST(HalfKernels, SimdMatchesScalarForEveryDimension) {
  RAGDB_REQUIRE_SIMD();
  std::mt19937 rng(43);
  for (size_t d = 1; d <= kMaxDim; ++d) {
    SCOPED_TRACE(::testing::Message() << "d=" << d);
    Guarded<float> q(RandomFloats(rng, d));
    Guarded<uint16_t> x(ToHalf(RandomFloats(rng, d)));
    const Reference ref = Exact(q.get(), x.get(), d);
    EXPECT_NEAR(Simd().l2sqr_f16(q.get(), x.get(), d), Scalar().l2sqr_f16(q.get(), x.get(), d),
                Tolerance(ref.l2_mag));
    EXPECT_NEAR(Simd().dot_f16(q.get(), x.get(), d), Scalar().dot_f16(q.get(), x.get(), d),
                Tolerance(ref.dot_mag));
    EXPECT_NEAR(Simd().cosine_f16(q.get(), x.get(), d), Scalar().cosine_f16(q.get(), x.get(), d),
                ref.cosine_tol);
    CheckSingle(Scalar(), q.get(), x.get(), d, ref);
    CheckSingle(Simd(), q.get(), x.get(), d, ref);
  }
}

// n = 11 covers two full 4-row blocks and a 3-row remainder.
constexpr size_t kBatchRows = 11;

TEST(FloatKernels, BatchMatchesSingle) {
  std::mt19937 rng(44);
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (size_t d = 1; d <= kMaxDim; ++d) {
      SCOPED_TRACE(::testing::Message() << "level=" << SimdLevelName(k->level) << " d=" << d);
      const std::vector<float> q = RandomFloats(rng, d);
      Guarded<float> base(RandomFloats(rng, kBatchRows * d));
      std::vector<float> l2(kBatchRows + 1, -7), dot(kBatchRows + 1, -7), cos(kBatchRows + 1, -7);
      k->l2sqr_batch(q.data(), base.get(), kBatchRows, d, l2.data());
      k->dot_batch(q.data(), base.get(), kBatchRows, d, dot.data());
      k->cosine_batch(q.data(), base.get(), kBatchRows, d, cos.data());
      for (size_t i = 0; i < kBatchRows; ++i) {
        const float* row = base.get() + i * d;
        const Reference ref = Exact(q.data(), row, d);
        EXPECT_NEAR(l2[i], k->l2sqr(q.data(), row, d), Tolerance(ref.l2_mag)) << "row " << i;
        EXPECT_NEAR(dot[i], k->dot(q.data(), row, d), Tolerance(ref.dot_mag)) << "row " << i;
        EXPECT_NEAR(cos[i], k->cosine(q.data(), row, d), ref.cosine_tol) << "row " << i;
      }
      // Nothing written past out[n).
      EXPECT_EQ(l2[kBatchRows], -7);
      EXPECT_EQ(dot[kBatchRows], -7);
      EXPECT_EQ(cos[kBatchRows], -7);
    }
  }
}

TEST(HalfKernels, BatchMatchesSingle) {
  std::mt19937 rng(45);
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (size_t d = 1; d <= kMaxDim; ++d) {
      SCOPED_TRACE(::testing::Message() << "level=" << SimdLevelName(k->level) << " d=" << d);
      const std::vector<float> q = RandomFloats(rng, d);
      Guarded<uint16_t> base(ToHalf(RandomFloats(rng, kBatchRows * d)));
      std::vector<float> l2(kBatchRows + 1, -7), dot(kBatchRows + 1, -7);
      k->l2sqr_f16_batch(q.data(), base.get(), kBatchRows, d, l2.data());
      k->dot_f16_batch(q.data(), base.get(), kBatchRows, d, dot.data());
      for (size_t i = 0; i < kBatchRows; ++i) {
        const uint16_t* row = base.get() + i * d;
        const Reference ref = Exact(q.data(), row, d);
        EXPECT_NEAR(l2[i], k->l2sqr_f16(q.data(), row, d), Tolerance(ref.l2_mag)) << "row " << i;
        EXPECT_NEAR(dot[i], k->dot_f16(q.data(), row, d), Tolerance(ref.dot_mag)) << "row " << i;
      }
      EXPECT_EQ(l2[kBatchRows], -7);
      EXPECT_EQ(dot[kBatchRows], -7);
    }
  }
}

// Batches over more than 32 MB of float32 take the row-streaming path (distance_avx2.cc).
TEST(FloatKernels, LargeBatchMatchesSingle) {
  std::mt19937 rng(47);
  const size_t d = 33, n = (size_t{40} << 20) / (d * sizeof(float));
  const std::vector<float> q = RandomFloats(rng, d);
  const std::vector<float> base = RandomFloats(rng, n * d);
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    std::vector<float> l2(n, -7), dot(n, -7);
    k->l2sqr_batch(q.data(), base.data(), n, d, l2.data());
    k->dot_batch(q.data(), base.data(), n, d, dot.data());
    for (size_t i = 0; i < n; i += 997) {
      const Reference ref = Exact(q.data(), base.data() + i * d, d);
      ASSERT_NEAR(l2[i], ref.l2, Tolerance(ref.l2_mag)) << i;
      ASSERT_NEAR(dot[i], ref.dot, Tolerance(ref.dot_mag)) << i;
    }
    ASSERT_NEAR(l2[n - 1], k->l2sqr(q.data(), base.data() + (n - 1) * d, d), 1e-4);
  }
}

TEST(FloatKernels, EmptyBatchWritesNothing) {
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    float q[4] = {1, 2, 3, 4}, out = -7;
    k->l2sqr_batch(q, q, 0, 4, &out);
    k->dot_batch(q, q, 0, 4, &out);
    k->cosine_batch(q, q, 0, 4, &out);
    EXPECT_EQ(out, -7);
  }
}

TEST(FloatKernels, CosineOfZeroVectorIsZero) {
  std::mt19937 rng(46);
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    for (size_t d : {1, 7, 8, 9, 16, 31, 33, 128, 300}) {
      SCOPED_TRACE(::testing::Message() << "level=" << SimdLevelName(k->level) << " d=" << d);
      const std::vector<float> zero(d, 0.0f);
      const std::vector<float> v = RandomFloats(rng, d);
      EXPECT_EQ(k->cosine(zero.data(), v.data(), d), 0.0f);
      EXPECT_EQ(k->cosine(v.data(), zero.data(), d), 0.0f);
      EXPECT_EQ(k->cosine(zero.data(), zero.data(), d), 0.0f);
      const std::vector<uint16_t> hzero(d, 0), hv = ToHalf(v);
      EXPECT_EQ(k->cosine_f16(zero.data(), hv.data(), d), 0.0f);
      EXPECT_EQ(k->cosine_f16(v.data(), hzero.data(), d), 0.0f);
      // Batch: a zero row among non-zero rows, and a zero query.
      std::vector<float> rows(5 * d);
      for (size_t i = 0; i < 5 * d; ++i) rows[i] = (i / d == 2) ? 0.0f : v[i % d];
      std::vector<float> out(5);
      k->cosine_batch(v.data(), rows.data(), 5, d, out.data());
      for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(out[i], i == 2 ? 0.0f : 1.0f, 1e-5) << i;
      k->cosine_batch(zero.data(), rows.data(), 5, d, out.data());
      for (size_t i = 0; i < 5; ++i) EXPECT_EQ(out[i], 0.0f) << i;
    }
  }
}

TEST(FloatKernels, KnownValues) {
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    const float a[3] = {1, 2, 3}, b[3] = {4, 6, 3};
    EXPECT_EQ(k->l2sqr(a, b, 3), 25.0f);
    EXPECT_EQ(k->dot(a, b, 3), 25.0f);
    const float x[2] = {3, 4}, y[2] = {-3, -4};
    EXPECT_NEAR(k->cosine(x, y, 2), -1.0f, 1e-6);
  }
}

TEST(FloatKernels, NormalizeMakesUnitLength) {
  std::vector<float> v = {3, 4, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_NEAR(Normalize(v.data(), v.size()), 5.0f, 1e-6);
  EXPECT_NEAR(v[0], 0.6f, 1e-6);
  EXPECT_NEAR(v[1], 0.8f, 1e-6);
  std::vector<float> z(5, 0.0f);
  EXPECT_EQ(Normalize(z.data(), z.size()), 0.0f);
  EXPECT_EQ(z[0], 0.0f);
}

// ---- dispatch --------------------------------------------------------------------------------

TEST(Dispatch, ScalarLevelIsTheScalarSet) {
  const Kernels& k = KernelsFor(SimdLevel::kScalar);
  EXPECT_EQ(k.level, SimdLevel::kScalar);
  EXPECT_EQ(k.l2sqr, &scalar::L2Sqr);
  EXPECT_EQ(k.dot_batch, &scalar::DotBatch);
  EXPECT_EQ(k.hamming, &scalar::Hamming);
  EXPECT_EQ(k.float_to_half, &scalar::FloatToHalf);
}

TEST(Dispatch, Avx2LevelFollowsTheCpu) {
  const CpuFeatures& f = GetCpuFeatures();
  const bool has = f.avx2 && f.fma && f.f16c;
  const Kernels& k = KernelsFor(SimdLevel::kAvx2);
  EXPECT_EQ(k.level, has ? SimdLevel::kAvx2 : SimdLevel::kScalar);
#if defined(__x86_64__)
  if (has) {
    EXPECT_EQ(k.l2sqr, &avx2::L2Sqr);
    EXPECT_EQ(k.dot_sq8, &avx2::DotSq8);
  }
#endif
}

TEST(Dispatch, NeonLevelFollowsTheCpu) {
  const Kernels& k = KernelsFor(SimdLevel::kNeon);
  EXPECT_EQ(k.level, GetCpuFeatures().neon ? SimdLevel::kNeon : SimdLevel::kScalar);
#if defined(__aarch64__)
  EXPECT_TRUE(GetCpuFeatures().neon);  // every AArch64 Linux CPU has Advanced SIMD
  EXPECT_EQ(k.l2sqr, &neon::L2Sqr);
  EXPECT_EQ(k.dot_sq8, &neon::DotSq8);
#else
  EXPECT_FALSE(GetCpuFeatures().neon);
#endif
}

TEST(Dispatch, EveryFieldIsSet) {
  for (const Kernels* k : {&Scalar(), &Simd()}) {
    EXPECT_NE(k->l2sqr, nullptr);
    EXPECT_NE(k->dot, nullptr);
    EXPECT_NE(k->cosine, nullptr);
    EXPECT_NE(k->l2sqr_batch, nullptr);
    EXPECT_NE(k->dot_batch, nullptr);
    EXPECT_NE(k->cosine_batch, nullptr);
    EXPECT_NE(k->l2sqr_f16, nullptr);
    EXPECT_NE(k->dot_f16, nullptr);
    EXPECT_NE(k->cosine_f16, nullptr);
    EXPECT_NE(k->l2sqr_f16_batch, nullptr);
    EXPECT_NE(k->dot_f16_batch, nullptr);
    EXPECT_NE(k->l2sqr_i8, nullptr);
    EXPECT_NE(k->dot_i8, nullptr);
    EXPECT_NE(k->l2sqr_i8_batch, nullptr);
    EXPECT_NE(k->dot_i8_batch, nullptr);
    EXPECT_NE(k->hamming, nullptr);
    EXPECT_NE(k->hamming_batch, nullptr);
    EXPECT_NE(k->l2sqr_sq8, nullptr);
    EXPECT_NE(k->dot_sq8, nullptr);
    EXPECT_NE(k->l2sqr_sq8_batch, nullptr);
    EXPECT_NE(k->dot_sq8_batch, nullptr);
    EXPECT_NE(k->half_to_float, nullptr);
    EXPECT_NE(k->float_to_half, nullptr);
    EXPECT_NE(k->select_below, nullptr);
  }
}

// Every length 0..300 (odd tails), with and without norms, thresholds that keep none, some and
// all rows: the SIMD selection equals the scalar one exactly (same rows, same distances).
TEST(SelectBelow, SimdEqualsScalar) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-2, 2);
  for (size_t n = 0; n <= kMaxDim; ++n) {
    std::vector<float> dots(n), norms(n);
    for (size_t i = 0; i < n; ++i) {
      dots[i] = u(rng);
      norms[i] = u(rng) + 2;
    }
    for (bool with_norms : {false, true}) {
      for (float t : {-100.0f, -0.5f, 0.0f, 1.0f, 100.0f}) {
        std::vector<uint32_t> idx_s(n), idx_a(n);
        std::vector<float> d_s(n), d_a(n);
        const float* nn = with_norms ? norms.data() : nullptr;
        size_t ms = Scalar().select_below(dots.data(), nn, n, t, idx_s.data(), d_s.data());
        size_t ma = Simd().select_below(dots.data(), nn, n, t, idx_a.data(), d_a.data());
        ASSERT_EQ(ms, ma) << "n " << n << " t " << t;
        for (size_t i = 0; i < ms; ++i) {
          ASSERT_EQ(idx_s[i], idx_a[i]);
          ASSERT_EQ(d_s[i], d_a[i]);
          const float want = with_norms ? norms[idx_s[i]] - 2 * dots[idx_s[i]] : -dots[idx_s[i]];
          ASSERT_EQ(d_s[i], want);
          ASSERT_LT(d_s[i], t);
        }
        size_t expected = 0;
        for (size_t i = 0; i < n; ++i) {
          expected += (with_norms ? norms[i] - 2 * dots[i] : -dots[i]) < t;
        }
        ASSERT_EQ(ms, expected);
      }
    }
  }
}

TEST(Dispatch, ActiveMatchesActiveSimdLevel) {
  EXPECT_EQ(&Active(), &KernelsFor(ActiveSimdLevel()));
}

// ActiveSimdLevel() caches its answer, so the environment variable is tested in a fresh process:
// the "threadsafe" death-test style re-executes this binary for just this test.
TEST(DispatchDeathTest, EnvironmentCanForceScalar) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("RAGDB_SIMD", "scalar", 1);
        const bool ok = ActiveSimdLevel() == SimdLevel::kScalar &&
                        Active().level == SimdLevel::kScalar && Active().l2sqr == &scalar::L2Sqr;
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace ragdb::simd
