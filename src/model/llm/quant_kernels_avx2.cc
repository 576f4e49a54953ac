// AVX2 versions of quant_kernels_scalar.cc. Each block's int32 sum is formed with
// _mm256_maddubs_epi16 (u8 x s8 pairs, no saturation possible: weights are at most 6 bits, or
// made unsigned by the sign trick for signed 8-bit ones) and _mm256_madd_epi16, then scaled in
// f32. Up to four activation rows share one unpacking of each weight block.
#include "model/llm/quant_kernels.h"

#if defined(__x86_64__)

#include <cstring>

#include "base/cpu.h"
#include "simd/avx2_common.h"

namespace ragdb::model::llm {
namespace {

using simd::avx2::HSum;

RAGDB_AVX2 inline float HalfAt(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

inline const Q8Block* Row(const void* x, size_t stride, int j) {
  return reinterpret_cast<const Q8Block*>(static_cast<const uint8_t*>(x) + j * stride);
}

RAGDB_AVX2 inline __m256i LoadQ(const Q8Block& b) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.q));
}

// 8 int32 partial sums of u[i] * s[i] (u unsigned bytes <= 63, s signed bytes).
RAGDB_AVX2 inline __m256i DotUS(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}
// The same for two signed byte vectors.
RAGDB_AVX2 inline __m256i DotSS(__m256i a, __m256i s) {
  return DotUS(_mm256_sign_epi8(a, a), _mm256_sign_epi8(s, a));
}

RAGDB_AVX2 void QuantizeQ8(const float* x, size_t n, Q8Block* out) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  for (size_t b = 0; b < n / 32; ++b, x += 32) {
    __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8);
    __m256 v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
    __m256 m = _mm256_max_ps(
        _mm256_max_ps(_mm256_andnot_ps(sign_bit, v0), _mm256_andnot_ps(sign_bit, v1)),
        _mm256_max_ps(_mm256_andnot_ps(sign_bit, v2), _mm256_andnot_ps(sign_bit, v3)));
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const __m256 mul = _mm256_set1_ps(id);
    __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, mul));
    __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, mul));
    __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, mul));
    __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, mul));
    const __m256i sum32 = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
    i0 = _mm256_packs_epi32(i0, i1);
    i2 = _mm256_packs_epi32(i2, i3);
    i0 = _mm256_packs_epi16(i0, i2);
    i0 = _mm256_permutevar8x32_epi32(i0, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].q), i0);
    out[b].d = d;
    out[b].sum = simd::avx2::HSumI32(sum32);
  }
}

struct LoadF16 {
  RAGDB_AVX2 __m256 operator()(const uint8_t* p) const {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
};
struct LoadBF16 {
  RAGDB_AVX2 __m256 operator()(const uint8_t* p) const {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  }
};

// Dispatches nx (1..4) to a compile-time row count.
#define RAGDB_DISPATCH_NX(fn, ...) \
  switch (nx) {                    \
    case 1:                        \
      return fn<1>(__VA_ARGS__);   \
    case 2:                        \
      return fn<2>(__VA_ARGS__);   \
    case 3:                        \
      return fn<3>(__VA_ARGS__);   \
    default:                       \
      return fn<4>(__VA_ARGS__);   \
  }

template <int NX>
RAGDB_AVX2 void DotF32N(const uint8_t* w, const void* x, size_t stride, size_t n, float* out) {
  __m256 acc[NX];
  for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
  const float* wf = reinterpret_cast<const float*>(w);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 wv = _mm256_loadu_ps(wf + i);
    for (int j = 0; j < NX; ++j) {
      const float* xr = reinterpret_cast<const float*>(static_cast<const uint8_t*>(x) + j * stride);
      acc[j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xr + i), acc[j]);
    }
  }
  for (int j = 0; j < NX; ++j) {
    const float* xr = reinterpret_cast<const float*>(static_cast<const uint8_t*>(x) + j * stride);
    float s = HSum(acc[j]);
    for (size_t k = i; k < n; ++k) s += wf[k] * xr[k];
    out[j] = s;
  }
}

