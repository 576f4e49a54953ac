// Distances to compact rows (float16, int8, uint8, binary): the AVX2 / F16C / POPCNT kernels
// against the scalar ones for every dimension 1..300, TypedDistance against a decoded reference,
// and HNSW built over compact rows (serialized, reopened, recall against exact search).
#include "index/typed_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "index/hnsw.h"
#include "index/test_util.h"
#include "simd/elements.h"

namespace ragdb::index {
namespace {

// Row-sized buffers whose last byte is the row's last byte: an over-read shows up under ASan, and
// odd sizes exercise every tail length.
TEST(TypedKernels, SimdEqualsScalarForEveryDimension) {
  const IndexKernels& a = Kernels();
  const IndexKernels& s = ScalarKernels();
  if (!a.simd) GTEST_SKIP() << "CPU lacks AVX2/FMA/F16C (x86-64) or NEON (aarch64)";
  std::mt19937 rng(21);
  std::normal_distribution<float> g(0, 1);
  for (size_t d = 1; d <= 300; ++d) {
    std::vector<float> q(d), y(d), scale(d);
    std::vector<uint16_t> h(d);
    std::vector<int8_t> i8(d);
    std::vector<uint8_t> u8(d), bits_a((d + 7) / 8), bits_b((d + 7) / 8);
    double mag_f16 = 0, mag_i8 = 0, mag_u8 = 0, mag_f32 = 0, mag_sq8 = 0;
    for (size_t j = 0; j < d; ++j) {
      q[j] = g(rng);
      y[j] = g(rng);
      scale[j] = 0.01f + std::fabs(g(rng)) * 0.02f;
      h[j] = FloatToHalf(y[j]);
      i8[j] = static_cast<int8_t>(rng());
      u8[j] = static_cast<uint8_t>(rng());
      mag_f16 += std::fabs(q[j] * HalfToFloat(h[j])) + (q[j] - y[j]) * (q[j] - y[j]);
      mag_i8 += std::fabs(q[j] * i8[j]) + (q[j] - i8[j]) * (q[j] - i8[j]);
      mag_u8 += std::fabs(q[j] * u8[j]) + (q[j] - u8[j]) * (q[j] - u8[j]);
      mag_f32 += std::fabs(q[j] * y[j]) + (q[j] - y[j]) * (q[j] - y[j]);
      const float t = q[j] - u8[j] * scale[j];
      mag_sq8 += std::fabs(q[j] * u8[j]) + t * t;
    }
    for (auto& b : bits_a) b = static_cast<uint8_t>(rng());
    for (auto& b : bits_b) b = static_cast<uint8_t>(rng());
    // Summation order differs between the paths: allow ~80 float epsilons of the magnitude.
    auto near = [&](float x, float y, double mag, const char* what) {
      EXPECT_NEAR(x, y, 1e-5 * mag + 1e-6) << what << " d=" << d;
    };
    near(a.l2(q.data(), y.data(), d), s.l2(q.data(), y.data(), d), mag_f32, "l2");
    near(a.dot(q.data(), y.data(), d), s.dot(q.data(), y.data(), d), mag_f32, "dot");
    // SQ8 with a prepared query (qs = q - vmin for l2, q * scale for dot): codes are u8.
    near(a.sq8_l2(q.data(), u8.data(), scale.data(), d),
         s.sq8_l2(q.data(), u8.data(), scale.data(), d), mag_sq8, "sq8_l2");
    near(a.sq8_dot(q.data(), u8.data(), d), s.sq8_dot(q.data(), u8.data(), d), mag_sq8, "sq8_dot");
    near(a.f16_l2(q.data(), h.data(), d), s.f16_l2(q.data(), h.data(), d), mag_f16, "f16_l2");
    near(a.f16_dot(q.data(), h.data(), d), s.f16_dot(q.data(), h.data(), d), mag_f16, "f16_dot");
    near(a.i8_l2(q.data(), i8.data(), d), s.i8_l2(q.data(), i8.data(), d), mag_i8, "i8_l2");
    near(a.i8_dot(q.data(), i8.data(), d), s.i8_dot(q.data(), i8.data(), d), mag_i8, "i8_dot");
    near(a.u8_l2(q.data(), u8.data(), d), s.u8_l2(q.data(), u8.data(), d), mag_u8, "u8_l2");
    near(a.u8_dot(q.data(), u8.data(), d), s.u8_dot(q.data(), u8.data(), d), mag_u8, "u8_dot");
    EXPECT_EQ(a.hamming(bits_a.data(), bits_b.data(), bits_a.size()),
              s.hamming(bits_a.data(), bits_b.data(), bits_a.size()))
        << d;
  }
}

std::vector<float> RandomFor(ElementType t, size_t n, std::mt19937& rng) {
  std::vector<float> v(n);
  for (float& x : v) {
    switch (t) {
      case ElementType::kInt8:
        x = float(std::uniform_int_distribution<int>(-128, 127)(rng));
        break;
      case ElementType::kUint8:
        x = float(std::uniform_int_distribution<int>(0, 255)(rng));
        break;
      case ElementType::kBinary:
        x = float(rng() & 1);
        break;
      default:
        x = std::normal_distribution<float>(0, 1)(rng);
    }
  }
  return v;
}

TEST(TypedRows, DistanceEqualsDecodedReference) {
  std::mt19937 rng(4);
  const ElementType kTypes[] = {ElementType::kFloat32, ElementType::kFloat16, ElementType::kInt8,
                                ElementType::kUint8, ElementType::kBinary};
  for (ElementType t : kTypes) {
    for (Metric m : {Metric::kL2, Metric::kIp, Metric::kCosine, Metric::kHamming}) {
      if ((t == ElementType::kBinary) != (m == Metric::kHamming)) continue;
      for (size_t d : {1, 7, 33, 100}) {
        const size_t n = 20;
        std::vector<float> x = RandomFor(t, n * d, rng);
        if (m == Metric::kCosine && t == ElementType::kFloat32) {
          for (size_t r = 0; r < n; ++r) {
            double s = 0;
            for (size_t j = 0; j < d; ++j) s += double(x[r * d + j]) * x[r * d + j];
            for (size_t j = 0; j < d; ++j) x[r * d + j] = float(x[r * d + j] / std::sqrt(s));
          }
        }
        TypedRows rows;
        rows.type = t;
        rows.metric = m;
        rows.dim = uint32_t(d);
        rows.row_bytes = simd::ElementRowBytes(t, d);
        std::vector<uint8_t> data(n * rows.row_bytes);
        for (size_t r = 0; r < n; ++r)
          simd::EncodeElements(t, &x[r * d], d, &data[r * rows.row_bytes]);
        rows.data = data.data();
        std::vector<float> inv;
        if (NeedsInverseNorms(t, m)) {
          ComputeInverseNorms(rows, 0, n, &inv);
          rows.inv_norms = inv.data();
        }
        std::vector<float> query =
            RandomFor(t == ElementType::kBinary ? t : ElementType::kFloat32, d, rng);
        TypedQuery tq;
        PrepareTypedQuery(rows, query.data(), &tq);
        for (size_t r = 0; r < n; ++r) {
          std::vector<float> dec(d);
          simd::DecodeElements(t, rows.row(r), d, dec.data());
          double dot = 0, l2 = 0, nq = 0, nx = 0, ham = 0;
          for (size_t j = 0; j < d; ++j) {
            dot += double(query[j]) * dec[j];
            l2 += (double(query[j]) - dec[j]) * (double(query[j]) - dec[j]);
            nq += double(query[j]) * query[j];
            nx += double(dec[j]) * dec[j];
            ham += query[j] != dec[j];
          }
          double want = m == Metric::kL2        ? l2
                        : m == Metric::kIp      ? -dot
                        : m == Metric::kHamming ? ham
                                                : (nx > 0 ? -dot / std::sqrt(nq * nx) : 0);
          if (m == Metric::kCosine && t == ElementType::kFloat16) want = -dot / std::sqrt(nq);
          double got = TypedDistance(Kernels(), rows, tq, r);
          EXPECT_NEAR(got, want, 1e-4 * (1 + std::fabs(want) + std::sqrt(l2)))
              << "type " << int(t) << " metric " << int(m) << " d=" << d << " row " << r;
        }
      }
    }
  }
}

// The recall of HNSW over compact rows against exact search over the same rows.
TEST(TypedRows, HnswOverCompactRowsReachesRecallAfterReopen) {
  struct Case {
    ElementType type;
    Metric metric;
  };
  for (Case c :
       {Case{ElementType::kFloat16, Metric::kL2}, Case{ElementType::kFloat16, Metric::kIp},
        Case{ElementType::kInt8, Metric::kL2}, Case{ElementType::kInt8, Metric::kCosine},
        Case{ElementType::kUint8, Metric::kIp}, Case{ElementType::kBinary, Metric::kHamming}}) {
    const size_t n = 4000, d = c.type == ElementType::kBinary ? 256 : 32;
    std::vector<float> x = testing::Clustered(n, d, 20, 7);
    if (c.type == ElementType::kInt8 || c.type == ElementType::kUint8 ||
        c.type == ElementType::kBinary) {
      for (float& v : x) {
        v = c.type == ElementType::kBinary ? (v > 0 ? 1.0f : 0.0f)
            : c.type == ElementType::kInt8 ? std::clamp(std::round(v * 20), -128.0f, 127.0f)
                                           : std::clamp(std::round(v * 20 + 128), 0.0f, 255.0f);
      }
    }
    const size_t rb = simd::ElementRowBytes(c.type, d);
    std::vector<uint8_t> rows(n * rb);
    for (size_t r = 0; r < n; ++r) simd::EncodeElements(c.type, &x[r * d], d, &rows[r * rb]);
    IndexConfig config;
    config.kind = IndexKind::kHnsw;
    config.metric = c.metric;
    config.dim = uint32_t(d);
    config.element_type = c.type;
    auto built = BuildIndex(config, rows.data(), n);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    std::string blob;
    ASSERT_TRUE((*built)->Serialize(&blob).ok());
    auto opened = OpenIndex(blob, rows.data(), n);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ((*opened)->element_type(), c.type);
    std::mt19937 rng(1);
    size_t hit = 0, total = 0;
    for (int t = 0; t < 100; ++t) {
      const float* q = &x[(rng() % n) * d];  // a stored row, perturbed below (not for binary)
      std::vector<float> query(q, q + d);
      if (c.type != ElementType::kBinary) {
        for (float& v : query) v += std::normal_distribution<float>(0, 0.5f)(rng);
      } else {
        for (int flip = 0; flip < 20; ++flip) {
          size_t j = rng() % d;
          query[j] = 1 - query[j];
        }
      }
      SearchParams p;
      p.ef = 100;
      auto approx = (*opened)->Search(query.data(), 10, p, nullptr);
      Bitset all(n);
      all.Flip();
      p.filter = FilterStrategy::kExact;  // the exact scan over the same compact rows
      auto exact = (*opened)->Search(query.data(), 10, p, &all);
      ASSERT_EQ(exact.size(), 10u);
      std::set<uint32_t> truth;
      for (const auto& e : exact) truth.insert(e.row);
      for (const auto& a : approx) hit += truth.count(a.row) || a.distance <= exact.back().distance;
      total += 10;
    }
    double recall = double(hit) / double(total);
    EXPECT_GE(recall, 0.95) << "type " << int(c.type) << " metric " << int(c.metric);
  }
}

}  // namespace
}  // namespace ragdb::index
