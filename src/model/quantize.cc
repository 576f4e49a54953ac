#include "model/quantize.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/cpu.h"

namespace ragdb::model {
namespace {

// Scale and zero point for the range [lo, hi], lo <= 0 <= hi. Shared by both paths so they
// produce the same bytes.
RowQuant RangeToQuant(float lo, float hi) {
  RowQuant r;
  if (!(hi > lo)) return r;  // all zeros (or NaN): scale 1, zero point 0
  r.scale = (hi - lo) / 255.0f;
  r.zero_point = std::clamp(static_cast<int32_t>(std::nearbyint(-lo / r.scale)), 0, 255);
  return r;
}

#if defined(__x86_64__)
// round(x * inv) + zp for 8 floats, as int32.
__attribute__((target("avx2"))) inline __m256i ToInt(const float* x, __m256 inv, __m256i zp) {
  return _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), inv)), zp);
}

__attribute__((target("avx2"))) RowQuant QuantizeRowU8Avx2(const float* x, size_t k, uint8_t* q) {
  __m256 vlo = _mm256_setzero_ps(), vhi = _mm256_setzero_ps();
  size_t j = 0;
  for (; j + 8 <= k; j += 8) {
    __m256 v = _mm256_loadu_ps(x + j);
    vlo = _mm256_min_ps(vlo, v);
    vhi = _mm256_max_ps(vhi, v);
  }
  alignas(32) float lo8[8], hi8[8];
  _mm256_store_ps(lo8, vlo);
  _mm256_store_ps(hi8, vhi);
  float lo = 0.0f, hi = 0.0f;
  for (int i = 0; i < 8; ++i) {
    lo = std::min(lo, lo8[i]);
    hi = std::max(hi, hi8[i]);
  }
  for (; j < k; ++j) {
    lo = std::min(lo, x[j]);
    hi = std::max(hi, x[j]);
  }
  const RowQuant r = RangeToQuant(lo, hi);
  const float inv = 1.0f / r.scale;
  const __m256 vinv = _mm256_set1_ps(inv);
  const __m256i vzp = _mm256_set1_epi32(r.zero_point);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  // cvtps_epi32 rounds to nearest even (the default MXCSR mode), like nearbyint in the scalar
  // path; the saturating packs are the clamp to 0..255.
  for (j = 0; j + 32 <= k; j += 32) {
    __m256i ab = _mm256_packs_epi32(ToInt(x + j, vinv, vzp), ToInt(x + j + 8, vinv, vzp));
    __m256i cd = _mm256_packs_epi32(ToInt(x + j + 16, vinv, vzp), ToInt(x + j + 24, vinv, vzp));
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + j), bytes);
  }
  for (; j < k; ++j) {
    q[j] = static_cast<uint8_t>(
        std::clamp(static_cast<int32_t>(std::nearbyint(x[j] * inv)) + r.zero_point, 0, 255));
  }
  return r;
}
#endif  // __x86_64__

}  // namespace

bool UseInt8Avx2() {
#if defined(__x86_64__)
  static const bool v = __builtin_cpu_supports("avx2") && ActiveSimdLevel() != SimdLevel::kScalar;
  return v;
#else
  return false;
#endif
}

void QuantizeWeightsPerChannel(const float* w, size_t n, size_t k, int8_t* q, float* scale) {
  for (size_t j = 0; j < n; ++j) {
    const float* row = w + j * k;
    float mx = 0.0f;
    for (size_t i = 0; i < k; ++i) mx = std::max(mx, std::abs(row[i]));
    const float s = mx > 0.0f ? mx / static_cast<float>(kWeightQMax) : 1.0f;
    const float inv = 1.0f / s;
    for (size_t i = 0; i < k; ++i) {
      q[j * k + i] = static_cast<int8_t>(std::clamp(
          static_cast<int32_t>(std::nearbyint(row[i] * inv)), -kWeightQMax, kWeightQMax));
    }
    scale[j] = s;
  }
}

RowQuant QuantizeRowU8Scalar(const float* x, size_t k, uint8_t* q) {
  float lo = 0.0f, hi = 0.0f;
  for (size_t j = 0; j < k; ++j) {
    lo = std::min(lo, x[j]);
    hi = std::max(hi, x[j]);
  }
  const RowQuant r = RangeToQuant(lo, hi);
  const float inv = 1.0f / r.scale;
  for (size_t j = 0; j < k; ++j) {
    q[j] = static_cast<uint8_t>(
        std::clamp(static_cast<int32_t>(std::nearbyint(x[j] * inv)) + r.zero_point, 0, 255));
  }
  return r;
}

RowQuant QuantizeRowU8(const float* x, size_t k, uint8_t* q) {
#if defined(__x86_64__)
  if (UseInt8Avx2()) return QuantizeRowU8Avx2(x, k, q);
#endif
  return QuantizeRowU8Scalar(x, k, q);
}

}  // namespace ragdb::model
