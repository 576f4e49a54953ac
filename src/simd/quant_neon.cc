// AArch64 NEON kernels for the compressed element types: float16 (hardware conversions, part of
// the AArch64 baseline), int8 (widening multiplies into int32: exact, like the scalar loop),
// binary (CNT per byte) and SQ8 (codes widened to float, decoded with one FMA).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "simd/distance_impl.h"
#include "simd/half.h"
#include "simd/neon_common.h"

namespace ragdb::simd::neon {
namespace {

// Eight halves as two float32x4 (low and high four).
inline void LoadHalf8(const uint16_t* x, float32x4_t* lo, float32x4_t* hi) {
  float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(x));
  *lo = vcvt_f32_f16(vget_low_f16(h));
  *hi = vcvt_high_f32_f16(h);
}

// Sixteen SQ8 codes as four float32x4.
inline void LoadCodes16(const uint8_t* c, float32x4_t out[4]) { WidenBytes(vld1q_u8(c), out); }

}  // namespace

float L2SqrF16(const float* q, const uint16_t* x, size_t d) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0;
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    float32x4_t lo, hi;
    LoadHalf8(x + i, &lo, &hi);
    float32x4_t t0 = vsubq_f32(vld1q_f32(q + i), lo), t1 = vsubq_f32(vld1q_f32(q + i + 4), hi);
    s0 = vfmaq_f32(s0, t0, t0);
    s1 = vfmaq_f32(s1, t1, t1);
  }
  float s = vaddvq_f32(vaddq_f32(s0, s1));
  for (; i < d; ++i) {
    float t = q[i] - HalfBitsToFloat(x[i]);
    s += t * t;
  }
  return s;
}

float DotF16(const float* q, const uint16_t* x, size_t d) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0;
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    float32x4_t lo, hi;
    LoadHalf8(x + i, &lo, &hi);
    s0 = vfmaq_f32(s0, vld1q_f32(q + i), lo);
    s1 = vfmaq_f32(s1, vld1q_f32(q + i + 4), hi);
  }
  float s = vaddvq_f32(vaddq_f32(s0, s1));
  for (; i < d; ++i) s += q[i] * HalfBitsToFloat(x[i]);
  return s;
}

float CosineF16(const float* q, const uint16_t* x, size_t d) {
  float32x4_t qx = vdupq_n_f32(0), qq = qx, xx = qx;
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    float32x4_t v[2], a[2] = {vld1q_f32(q + i), vld1q_f32(q + i + 4)};
    LoadHalf8(x + i, &v[0], &v[1]);
    for (int h = 0; h < 2; ++h) {
      qx = vfmaq_f32(qx, a[h], v[h]);
      qq = vfmaq_f32(qq, a[h], a[h]);
      xx = vfmaq_f32(xx, v[h], v[h]);
    }
  }
  float sqx = vaddvq_f32(qx), sqq = vaddvq_f32(qq), sxx = vaddvq_f32(xx);
  for (; i < d; ++i) {
    float v = HalfBitsToFloat(x[i]);
    sqx += q[i] * v;
    sqq += q[i] * q[i];
    sxx += v * v;
  }
  if (sqq == 0 || sxx == 0) return 0;
  return sqx / (std::sqrt(sqq) * std::sqrt(sxx));
}

void L2SqrF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2SqrF16(q, base + i * d, d);
}

void DotF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = DotF16(q, base + i * d, d);
}

int32_t L2SqrI8(const int8_t* a, const int8_t* b, size_t d) {
  // Differences need 9 bits (int16); their squares up to 65,025 are summed in int32.
  int32x4_t s0 = vdupq_n_s32(0), s1 = s0;
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    int8x16_t x = vld1q_s8(a + i), y = vld1q_s8(b + i);
    int16x8_t lo = vsubl_s8(vget_low_s8(x), vget_low_s8(y)), hi = vsubl_high_s8(x, y);
    s0 = vmlal_s16(s0, vget_low_s16(lo), vget_low_s16(lo));
    s1 = vmlal_high_s16(s1, lo, lo);
    s0 = vmlal_s16(s0, vget_low_s16(hi), vget_low_s16(hi));
    s1 = vmlal_high_s16(s1, hi, hi);
  }
  int32_t s = vaddvq_s32(vaddq_s32(s0, s1));
  for (; i < d; ++i) {
    int32_t t = int32_t{a[i]} - int32_t{b[i]};
    s += t * t;
  }
  return s;
}

