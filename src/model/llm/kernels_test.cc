// The quantized dot products: for every weight type and many row lengths the scalar kernel
// equals a plain f64 dot of the dequantized weights and activations, the AVX2 kernel equals the
// scalar one (same int32 block sums; only f32 addition order differs), and a row computed among
// four activation rows equals the same row computed alone, bit for bit (speculative decoding
// relies on batched and single-token passes giving the same logits).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "model/llm/quant_kernels.h"
#include "simd/half.h"

namespace ragdb::model::llm {
namespace {

void PutHalf(uint8_t* p, float v) {
  uint16_t h = simd::FloatToHalfBits(v);
  std::memcpy(p, &h, 2);
}

// A random row of `type` with sane scale fields (random bytes elsewhere, so every code and
// every packed scale pattern occurs).
std::vector<uint8_t> RandomRow(GgmlType type, size_t n, std::mt19937& rng) {
  const TypeTraits tr = Traits(type);
  std::vector<uint8_t> row(n / tr.block_elems * tr.block_bytes);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : row) b = static_cast<uint8_t>(byte(rng));
  std::uniform_real_distribution<float> scale(0.001f, 0.05f), val(-2.0f, 2.0f);
  for (size_t b = 0; b < n / tr.block_elems; ++b) {
    uint8_t* blk = row.data() + b * tr.block_bytes;
    switch (type) {
      case GgmlType::kF32: {
        const float v = val(rng);
        std::memcpy(blk, &v, 4);
        break;
      }
      case GgmlType::kF16:
        PutHalf(blk, val(rng));
        break;
      case GgmlType::kBF16: {
        float v = val(rng);
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        uint16_t h = static_cast<uint16_t>(bits >> 16);
        std::memcpy(blk, &h, 2);
        break;
      }
      case GgmlType::kQ8_0:
      case GgmlType::kQ4_0:
        PutHalf(blk, scale(rng));
        break;
      case GgmlType::kQ4_K:
      case GgmlType::kQ5_K:
        PutHalf(blk, scale(rng));
        PutHalf(blk + 2, scale(rng));
        break;
      case GgmlType::kQ6_K:
        PutHalf(blk + 208, scale(rng));
        break;
    }
  }
  return row;
}

const GgmlType kTypes[] = {GgmlType::kF32,  GgmlType::kF16,  GgmlType::kBF16, GgmlType::kQ8_0,
                           GgmlType::kQ4_0, GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K};

TEST(LlmKernels, QuantizeQ8MatchesScalarExactly) {
  const LlmKernels* avx2 = Avx2LlmKernels();
  if (!avx2) GTEST_SKIP() << "no AVX2";
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0, 3);
  for (size_t n = 32; n <= 2048; n += 32) {
    std::vector<float> x(n);
    for (auto& v : x) v = nd(rng);
    if (n == 64) std::fill(x.begin(), x.begin() + 32, 0.0f);  // an all-zero block
    std::vector<Q8Block> a(n / 32), s(n / 32);
    avx2->quantize_q8(x.data(), n, a.data());
    ScalarLlmKernels().quantize_q8(x.data(), n, s.data());
    for (size_t b = 0; b < n / 32; ++b) {
      ASSERT_EQ(a[b].d, s[b].d);
      ASSERT_EQ(a[b].sum, s[b].sum);
      ASSERT_EQ(0, std::memcmp(a[b].q, s[b].q, 32)) << "n=" << n << " block " << b;
      // Round trip within half a step.
      for (int i = 0; i < 32; ++i) {
        ASSERT_LE(std::fabs(s[b].d * s[b].q[i] - x[b * 32 + i]), s[b].d * 0.5f + 1e-6f);
      }
    }
  }
}

