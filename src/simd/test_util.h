// Shared pieces of the simd tests: the kernel sets under test, tolerances, random data, and a
// buffer whose end touches an unmapped page so any read past a row's end crashes the test.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "simd/distance.h"

namespace ragdb::simd::testing {

// The SIMD set this machine's architecture has (AVX2 on x86-64, NEON on aarch64), compared with
// Scalar() by every test; it is the scalar set itself on a CPU without those.
inline SimdLevel SimdLevelOfThisArch() {
#if defined(__aarch64__)
  return SimdLevel::kNeon;
#else
  return SimdLevel::kAvx2;
#endif
}
inline const Kernels& Scalar() { return KernelsFor(SimdLevel::kScalar); }
inline const Kernels& Simd() { return KernelsFor(SimdLevelOfThisArch()); }
inline bool HaveSimd() { return Simd().level != SimdLevel::kScalar; }

#define RAGDB_REQUIRE_SIMD() \
  if (!::ragdb::simd::testing::HaveSimd()) GTEST_SKIP() << "CPU lacks AVX2/FMA/F16C or NEON"

// Summation in a different order changes a float result by at most about n * eps * sum|terms|;
// `magnitude` is that sum of absolute terms, so the bound is meaningful even when the terms cancel
// (dot products of random signed vectors). 1e-5 is ~80 * float eps, comfortably above what d <= 300
// random data produces and far below any real bug (a dropped or doubled element).
inline double Tolerance(double magnitude) { return 1e-5 * magnitude + 1e-6; }

inline std::vector<float> RandomFloats(std::mt19937& rng, size_t n, float lo = -1, float hi = 1) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Holds `bytes` bytes that end exactly at a PROT_NONE page.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (bytes + page - 1) / page;
    total_ = (data_pages_ + 1) * page;
    void* p = mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    base_ = static_cast<char*>(p);
    if (mprotect(base_ + data_pages_ * page, page, PROT_NONE) != 0) std::abort();
    data_ = base_ + data_pages_ * page - bytes;
  }
  ~GuardedBuffer() { munmap(base_, total_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  template <typename T>
  T* as() {
    return reinterpret_cast<T*>(data_);
  }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  size_t data_pages_ = 0;
  size_t total_ = 0;
};

// Copies v into a guarded buffer, so the last element sits right before the unmapped page.
template <typename T>
class Guarded {
 public:
  explicit Guarded(const std::vector<T>& v) : buf_(v.size() * sizeof(T)) {
    if (!v.empty()) std::memcpy(buf_.as<T>(), v.data(), v.size() * sizeof(T));
  }
  const T* get() { return buf_.as<T>(); }

 private:
  GuardedBuffer buf_;
};

}  // namespace ragdb::simd::testing