int32_t DotI8(const int8_t* a, const int8_t* b, size_t d) {
  // Products fit int16 (|-128 x -128| = 16,384); pairs are added into int32 lanes.
  int32x4_t s = vdupq_n_s32(0);
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    int8x16_t x = vld1q_s8(a + i), y = vld1q_s8(b + i);
    s = vpadalq_s16(s, vmull_s8(vget_low_s8(x), vget_low_s8(y)));
    s = vpadalq_s16(s, vmull_high_s8(x, y));
  }
  int32_t r = vaddvq_s32(s);
  for (; i < d; ++i) r += int32_t{a[i]} * int32_t{b[i]};
  return r;
}

void L2SqrI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2SqrI8(q, base + i * d, d);
}

void DotI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = DotI8(q, base + i * d, d);
}

uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 16 <= nbytes; i += 16) {
    // At most 8 bits per byte x 16 bytes = 128: the across-lanes sum fits its byte.
    count += vaddvq_u8(vcntq_u8(veorq_u8(vld1q_u8(a + i), vld1q_u8(b + i))));
  }
  for (; i < nbytes; ++i) count += std::popcount(static_cast<unsigned>(a[i] ^ b[i]));
  return static_cast<uint32_t>(count);
}

void HammingBatch(const uint8_t* q, const uint8_t* base, size_t n, size_t nbytes, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = Hamming(q, base + i * nbytes, nbytes);
}

float L2SqrSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale,
               size_t d) {
  float32x4_t s = vdupq_n_f32(0);
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    float32x4_t c[4];
    LoadCodes16(code + i, c);
    for (int j = 0; j < 4; ++j) {
      const size_t o = i + 4 * j;
      float32x4_t v = vfmaq_f32(vld1q_f32(vmin + o), c[j], vld1q_f32(scale + o));
      float32x4_t t = vsubq_f32(vld1q_f32(q + o), v);
      s = vfmaq_f32(s, t, t);
    }
  }
  float r = vaddvq_f32(s);
  for (; i < d; ++i) {
    float t = q[i] - (vmin[i] + static_cast<float>(code[i]) * scale[i]);
    r += t * t;
  }
  return r;
}

float DotSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale, size_t d) {
  float32x4_t s = vdupq_n_f32(0);
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    float32x4_t c[4];
    LoadCodes16(code + i, c);
    for (int j = 0; j < 4; ++j) {
      const size_t o = i + 4 * j;
      float32x4_t v = vfmaq_f32(vld1q_f32(vmin + o), c[j], vld1q_f32(scale + o));
      s = vfmaq_f32(s, vld1q_f32(q + o), v);
    }
  }
  float r = vaddvq_f32(s);
  for (; i < d; ++i) r += q[i] * (vmin[i] + static_cast<float>(code[i]) * scale[i]);
  return r;
}

void L2SqrSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d, const float* vmin,
                   const float* scale, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2SqrSq8(q, codes + i * d, vmin, scale, d);
}

void DotSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d, const float* vmin,
                 const float* scale, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = DotSq8(q, codes + i * d, vmin, scale, d);
}

void HalfToFloat(const uint16_t* in, float* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    float32x4_t lo, hi;
    LoadHalf8(in + i, &lo, &hi);
    vst1q_f32(out + i, lo);
    vst1q_f32(out + i + 4, hi);
  }
  for (; i < n; ++i) out[i] = HalfBitsToFloat(in[i]);
}

void FloatToHalf(const float* in, uint16_t* out, size_t n) {
  // FCVTN rounds to nearest even and overflows to infinity, as FloatToHalfBits does; NaNs go
  // through the scalar path so that their bits match it exactly.
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    float32x4_t lo = vld1q_f32(in + i), hi = vld1q_f32(in + i + 4);
    uint32x4_t nan = vorrq_u32(vmvnq_u32(vceqq_f32(lo, lo)), vmvnq_u32(vceqq_f32(hi, hi)));
    if (vmaxvq_u32(nan) != 0) {
      for (size_t j = i; j < i + 8; ++j) out[j] = FloatToHalfBits(in[j]);
      continue;
    }
    float16x8_t h = vcvt_high_f16_f32(vcvt_f16_f32(lo), hi);
    vst1q_u16(out + i, vreinterpretq_u16_f16(h));
  }
  for (; i < n; ++i) out[i] = FloatToHalfBits(in[i]);
}

}  // namespace ragdb::simd::neon
#endif  // __aarch64__
