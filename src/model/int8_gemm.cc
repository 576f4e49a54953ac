#include "model/int8_gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>

#include "model/quantize.h"

namespace ragdb::model {
namespace {

constexpr size_t kPanel = PackedInt8Weights::kPanel;
constexpr size_t kGroupBytes = 4 * kPanel;  // one k group of one panel
// Rows per register tile: 4 rows x 16 channels = 8 int32 accumulators, plus 2 weight vectors and
// the broadcast row bytes, fit the 16 ymm registers without spilling.
constexpr size_t kMr = 4;
// Rows quantized and multiplied as one block: 64 rows of up to 3072 bytes stay in L2 while every
// weight panel passes over them.
constexpr size_t kRowBlock = 64;
// int32 accumulators hold k * 255 * 63 < 2^31 up to k ~ 133000; refuse far before that.
constexpr size_t kMaxK = 1 << 16;

// Activations of a block of rows, quantized.
struct QuantRows {
  const uint8_t* a = nullptr;
  size_t lda = 0;
  const float* scale = nullptr;
  const int32_t* zero_point = nullptr;
};

// ---- tile kernels: acc[mr x 16] = rows a[0..mr) times one weight panel ----------------------

void TileScalar(const uint8_t* a, size_t lda, size_t mr, const int8_t* panel, size_t groups,
                int32_t* acc) {
  std::fill_n(acc, kMr * kPanel, 0);
  for (size_t g = 0; g < groups; ++g) {
    const int8_t* wg = panel + g * kGroupBytes;
    for (size_t r = 0; r < mr; ++r) {
      const uint8_t* ar = a + r * lda + 4 * g;
      for (size_t c = 0; c < kPanel; ++c) {
        const int8_t* wc = wg + c * 4;  // channels 8-15 follow 0-7: c * 4 covers both halves
        acc[r * kPanel + c] += ar[0] * wc[0] + ar[1] * wc[1] + ar[2] * wc[2] + ar[3] * wc[3];
      }
    }
  }
}

#if defined(__x86_64__)
template <size_t MR>
__attribute__((target("avx2"))) void TileAvx2(const uint8_t* a, size_t lda, const int8_t* panel,
                                              size_t groups, int32_t* acc) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i lo[MR], hi[MR];
#pragma GCC unroll 4
  for (size_t r = 0; r < MR; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
#pragma GCC unroll 2
  for (size_t g = 0; g < groups; ++g) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + g * 64));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + g * 64 + 32));
#pragma GCC unroll 4
    for (size_t r = 0; r < MR; ++r) {
      int32_t four;
      std::memcpy(&four, a + r * lda + 4 * g, 4);
      const __m256i x = _mm256_set1_epi32(four);
      // maddubs: u8 x s8 pairs into int16 (cannot saturate with 7-bit weights); madd with ones:
      // the two int16 of each channel into its int32 lane.
      lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w0), ones));
      hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w1), ones));
    }
  }
  for (size_t r = 0; r < MR; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kPanel), lo[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kPanel + 8), hi[r]);
  }
  for (size_t r = MR; r < kMr; ++r) std::fill_n(acc + r * kPanel, kPanel, 0);
}

__attribute__((target("avx2"))) void TileAvx2Dispatch(const uint8_t* a, size_t lda, size_t mr,
                                                      const int8_t* panel, size_t groups,
                                                      int32_t* acc) {
  switch (mr) {
    case 4:
      return TileAvx2<4>(a, lda, panel, groups, acc);
    case 3:
      return TileAvx2<3>(a, lda, panel, groups, acc);
    case 2:
      return TileAvx2<2>(a, lda, panel, groups, acc);
    default:
      return TileAvx2<1>(a, lda, panel, groups, acc);
  }
}
#endif  // __x86_64__

// ---- dequantization: y = (acc - zp_row * colsum) * scale_row * scale_channel -----------------

