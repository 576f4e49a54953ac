// Compact storage of vector components (ragdb::ElementType): how many bytes a row takes, and the
// conversions between the float vectors callers see and the bytes a field stores.
//   float32  d x 4 bytes, as is
//   float16  d x 2 bytes, IEEE binary16 (round to nearest even)
//   int8     d bytes, two's complement integers -128..127
//   uint8    d bytes, integers 0..255
//   binary   ceil(d / 8) bytes, component i is bit (i % 8) of byte i / 8 (1 = component is 1)
// Encoding assumes values the type can hold exactly (integers in range, 0/1 for binary, finite
// and within float16 range): callers validate first (CheckElements), so encode-then-decode gives
// back the float16-rounded value and every other type exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ragdb/schema.h"

namespace ragdb::simd {

// Bytes one row of `dim` components takes.
size_t ElementRowBytes(ElementType type, size_t dim);

// The first component of `v` the type cannot store, or dim when all fit. *why says what is wrong
// ("is not an integer in -128..127", ...).
size_t CheckElements(ElementType type, const float* v, size_t dim, std::string* why);

// Writes ElementRowBytes(type, dim) bytes to `out`.
void EncodeElements(ElementType type, const float* v, size_t dim, uint8_t* out);
// Reads one row back into `dim` floats.
void DecodeElements(ElementType type, const uint8_t* row, size_t dim, float* out);

}  // namespace ragdb::simd
