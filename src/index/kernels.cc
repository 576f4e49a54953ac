#include "index/kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <bit>
#include <cstring>

#include "base/cpu.h"
#include "simd/distance_impl.h"
#include "simd/neon_common.h"  // empty off aarch64

namespace ragdb::index {
namespace {

// ---- scalar reference ----
float L2Scalar(const float* a, const float* b, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = a[i] - b[i];
    s += t * t;
  }
  return s;
}
float DotScalar(const float* a, const float* b, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}
float Sq8L2Scalar(const float* qs, const uint8_t* code, const float* scale, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = qs[i] - code[i] * scale[i];
    s += t * t;
  }
  return s;
}
float Sq8DotScalar(const float* qs, const uint8_t* code, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += qs[i] * code[i];
  return s;
}
float F16L2Scalar(const float* q, const uint16_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = q[i] - HalfToFloat(x[i]);
    s += t * t;
  }
  return s;
}
float F16DotScalar(const float* q, const uint16_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += q[i] * HalfToFloat(x[i]);
  return s;
}
float I8L2Scalar(const float* q, const int8_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = q[i] - static_cast<float>(x[i]);
    s += t * t;
  }
  return s;
}
float I8DotScalar(const float* q, const int8_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += q[i] * static_cast<float>(x[i]);
  return s;
}
float U8L2Scalar(const float* q, const uint8_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = q[i] - static_cast<float>(x[i]);
    s += t * t;
  }
  return s;
}
float U8DotScalar(const float* q, const uint8_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += q[i] * static_cast<float>(x[i]);
  return s;
}
uint32_t HammingScalar(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  uint32_t s = 0;
  size_t i = 0;
  for (; i + 8 <= nbytes; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    s += static_cast<uint32_t>(std::popcount(x ^ y));
  }
  for (; i < nbytes; ++i)
    s += static_cast<uint32_t>(std::popcount(static_cast<uint8_t>(a[i] ^ b[i])));
  return s;
}

#if defined(__x86_64__)
// ---- AVX2 + FMA (+F16C, POPCNT) ----
#define RAGDB_AVX2 __attribute__((target("avx2,fma,f16c,popcnt")))

RAGDB_AVX2 inline float HSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_hadd_ps(lo, lo);
  lo = _mm_hadd_ps(lo, lo);
  return _mm_cvtss_f32(lo);
}

RAGDB_AVX2 float L2Avx2(const float* a, const float* b, size_t d) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    s0 = _mm256_fmadd_ps(t0, t0, s0);
    s1 = _mm256_fmadd_ps(t1, t1, s1);
  }
  for (; i + 8 <= d; i += 8) {
    __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    s0 = _mm256_fmadd_ps(t0, t0, s0);
  }
  float s = HSum(_mm256_add_ps(s0, s1));
  for (; i < d; ++i) {
    float t = a[i] - b[i];
    s += t * t;
  }
  return s;
}

RAGDB_AVX2 float DotAvx2(const float* a, const float* b, size_t d) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= d; i += 8)
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float s = HSum(_mm256_add_ps(s0, s1));
  for (; i < d; ++i) s += a[i] * b[i];
  return s;
}

RAGDB_AVX2 inline __m256 LoadU8AsFloat(const uint8_t* p) {
  __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
}

RAGDB_AVX2 float Sq8L2Avx2(const float* qs, const uint8_t* code, const float* scale, size_t d) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m256 t0 = _mm256_fnmadd_ps(LoadU8AsFloat(code + i), _mm256_loadu_ps(scale + i),
                                 _mm256_loadu_ps(qs + i));
    __m256 t1 = _mm256_fnmadd_ps(LoadU8AsFloat(code + i + 8), _mm256_loadu_ps(scale + i + 8),
                                 _mm256_loadu_ps(qs + i + 8));
    s0 = _mm256_fmadd_ps(t0, t0, s0);
    s1 = _mm256_fmadd_ps(t1, t1, s1);
  }
  for (; i + 8 <= d; i += 8) {
    __m256 t0 = _mm256_fnmadd_ps(LoadU8AsFloat(code + i), _mm256_loadu_ps(scale + i),
                                 _mm256_loadu_ps(qs + i));
    s0 = _mm256_fmadd_ps(t0, t0, s0);
  }
  float s = HSum(_mm256_add_ps(s0, s1));
  for (; i < d; ++i) {
    float t = qs[i] - code[i] * scale[i];
    s += t * t;
  }
  return s;
}