void DequantScalar(const int32_t* acc, size_t mr, size_t nv, const QuantRows& x, size_t row,
                   const float* wscale, const int32_t* colsum, float* y, size_t ldy) {
  for (size_t r = 0; r < mr; ++r) {
    const float sx = x.scale[row + r];
    const int32_t zp = x.zero_point[row + r];
    for (size_t c = 0; c < nv; ++c) {
      y[r * ldy + c] = static_cast<float>(acc[r * kPanel + c] - zp * colsum[c]) * (sx * wscale[c]);
    }
  }
}

#if defined(__x86_64__)
// The same arithmetic as DequantScalar, eight channels at a time (identical results).
__attribute__((target("avx2"))) void DequantAvx2(const int32_t* acc, size_t mr, const QuantRows& x,
                                                 size_t row, const float* wscale,
                                                 const int32_t* colsum, float* y, size_t ldy) {
  for (size_t r = 0; r < mr; ++r) {
    const __m256 sx = _mm256_set1_ps(x.scale[row + r]);
    const __m256i zp = _mm256_set1_epi32(x.zero_point[row + r]);
    for (size_t c = 0; c < kPanel; c += 8) {
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + r * kPanel + c));
      __m256i cs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(colsum + c));
      v = _mm256_sub_epi32(v, _mm256_mullo_epi32(zp, cs));
      __m256 s = _mm256_mul_ps(sx, _mm256_loadu_ps(wscale + c));
      _mm256_storeu_ps(y + r * ldy + c, _mm256_mul_ps(_mm256_cvtepi32_ps(v), s));
    }
  }
}
#endif  // __x86_64__ (other targets: the scalar tile, which -O2 vectorizes)

// Rows [0, m) of `x` times panels [p0, p1) of `w`, as int32 into `c` (ldc) or as dequantized
// floats into `y` (ldy): exactly one of the two is non-null.
void RunPanels(const QuantRows& x, size_t m, const PackedInt8Weights& w, size_t p0, size_t p1,
               bool avx2, int32_t* c, float* y, size_t ld) {
  const size_t groups = w.k_pad / 4;
  alignas(32) int32_t acc[kMr * kPanel];
  for (size_t p = p0; p < p1; ++p) {
    const int8_t* panel = w.data.data() + p * groups * kGroupBytes;
    const size_t j0 = p * kPanel;
    const size_t nv = std::min(kPanel, w.n - j0);
    for (size_t r = 0; r < m; r += kMr) {
      const size_t mr = std::min(kMr, m - r);
      const uint8_t* a = x.a + r * x.lda;
#if defined(__x86_64__)
      if (avx2) {
        TileAvx2Dispatch(a, x.lda, mr, panel, groups, acc);
      } else {
        TileScalar(a, x.lda, mr, panel, groups, acc);
      }
#else
      (void)avx2;  // UseInt8Avx2() is false off x86-64
      TileScalar(a, x.lda, mr, panel, groups, acc);
#endif
      if (c != nullptr) {
        for (size_t i = 0; i < mr; ++i) std::copy_n(acc + i * kPanel, nv, c + (r + i) * ld + j0);
#if defined(__x86_64__)
      } else if (avx2 && nv == kPanel) {
        DequantAvx2(acc, mr, x, r, &w.scale[j0], &w.col_sum[j0], y + r * ld + j0, ld);
#endif
      } else {
        DequantScalar(acc, mr, nv, x, r, &w.scale[j0], &w.col_sum[j0], y + r * ld + j0, ld);
      }
    }
  }
}

// Per-thread buffers for quantized activation rows.
struct Scratch {
  std::vector<uint8_t> q;
  std::vector<float> scale;
  std::vector<int32_t> zero_point;

  QuantRows Quantize(const float* x, size_t m, size_t k, size_t k_pad) {
    q.resize(m * k_pad);
    scale.resize(m);
    zero_point.resize(m);
    for (size_t i = 0; i < m; ++i) {
      uint8_t* row = q.data() + i * k_pad;
      RowQuant rq = QuantizeRowU8(x + i * k, k, row);
      std::fill(row + k, row + k_pad, uint8_t{0});
      scale[i] = rq.scale;
      zero_point[i] = rq.zero_point;
    }
    return {q.data(), k_pad, scale.data(), zero_point.data()};
  }
};

}  // namespace

