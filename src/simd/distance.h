// Distance kernels. Every function has a scalar version (the reference) and, where the CPU has
// them, faster versions chosen once at run time (see base/cpu.h); Active() returns the chosen set.
//
// Conventions: vectors are contiguous float32 rows; `d` is the dimension (any value >= 1, odd tails
// included). L2Sqr is the squared Euclidean distance, Dot the inner product, Cosine the cosine
// similarity (0 when either vector is zero).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/cpu.h"

namespace ragdb::simd {

using FloatDistanceFn = float (*)(const float* a, const float* b, size_t d);
// One query against n rows stored contiguously (row i at base + i * d); writes out[0..n).
using FloatBatchFn = void (*)(const float* q, const float* base, size_t n, size_t d, float* out);

struct Kernels {
  SimdLevel level;
  FloatDistanceFn l2sqr;
  FloatDistanceFn dot;
  FloatDistanceFn cosine;
  FloatBatchFn l2sqr_batch;
  FloatBatchFn dot_batch;
};

// The kernels for a level (the scalar set for levels this CPU lacks).
const Kernels& KernelsFor(SimdLevel level);
// The kernels for ActiveSimdLevel(), chosen once.
const Kernels& Active();

inline float L2Sqr(const float* a, const float* b, size_t d) { return Active().l2sqr(a, b, d); }
inline float Dot(const float* a, const float* b, size_t d) { return Active().dot(a, b, d); }
inline float Cosine(const float* a, const float* b, size_t d) { return Active().cosine(a, b, d); }

// Scales v to unit length in place (no-op for the zero vector); returns the original norm.
float Normalize(float* v, size_t d);

}  // namespace ragdb::simd
