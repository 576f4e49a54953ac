// AArch64 Advanced SIMD (NEON) float kernels. NEON is part of the AArch64 baseline, so these
// need no target attributes; dispatch.cc still reaches them only after the HWCAP check. Four
// accumulators of four lanes hide the FMA latency, as the AVX2 set does with two of eight.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>

#include "simd/distance_impl.h"

namespace ragdb::simd::neon {

float L2Sqr(const float* a, const float* b, size_t d) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    float32x4_t t0 = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
    float32x4_t t1 = vsubq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    float32x4_t t2 = vsubq_f32(vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
    float32x4_t t3 = vsubq_f32(vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    s0 = vfmaq_f32(s0, t0, t0);
    s1 = vfmaq_f32(s1, t1, t1);
    s2 = vfmaq_f32(s2, t2, t2);
    s3 = vfmaq_f32(s3, t3, t3);
  }
  for (; i + 4 <= d; i += 4) {
    float32x4_t t = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
    s0 = vfmaq_f32(s0, t, t);
  }
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
  for (; i < d; ++i) {
    float t = a[i] - b[i];
    s += t * t;
  }
  return s;
}

float Dot(const float* a, const float* b, size_t d) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
    s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
  }
  for (; i + 4 <= d; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
  for (; i < d; ++i) s += a[i] * b[i];
  return s;
}

float Cosine(const float* a, const float* b, size_t d) {
  float32x4_t ab = vdupq_n_f32(0), aa = ab, bb = ab;
  size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    float32x4_t x = vld1q_f32(a + i), y = vld1q_f32(b + i);
    ab = vfmaq_f32(ab, x, y);
    aa = vfmaq_f32(aa, x, x);
    bb = vfmaq_f32(bb, y, y);
  }
  float sab = vaddvq_f32(ab), saa = vaddvq_f32(aa), sbb = vaddvq_f32(bb);
  for (; i < d; ++i) {
    sab += a[i] * b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
  }
  if (saa == 0 || sbb == 0) return 0;
  return sab / (std::sqrt(saa) * std::sqrt(sbb));
}

void L2SqrBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2Sqr(q, base + i * d, d);
}

void DotBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = Dot(q, base + i * d, d);
}

void CosineBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = Cosine(q, base + i * d, d);
}

size_t SelectBelow(const float* dots, const float* norms, size_t n, float threshold, uint32_t* idx,
                   float* dist) {
  // Four distances at a time; the (rare) survivors are written in order one by one.
  size_t m = 0, i = 0;
  const float32x4_t t = vdupq_n_f32(threshold);
  for (; i + 4 <= n; i += 4) {
    float32x4_t dp = vld1q_f32(dots + i);
    float32x4_t v =
        norms != nullptr ? vsubq_f32(vld1q_f32(norms + i), vaddq_f32(dp, dp)) : vnegq_f32(dp);
    if (vmaxvq_u32(vcltq_f32(v, t)) == 0) continue;
    float lanes[4];
    vst1q_f32(lanes, v);
    for (size_t j = 0; j < 4; ++j) {
      if (lanes[j] < threshold) {
        idx[m] = static_cast<uint32_t>(i + j);
        dist[m++] = lanes[j];
      }
    }
  }
  for (; i < n; ++i) {
    const float v = norms != nullptr ? norms[i] - (dots[i] + dots[i]) : -dots[i];
    if (v < threshold) {
      idx[m] = static_cast<uint32_t>(i);
      dist[m++] = v;
    }
  }
  return m;
}

}  // namespace ragdb::simd::neon
#endif  // __aarch64__
