#include "simd/elements.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "simd/distance.h"

namespace ragdb::simd {
namespace {

// Largest finite float16; a value that rounds beyond it would be stored as infinity.
constexpr float kMaxHalf = 65504.0f;
// Values at or above this round to infinity (halfway between 65504 and the next step, 65536).
constexpr float kHalfOverflow = 65520.0f;

bool IsIntegerIn(float x, float lo, float hi) { return x >= lo && x <= hi && x == std::floor(x); }

// The value as a person wrote it: 1.5, 200, 1e+06 (not 200.000000).
std::string Shown(float x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(x));
  return buf;
}

}  // namespace

size_t ElementRowBytes(ElementType type, size_t dim) {
  switch (type) {
    case ElementType::kFloat32:
      return dim * 4;
    case ElementType::kFloat16:
      return dim * 2;
    case ElementType::kInt8:
    case ElementType::kUint8:
      return dim;
    case ElementType::kBinary:
      return (dim + 7) / 8;
  }
  return dim * 4;
}

size_t CheckElements(ElementType type, const float* v, size_t dim, std::string* why) {
  for (size_t i = 0; i < dim; ++i) {
    const float x = v[i];
    if (!std::isfinite(x)) {
      *why = std::isnan(x) ? "is NaN" : "is infinite";
      return i;
    }
    switch (type) {
      case ElementType::kFloat32:
        break;
      case ElementType::kFloat16:
        if (std::fabs(x) >= kHalfOverflow) {
          *why = "is " + Shown(x) + ", outside the float16 range (magnitude at most " +
                 std::to_string(static_cast<int>(kMaxHalf)) + ")";
          return i;
        }
        break;
      case ElementType::kInt8:
        if (!IsIntegerIn(x, -128, 127)) {
          *why = "is " + Shown(x) + ", not an integer in -128..127 (int8)";
          return i;
        }
        break;
      case ElementType::kUint8:
        if (!IsIntegerIn(x, 0, 255)) {
          *why = "is " + Shown(x) + ", not an integer in 0..255 (uint8)";
          return i;
        }
        break;
      case ElementType::kBinary:
        if (x != 0.0f && x != 1.0f) {
          *why = "is " + Shown(x) + ", not 0 or 1 (binary)";
          return i;
        }
        break;
    }
  }
  return dim;
}

void EncodeElements(ElementType type, const float* v, size_t dim, uint8_t* out) {
  switch (type) {
    case ElementType::kFloat32:
      std::memcpy(out, v, dim * 4);
      return;
    case ElementType::kFloat16: {
      // Rows are not 2-byte aligned in every caller (WAL buffers): convert through a copy.
      uint16_t buf[256];
      for (size_t i = 0; i < dim; i += 256) {
        const size_t n = std::min<size_t>(256, dim - i);
        FloatToHalf(v + i, buf, n);
        std::memcpy(out + 2 * i, buf, 2 * n);
      }
      return;
    }
    case ElementType::kInt8:
      for (size_t i = 0; i < dim; ++i) out[i] = static_cast<uint8_t>(static_cast<int8_t>(v[i]));
      return;
    case ElementType::kUint8:
      for (size_t i = 0; i < dim; ++i) out[i] = static_cast<uint8_t>(v[i]);
      return;
    case ElementType::kBinary:
      std::memset(out, 0, (dim + 7) / 8);
      for (size_t i = 0; i < dim; ++i) {
        if (v[i] != 0.0f) out[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
      }
      return;
  }
}

void DecodeElements(ElementType type, const uint8_t* row, size_t dim, float* out) {
  switch (type) {
    case ElementType::kFloat32:
      std::memcpy(out, row, dim * 4);
      return;
    case ElementType::kFloat16: {
      uint16_t buf[256];
      for (size_t i = 0; i < dim; i += 256) {
        const size_t n = std::min<size_t>(256, dim - i);
        std::memcpy(buf, row + 2 * i, 2 * n);
        HalfToFloat(buf, out + i, n);
      }
      return;
    }
    case ElementType::kInt8:
      for (size_t i = 0; i < dim; ++i) out[i] = static_cast<float>(static_cast<int8_t>(row[i]));
      return;
    case ElementType::kUint8:
      for (size_t i = 0; i < dim; ++i) out[i] = static_cast<float>(row[i]);
      return;
    case ElementType::kBinary:
      for (size_t i = 0; i < dim; ++i) out[i] = static_cast<float>((row[i / 8] >> (i % 8)) & 1u);
      return;
  }
}

}  // namespace ragdb::simd
