// Helpers shared by the AVX2 kernel files. Only included by translation units that are compiled
// for the baseline target: every function here carries RAGDB_AVX2 (a per-function target
// attribute), so nothing AVX2 leaks into code that runs before dispatch has checked the CPU.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

// popcnt is listed because every AVX2 CPU has it and dispatch checks it too; without it GCC would
// lower std::popcount to a libgcc call in the Hamming tail.
#define RAGDB_AVX2 __attribute__((target("avx2,fma,f16c,popcnt")))

namespace ragdb::simd::avx2 {

// Sum of the 8 lanes as ((l0+l4)+(l1+l5)) + ((l2+l6)+(l3+l7)); HSum4 uses the same order.
RAGDB_AVX2 inline float HSum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  __m128 odd = _mm_movehdup_ps(x);    // x1 x1 x3 x3
  __m128 pairs = _mm_add_ps(x, odd);  // x0+x1 . x2+x3 .
  return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_movehl_ps(odd, pairs)));
}

// The four horizontal sums {HSum(a), HSum(b), HSum(c), HSum(d)} in one vector, so a 4-row batch
// stores its results with one instruction.
RAGDB_AVX2 inline __m128 HSum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  __m128 ra = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  __m128 rb = _mm_add_ps(_mm256_castps256_ps128(b), _mm256_extractf128_ps(b, 1));
  __m128 rc = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
  __m128 rd = _mm_add_ps(_mm256_castps256_ps128(d), _mm256_extractf128_ps(d, 1));
  return _mm_hadd_ps(_mm_hadd_ps(ra, rb), _mm_hadd_ps(rc, rd));
}

RAGDB_AVX2 inline int32_t HSumI32(__m256i v) {
  __m128i x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  x = _mm_add_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(1, 0, 3, 2)));
  x = _mm_add_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(x);
}

// kTailMask + 8 - r is a lane mask with the first r (0..8) lanes set.
inline constexpr int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

RAGDB_AVX2 inline __m256i TailMask(size_t r) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - r));
}

// Eight elements as float32. The Tail forms read only the first r < 8 elements (the rest are 0),
// so they never touch memory past the end of a row, which may be the end of a mapping.
RAGDB_AVX2 inline __m256 Load8(const float* p) { return _mm256_loadu_ps(p); }
RAGDB_AVX2 inline __m256 Load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
RAGDB_AVX2 inline __m256 LoadTail(const float* p, __m256i mask) {
  return _mm256_maskload_ps(p, mask);
}
RAGDB_AVX2 inline __m256 LoadTail(const uint16_t* p, size_t r, __m256i /*mask*/) {
  // There is no masked 16-bit load in AVX2; a short copy is cheap next to a whole row.
  uint16_t buf[8] = {};
  std::memcpy(buf, p, r * sizeof(uint16_t));
  return Load8(buf);
}
RAGDB_AVX2 inline __m256 LoadTail(const float* p, size_t /*r*/, __m256i mask) {
  return LoadTail(p, mask);
}

// Eight SQ8 codes widened to float32.
RAGDB_AVX2 inline __m256 LoadCodes8(const uint8_t* p) {
  __m128i c = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c));
}
RAGDB_AVX2 inline __m256 LoadCodesTail(const uint8_t* p, size_t r) {
  uint8_t buf[8] = {};
  std::memcpy(buf, p, r);
  return LoadCodes8(buf);
}

}  // namespace ragdb::simd::avx2

#endif  // __x86_64__
