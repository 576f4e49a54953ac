// Scan throughput of the batch distance kernels over arrays much larger than the caches, per
// instruction-set level, next to the machine's measured memory bandwidth (a read-only sum and a
// memcpy over the same bytes), so the report can say how close a scan gets to the memory limit.
//
//   kernels_bench [--benchmark_filter=...] [--benchmark_min_time=...]
//
// bytes_per_second counts the row bytes scanned (codes only, not the query or the output);
// items_per_second is rows (vectors) per second.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "simd/distance.h"

namespace {

using ragdb::SimdLevel;
using ragdb::simd::Kernels;
using ragdb::simd::KernelsFor;

struct Shape {
  size_t n;  // rows
  size_t d;  // dimension
};
// 512 MB and 614 MB of float32: far beyond any L3, so the scan streams from memory.
constexpr Shape kShapes[] = {{1000000, 128}, {200000, 768}};

// Page-touching fill with a cheap generator: the arrays are large, and std::mt19937 per element
// would dominate start-up.
struct Lcg {
  uint64_t s;
  uint32_t Next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 32);
  }
  float Unit() { return static_cast<float>(Next() >> 8) * 0x1p-24f * 2 - 1; }  // [-1, 1)
};

// One data set per (type, shape), built on first use and kept for the process.
struct DataSet {
  Shape shape;
  std::vector<float> f32;
  std::vector<uint16_t> f16;
  std::vector<int8_t> i8;
  std::vector<uint8_t> sq8;
  std::vector<uint8_t> bits;  // d bits per row
  std::vector<float> query, vmin, scale;
  std::vector<int8_t> query_i8;
  std::vector<uint8_t> query_bits;
};

enum class Type { kF32, kF16, kI8, kSq8, kBits };

DataSet& Data(const Shape& s, Type t) {
  static std::unique_ptr<DataSet> sets[2];
  const size_t idx = (s.d == kShapes[0].d) ? 0 : 1;
  if (!sets[idx]) {
    sets[idx] = std::make_unique<DataSet>();
    DataSet& ds = *sets[idx];
    ds.shape = s;
    Lcg rng{42 + idx};
    ds.query.resize(s.d);
    ds.vmin.resize(s.d);
    ds.scale.resize(s.d);
    ds.query_i8.resize(s.d);
    ds.query_bits.resize(s.d / 8);
    for (size_t j = 0; j < s.d; ++j) {
      ds.query[j] = rng.Unit();
      ds.vmin[j] = -1.0f;
      ds.scale[j] = 2.0f / 255;
      ds.query_i8[j] = static_cast<int8_t>(rng.Next());
    }
    for (uint8_t& b : ds.query_bits) b = static_cast<uint8_t>(rng.Next());
  }
  DataSet& ds = *sets[idx];
  const size_t total = s.n * s.d;
  Lcg rng{7 + idx};
  switch (t) {
    case Type::kF32:
      if (ds.f32.empty()) {
        ds.f32.resize(total);
        for (float& x : ds.f32) x = rng.Unit();
      }
      break;
    case Type::kF16:
      if (ds.f16.empty()) {
        std::vector<float> tmp(s.d);
        ds.f16.resize(total);
        for (size_t i = 0; i < s.n; ++i) {
          for (float& x : tmp) x = rng.Unit();
          ragdb::simd::FloatToHalf(tmp.data(), ds.f16.data() + i * s.d, s.d);
        }
      }
      break;
    case Type::kI8:
      if (ds.i8.empty()) {
        ds.i8.resize(total);
        for (int8_t& x : ds.i8) x = static_cast<int8_t>(rng.Next());
      }
      break;
    case Type::kSq8:
      if (ds.sq8.empty()) {
        ds.sq8.resize(total);
        for (uint8_t& x : ds.sq8) x = static_cast<uint8_t>(rng.Next());
      }
      break;
    case Type::kBits:
      if (ds.bits.empty()) {
        ds.bits.resize(total / 8);
        for (uint8_t& x : ds.bits) x = static_cast<uint8_t>(rng.Next());
      }
      break;
  }
  return ds;
}

size_t RowBytes(const Shape& s, Type t) {
  switch (t) {
    case Type::kF32:
      return s.d * 4;
    case Type::kF16:
      return s.d * 2;
    case Type::kI8:
    case Type::kSq8:
      return s.d;
    case Type::kBits:
      return s.d / 8;
  }
  return 0;
}

