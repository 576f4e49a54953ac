// AVX2 kernels for the compressed element types: int8, binary (Hamming), SQ8, and the float16
// conversions. (float16 distances share the float templates in distance_avx2.cc.)
// Per-function target attributes only; see avx2_common.h.
#include "simd/avx2_common.h"
#include "simd/distance_impl.h"
#include "simd/half.h"

#if defined(__x86_64__)

#include <bit>

namespace ragdb::simd::avx2 {
namespace {

// ---- int8 ----------------------------------------------------------------------------------
// Sign-extend 16 bytes to 16 x int16 and use vpmaddwd, which multiplies int16 pairs and adds
// neighbours into int32 lanes. For L2 the difference (-255..255) still fits int16 and a lane's
// pair sum is at most 2 * 255^2, so nothing saturates; vpmaddubsw would be faster but saturates
// at int16, which breaks exactness.

RAGDB_AVX2 inline __m256i Widen16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

template <bool kL2>
RAGDB_AVX2 inline __m256i AccumulateI8(__m256i a16, __m256i b16, __m256i acc) {
  if constexpr (kL2) {
    const __m256i t = _mm256_sub_epi16(a16, b16);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(t, t));
  } else {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a16, b16));
  }
}

template <bool kL2>
inline int32_t ScalarTailI8(const int8_t* a, const int8_t* b, size_t n) {
  int32_t s = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t x = a[i], y = b[i];
    s += kL2 ? (x - y) * (x - y) : x * y;
  }
  return s;
}

template <bool kL2>
RAGDB_AVX2 int32_t SingleI8(const int8_t* a, const int8_t* b, size_t d) {
  __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= d; i += 32) {
    s0 = AccumulateI8<kL2>(Widen16(a + i), Widen16(b + i), s0);
    s1 = AccumulateI8<kL2>(Widen16(a + i + 16), Widen16(b + i + 16), s1);
  }
  if (i + 16 <= d) {
    s0 = AccumulateI8<kL2>(Widen16(a + i), Widen16(b + i), s0);
    i += 16;
  }
  return HSumI32(_mm256_add_epi32(s0, s1)) + ScalarTailI8<kL2>(a + i, b + i, d - i);
}

template <bool kL2>
RAGDB_AVX2 void BatchI8(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  size_t i = 0;
  const size_t body = d & ~size_t{15};
  for (; i + 4 <= n; i += 4) {
    const int8_t* x0 = base + i * d;
    const int8_t* x1 = x0 + d;
    const int8_t* x2 = x1 + d;
    const int8_t* x3 = x2 + d;
    _mm_prefetch(reinterpret_cast<const char*>(x0 + 16 * d), _MM_HINT_T0);
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    __m256i s2 = _mm256_setzero_si256(), s3 = _mm256_setzero_si256();
    for (size_t j = 0; j < body; j += 16) {
      const __m256i q16 = Widen16(q + j);
      s0 = AccumulateI8<kL2>(q16, Widen16(x0 + j), s0);
      s1 = AccumulateI8<kL2>(q16, Widen16(x1 + j), s1);
      s2 = AccumulateI8<kL2>(q16, Widen16(x2 + j), s2);
      s3 = AccumulateI8<kL2>(q16, Widen16(x3 + j), s3);
    }
    const size_t r = d - body;
    out[i] = HSumI32(s0) + ScalarTailI8<kL2>(q + body, x0 + body, r);
    out[i + 1] = HSumI32(s1) + ScalarTailI8<kL2>(q + body, x1 + body, r);
    out[i + 2] = HSumI32(s2) + ScalarTailI8<kL2>(q + body, x2 + body, r);
    out[i + 3] = HSumI32(s3) + ScalarTailI8<kL2>(q + body, x3 + body, r);
  }
  for (; i < n; ++i) out[i] = SingleI8<kL2>(q, base + i * d, d);
}

// ---- binary --------------------------------------------------------------------------------
// Popcount of 32 bytes at once with the nibble lookup table (vpshufb), summed into 64-bit lanes
// by vpsadbw. Per 32 bytes that is ~9 vector uops against ~16 for four scalar popcnt on 8-byte
// words (load, xor, popcnt, add each). bench/kernels_bench.cc (in_cache/hamming_*), dev machine
// (Zen-class, 2 cores): 96-byte codes 29 GB/s vpshufb vs 19 GB/s popcnt64, 192-byte 37 vs 19.
// For 16-byte codes the vector setup and reduction per row cost more than they save (2.5 vs 6.9
// GB/s before this split), so codes under 64 bytes use only 64-bit popcnt, as do longer tails.

RAGDB_AVX2 inline __m256i PopcountBytes(__m256i x) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(x, low));
  const __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
  return _mm256_add_epi8(lo, hi);
}

RAGDB_AVX2 inline __m256i XorLoad(const uint8_t* a, const uint8_t* b) {
  return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)),
                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)));
}

