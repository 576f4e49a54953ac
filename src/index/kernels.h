// Distance kernels the index layer needs in its hot loops, chosen once at run time.
//
// TODO(simd): move these into src/simd/distance.h once its AVX2 set lands. They live here for now
// because the shared dispatch table only had scalar float kernels when the index was written, and
// HNSW/IVF need the SQ8 "pre-shifted query" forms below, which that header does not have.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ragdb::index {

struct IndexKernels {
  // Squared L2 and inner product over float32 rows.
  float (*l2)(const float* a, const float* b, size_t d);
  float (*dot)(const float* a, const float* b, size_t d);
  // SQ8, query prepared per query so the inner loop is one FMA chain:
  //   l2:  sum_i (qs[i] - code[i] * scale[i])^2   with qs = q - vmin
  //   dot: sum_i qs[i] * code[i]                  with qs = q * scale (caller adds dot(q, vmin))
  float (*sq8_l2)(const float* qs, const uint8_t* code, const float* scale, size_t d);
  float (*sq8_dot)(const float* qs, const uint8_t* code, size_t d);
  // float32 query against float16 / int8 / uint8 rows (integer rows are read as plain integers).
  float (*f16_l2)(const float* q, const uint16_t* x, size_t d);
  float (*f16_dot)(const float* q, const uint16_t* x, size_t d);
  float (*i8_l2)(const float* q, const int8_t* x, size_t d);
  float (*i8_dot)(const float* q, const int8_t* x, size_t d);
  float (*u8_l2)(const float* q, const uint8_t* x, size_t d);
  float (*u8_dot)(const float* q, const uint8_t* x, size_t d);
  uint32_t (*hamming)(const uint8_t* a, const uint8_t* b, size_t nbytes);
  bool simd;  // a SIMD set (AVX2 or NEON), not the scalar one
};

// AVX2+FMA+F16C kernels on x86-64 CPUs that have them, NEON on aarch64 (unless RAGDB_SIMD is
// "scalar"), scalar otherwise.
const IndexKernels& Kernels();
// The portable set, for tests that compare paths.
const IndexKernels& ScalarKernels();

// IEEE binary16 -> float32 (exact).
float HalfToFloat(uint16_t h);
// float32 -> IEEE binary16, round to nearest even.
uint16_t FloatToHalf(float f);

inline void Prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }
// Prefetches `bytes` starting at p, one cache line at a time (at most 4 lines: the first lines
// are what the kernel touches first; the hardware prefetcher picks up the rest).
inline void PrefetchRow(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  size_t lines = (bytes + 63) / 64;
  if (lines > 4) lines = 4;
  for (size_t i = 0; i < lines; ++i) __builtin_prefetch(c + i * 64, 0, 3);
}

}  // namespace ragdb::index
