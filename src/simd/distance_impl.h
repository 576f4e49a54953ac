// Per-instruction-set kernel declarations, one namespace per level. Each level is split into a
// float file (distance_<level>.cc) and a compressed-types file (quant_<level>.cc); dispatch.cc
// gathers them into Kernels tables. Semantics are documented in distance.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ragdb::simd {

// Declares the full kernel set inside the enclosing namespace (scalar, avx2, neon).
#define RAGDB_SIMD_DECLARE_KERNELS()                                                              \
  float L2Sqr(const float* a, const float* b, size_t d);                                          \
  float Dot(const float* a, const float* b, size_t d);                                            \
  float Cosine(const float* a, const float* b, size_t d);                                         \
  void L2SqrBatch(const float* q, const float* base, size_t n, size_t d, float* out);             \
  void DotBatch(const float* q, const float* base, size_t n, size_t d, float* out);               \
  void CosineBatch(const float* q, const float* base, size_t n, size_t d, float* out);            \
  float L2SqrF16(const float* q, const uint16_t* x, size_t d);                                    \
  float DotF16(const float* q, const uint16_t* x, size_t d);                                      \
  float CosineF16(const float* q, const uint16_t* x, size_t d);                                   \
  void L2SqrF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out);       \
  void DotF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out);         \
  int32_t L2SqrI8(const int8_t* a, const int8_t* b, size_t d);                                    \
  int32_t DotI8(const int8_t* a, const int8_t* b, size_t d);                                      \
  void L2SqrI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out);       \
  void DotI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out);         \
  uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t nbytes);                            \
  void HammingBatch(const uint8_t* q, const uint8_t* base, size_t n, size_t nbytes,               \
                    uint32_t* out);                                                               \
  float L2SqrSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale,      \
                 size_t d);                                                                       \
  float DotSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale,        \
               size_t d);                                                                         \
  void L2SqrSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d, const float* vmin, \
                     const float* scale, float* out);                                             \
  void DotSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d, const float* vmin,   \
                   const float* scale, float* out);                                               \
  void HalfToFloat(const uint16_t* in, float* out, size_t n);                                     \
  void FloatToHalf(const float* in, uint16_t* out, size_t n);                                     \
  size_t SelectBelow(const float* dots, const float* norms, size_t n, float threshold,            \
                     uint32_t* idx, float* dist);

namespace scalar {
RAGDB_SIMD_DECLARE_KERNELS()
}  // namespace scalar

#if defined(__x86_64__)
// Defined only on x86-64; callable only when the CPU has AVX2, FMA, F16C and POPCNT.
namespace avx2 {
RAGDB_SIMD_DECLARE_KERNELS()
}  // namespace avx2
#endif

#if defined(__aarch64__)
// Defined only on aarch64; callable when the CPU has Advanced SIMD (HWCAP_ASIMD).
namespace neon {
RAGDB_SIMD_DECLARE_KERNELS()
}  // namespace neon
#endif

#undef RAGDB_SIMD_DECLARE_KERNELS

}  // namespace ragdb::simd
