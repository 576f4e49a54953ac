// CPU feature detection for run-time kernel dispatch. The default build never assumes more than
// x86-64 baseline (or the target's baseline); faster paths are chosen here, once.
#pragma once

#include <string>

namespace ragdb {

enum class SimdLevel { kScalar = 0, kAvx2 = 1 };

struct CpuFeatures {
  bool sse42 = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
};

const CpuFeatures& GetCpuFeatures();

// The best level this CPU supports, lowered by the environment variable RAGDB_SIMD=scalar|avx2
// (useful to compare paths and to test the fallbacks).
SimdLevel ActiveSimdLevel();
std::string SimdLevelName(SimdLevel level);

}  // namespace ragdb
