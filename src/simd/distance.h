// Distance kernels. Every function has a scalar version (the reference) and, where the CPU has
// them, faster versions chosen once at run time (see base/cpu.h); Active() returns the chosen set.
//
// Conventions: vectors are contiguous float32 rows; `d` is the dimension (any value >= 1, odd tails
// included). L2Sqr is the squared Euclidean distance, Dot the inner product, Cosine the cosine
// similarity (0 when either vector is zero).
//
// Compressed element types (for approximate indexes), each with the same conventions:
//   - float16: rows are IEEE binary16 bit patterns (uint16_t); the query stays float32.
//   - int8: both sides int8_t, exact int32 accumulation. L2Sqr is exact for d <= 33025 and Dot for
//     d <= 131071 (beyond that int32 could overflow; no caller stores vectors that long).
//   - binary: packed bits, `nbytes` bytes per vector; Hamming counts differing bits.
//   - SQ8: one uint8_t code per dimension, decoded as x[i] = vmin[i] + code[i] * scale[i]; the
//   query
//     stays float32.
// Batch forms take one query and n rows stored contiguously (row i at base + i * row_size).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/cpu.h"

namespace ragdb::simd {

using FloatDistanceFn = float (*)(const float* a, const float* b, size_t d);
// One query against n rows stored contiguously (row i at base + i * d); writes out[0..n).
using FloatBatchFn = void (*)(const float* q, const float* base, size_t n, size_t d, float* out);

// float32 query `q` against a float16 row `x`.
using HalfDistanceFn = float (*)(const float* q, const uint16_t* x, size_t d);
using HalfBatchFn = void (*)(const float* q, const uint16_t* base, size_t n, size_t d, float* out);

using Int8DistanceFn = int32_t (*)(const int8_t* a, const int8_t* b, size_t d);
using Int8BatchFn = void (*)(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out);

using HammingFn = uint32_t (*)(const uint8_t* a, const uint8_t* b, size_t nbytes);
using HammingBatchFn = void (*)(const uint8_t* q, const uint8_t* base, size_t n, size_t nbytes,
                                uint32_t* out);

// float32 query `q` against one SQ8 code row, decoded with the per-dimension vmin/scale.
using Sq8DistanceFn = float (*)(const float* q, const uint8_t* code, const float* vmin,
                                const float* scale, size_t d);
// Code row i at codes + i * d.
using Sq8BatchFn = void (*)(const float* q, const uint8_t* codes, size_t n, size_t d,
                            const float* vmin, const float* scale, float* out);

// Candidate selection after a matrix product (batched exact search): for i < n,
// d_i = norms ? norms[i] - 2 * dots[i] : -dots[i]; writes each i with d_i < threshold (in
// increasing order) to idx and its d_i to dist, and returns how many. Every level computes d_i
// with the same two roundings, so all levels select the same rows.
using SelectBelowFn = size_t (*)(const float* dots, const float* norms, size_t n, float threshold,
                                 uint32_t* idx, float* dist);

using HalfToFloatFn = void (*)(const uint16_t* in, float* out, size_t n);
using FloatToHalfFn = void (*)(const float* in, uint16_t* out, size_t n);

// One instruction set's kernels. The first six fields are the original layout; new fields are only
// ever appended so positional initialisers elsewhere keep compiling.
struct Kernels {
  SimdLevel level;
  FloatDistanceFn l2sqr;
  FloatDistanceFn dot;
  FloatDistanceFn cosine;
  FloatBatchFn l2sqr_batch;
  FloatBatchFn dot_batch;
  FloatBatchFn cosine_batch;

  HalfDistanceFn l2sqr_f16;
  HalfDistanceFn dot_f16;
  HalfDistanceFn cosine_f16;
  HalfBatchFn l2sqr_f16_batch;
  HalfBatchFn dot_f16_batch;

  Int8DistanceFn l2sqr_i8;
  Int8DistanceFn dot_i8;
  Int8BatchFn l2sqr_i8_batch;
  Int8BatchFn dot_i8_batch;

  HammingFn hamming;
  HammingBatchFn hamming_batch;

  Sq8DistanceFn l2sqr_sq8;
  Sq8DistanceFn dot_sq8;
  Sq8BatchFn l2sqr_sq8_batch;
  Sq8BatchFn dot_sq8_batch;

  HalfToFloatFn half_to_float;  // round trip is exact: every half is a float
  FloatToHalfFn float_to_half;  // round to nearest even; overflow to inf; NaN stays NaN

