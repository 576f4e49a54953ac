// AVX2+FMA kernels for a float32 query against float32 rows, and against float16 rows (widened with
// F16C on load). One template per distance serves both row types: only the loads differ.
//
// Each function carries a per-function target attribute (RAGDB_AVX2) instead of a global -march
// flag, so this file is safe to link into a baseline x86-64 binary; dispatch.cc only hands these
// out after checking the CPU.
#include "simd/avx2_common.h"
#include "simd/distance_impl.h"

#if defined(__x86_64__)

#include <cmath>
#include <type_traits>

namespace ragdb::simd::avx2 {
namespace {

// How far ahead batch kernels prefetch, in 4-row blocks. Scans are sequential, which the hardware
// prefetcher already follows; the software prefetch covers the rows' start after a block boundary
// and keeps several blocks in flight on CPUs whose prefetcher ramps slowly.
constexpr size_t kPrefetchBlocks = 4;

template <bool kL2>
RAGDB_AVX2 inline __m256 Accumulate(__m256 q, __m256 x, __m256 acc) {
  if constexpr (kL2) {
    __m256 t = _mm256_sub_ps(q, x);
    return _mm256_fmadd_ps(t, t, acc);
  } else {
    return _mm256_fmadd_ps(q, x, acc);
  }
}

// Four accumulators: an FMA has ~4 cycles latency and two issue ports, so a single accumulator
// would make the loop latency-bound at a quarter of the possible throughput.
template <bool kL2, typename T>
RAGDB_AVX2 float Single(const float* q, const T* x, size_t d) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= d; i += 32) {
    s0 = Accumulate<kL2>(Load8(q + i), Load8(x + i), s0);
    s1 = Accumulate<kL2>(Load8(q + i + 8), Load8(x + i + 8), s1);
    s2 = Accumulate<kL2>(Load8(q + i + 16), Load8(x + i + 16), s2);
    s3 = Accumulate<kL2>(Load8(q + i + 24), Load8(x + i + 24), s3);
  }
  if (i + 16 <= d) {
    s0 = Accumulate<kL2>(Load8(q + i), Load8(x + i), s0);
    s1 = Accumulate<kL2>(Load8(q + i + 8), Load8(x + i + 8), s1);
    i += 16;
  }
  if (i + 8 <= d) {
    s2 = Accumulate<kL2>(Load8(q + i), Load8(x + i), s2);
    i += 8;
  }
  if (i < d) {
    // Masked-off lanes load as 0 on both sides, contributing 0 to either distance.
    const size_t r = d - i;
    const __m256i m = TailMask(r);
    s3 = Accumulate<kL2>(LoadTail(q + i, m), LoadTail(x + i, r, m), s3);
  }
  return HSum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

template <typename T>
RAGDB_AVX2 float CosineT(const float* q, const T* x, size_t d) {
  __m256 qx0 = _mm256_setzero_ps(), qx1 = _mm256_setzero_ps();
  __m256 qq0 = _mm256_setzero_ps(), qq1 = _mm256_setzero_ps();
  __m256 xx0 = _mm256_setzero_ps(), xx1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m256 a0 = Load8(q + i), a1 = Load8(q + i + 8);
    __m256 b0 = Load8(x + i), b1 = Load8(x + i + 8);
    qx0 = _mm256_fmadd_ps(a0, b0, qx0);
    qx1 = _mm256_fmadd_ps(a1, b1, qx1);
    qq0 = _mm256_fmadd_ps(a0, a0, qq0);
    qq1 = _mm256_fmadd_ps(a1, a1, qq1);
    xx0 = _mm256_fmadd_ps(b0, b0, xx0);
    xx1 = _mm256_fmadd_ps(b1, b1, xx1);
  }
  if (i + 8 <= d) {
    __m256 a = Load8(q + i), b = Load8(x + i);
    qx0 = _mm256_fmadd_ps(a, b, qx0);
    qq0 = _mm256_fmadd_ps(a, a, qq0);
    xx0 = _mm256_fmadd_ps(b, b, xx0);
    i += 8;
  }
  if (i < d) {
    const size_t r = d - i;
    const __m256i m = TailMask(r);
    __m256 a = LoadTail(q + i, m), b = LoadTail(x + i, r, m);
    qx1 = _mm256_fmadd_ps(a, b, qx1);
    qq1 = _mm256_fmadd_ps(a, a, qq1);
    xx1 = _mm256_fmadd_ps(b, b, xx1);
  }
  const float qx = HSum(_mm256_add_ps(qx0, qx1));
  const float qq = HSum(_mm256_add_ps(qq0, qq1));
  const float xx = HSum(_mm256_add_ps(xx0, xx1));
  if (qq == 0 || xx == 0) return 0;
  return qx / (std::sqrt(qq) * std::sqrt(xx));
}

