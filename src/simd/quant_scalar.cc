// Reference kernels for the compressed element types (float16, int8, binary, SQ8): plain loops that
// the SIMD versions are tested against.
#include <bit>
#include <cmath>
#include <cstring>

#include "simd/distance_impl.h"
#include "simd/half.h"

namespace ragdb::simd::scalar {

float L2SqrF16(const float* q, const uint16_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = q[i] - HalfBitsToFloat(x[i]);
    s += t * t;
  }
  return s;
}

float DotF16(const float* q, const uint16_t* x, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += q[i] * HalfBitsToFloat(x[i]);
  return s;
}

float CosineF16(const float* q, const uint16_t* x, size_t d) {
  float qx = 0, qq = 0, xx = 0;
  for (size_t i = 0; i < d; ++i) {
    float v = HalfBitsToFloat(x[i]);
    qx += q[i] * v;
    qq += q[i] * q[i];
    xx += v * v;
  }
  if (qq == 0 || xx == 0) return 0;
  return qx / (std::sqrt(qq) * std::sqrt(xx));
}

void L2SqrF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2SqrF16(q, base + i * d, d);
}

void DotF16Batch(const float* q, const uint16_t* base, size_t n, size_t d, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = DotF16(q, base + i * d, d);
}

int32_t L2SqrI8(const int8_t* a, const int8_t* b, size_t d) {
  int32_t s = 0;
  for (size_t i = 0; i < d; ++i) {
    int32_t t = int32_t{a[i]} - int32_t{b[i]};
    s += t * t;
  }
  return s;
}

int32_t DotI8(const int8_t* a, const int8_t* b, size_t d) {
  int32_t s = 0;
  for (size_t i = 0; i < d; ++i) s += int32_t{a[i]} * int32_t{b[i]};
  return s;
}

void L2SqrI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2SqrI8(q, base + i * d, d);
}

void DotI8Batch(const int8_t* q, const int8_t* base, size_t n, size_t d, int32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = DotI8(q, base + i * d, d);
}

uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  uint64_t count = 0;
  size_t i = 0;
  // memcpy: the rows carry no alignment promise; compilers turn this into plain loads.
  for (; i + 8 <= nbytes; i += 8) {
    uint64_t wa, wb;
    std::memcpy(&wa, a + i, 8);
    std::memcpy(&wb, b + i, 8);
    count += std::popcount(wa ^ wb);
  }
  for (; i < nbytes; ++i) count += std::popcount(static_cast<unsigned>(a[i] ^ b[i]));
  return static_cast<uint32_t>(count);
}

void HammingBatch(const uint8_t* q, const uint8_t* base, size_t n, size_t nbytes, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = Hamming(q, base + i * nbytes, nbytes);
}

float L2SqrSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale,
               size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) {
    float t = q[i] - (vmin[i] + static_cast<float>(code[i]) * scale[i]);
    s += t * t;
  }
  return s;
}

float DotSq8(const float* q, const uint8_t* code, const float* vmin, const float* scale, size_t d) {
  float s = 0;
  for (size_t i = 0; i < d; ++i) s += q[i] * (vmin[i] + static_cast<float>(code[i]) * scale[i]);
  return s;
}

void L2SqrSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d, const float* vmin,
                   const float* scale, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2SqrSq8(q, codes + i * d, vmin, scale, d);
}

void DotSq8Batch(const float* q, const uint8_t* codes, size_t n, size_t d, const float* vmin,
                 const float* scale, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = DotSq8(q, codes + i * d, vmin, scale, d);
}

void HalfToFloat(const uint16_t* in, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = HalfBitsToFloat(in[i]);
}

void FloatToHalf(const float* in, uint16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = FloatToHalfBits(in[i]);
}

}  // namespace ragdb::simd::scalar
