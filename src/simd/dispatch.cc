// Gathers each level's kernels into a Kernels table and picks one at run time.
#include <cmath>

#include "simd/distance.h"
#include "simd/distance_impl.h"

namespace ragdb::simd {
namespace {

// Designated initialisers: a field added to Kernels and forgotten here is a -Wextra warning
// (missing initializer), and the tests call every field.
#define RAGDB_SIMD_KERNEL_TABLE(ns, lvl)                                                       \
  Kernels {                                                                                    \
    .level = lvl, .l2sqr = ns::L2Sqr, .dot = ns::Dot, .cosine = ns::Cosine,                    \
    .l2sqr_batch = ns::L2SqrBatch, .dot_batch = ns::DotBatch, .cosine_batch = ns::CosineBatch, \
    .l2sqr_f16 = ns::L2SqrF16, .dot_f16 = ns::DotF16, .cosine_f16 = ns::CosineF16,             \
    .l2sqr_f16_batch = ns::L2SqrF16Batch, .dot_f16_batch = ns::DotF16Batch,                    \
    .l2sqr_i8 = ns::L2SqrI8, .dot_i8 = ns::DotI8, .l2sqr_i8_batch = ns::L2SqrI8Batch,          \
    .dot_i8_batch = ns::DotI8Batch, .hamming = ns::Hamming, .hamming_batch = ns::HammingBatch, \
    .l2sqr_sq8 = ns::L2SqrSq8, .dot_sq8 = ns::DotSq8, .l2sqr_sq8_batch = ns::L2SqrSq8Batch,    \
    .dot_sq8_batch = ns::DotSq8Batch, .half_to_float = ns::HalfToFloat,                        \
    .float_to_half = ns::FloatToHalf, .select_below = ns::SelectBelow,                         \
  }

const Kernels kScalarKernels = RAGDB_SIMD_KERNEL_TABLE(scalar, SimdLevel::kScalar);

#if defined(__x86_64__)
const Kernels kAvx2Kernels = RAGDB_SIMD_KERNEL_TABLE(avx2, SimdLevel::kAvx2);

// Everything the avx2 kernels are compiled for (see RAGDB_AVX2 in avx2_common.h).
bool CpuHasAvx2Kernels() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma && f.f16c && __builtin_cpu_supports("popcnt");
}
#endif

#if defined(__aarch64__)
const Kernels kNeonKernels = RAGDB_SIMD_KERNEL_TABLE(neon, SimdLevel::kNeon);
#endif

#undef RAGDB_SIMD_KERNEL_TABLE

}  // namespace

const Kernels& KernelsFor(SimdLevel level) {
#if defined(__x86_64__)
  if (level == SimdLevel::kAvx2 && CpuHasAvx2Kernels()) return kAvx2Kernels;
#endif
#if defined(__aarch64__)
  if (level == SimdLevel::kNeon && GetCpuFeatures().neon) return kNeonKernels;
#endif
  (void)level;
  return kScalarKernels;
}

const Kernels& Active() {
  static const Kernels& k = KernelsFor(ActiveSimdLevel());
  return k;
}

float Normalize(float* v, size_t d) {
  float norm = std::sqrt(Active().dot(v, v, d));
  if (norm > 0) {
    const float inv = 1.0f / norm;
    // Eight at a time with a fixed inner count, which -O2's cost model vectorizes.
    size_t i = 0;
    for (; i + 8 <= d; i += 8) {
      for (size_t j = 0; j < 8; ++j) v[i + j] *= inv;
    }
    for (; i < d; ++i) v[i] *= inv;
  }
  return norm;
}

}  // namespace ragdb::simd
