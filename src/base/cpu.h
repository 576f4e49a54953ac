// CPU feature detection for run-time kernel dispatch. The default build never assumes more than
// x86-64 baseline (or the target's baseline); faster paths are chosen here, once.
#pragma once

#include <string>

namespace ragdb {

// kAvx2 exists on x86-64 only, kNeon on aarch64 only; neither is "more" than the other.
enum class SimdLevel { kScalar = 0, kAvx2 = 1, kNeon = 2 };

struct CpuFeatures {
  bool sse42 = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool neon = false;  // AArch64 Advanced SIMD (ASIMD), with half-precision conversions
};

const CpuFeatures& GetCpuFeatures();

// The best level this CPU supports (avx2 on x86-64, neon on aarch64), lowered to scalar by the
// environment variable RAGDB_SIMD=scalar (useful to compare paths and to test the fallbacks).
SimdLevel ActiveSimdLevel();
std::string SimdLevelName(SimdLevel level);

}  // namespace ragdb
