// The reference kernels: plain loops, the ground truth every SIMD variant is tested against.
#include <cmath>

#include "simd/distance.h"
#include "simd/distance_impl.h"

namespace ragdb::simd::scalar {

float L2Sqr(const float* a, const float* b, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = a[i] - b[i];
    s += t * t;
  }
  return s;
}

float Dot(const float* a, const float* b, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

float Cosine(const float* a, const float* b, size_t d) {
  float ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < d; ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa == 0 || bb == 0) return 0;
  return ab / (std::sqrt(aa) * std::sqrt(bb));
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
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    const float d = norms != nullptr ? norms[i] - (dots[i] + dots[i]) : -dots[i];
    if (d < threshold) {
      idx[m] = static_cast<uint32_t>(i);
      dist[m++] = d;
    }
  }
  return m;
}

}  // namespace ragdb::simd::scalar