  SelectBelowFn select_below;
};

// The kernels for a level (the scalar set for levels this CPU lacks).
const Kernels& KernelsFor(SimdLevel level);
// The kernels for ActiveSimdLevel(), chosen once.
const Kernels& Active();

inline float L2Sqr(const float* a, const float* b, size_t d) { return Active().l2sqr(a, b, d); }
inline float Dot(const float* a, const float* b, size_t d) { return Active().dot(a, b, d); }
inline float Cosine(const float* a, const float* b, size_t d) { return Active().cosine(a, b, d); }

// out[i] = L2Sqr(q, base + i * d) for i < n.
inline void L2SqrBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  Active().l2sqr_batch(q, base, n, d, out);
}
// out[i] = Dot(q, base + i * d) for i < n.
inline void DotBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  Active().dot_batch(q, base, n, d, out);
}
// out[i] = Cosine(q, base + i * d) for i < n.
inline void CosineBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  Active().cosine_batch(q, base, n, d, out);
}

// Squared L2 distance between a float32 query and a float16 row.
inline float L2SqrF16(const float* q, const uint16_t* x, size_t d) {
  return Active().l2sqr_f16(q, x, d);
}
// Inner product of a float32 query and a float16 row.
inline float DotF16(const float* q, const uint16_t* x, size_t d) {
  return Active().dot_f16(q, x, d);
}
// Cosine similarity of a float32 query and a float16 row (0 when either is zero).
inline float CosineF16(const float* q, const uint16_t* x, size_t d) {
  return Active().cosine_f16(q, x, d);
}
// out[i] = L2SqrF16(q, base + i * d) for i < n.
inline void L2SqrF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out) {
  Active().l2sqr_f16_batch(q, base, n, d, out);
}
// out[i] = DotF16(q, base + i * d) for i < n.
inline void DotF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out) {
  Active().dot_f16_batch(q, base, n, d, out);
}

// Exact squared L2 distance between two int8 vectors.
inline int32_t L2SqrI8(const int8_t* a, const int8_t* b, size_t d) {
  return Active().l2sqr_i8(a, b, d);
}
// Exact inner product of two int8 vectors.
inline int32_t DotI8(const int8_t* a, const int8_t* b, size_t d) {
  return Active().dot_i8(a, b, d);
}
// out[i] = L2SqrI8(q, base + i * d) for i < n.
inline void L2SqrI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  Active().l2sqr_i8_batch(q, base, n, d, out);
}
// out[i] = DotI8(q, base + i * d) for i < n.
inline void DotI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  Active().dot_i8_batch(q, base, n, d, out);
}

// Number of differing bits between two packed bit vectors of nbytes bytes.
inline uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  return Active().hamming(a, b, nbytes);
}
// out[i] = Hamming(q, base + i * nbytes) for i < n.
inline void HammingBatch(const uint8_t* q, const uint8_t* base, size_t n, size_t nbytes,
                         uint32_t* out) {
  Active().hamming_batch(q, base, n, nbytes, out);
}

// Squared L2 distance between a float32 query and the decoded SQ8 row vmin + code * scale.
inline float L2SqrSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale,
                      size_t d) {
  return Active().l2sqr_sq8(q, code, vmin, scale, d);
}
// Inner product of a float32 query and the decoded SQ8 row vmin + code * scale.
inline float DotSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale,
                    size_t d) {
  return Active().dot_sq8(q, code, vmin, scale, d);
}
// out[i] = L2SqrSq8(q, codes + i * d, vmin, scale, d) for i < n.
inline void L2SqrSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d,
                          const float* vmin, const float* scale, float* out) {
  Active().l2sqr_sq8_batch(q, codes, n, d, vmin, scale, out);
}
// out[i] = DotSq8(q, codes + i * d, vmin, scale, d) for i < n.
inline void DotSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d, const float* vmin,
                        const float* scale, float* out) {
  Active().dot_sq8_batch(q, codes, n, d, vmin, scale, out);
}

// Converts n float16 values to float32 (exact).
inline void HalfToFloat(const uint16_t* in, float* out, size_t n) {
  Active().half_to_float(in, out, n);
}
// Converts n float32 values to float16, rounding to nearest even (bit-identical on every level).
inline void FloatToHalf(const float* in, uint16_t* out, size_t n) {
  Active().float_to_half(in, out, n);
}

// Scales v to unit length in place (no-op for the zero vector); returns the original norm.
float Normalize(float* v, size_t d);

}  // namespace ragdb::simd
