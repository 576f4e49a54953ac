// Scalar IEEE binary16 <-> binary32 conversion of single values. These are the reference the F16C
// path is tested against bit for bit, so they follow the hardware exactly: round to nearest even,
// overflow to infinity, NaN payload kept in the top mantissa bits with the quiet bit set.
#pragma once

#include <bit>
#include <cstdint>

namespace ragdb::simd {

// Exact: every binary16 value (subnormals, infinities, NaNs included) is a binary32 value.
inline float HalfBitsToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24 is exact in float; do it in float arithmetic rather than
    // renormalising by hand.
    float magnitude = static_cast<float>(mant) * 0x1p-24f;
    bits = std::bit_cast<uint32_t>(magnitude) | sign;
  } else if (exp == 0x1f) {
    // Inf keeps mant == 0; a NaN is quieted the way vcvtph2ps does it.
    bits = sign | 0x7f800000u | (mant << 13) | (mant != 0 ? 0x00400000u : 0u);
  } else {
    bits = sign | ((exp + (127 - 15)) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

// Rounds to nearest, ties to even, like vcvtps2ph with imm8 = 0.
inline uint16_t FloatToHalfBits(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t exp = (bits >> 23) & 0xffu;
  const uint32_t mant = bits & 0x7fffffu;
  if (exp == 0xff) {
    if (mant == 0) return static_cast<uint16_t>(sign | 0x7c00u);
    return static_cast<uint16_t>(sign | 0x7e00u | (mant >> 13));  // quiet NaN, top payload bits
  }
  if (exp >= 127 + 16) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65536: always inf
  if (exp >= 127 - 14) {
    // Normal half range. Adding the rounding increment to the packed exponent|mantissa lets a
    // mantissa carry bump the exponent (and 65520.. round up to inf) for free.
    uint32_t h = ((exp - (127 - 15)) << 10) | (mant >> 13);
    const uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  // Half subnormal (or zero): result = round(M * 2^(exp - 126)) with M the 24-bit significand.
  // Float subnormals (exp == 0) are far below half's smallest subnormal and round to zero.
  if (exp == 0) return static_cast<uint16_t>(sign);
  const uint32_t shift = 126 - exp;                    // >= 14
  if (shift > 24) return static_cast<uint16_t>(sign);  // < 2^-25: below half the smallest step
  const uint32_t m = mant | 0x800000u;
  uint32_t h = m >> shift;
  const uint32_t rest = m & ((1u << shift) - 1);
  const uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (h & 1u))) ++h;  // may carry into the smallest normal
  return static_cast<uint16_t>(sign | h);
}

}  // namespace ragdb::simd