// F16 / BF16 rows: eight elements per step, a tail converted one element at a time.
template <int NX, class Load, bool kBf16>
RAGDB_AVX2 void DotHalfN(const uint8_t* w, const void* x, size_t stride, size_t n, float* out) {
  __m256 acc[NX];
  for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
  size_t i = 0;
  Load load;
  for (; i + 8 <= n; i += 8) {
    const __m256 wv = load(w + 2 * i);
    for (int j = 0; j < NX; ++j) {
      const float* xr = reinterpret_cast<const float*>(static_cast<const uint8_t*>(x) + j * stride);
      acc[j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xr + i), acc[j]);
    }
  }
  for (int j = 0; j < NX; ++j) {
    const float* xr = reinterpret_cast<const float*>(static_cast<const uint8_t*>(x) + j * stride);
    float s = HSum(acc[j]);
    for (size_t k = i; k < n; ++k) {
      uint16_t h;
      std::memcpy(&h, w + 2 * k, 2);
      float wk;
      if constexpr (kBf16) {
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&wk, &bits, 4);
      } else {
        wk = _cvtsh_ss(h);
      }
      s += wk * xr[k];
    }
    out[j] = s;
  }
}

RAGDB_AVX2 void DotF32(const uint8_t* w, const void* x, size_t stride, int nx, size_t n,
                       float* out){RAGDB_DISPATCH_NX(DotF32N, w, x, stride, n, out)} RAGDB_AVX2
    void DotF16(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  switch (nx) {
    case 1:
      return DotHalfN<1, LoadF16, false>(w, x, stride, n, out);
    case 2:
      return DotHalfN<2, LoadF16, false>(w, x, stride, n, out);
    case 3:
      return DotHalfN<3, LoadF16, false>(w, x, stride, n, out);
    default:
      return DotHalfN<4, LoadF16, false>(w, x, stride, n, out);
  }
}
RAGDB_AVX2 void DotBF16(const uint8_t* w, const void* x, size_t stride, int nx, size_t n,
                        float* out) {
  switch (nx) {
    case 1:
      return DotHalfN<1, LoadBF16, true>(w, x, stride, n, out);
    case 2:
      return DotHalfN<2, LoadBF16, true>(w, x, stride, n, out);
    case 3:
      return DotHalfN<3, LoadBF16, true>(w, x, stride, n, out);
    default:
      return DotHalfN<4, LoadBF16, true>(w, x, stride, n, out);
  }
}

template <int NX>
RAGDB_AVX2 void DotQ8_0N(const uint8_t* w, const void* x, size_t stride, size_t n, float* out) {
  // Two accumulators per row (even and odd blocks), so consecutive blocks' multiply-adds do not
  // wait for each other.
  __m256 acc[2][NX];
  const Q8Block* xr[NX];
  for (int j = 0; j < NX; ++j) {
    acc[0][j] = acc[1][j] = _mm256_setzero_ps();
    xr[j] = Row(x, stride, j);
  }
  const uint8_t* b = w;
  for (size_t k = 0; k < n / 32; ++k, b += 34) {
    const float dw = HalfAt(b);
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
    const __m256i aq = _mm256_sign_epi8(q, q);
    __m256* a = acc[k & 1];
    for (int j = 0; j < NX; ++j) {
      const __m256i sx = _mm256_sign_epi8(LoadQ(xr[j][k]), q);
      const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(aq, sx), _mm256_set1_epi16(1));
      a[j] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xr[j][k].d), _mm256_cvtepi32_ps(s), a[j]);
    }
  }
  for (int j = 0; j < NX; ++j) out[j] = HSum(_mm256_add_ps(acc[0][j], acc[1][j]));
}