RAGDB_AVX2 float Sq8DotAvx2(const float* qs, const uint8_t* code, size_t d) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    s0 = _mm256_fmadd_ps(LoadU8AsFloat(code + i), _mm256_loadu_ps(qs + i), s0);
    s1 = _mm256_fmadd_ps(LoadU8AsFloat(code + i + 8), _mm256_loadu_ps(qs + i + 8), s1);
  }
  for (; i + 8 <= d; i += 8)
    s0 = _mm256_fmadd_ps(LoadU8AsFloat(code + i), _mm256_loadu_ps(qs + i), s0);
  float s = HSum(_mm256_add_ps(s0, s1));
  for (; i < d; ++i) s += qs[i] * code[i];
  return s;
}

RAGDB_AVX2 float F16L2Avx2(const float* q, const uint16_t* x, size_t d) {
  __m256 s0 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    __m256 t = _mm256_sub_ps(_mm256_loadu_ps(q + i), v);
    s0 = _mm256_fmadd_ps(t, t, s0);
  }
  float s = HSum(s0);
  for (; i < d; ++i) {
    float t = q[i] - HalfToFloat(x[i]);
    s += t * t;
  }
  return s;
}

RAGDB_AVX2 float F16DotAvx2(const float* q, const uint16_t* x, size_t d) {
  __m256 s0 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), v, s0);
  }
  float s = HSum(s0);
  for (; i < d; ++i) s += q[i] * HalfToFloat(x[i]);
  return s;
}

RAGDB_AVX2 inline __m256 LoadAsFloat(const int8_t* p) {
  __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
}
RAGDB_AVX2 inline __m256 LoadAsFloat(const uint8_t* p) { return LoadU8AsFloat(p); }

// int8 and uint8 rows: the same loops, only the widening load differs.
template <typename Byte>
RAGDB_AVX2 float ByteL2Avx2(const float* q, const Byte* x, size_t d) {
  __m256 s0 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m256 t = _mm256_sub_ps(_mm256_loadu_ps(q + i), LoadAsFloat(x + i));
    s0 = _mm256_fmadd_ps(t, t, s0);
  }
  float s = HSum(s0);
  for (; i < d; ++i) {
    float t = q[i] - static_cast<float>(x[i]);
    s += t * t;
  }
  return s;
}

template <typename Byte>
RAGDB_AVX2 float ByteDotAvx2(const float* q, const Byte* x, size_t d) {
  __m256 s0 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= d; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), LoadAsFloat(x + i), s0);
  float s = HSum(s0);
  for (; i < d; ++i) s += q[i] * static_cast<float>(x[i]);
  return s;
}

RAGDB_AVX2 uint32_t HammingPopcnt(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  uint64_t s = 0;
  size_t i = 0;
  for (; i + 8 <= nbytes; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    s += static_cast<uint64_t>(_mm_popcnt_u64(x ^ y));
  }
  for (; i < nbytes; ++i)
    s += static_cast<uint64_t>(_mm_popcnt_u32(static_cast<uint8_t>(a[i] ^ b[i])));
  return static_cast<uint32_t>(s);
}

#undef RAGDB_AVX2
#endif  // __x86_64__

#if defined(__aarch64__)
// ---- NEON (AArch64 baseline) ----
// The float, float16 and binary kernels are the shared ones of src/simd; the SQ8 forms with a
// prepared query and the float-query-against-byte-rows forms exist only here.

using simd::neon::WidenBytes;
inline uint8x16_t Load16(const uint8_t* p) { return vld1q_u8(p); }
inline int8x16_t Load16(const int8_t* p) { return vld1q_s8(p); }

float Sq8L2Neon(const float* qs, const uint8_t* code, const float* scale, size_t d) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0;
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    float32x4_t c[4];
    WidenBytes(vld1q_u8(code + i), c);
    for (int j = 0; j < 4; j += 2) {
      float32x4_t t0 = vfmsq_f32(vld1q_f32(qs + i + 4 * j), c[j], vld1q_f32(scale + i + 4 * j));
      float32x4_t t1 =
          vfmsq_f32(vld1q_f32(qs + i + 4 * j + 4), c[j + 1], vld1q_f32(scale + i + 4 * j + 4));
      s0 = vfmaq_f32(s0, t0, t0);
      s1 = vfmaq_f32(s1, t1, t1);
    }
  }
  float s = vaddvq_f32(vaddq_f32(s0, s1));
  for (; i < d; ++i) {
    float t = qs[i] - code[i] * scale[i];
    s += t * t;
  }
  return s;
}

