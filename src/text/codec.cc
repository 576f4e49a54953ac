#include "text/codec.h"

#include <bit>

namespace ragdb::text {

void PutVarint(std::string* out, uint32_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

int MaxBits(const uint32_t* v, size_t n) {
  uint32_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= v[i];
  return acc == 0 ? 0 : 32 - std::countl_zero(acc);
}

void PackBits(const uint32_t* v, size_t n, int bits, std::string* out) {
  if (bits == 0) return;
  uint64_t acc = 0;
  int filled = 0;
  for (size_t i = 0; i < n; ++i) {
    acc |= uint64_t{v[i]} << filled;
    filled += bits;
    while (filled >= 8) {
      out->push_back(static_cast<char>(acc));
      acc >>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) out->push_back(static_cast<char>(acc));
}

void UnpackBits(const char* in, size_t n, int bits, uint32_t* out) {
  if (bits == 0) {
    for (size_t i = 0; i < n; ++i) out[i] = 0;
    return;
  }
  const uint64_t mask = bits == 32 ? 0xFFFFFFFFull : ((uint64_t{1} << bits) - 1);
  size_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += static_cast<size_t>(bits)) {
    // One unaligned 8-byte load covers any 32-bit value at any bit offset (offset%8 + 32 <= 64).
    const uint64_t w = GetU64(in + (bit >> 3));
    out[i] = static_cast<uint32_t>((w >> (bit & 7)) & mask);
  }
}

}  // namespace ragdb::text