template <int NX>
RAGDB_AVX2 void DotQ4_0N(const uint8_t* w, const void* x, size_t stride, size_t n, float* out) {
  __m256 acc[2][NX];
  float offset[NX];
  const Q8Block* xr[NX];
  for (int j = 0; j < NX; ++j) {
    acc[0][j] = acc[1][j] = _mm256_setzero_ps();
    offset[j] = 0;
    xr[j] = Row(x, stride, j);
  }
  const __m256i low = _mm256_set1_epi8(0xF);
  const uint8_t* b = w;
  for (size_t k = 0; k < n / 32; ++k, b += 18) {
    const float dw = HalfAt(b);
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
    const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), low);
    __m256* a = acc[k & 1];
    for (int j = 0; j < NX; ++j) {
      const float scale = dw * xr[j][k].d;
      a[j] = _mm256_fmadd_ps(_mm256_set1_ps(scale), _mm256_cvtepi32_ps(DotUS(q, LoadQ(xr[j][k]))),
                             a[j]);
      offset[j] += scale * static_cast<float>(8 * xr[j][k].sum);
    }
  }
  for (int j = 0; j < NX; ++j) out[j] = HSum(_mm256_add_ps(acc[0][j], acc[1][j])) - offset[j];
}

template <int NX, bool kFive>
RAGDB_AVX2 void DotQ45KN(const uint8_t* w, const void* x, size_t stride, size_t n, float* out) {
  const size_t block_bytes = kFive ? 176 : 144;
  __m256 acc[NX], acc2[NX];
  float mins[NX];
  const Q8Block* xr[NX];
  for (int j = 0; j < NX; ++j) {
    acc[j] = acc2[j] = _mm256_setzero_ps();
    mins[j] = 0;
    xr[j] = Row(x, stride, j);
  }
  const __m256i low = _mm256_set1_epi8(0xF);
  const uint8_t* b = w;
  for (size_t k = 0; k < n / 256; ++k, b += block_bytes) {
    const float d = HalfAt(b), dmin = HalfAt(b + 2);
    uint8_t sc[8], m[8];
    for (int s = 0; s < 8; ++s) KQuantScaleMin(s, b + 4, &sc[s], &m[s]);
    const uint8_t* qs = b + (kFive ? 48 : 16);
    __m256i qh;
    if constexpr (kFive) qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16));
    for (int c = 0; c < 4; ++c) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
      __m256i q0 = _mm256_and_si256(raw, low);
      __m256i q1 = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
      if constexpr (kFive) {
        const __m256i bit0 = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
        const __m256i bit1 = _mm256_set1_epi8(static_cast<char>(2 << (2 * c)));
        const __m256i sixteen = _mm256_set1_epi8(16);
        q0 = _mm256_or_si256(
            q0, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit0), bit0), sixteen));
        q1 = _mm256_or_si256(
            q1, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit1), bit1), sixteen));
      }
      const int s0 = 2 * c, s1 = 2 * c + 1;
      for (int j = 0; j < NX; ++j) {
        const Q8Block& a0 = xr[j][8 * k + s0];
        const Q8Block& a1 = xr[j][8 * k + s1];
        acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(d * sc[s0] * a0.d),
                                 _mm256_cvtepi32_ps(DotUS(q0, LoadQ(a0))), acc[j]);
        acc2[j] = _mm256_fmadd_ps(_mm256_set1_ps(d * sc[s1] * a1.d),
                                  _mm256_cvtepi32_ps(DotUS(q1, LoadQ(a1))), acc2[j]);
        mins[j] += dmin * (a0.d * static_cast<float>(m[s0] * a0.sum) +
                           a1.d * static_cast<float>(m[s1] * a1.sum));
      }
    }
  }
  for (int j = 0; j < NX; ++j) out[j] = HSum(_mm256_add_ps(acc[j], acc2[j])) - mins[j];
}