RAGDB_AVX2 inline uint64_t HammingWords(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= nbytes; i += 8) {
    uint64_t wa, wb;
    std::memcpy(&wa, a + i, 8);
    std::memcpy(&wb, b + i, 8);
    count += static_cast<uint64_t>(__builtin_popcountll(wa ^ wb));
  }
  for (; i < nbytes; ++i) count += static_cast<uint64_t>(__builtin_popcount(a[i] ^ b[i]));
  return count;
}

}  // namespace

RAGDB_AVX2 uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  if (nbytes < 64) return static_cast<uint32_t>(HammingWords(a, b, nbytes));
  __m256i acc = _mm256_setzero_si256();
  const __m256i zero = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 64 <= nbytes; i += 64) {
    // Two blocks' byte counts (each <= 8) are added before the widening vpsadbw.
    const __m256i c = _mm256_add_epi8(PopcountBytes(XorLoad(a + i, b + i)),
                                      PopcountBytes(XorLoad(a + i + 32, b + i + 32)));
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(c, zero));
  }
  if (i + 32 <= nbytes) {
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(PopcountBytes(XorLoad(a + i, b + i)), zero));
    i += 32;
  }
  const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  const uint64_t vec =
      static_cast<uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<uint64_t>(_mm_extract_epi64(s, 1));
  return static_cast<uint32_t>(vec + HammingWords(a + i, b + i, nbytes - i));
}

RAGDB_AVX2 void HammingBatch(const uint8_t* q, const uint8_t* base, size_t n, size_t nbytes,
                             uint32_t* out) {
  if (nbytes < 64) {
    // Short codes: the inlined word loop, without a call and vector setup per row.
    for (size_t i = 0; i < n; ++i) {
      out[i] = static_cast<uint32_t>(HammingWords(q, base + i * nbytes, nbytes));
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(base + (i + 8) * nbytes), _MM_HINT_T0);
    out[i] = Hamming(q, base + i * nbytes, nbytes);
  }
}

// ---- int8 entry points ----------------------------------------------------------------------

RAGDB_AVX2 int32_t L2SqrI8(const int8_t* a, const int8_t* b, size_t d) {
  return SingleI8<true>(a, b, d);
}
RAGDB_AVX2 int32_t DotI8(const int8_t* a, const int8_t* b, size_t d) {
  return SingleI8<false>(a, b, d);
}
RAGDB_AVX2 void L2SqrI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d,
                             int32_t* out) {
  BatchI8<true>(q, base, n, d, out);
}
RAGDB_AVX2 void DotI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  BatchI8<false>(q, base, n, d, out);
}

// ---- SQ8 -----------------------------------------------------------------------------------
// The decoded value is vmin + c * scale. Rewriting the terms so the code is the only per-row input
// lets a batch share everything else across its four rows:
//   L2:  q - (vmin + c * s) = r - c * s   with r = q - vmin      (one fnmadd + one fmadd per row)
//   Dot: q . (vmin + c * s) = q . vmin + (q * s) . c             (one fmadd per row, plus a bias
//                                                                  computed once per batch)

