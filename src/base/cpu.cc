#include "base/cpu.h"

#include <cstdlib>
#include <cstring>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace ragdb {

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.sse42 = __builtin_cpu_supports("sse4.2");
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.f16c = __builtin_cpu_supports("f16c");
    f.avx512f = __builtin_cpu_supports("avx512f");
#elif defined(__aarch64__) && defined(__linux__)
    f.neon = (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#endif
    return f;
  }();
  return features;
}

SimdLevel ActiveSimdLevel() {
  static const SimdLevel level = [] {
    const CpuFeatures& f = GetCpuFeatures();
    SimdLevel best = SimdLevel::kScalar;
    if (f.avx2 && f.fma && f.f16c) best = SimdLevel::kAvx2;
    if (f.neon) best = SimdLevel::kNeon;
    const char* env = std::getenv("RAGDB_SIMD");
    if (env != nullptr && std::strcmp(env, "scalar") == 0) best = SimdLevel::kScalar;
    return best;
  }();
  return level;
}

std::string SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar:
      return "scalar";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kNeon:
      return "neon";
  }
  return "unknown";
}

}  // namespace ragdb