// Prefetches the part of a later block that corresponds to element j of the current rows: over a
// whole block this touches each line of the target block once (4 * 16 * sizeof(T) bytes a step).
template <typename T>
RAGDB_AVX2 inline void PrefetchAhead(const T* block_ahead, size_t j) {
  const char* p = reinterpret_cast<const char*>(block_ahead) + 4 * j * sizeof(T);
  for (size_t k = 0; k < sizeof(T); ++k) _mm_prefetch(p + 64 * k, _MM_HINT_T0);
}

// Above this many bytes of float32 rows, a batch streams rows one after another instead of four
// interleaved. Measured on the 2-core AVX2 dev machine (bench/kernels_bench.cc): with rows in L2
// or L3 (512 KB, 8 MB) the 4-row kernel is ~1.4x faster, because each query load serves four
// rows; from DRAM (512 MB, 614 MB) one sequential stream is 1.2-1.5x faster than four interleaved
// ones, which the hardware prefetchers follow less well. float32 has the least arithmetic per
// byte, so it is the only type where this flips; f16, int8 and SQ8 stay on the 4-row kernels.
constexpr size_t kStreamingBytes = size_t{32} << 20;

// Four rows at a time: each query load feeds four rows, and each row keeps two accumulators, so
// eight independent FMA chains are in flight.
template <bool kL2, typename T>
RAGDB_AVX2 void Batch(const float* q, const T* base, size_t n, size_t d, float* out) {
  size_t i = 0;
  if (std::is_same_v<T, float> && n * d * sizeof(T) > kStreamingBytes) {
    for (; i < n; ++i) out[i] = Single<kL2>(q, base + i * d, d);
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const T* x0 = base + i * d;
    const T* x1 = x0 + d;
    const T* x2 = x1 + d;
    const T* x3 = x2 + d;
    const T* ahead = x0 + kPrefetchBlocks * 4 * d;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    __m256 b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= d; j += 16) {
      PrefetchAhead(ahead, j);
      const __m256 q0 = Load8(q + j), q1 = Load8(q + j + 8);
      a0 = Accumulate<kL2>(q0, Load8(x0 + j), a0);
      b0 = Accumulate<kL2>(q1, Load8(x0 + j + 8), b0);
      a1 = Accumulate<kL2>(q0, Load8(x1 + j), a1);
      b1 = Accumulate<kL2>(q1, Load8(x1 + j + 8), b1);
      a2 = Accumulate<kL2>(q0, Load8(x2 + j), a2);
      b2 = Accumulate<kL2>(q1, Load8(x2 + j + 8), b2);
      a3 = Accumulate<kL2>(q0, Load8(x3 + j), a3);
      b3 = Accumulate<kL2>(q1, Load8(x3 + j + 8), b3);
    }
    if (j + 8 <= d) {
      const __m256 q0 = Load8(q + j);
      a0 = Accumulate<kL2>(q0, Load8(x0 + j), a0);
      a1 = Accumulate<kL2>(q0, Load8(x1 + j), a1);
      a2 = Accumulate<kL2>(q0, Load8(x2 + j), a2);
      a3 = Accumulate<kL2>(q0, Load8(x3 + j), a3);
      j += 8;
    }
    if (j < d) {
      const size_t r = d - j;
      const __m256i m = TailMask(r);
      const __m256 q0 = LoadTail(q + j, m);
      b0 = Accumulate<kL2>(q0, LoadTail(x0 + j, r, m), b0);
      b1 = Accumulate<kL2>(q0, LoadTail(x1 + j, r, m), b1);
      b2 = Accumulate<kL2>(q0, LoadTail(x2 + j, r, m), b2);
      b3 = Accumulate<kL2>(q0, LoadTail(x3 + j, r, m), b3);
    }
    _mm_storeu_ps(out + i, HSum4(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1),
                                 _mm256_add_ps(a2, b2), _mm256_add_ps(a3, b3)));
  }
  for (; i < n; ++i) out[i] = Single<kL2>(q, base + i * d, d);
}

// One row's cosine terms for eight lanes: the dot with the query and the row's own norm.
RAGDB_AVX2 inline void CosineStep(__m256 q, __m256 x, __m256& qx, __m256& xx) {
  qx = _mm256_fmadd_ps(q, x, qx);
  xx = _mm256_fmadd_ps(x, x, xx);
}