float Sq8DotNeon(const float* qs, const uint8_t* code, size_t d) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0;
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    float32x4_t c[4];
    WidenBytes(vld1q_u8(code + i), c);
    s0 = vfmaq_f32(s0, c[0], vld1q_f32(qs + i));
    s1 = vfmaq_f32(s1, c[1], vld1q_f32(qs + i + 4));
    s0 = vfmaq_f32(s0, c[2], vld1q_f32(qs + i + 8));
    s1 = vfmaq_f32(s1, c[3], vld1q_f32(qs + i + 12));
  }
  float s = vaddvq_f32(vaddq_f32(s0, s1));
  for (; i < d; ++i) s += qs[i] * code[i];
  return s;
}

// int8 and uint8 rows: the same loops, only the widening differs.
template <typename Byte>
float ByteL2Neon(const float* q, const Byte* x, size_t d) {
  float32x4_t s = vdupq_n_f32(0);
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    float32x4_t c[4];
    WidenBytes(Load16(x + i), c);
    for (int j = 0; j < 4; ++j) {
      float32x4_t t = vsubq_f32(vld1q_f32(q + i + 4 * j), c[j]);
      s = vfmaq_f32(s, t, t);
    }
  }
  float r = vaddvq_f32(s);
  for (; i < d; ++i) {
    float t = q[i] - static_cast<float>(x[i]);
    r += t * t;
  }
  return r;
}

template <typename Byte>
float ByteDotNeon(const float* q, const Byte* x, size_t d) {
  float32x4_t s = vdupq_n_f32(0);
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    float32x4_t c[4];
    WidenBytes(Load16(x + i), c);
    for (int j = 0; j < 4; ++j) s = vfmaq_f32(s, vld1q_f32(q + i + 4 * j), c[j]);
  }
  float r = vaddvq_f32(s);
  for (; i < d; ++i) r += q[i] * static_cast<float>(x[i]);
  return r;
}
#endif  // __aarch64__

constexpr IndexKernels kScalar{L2Scalar,    DotScalar,    Sq8L2Scalar,   Sq8DotScalar,
                               F16L2Scalar, F16DotScalar, I8L2Scalar,    I8DotScalar,
                               U8L2Scalar,  U8DotScalar,  HammingScalar, false};
#if defined(__x86_64__)
constexpr IndexKernels kAvx2{L2Avx2,
                             DotAvx2,
                             Sq8L2Avx2,
                             Sq8DotAvx2,
                             F16L2Avx2,
                             F16DotAvx2,
                             ByteL2Avx2<int8_t>,
                             ByteDotAvx2<int8_t>,
                             ByteL2Avx2<uint8_t>,
                             ByteDotAvx2<uint8_t>,
                             HammingPopcnt,
                             true};
#endif
#if defined(__aarch64__)
constexpr IndexKernels kNeon{simd::neon::L2Sqr,    simd::neon::Dot,      Sq8L2Neon,
                             Sq8DotNeon,           simd::neon::L2SqrF16, simd::neon::DotF16,
                             ByteL2Neon<int8_t>,   ByteDotNeon<int8_t>,  ByteL2Neon<uint8_t>,
                             ByteDotNeon<uint8_t>, simd::neon::Hamming,  true};
#endif

}  // namespace

const IndexKernels& ScalarKernels() { return kScalar; }

const IndexKernels& Kernels() {
  static const IndexKernels& k = [&]() -> const IndexKernels& {
#if defined(__x86_64__)
    if (ActiveSimdLevel() == SimdLevel::kAvx2) return kAvx2;
#elif defined(__aarch64__)
    if (ActiveSimdLevel() == SimdLevel::kNeon) return kNeon;
#endif
    return kScalar;
  }();
  return k;
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 112) << 23 | mant << 13;
  }
  return std::bit_cast<float>(bits);
}

uint16_t FloatToHalf(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    uint32_t shift = static_cast<uint32_t>(14 - e);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | static_cast<uint32_t>(e) << 10 | mant >> 13;
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;  // may carry into exponent: correct
  return static_cast<uint16_t>(half);
}

}  // namespace ragdb::index
