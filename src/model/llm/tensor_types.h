// The ggml tensor types that GGUF files use for small models, their block layouts, and the
// scalar conversion of a row to f32 (the reference every fast path is compared with).
//
// A row of n elements is n / block_elems blocks stored back to back. Layouts (ggml's):
//   F32 / F16 / BF16  one element per "block"
//   Q8_0  32 elements: f16 d, int8 q[32]                       x = d * q
//   Q4_0  32 elements: f16 d, uint8 qs[16] (low nibbles = elements 0..15, high = 16..31)
//                                                              x = d * (q - 8)
//   Q4_K  256 elements: f16 d, f16 dmin, uint8 scales[12] (eight 6-bit scales and mins),
//         uint8 qs[128]; 64-element chunks, low nibbles then high nibbles
//                                                              x = d * sc * q - dmin * m
//   Q5_K  like Q4_K plus uint8 qh[32] holding each element's fifth bit
//   Q6_K  256 elements: uint8 ql[128], uint8 qh[64], int8 scales[16] (one per 16 elements), f16 d
//                                                              x = d * sc * (q - 32)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ragdb/status.h"

namespace ragdb::model::llm {

enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kBF16 = 30,
};

struct TypeTraits {
  const char* name;
  size_t block_elems;  // elements per block
  size_t block_bytes;  // bytes per block
};

// The traits of a supported type id, or an error naming the type (by ggml's name when known).
Result<TypeTraits> TraitsOf(uint32_t type_id);
inline TypeTraits Traits(GgmlType t) { return *TraitsOf(static_cast<uint32_t>(t)); }
std::string TypeName(uint32_t type_id);

// Bytes of a row of n elements; n must be a multiple of the block size.
inline size_t RowBytes(GgmlType t, size_t n) {
  TypeTraits tr = Traits(t);
  return n / tr.block_elems * tr.block_bytes;
}

// Converts a row of n elements (n a multiple of the block size) to f32.
void DequantizeRow(GgmlType t, const uint8_t* row, size_t n, float* out);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K block's 12 packed bytes.
inline void KQuantScaleMin(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

}  // namespace ragdb::model::llm