// Cosine against four rows at a time; the query's norm is computed once for the whole batch.
// Named accumulators rather than arrays: GCC keeps arrays of vectors in memory.
template <typename T>
RAGDB_AVX2 void CosineBatchT(const float* q, const T* base, size_t n, size_t d, float* out) {
  const float qq = Single<false>(q, q, d);
  const float qnorm = std::sqrt(qq);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const T* x0 = base + i * d;
    const T* x1 = x0 + d;
    const T* x2 = x1 + d;
    const T* x3 = x2 + d;
    __m256 qx0 = _mm256_setzero_ps(), qx1 = _mm256_setzero_ps();
    __m256 qx2 = _mm256_setzero_ps(), qx3 = _mm256_setzero_ps();
    __m256 xx0 = _mm256_setzero_ps(), xx1 = _mm256_setzero_ps();
    __m256 xx2 = _mm256_setzero_ps(), xx3 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= d; j += 8) {
      const __m256 q0 = Load8(q + j);
      CosineStep(q0, Load8(x0 + j), qx0, xx0);
      CosineStep(q0, Load8(x1 + j), qx1, xx1);
      CosineStep(q0, Load8(x2 + j), qx2, xx2);
      CosineStep(q0, Load8(x3 + j), qx3, xx3);
    }
    if (j < d) {
      const size_t r = d - j;
      const __m256i m = TailMask(r);
      const __m256 q0 = LoadTail(q + j, m);
      CosineStep(q0, LoadTail(x0 + j, r, m), qx0, xx0);
      CosineStep(q0, LoadTail(x1 + j, r, m), qx1, xx1);
      CosineStep(q0, LoadTail(x2 + j, r, m), qx2, xx2);
      CosineStep(q0, LoadTail(x3 + j, r, m), qx3, xx3);
    }
    alignas(16) float dots[4], norms[4];
    _mm_store_ps(dots, HSum4(qx0, qx1, qx2, qx3));
    _mm_store_ps(norms, HSum4(xx0, xx1, xx2, xx3));
    for (int k = 0; k < 4; ++k) {
      out[i + k] = (qq == 0 || norms[k] == 0) ? 0.0f : dots[k] / (qnorm * std::sqrt(norms[k]));
    }
  }
  for (; i < n; ++i) out[i] = CosineT(q, base + i * d, d);
}

}  // namespace

RAGDB_AVX2 float L2Sqr(const float* a, const float* b, size_t d) { return Single<true>(a, b, d); }
RAGDB_AVX2 float Dot(const float* a, const float* b, size_t d) { return Single<false>(a, b, d); }
RAGDB_AVX2 float Cosine(const float* a, const float* b, size_t d) { return CosineT(a, b, d); }

RAGDB_AVX2 void L2SqrBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  Batch<true>(q, base, n, d, out);
}
RAGDB_AVX2 void DotBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  Batch<false>(q, base, n, d, out);
}
RAGDB_AVX2 void CosineBatch(const float* q, const float* base, size_t n, size_t d, float* out) {
  CosineBatchT(q, base, n, d, out);
}

RAGDB_AVX2 float L2SqrF16(const float* q, const uint16_t* x, size_t d) {
  return Single<true>(q, x, d);
}
RAGDB_AVX2 float DotF16(const float* q, const uint16_t* x, size_t d) {
  return Single<false>(q, x, d);
}
RAGDB_AVX2 float CosineF16(const float* q, const uint16_t* x, size_t d) { return CosineT(q, x, d); }

RAGDB_AVX2 void L2SqrF16Batch(const float* q, const uint16_t* base, size_t n, size_t d,
                              float* out) {
  Batch<true>(q, base, n, d, out);
}
RAGDB_AVX2 void DotF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out) {
  Batch<false>(q, base, n, d, out);
}

// Eight rows per step: d = norms - (dots + dots) (2 * dots is exact, so this rounds like the
// scalar code), one compare and a movemask; the common case after the first rows is no lane below
// the threshold, and then nothing else runs.
RAGDB_AVX2 size_t SelectBelow(const float* dots, const float* norms, size_t n, float threshold,
                              uint32_t* idx, float* dist) {
  const __m256 t = _mm256_set1_ps(threshold);
  const __m256 zero = _mm256_setzero_ps();
  size_t m = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 dot = _mm256_loadu_ps(dots + i);
    const __m256 d = norms != nullptr
                         ? _mm256_sub_ps(_mm256_loadu_ps(norms + i), _mm256_add_ps(dot, dot))
                         : _mm256_sub_ps(zero, dot);
    unsigned mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(d, t, _CMP_LT_OQ)));
    if (mask == 0) continue;
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, d);
    while (mask) {
      const unsigned lane = static_cast<unsigned>(__builtin_ctz(mask));
      mask &= mask - 1;
      idx[m] = static_cast<uint32_t>(i + lane);
      dist[m++] = lanes[lane];
    }
  }
  for (; i < n; ++i) {
    const float d = norms != nullptr ? norms[i] - (dots[i] + dots[i]) : -dots[i];
    if (d < threshold) {
      idx[m] = static_cast<uint32_t>(i);
      dist[m++] = d;
    }
  }
  return m;
}

}  // namespace ragdb::simd::avx2

#endif  // __x86_64__
