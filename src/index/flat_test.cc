#include "index/flat.h"

#include <gtest/gtest.h>

#include <random>

#include "index/kernels.h"
#include "index/test_util.h"

namespace ragdb::index {
namespace {

constexpr size_t kN = 2000, kD = 40, kK = 10;

TEST(Flat, Float32IsExact) {
  for (Metric m : {Metric::kL2, Metric::kIp, Metric::kCosine}) {
    auto s = testing::MakeData(kN, 20, kD, 10, 41, m == Metric::kCosine);
    auto f = FlatIndex::Create(m, ElementType::kFloat32, kD, s.x.data(), kN);
    ASSERT_TRUE(f.ok());
    for (size_t i = 0; i < 20; ++i) {
      auto got = (*f)->Search(&s.q[i * kD], kK, {}, nullptr);
      EXPECT_EQ(testing::Recall(got, testing::BruteForce(m, s.x, kD, &s.q[i * kD], kK)), 1.0);
    }
  }
}

TEST(Flat, Float16AndInt8) {
  auto s = testing::MakeData(kN, 20, kD, 10, 42);
  std::vector<uint16_t> half(s.x.size());
  for (size_t i = 0; i < s.x.size(); ++i) half[i] = FloatToHalf(s.x[i]);
  // int8 rows: the data scaled to integers; the exact answer is computed on the same integers.
  std::vector<int8_t> i8(s.x.size());
  std::vector<float> i8f(s.x.size());
  for (size_t i = 0; i < s.x.size(); ++i) {
    i8[i] = static_cast<int8_t>(std::clamp(std::lround(s.x[i] * 12), -127l, 127l));
    i8f[i] = i8[i];
  }
  for (Metric m : {Metric::kL2, Metric::kIp, Metric::kCosine}) {
    auto fh = FlatIndex::Create(m, ElementType::kFloat16, kD, half.data(), kN);
    auto fi = FlatIndex::Create(m, ElementType::kInt8, kD, i8.data(), kN);
    ASSERT_TRUE(fh.ok() && fi.ok());
    double rh = 0, ri = 0;
    for (size_t i = 0; i < 20; ++i) {
      const float* q = &s.q[i * kD];
      std::vector<float> qs(q, q + kD);
      for (float& v : qs) v *= 12;
      // Reference for cosine over non-unit rows: normalize copies.
      auto ref = [&](const std::vector<float>& rows, const float* qq) {
        if (m != Metric::kCosine) return testing::BruteForce(m, rows, kD, qq, kK);
        std::vector<float> unit = rows;
        for (size_t r = 0; r < kN; ++r) {
          double n2 = 0;
          for (size_t j = 0; j < kD; ++j) n2 += double(unit[r * kD + j]) * unit[r * kD + j];
          for (size_t j = 0; j < kD; ++j)
            unit[r * kD + j] = float(unit[r * kD + j] / std::sqrt(n2));
        }
        return testing::BruteForce(m, unit, kD, qq, kK);
      };
      rh += testing::Recall((*fh)->Search(q, kK, {}, nullptr), ref(s.x, q));
      ri += testing::Recall((*fi)->Search(qs.data(), kK, {}, nullptr), ref(i8f, qs.data()));
    }
    EXPECT_GE(rh / 20, 0.97) << int(m);  // half precision may swap near ties
    EXPECT_GE(ri / 20, 0.99) << int(m);
  }
}

TEST(Flat, BinaryHamming) {
  constexpr size_t bits = 100, bytes = 13;
  std::mt19937_64 rng(43);
  std::vector<uint8_t> rows(kN * bytes);
  for (auto& b : rows) b = static_cast<uint8_t>(rng());
  for (size_t r = 0; r < kN; ++r) rows[r * bytes + 12] &= 0x0f;  // bits 100..103 unused
  auto f = FlatIndex::Create(Metric::kL2, ElementType::kBinary, bits, rows.data(), kN);
  ASSERT_TRUE(f.ok());
  const uint8_t* q = &rows[5 * bytes];
  auto got = (*f)->SearchBinary(q, kK);
  ASSERT_EQ(got.size(), kK);
  EXPECT_EQ(got[0].row, 5u);
  EXPECT_EQ(got[0].distance, 0.0f);
  for (const Neighbor& nb : got) {
    uint32_t h = 0;
    for (size_t j = 0; j < bytes; ++j) h += std::popcount(uint8_t(q[j] ^ rows[nb.row * bytes + j]));
    EXPECT_EQ(float(h), nb.distance);
  }
  // Float queries are binarized by sign.
  std::vector<float> fq(bits);
  for (size_t j = 0; j < bits; ++j) fq[j] = (q[j / 8] >> (j % 8)) & 1 ? 1.0f : -1.0f;
  EXPECT_EQ((*f)->Search(fq.data(), kK, {}, nullptr), got);
  // Round trip.
  std::string blob;
  ASSERT_TRUE((*f)->Serialize(&blob).ok());
  auto g = FlatIndex::Open(blob, rows.data(), kN);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->SearchBinary(q, kK), got);
}

TEST(Kernels, AvxMatchesScalar) {
  std::mt19937_64 rng(44);
  std::normal_distribution<float> g(0, 1);
  const IndexKernels& a = Kernels();
  const IndexKernels& s = ScalarKernels();
  for (size_t d : {1, 7, 8, 15, 16, 33, 128, 1023}) {
    std::vector<float> x(d), y(d), sc(d);
    std::vector<uint8_t> code(d);
    std::vector<uint16_t> h(d);
    std::vector<int8_t> i8(d);
    for (size_t j = 0; j < d; ++j) {
      x[j] = g(rng);
      y[j] = g(rng);
      sc[j] = std::fabs(g(rng)) * 0.01f;
      code[j] = uint8_t(rng());
      h[j] = FloatToHalf(y[j]);
      i8[j] = int8_t(rng());
    }
    auto near = [&](float u, float v) { EXPECT_NEAR(u, v, 1e-3 * (1 + std::fabs(v))) << d; };
    near(a.l2(x.data(), y.data(), d), s.l2(x.data(), y.data(), d));
    near(a.dot(x.data(), y.data(), d), s.dot(x.data(), y.data(), d));
    near(a.sq8_l2(x.data(), code.data(), sc.data(), d),
         s.sq8_l2(x.data(), code.data(), sc.data(), d));
    near(a.sq8_dot(x.data(), code.data(), d), s.sq8_dot(x.data(), code.data(), d));
    near(a.f16_l2(x.data(), h.data(), d), s.f16_l2(x.data(), h.data(), d));
    near(a.f16_dot(x.data(), h.data(), d), s.f16_dot(x.data(), h.data(), d));
    near(a.i8_l2(x.data(), i8.data(), d), s.i8_l2(x.data(), i8.data(), d));
    near(a.i8_dot(x.data(), i8.data(), d), s.i8_dot(x.data(), i8.data(), d));
    EXPECT_EQ(a.hamming(code.data(), reinterpret_cast<uint8_t*>(i8.data()), d),
              s.hamming(code.data(), reinterpret_cast<uint8_t*>(i8.data()), d));
  }
  for (float v : {0.0f, -0.0f, 1.0f, 65504.0f, 1e-7f, 3.14159f, -2.5e-5f})
    EXPECT_EQ(HalfToFloat(FloatToHalf(v)), HalfToFloat(FloatToHalf(HalfToFloat(FloatToHalf(v)))));
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.5f)), 1.5f);
  EXPECT_EQ(FloatToHalf(65536.0f), 0x7c00);
}

}  // namespace
}  // namespace ragdb::index