Result<PackedInt8Weights> PackInt8Weights(const int8_t* q, const float* scale, size_t n, size_t k) {
  if (k > kMaxK) {
    return Status::InvalidArgument("int8 weights: inner dimension " + std::to_string(k) +
                                   " is too large");
  }
  PackedInt8Weights w;
  w.n = n;
  w.k = k;
  w.k_pad = (k + 3) / 4 * 4;
  const size_t groups = w.k_pad / 4;
  w.data.assign(w.panels() * groups * kGroupBytes, 0);
  w.scale.assign(w.panels() * kPanel, 0.0f);
  w.col_sum.assign(w.panels() * kPanel, 0);
  for (size_t j = 0; j < n; ++j) {
    const size_t p = j / kPanel, c = j % kPanel;
    int8_t* panel = w.data.data() + p * groups * kGroupBytes;
    int32_t sum = 0;
    for (size_t i = 0; i < k; ++i) {
      const int8_t v = q[j * k + i];
      if (v < -kWeightQMax || v > kWeightQMax) {
        return Status::InvalidArgument("int8 weights: value " + std::to_string(v) +
                                       " outside [-63, 63]");
      }
      panel[(i / 4) * kGroupBytes + c * 4 + i % 4] = v;
      sum += v;
    }
    w.scale[j] = scale[j];
    w.col_sum[j] = sum;
  }
  return w;
}

Result<PackedInt8Weights> QuantizeAndPackWeights(const float* w, size_t n, size_t k) {
  std::vector<int8_t> q(n * k);
  std::vector<float> scale(n);
  QuantizeWeightsPerChannel(w, n, k, q.data(), scale.data());
  return PackInt8Weights(q.data(), scale.data(), n, k);
}

void GemmU8S8(const uint8_t* a, size_t m, size_t lda, const PackedInt8Weights& w, int32_t* c,
              Int8Kernel kernel) {
  const bool avx2 = kernel != Int8Kernel::kScalar && UseInt8Avx2();
  QuantRows x{a, lda, nullptr, nullptr};
  RunPanels(x, m, w, 0, w.panels(), avx2, c, nullptr, w.n);
}

void MatMulInt8(const float* x, size_t m, size_t k, const PackedInt8Weights& w, float* y,
                ThreadPool* pool) {
  const bool avx2 = UseInt8Avx2();
  const size_t n = w.n;
  auto rows = [&](size_t r0, size_t r1) {
    thread_local Scratch s;
    for (size_t b0 = r0; b0 < r1; b0 += kRowBlock) {
      const size_t b1 = std::min(r1, b0 + kRowBlock);
      QuantRows q = s.Quantize(x + b0 * k, b1 - b0, k, w.k_pad);
      RunPanels(q, b1 - b0, w, 0, w.panels(), avx2, nullptr, y + b0 * n, n);
    }
  };
  const size_t threads = pool ? pool->size() + 1 : 1;
  if (threads == 1 || m * n * k < (1u << 18)) {
    rows(0, m);
    return;
  }
  if (m >= 16 * threads) {
    // The same slicing as MatMulTransB: about four dynamically claimed slices per thread, so a
    // thread that loses its core to another process does not hold the others up.
    size_t per = std::max<size_t>(64, (m + 4 * threads - 1) / (4 * threads));
    per = (per + 15) / 16 * 16;
    if (per * threads > m) per = ((m + threads - 1) / threads + 15) / 16 * 16;
    pool->ParallelFor(m, per, rows);
    return;
  }
  // Few rows (batch 1, short text): quantize them once, split the weight panels instead.
  Scratch s;
  QuantRows q = s.Quantize(x, m, k, w.k_pad);
  const size_t panels = w.panels();
  const size_t per = std::max<size_t>(1, (panels + 4 * threads - 1) / (4 * threads));
  pool->ParallelFor(panels, per,
                    [&](size_t p0, size_t p1) { RunPanels(q, m, w, p0, p1, avx2, nullptr, y, n); });
}

}  // namespace ragdb::model