TEST(LlmKernels, EveryTypeMatchesDequantizedReferenceAndAvx2MatchesScalar) {
  const LlmKernels& scalar = ScalarLlmKernels();
  const LlmKernels* avx2 = Avx2LlmKernels();
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0, 1);
  for (GgmlType type : kTypes) {
    const size_t block = Traits(type).block_elems;
    std::vector<size_t> lengths;
    if (block == 1) {
      for (size_t n = 1; n <= 300; ++n) lengths.push_back(n);  // every tail of the float kernels
    } else {
      for (size_t n = std::max<size_t>(block, 32); n <= 2048; n += std::max<size_t>(block, 32)) {
        lengths.push_back(n);
      }
    }
    for (size_t n : lengths) {
      const std::vector<uint8_t> w = RandomRow(type, n, rng);
      std::vector<float> wf(n);
      DequantizeRow(type, w.data(), n, wf.data());
      // Four activation rows, as f32 and as Q8 blocks.
      const size_t nq = (n + 31) / 32 * 32;
      std::vector<float> x(4 * nq, 0.0f);
      for (size_t j = 0; j < 4; ++j) {
        for (size_t i = 0; i < n; ++i) x[j * nq + i] = nd(rng);
      }
      const bool q8 = UsesQ8Activations(type);
      std::vector<Q8Block> xq(4 * nq / 32);
      if (q8) {
        for (size_t j = 0; j < 4; ++j) scalar.quantize_q8(&x[j * nq], nq, &xq[j * nq / 32]);
      }
      const void* xs = q8 ? static_cast<const void*>(xq.data()) : x.data();
      const size_t stride = q8 ? nq / 32 * sizeof(Q8Block) : nq * sizeof(float);
      float s4[4], a4[4];
      scalar.DotFor(type)(w.data(), xs, stride, 4, n, s4);
      for (int j = 0; j < 4; ++j) {
        double ref = 0, mag = 0;
        for (size_t i = 0; i < n; ++i) {
          const double xi = q8 ? static_cast<double>(xq[j * nq / 32 + i / 32].d) *
                                     xq[j * nq / 32 + i / 32].q[i % 32]
                               : x[j * nq + i];
          ref += static_cast<double>(wf[i]) * xi;
          mag += std::fabs(static_cast<double>(wf[i]) * xi);
        }
        ASSERT_NEAR(s4[j], ref, 1e-5 * mag + 1e-6)
            << Traits(type).name << " n=" << n << " row " << j;
      }
      if (!avx2) continue;
      for (int nx = 1; nx <= 4; ++nx) {
        avx2->DotFor(type)(w.data(), xs, stride, nx, n, a4);
        for (int j = 0; j < nx; ++j) {
          ASSERT_NEAR(a4[j], s4[j], 1e-5 * (std::fabs(s4[j]) + 1.0) + 1e-4 * std::sqrt(n) * 0.01)
              << Traits(type).name << " n=" << n << " nx=" << nx;
        }
        // The same row alone gives the same bits.
        for (int j = 0; j < nx; ++j) {
          float one;
          avx2->DotFor(type)(w.data(), static_cast<const uint8_t*>(xs) + j * stride, stride, 1, n,
                             &one);
          ASSERT_EQ(one, a4[j]) << Traits(type).name << " n=" << n;
        }
      }
    }
  }
}

TEST(LlmKernels, DotAndAxpyMatchScalar) {
  const LlmKernels* avx2 = Avx2LlmKernels();
  if (!avx2) GTEST_SKIP() << "no AVX2";
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0, 1);
  for (size_t n = 1; n <= 300; ++n) {
    std::vector<float> a(n), b(n), y1(n), y2(n);
    for (size_t i = 0; i < n; ++i) a[i] = nd(rng), b[i] = nd(rng), y1[i] = y2[i] = nd(rng);
    EXPECT_NEAR(avx2->dot(a.data(), b.data(), n), ScalarLlmKernels().dot(a.data(), b.data(), n),
                1e-4 * std::sqrt(static_cast<double>(n)));
    avx2->axpy(0.37f, a.data(), y1.data(), n);
    ScalarLlmKernels().axpy(0.37f, a.data(), y2.data(), n);
    for (size_t i = 0; i < n; ++i) ASSERT_NEAR(y1[i], y2[i], 1e-6);
  }
}

TEST(LlmKernels, UnsupportedTypesAreNamed) {
  auto t = TraitsOf(3);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("Q4_1"), std::string::npos);
  EXPECT_FALSE(TraitsOf(12345).ok());
}

}  // namespace
}  // namespace ragdb::model::llm
