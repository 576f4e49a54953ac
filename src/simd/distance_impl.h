// Per-instruction-set kernel declarations; one translation unit each (distance_<level>.cc).
#pragma once

#include <cstddef>

namespace ragdb::simd {

namespace scalar {
float L2Sqr(const float* a, const float* b, size_t d);
float Dot(const float* a, const float* b, size_t d);
float Cosine(const float* a, const float* b, size_t d);
void L2SqrBatch(const float* q, const float* base, size_t n, size_t d, float* out);
void DotBatch(const float* q, const float* base, size_t n, size_t d, float* out);
}  // namespace scalar

}  // namespace ragdb::simd
