#include <cmath>

#include "simd/distance.h"
#include "simd/distance_impl.h"

namespace ragdb::simd {

const Kernels& KernelsFor(SimdLevel level) {
  static const Kernels kScalar{SimdLevel::kScalar, scalar::L2Sqr,      scalar::Dot,
                               scalar::Cosine,     scalar::L2SqrBatch, scalar::DotBatch};
  (void)level;
  return kScalar;
}

const Kernels& Active() {
  static const Kernels& k = KernelsFor(ActiveSimdLevel());
  return k;
}

float Normalize(float* v, size_t d) {
  float norm = std::sqrt(Active().dot(v, v, d));
  if (norm > 0) {
    float inv = 1.0f / norm;
    for (size_t i = 0; i < d; ++i) v[i] *= inv;
  }
  return norm;
}

}  // namespace ragdb::simd