template <int NX>
RAGDB_AVX2 void DotQ6KN(const uint8_t* w, const void* x, size_t stride, size_t n, float* out) {
  __m256 acc[2][NX];
  const Q8Block* xr[NX];
  for (int j = 0; j < NX; ++j) {
    acc[0][j] = acc[1][j] = _mm256_setzero_ps();
    xr[j] = Row(x, stride, j);
  }
  const __m256i low = _mm256_set1_epi8(0xF);
  const __m256i three = _mm256_set1_epi8(3);
  const __m256i m32 = _mm256_set1_epi8(32);
  const uint8_t* b = w;
  for (size_t k = 0; k < n / 256; ++k, b += 210) {
    const float d = HalfAt(b + 208);
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * half));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * half + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + 32 * half));
      __m256i q[4];
      q[0] = _mm256_or_si256(_mm256_and_si256(ql0, low),
                             _mm256_slli_epi16(_mm256_and_si256(qh, three), 4));
      q[1] =
          _mm256_or_si256(_mm256_and_si256(ql1, low),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), three), 4));
      q[2] =
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), three), 4));
      q[3] =
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), three), 4));
      for (int g = 0; g < 4; ++g) {
        const __m256i sq = _mm256_sub_epi8(q[g], m32);  // -32..31
        const __m256i aq = _mm256_sign_epi8(sq, sq);
        const int8_t* s = sc + 8 * half + 2 * g;
        const __m256i scales = _mm256_set_m128i(_mm_set1_epi16(s[1]), _mm_set1_epi16(s[0]));
        for (int j = 0; j < NX; ++j) {
          const Q8Block& a = xr[j][8 * k + 4 * half + g];
          const __m256i p = _mm256_maddubs_epi16(aq, _mm256_sign_epi8(LoadQ(a), sq));
          const __m256i v = _mm256_madd_epi16(p, scales);
          acc[g & 1][j] =
              _mm256_fmadd_ps(_mm256_set1_ps(d * a.d), _mm256_cvtepi32_ps(v), acc[g & 1][j]);
        }
      }
    }
  }
  for (int j = 0; j < NX; ++j) out[j] = HSum(_mm256_add_ps(acc[0][j], acc[1][j]));
}

RAGDB_AVX2 void DotQ8_0(const uint8_t* w, const void* x, size_t stride, int nx, size_t n,
                        float* out){RAGDB_DISPATCH_NX(DotQ8_0N, w, x, stride, n, out)} RAGDB_AVX2
    void DotQ4_0(const uint8_t* w, const void* x, size_t stride, int nx, size_t n,
                 float* out){RAGDB_DISPATCH_NX(DotQ4_0N, w, x, stride, n, out)} RAGDB_AVX2
    void DotQ4K(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  switch (nx) {
    case 1:
      return DotQ45KN<1, false>(w, x, stride, n, out);
    case 2:
      return DotQ45KN<2, false>(w, x, stride, n, out);
    case 3:
      return DotQ45KN<3, false>(w, x, stride, n, out);
    default:
      return DotQ45KN<4, false>(w, x, stride, n, out);
  }
}
RAGDB_AVX2 void DotQ5K(const uint8_t* w, const void* x, size_t stride, int nx, size_t n,
                       float* out) {
  switch (nx) {
    case 1:
      return DotQ45KN<1, true>(w, x, stride, n, out);
    case 2:
      return DotQ45KN<2, true>(w, x, stride, n, out);
    case 3:
      return DotQ45KN<3, true>(w, x, stride, n, out);
    default:
      return DotQ45KN<4, true>(w, x, stride, n, out);
  }
}
RAGDB_AVX2 void DotQ6K(const uint8_t* w, const void* x, size_t stride, int nx, size_t n,
                       float* out){RAGDB_DISPATCH_NX(DotQ6KN, w, x, stride, n, out)}

RAGDB_AVX2 float Dot(const float* a, const float* b, size_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  float s = HSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

RAGDB_AVX2 void Axpy(float alpha, const float* x, float* y, size_t n) {
  const __m256 va = _mm256_set1_ps(alpha);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace

const LlmKernels* Avx2LlmKernels() {
  const CpuFeatures& f = GetCpuFeatures();
  if (!(f.avx2 && f.fma && f.f16c)) return nullptr;
  static const LlmKernels k = {"avx2",  QuantizeQ8, DotF32, DotF16, DotBF16, DotQ8_0,
                               DotQ4_0, DotQ4K,     DotQ5K, DotQ6K, Dot,     Axpy};
  return &k;
}

}  // namespace ragdb::model::llm

#else

namespace ragdb::model::llm {
const LlmKernels* Avx2LlmKernels() { return nullptr; }
}  // namespace ragdb::model::llm

#endif