// One full scan per iteration; the output array is reused (n * 4 bytes, ~1% of the traffic).
using ScanFn = std::function<void(const Kernels&, DataSet&, void* out)>;

void RunScan(benchmark::State& state, SimdLevel level, Shape s, Type t, const ScanFn& scan) {
  const Kernels& k = KernelsFor(level);
  if (k.level != level) {
    state.SkipWithError("CPU lacks this level");
    return;
  }
  DataSet& ds = Data(s, t);
  std::vector<uint32_t> out(s.n);  // 4 bytes per row whatever the result type
  for (auto _ : state) {
    scan(k, ds, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const int64_t rows = static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(s.n);
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(rows * static_cast<int64_t>(RowBytes(s, t)));
}

struct Kernel {
  const char* name;
  Type type;
  ScanFn scan;
};

const std::vector<Kernel>& AllKernels() {
  static const std::vector<Kernel> kernels = {
      {"l2_f32", Type::kF32,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.l2sqr_batch(ds.query.data(), ds.f32.data(), ds.shape.n, ds.shape.d,
                       static_cast<float*>(out));
       }},
      {"dot_f32", Type::kF32,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.dot_batch(ds.query.data(), ds.f32.data(), ds.shape.n, ds.shape.d,
                     static_cast<float*>(out));
       }},
      {"l2_f16", Type::kF16,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.l2sqr_f16_batch(ds.query.data(), ds.f16.data(), ds.shape.n, ds.shape.d,
                           static_cast<float*>(out));
       }},
      {"dot_f16", Type::kF16,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.dot_f16_batch(ds.query.data(), ds.f16.data(), ds.shape.n, ds.shape.d,
                         static_cast<float*>(out));
       }},
      {"l2_i8", Type::kI8,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.l2sqr_i8_batch(ds.query_i8.data(), ds.i8.data(), ds.shape.n, ds.shape.d,
                          static_cast<int32_t*>(out));
       }},
      {"dot_i8", Type::kI8,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.dot_i8_batch(ds.query_i8.data(), ds.i8.data(), ds.shape.n, ds.shape.d,
                        static_cast<int32_t*>(out));
       }},
      {"l2_sq8", Type::kSq8,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.l2sqr_sq8_batch(ds.query.data(), ds.sq8.data(), ds.shape.n, ds.shape.d, ds.vmin.data(),
                           ds.scale.data(), static_cast<float*>(out));
       }},
      {"dot_sq8", Type::kSq8,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.dot_sq8_batch(ds.query.data(), ds.sq8.data(), ds.shape.n, ds.shape.d, ds.vmin.data(),
                         ds.scale.data(), static_cast<float*>(out));
       }},
      {"hamming_bits", Type::kBits,
       [](const Kernels& k, DataSet& ds, void* out) {
         k.hamming_batch(ds.query_bits.data(), ds.bits.data(), ds.shape.n, ds.shape.d / 8,
                         static_cast<uint32_t*>(out));
       }},
  };
  return kernels;
}

// ---- references ------------------------------------------------------------------------------

// Read bandwidth: sums the float32 array with 4 independent AVX2 accumulators; nothing cheaper can
// consume the bytes, so this is the ceiling for any scan kernel.
__attribute__((target("avx2"))) float SumAvx2(const float* p, size_t n) {
  __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a = _mm256_add_ps(a, _mm256_loadu_ps(p + i));
    b = _mm256_add_ps(b, _mm256_loadu_ps(p + i + 8));
    c = _mm256_add_ps(c, _mm256_loadu_ps(p + i + 16));
    d = _mm256_add_ps(d, _mm256_loadu_ps(p + i + 24));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
  float s = 0;
  for (float x : lanes) s += x;
  for (; i < n; ++i) s += p[i];
  return s;
}