namespace {

template <bool kL2>
RAGDB_AVX2 inline __m256 AccumulateSq8(__m256 shared, __m256 s, __m256 c, __m256 acc) {
  if constexpr (kL2) {
    const __m256 t = _mm256_fnmadd_ps(c, s, shared);  // shared = q - vmin
    return _mm256_fmadd_ps(t, t, acc);
  } else {
    return _mm256_fmadd_ps(shared, c, acc);  // shared = q * scale
  }
}

template <bool kL2>
RAGDB_AVX2 inline __m256 SharedSq8(__m256 q, __m256 vmin, __m256 s) {
  if constexpr (kL2) {
    return _mm256_sub_ps(q, vmin);
  } else {
    return _mm256_mul_ps(q, s);
  }
}

template <bool kL2>
RAGDB_AVX2 float SingleSq8(const float* q, const uint8_t* code, const float* vmin,
                           const float* scale, size_t d) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  // Dot accumulates q * vmin alongside in s2/s3 rather than in a separate pass.
  for (; i + 16 <= d; i += 16) {
    const __m256 q0 = Load8(q + i), q1 = Load8(q + i + 8);
    const __m256 v0 = Load8(vmin + i), v1 = Load8(vmin + i + 8);
    const __m256 k0 = Load8(scale + i), k1 = Load8(scale + i + 8);
    s0 = AccumulateSq8<kL2>(SharedSq8<kL2>(q0, v0, k0), k0, LoadCodes8(code + i), s0);
    s1 = AccumulateSq8<kL2>(SharedSq8<kL2>(q1, v1, k1), k1, LoadCodes8(code + i + 8), s1);
    if constexpr (!kL2) {
      s2 = _mm256_fmadd_ps(q0, v0, s2);
      s3 = _mm256_fmadd_ps(q1, v1, s3);
    }
  }
  for (; i < d; i += 8) {
    // Masked lanes: q = vmin = scale = 0 and code = 0, so they add 0.
    const size_t r = d - i < 8 ? d - i : 8;
    const __m256i m = TailMask(r);
    const __m256 q0 = LoadTail(q + i, m), v0 = LoadTail(vmin + i, m), k0 = LoadTail(scale + i, m);
    s0 = AccumulateSq8<kL2>(SharedSq8<kL2>(q0, v0, k0), k0, LoadCodesTail(code + i, r), s0);
    if constexpr (!kL2) s2 = _mm256_fmadd_ps(q0, v0, s2);
  }
  return HSum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

template <bool kL2>
RAGDB_AVX2 void BatchSq8(const float* q, const uint8_t* codes, size_t n, size_t d,
                         const float* vmin, const float* scale, float* out) {
  const float bias = kL2 ? 0.0f : Dot(q, vmin, d);
  const __m128 bias4 = _mm_set1_ps(bias);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint8_t* x0 = codes + i * d;
    const uint8_t* x1 = x0 + d;
    const uint8_t* x2 = x1 + d;
    const uint8_t* x3 = x2 + d;
    _mm_prefetch(reinterpret_cast<const char*>(x0 + 16 * d), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(x0 + 16 * d + 64), _MM_HINT_T0);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    __m256 b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= d; j += 16) {
      const __m256 k0 = Load8(scale + j), k1 = Load8(scale + j + 8);
      const __m256 h0 = SharedSq8<kL2>(Load8(q + j), Load8(vmin + j), k0);
      const __m256 h1 = SharedSq8<kL2>(Load8(q + j + 8), Load8(vmin + j + 8), k1);
      a0 = AccumulateSq8<kL2>(h0, k0, LoadCodes8(x0 + j), a0);
      b0 = AccumulateSq8<kL2>(h1, k1, LoadCodes8(x0 + j + 8), b0);
      a1 = AccumulateSq8<kL2>(h0, k0, LoadCodes8(x1 + j), a1);
      b1 = AccumulateSq8<kL2>(h1, k1, LoadCodes8(x1 + j + 8), b1);
      a2 = AccumulateSq8<kL2>(h0, k0, LoadCodes8(x2 + j), a2);
      b2 = AccumulateSq8<kL2>(h1, k1, LoadCodes8(x2 + j + 8), b2);
      a3 = AccumulateSq8<kL2>(h0, k0, LoadCodes8(x3 + j), a3);
      b3 = AccumulateSq8<kL2>(h1, k1, LoadCodes8(x3 + j + 8), b3);
    }
    for (; j < d; j += 8) {
      const size_t r = d - j < 8 ? d - j : 8;
      const __m256i m = TailMask(r);
      const __m256 k0 = LoadTail(scale + j, m);
      const __m256 h0 = SharedSq8<kL2>(LoadTail(q + j, m), LoadTail(vmin + j, m), k0);
      a0 = AccumulateSq8<kL2>(h0, k0, LoadCodesTail(x0 + j, r), a0);
      a1 = AccumulateSq8<kL2>(h0, k0, LoadCodesTail(x1 + j, r), a1);
      a2 = AccumulateSq8<kL2>(h0, k0, LoadCodesTail(x2 + j, r), a2);
      a3 = AccumulateSq8<kL2>(h0, k0, LoadCodesTail(x3 + j, r), a3);
    }
    const __m128 sums = HSum4(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1), _mm256_add_ps(a2, b2),
                              _mm256_add_ps(a3, b3));
    _mm_storeu_ps(out + i, _mm_add_ps(sums, bias4));
  }
  for (; i < n; ++i) out[i] = SingleSq8<kL2>(q, codes + i * d, vmin, scale, d);
}

}  // namespace

RAGDB_AVX2 float L2SqrSq8(const float* q, const uint8_t* code, const float* vmin,
                          const float* scale, size_t d) {
  return SingleSq8<true>(q, code, vmin, scale, d);
}
RAGDB_AVX2 float DotSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale,
                        size_t d) {
  return SingleSq8<false>(q, code, vmin, scale, d);
}
RAGDB_AVX2 void L2SqrSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d,
                              const float* vmin, const float* scale, float* out) {
  BatchSq8<true>(q, codes, n, d, vmin, scale, out);
}
RAGDB_AVX2 void DotSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d,
                            const float* vmin, const float* scale, float* out) {
  BatchSq8<false>(q, codes, n, d, vmin, scale, out);
}

// ---- float16 conversion --------------------------------------------------------------------
// Tails use the scalar converters, which the tests hold bit-identical to F16C.

RAGDB_AVX2 void HalfToFloat(const uint16_t* in, float* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Load8(in + i));
  for (; i < n; ++i) out[i] = HalfBitsToFloat(in[i]);
}

RAGDB_AVX2 void FloatToHalf(const float* in, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  for (; i < n; ++i) out[i] = FloatToHalfBits(in[i]);
}

}  // namespace ragdb::simd::avx2

#endif  // __x86_64__