void BM_ReadSum(benchmark::State& state, Shape s) {
  DataSet& ds = Data(s, Type::kF32);
  for (auto _ : state) benchmark::DoNotOptimize(SumAvx2(ds.f32.data(), ds.f32.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(ds.f32.size() * sizeof(float)));
}

// Copy bandwidth; bytes_per_second counts bytes copied (the memory moves twice that: read+write).
void BM_Memcpy(benchmark::State& state, Shape s) {
  DataSet& ds = Data(s, Type::kF32);
  std::vector<float> dst(ds.f32.size(), 0.0f);  // zero-filled: pages are touched before timing
  for (auto _ : state) {
    std::memcpy(dst.data(), ds.f32.data(), ds.f32.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(ds.f32.size() * sizeof(float)));
}

// Hamming through 64-bit popcnt only, to compare with the library's AVX2 kernel, which uses
// vpshufb from 64-byte codes up (see the comment on Hamming in src/simd/quant_avx2.cc).
__attribute__((target("popcnt"))) void HammingPopcnt64(const uint8_t* q, const uint8_t* base,
                                                       size_t n, size_t nbytes, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* x = base + i * nbytes;
    uint64_t c = 0;
    size_t j = 0;
    for (; j + 8 <= nbytes; j += 8) {
      uint64_t a, b;
      std::memcpy(&a, q + j, 8);
      std::memcpy(&b, x + j, 8);
      c += static_cast<uint64_t>(__builtin_popcountll(a ^ b));
    }
    for (; j < nbytes; ++j) c += static_cast<uint64_t>(__builtin_popcount(q[j] ^ x[j]));
    out[i] = static_cast<uint32_t>(c);
  }
}

// The same as hamming_bits, over 32768 rows that stay in L2, so the kernel's own speed shows.
void BM_HammingInCache(benchmark::State& state, size_t nbytes, bool popcnt64) {
  const size_t n = 32768 * 16 / nbytes;
  std::vector<uint8_t> base(n * nbytes), q(nbytes);
  Lcg rng{99};
  for (uint8_t& x : base) x = static_cast<uint8_t>(rng.Next());
  for (uint8_t& x : q) x = static_cast<uint8_t>(rng.Next());
  std::vector<uint32_t> out(n);
  const Kernels& k = KernelsFor(SimdLevel::kAvx2);
  for (auto _ : state) {
    if (popcnt64) {
      HammingPopcnt64(q.data(), base.data(), n, nbytes, out.data());
    } else {
      k.hamming_batch(q.data(), base.data(), n, nbytes, out.data());
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(n * nbytes));
}

// A float32 batch scan over rows that stay in cache, where the kernel's arithmetic and the
// query-load sharing matter rather than memory bandwidth.
void BM_F32InCache(benchmark::State& state, SimdLevel level, bool l2, size_t n) {
  const Kernels& k = KernelsFor(level);
  const size_t d = 128;
  std::vector<float> base(n * d), q(d), out(n);
  Lcg rng{5};
  for (float& x : base) x = rng.Unit();
  for (float& x : q) x = rng.Unit();
  for (auto _ : state) {
    (l2 ? k.l2sqr_batch : k.dot_batch)(q.data(), base.data(), n, d, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(n * d * sizeof(float)));
}

}  // namespace

int main(int argc, char** argv) {
  for (const Shape& s : kShapes) {
    const std::string shape = std::to_string(s.n) + "x" + std::to_string(s.d);
    benchmark::RegisterBenchmark(("bandwidth/read_sum/" + shape).c_str(), BM_ReadSum, s)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("bandwidth/memcpy/" + shape).c_str(), BM_Memcpy, s)
        ->Unit(benchmark::kMillisecond);
    for (const Kernel& kernel : AllKernels()) {
      for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2}) {
        const std::string name =
            "scan/" + std::string(kernel.name) + "/" + ragdb::SimdLevelName(level) + "/" + shape;
        benchmark::RegisterBenchmark(name.c_str(), [level, s, &kernel](benchmark::State& st) {
          RunScan(st, level, s, kernel.type, kernel.scan);
        })->Unit(benchmark::kMillisecond);
      }
    }
  }
  for (size_t nbytes : {16, 96, 192}) {
    const std::string suffix = "/" + std::to_string(nbytes) + "B";
    benchmark::RegisterBenchmark(("in_cache/hamming_avx2_library" + suffix).c_str(),
                                 BM_HammingInCache, nbytes, false);
    benchmark::RegisterBenchmark(("in_cache/hamming_popcnt64" + suffix).c_str(), BM_HammingInCache,
                                 nbytes, true);
  }
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2}) {
    const std::string lv = ragdb::SimdLevelName(level);
    for (size_t n : {1024, 16384}) {  // 512 KB (L2) and 8 MB (L3)
      const std::string shape = "/" + std::to_string(n) + "x128";
      benchmark::RegisterBenchmark(("in_cache/l2_f32/" + lv + shape).c_str(), BM_F32InCache, level,
                                   true, n);
      benchmark::RegisterBenchmark(("in_cache/dot_f32/" + lv + shape).c_str(), BM_F32InCache, level,
                                   false, n);
    }
  }
  std::printf("active level: %s\n", ragdb::SimdLevelName(ragdb::ActiveSimdLevel()).c_str());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
