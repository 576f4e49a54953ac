// Byte-level encoding shared by the serialized text and sparse indexes: little-endian fixed
// integers, LEB128 varints and bit-packed blocks of up to 128 integers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ragdb::text {

inline constexpr size_t kBlockSize = 128;  // postings per compressed block

inline void PutU16(std::string* out, uint16_t v) {
  char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  out->append(b, 2);
}
inline void PutU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}
inline void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
inline void PutF32(std::string* out, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  PutU32(out, v);
}
inline void SetU32(std::string* out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*out)[at + i] = static_cast<char>(v >> (8 * i));
}
inline void SetU64(std::string* out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) (*out)[at + i] = static_cast<char>(v >> (8 * i));
}

// Unchecked loads: callers bounds-check first. Byte-wise assembly keeps them endian-independent;
// compilers turn it into a single load on little-endian targets.
inline uint16_t GetU16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
inline uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}
inline uint64_t GetU64(const char* p) { return GetU32(p) | (uint64_t{GetU32(p + 4)} << 32); }
inline float GetF32(const char* p) {
  const uint32_t v = GetU32(p);
  float f;
  std::memcpy(&f, &v, 4);
  return f;
}

void PutVarint(std::string* out, uint32_t v);
// Decodes a varint from [*p, end); false on truncation or a value over 32 bits.
inline bool GetVarint(const char** p, const char* end, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (*p >= end) return false;
    const auto b = static_cast<unsigned char>(*(*p)++);
    result |= uint32_t{b & 0x7Fu} << shift;
    if (b < 0x80) {
      if (shift == 28 && b > 0x0F) return false;
      *v = result;
      return true;
    }
  }
  return false;
}

// Bits needed for the largest of `n` values (0 when all are zero).
int MaxBits(const uint32_t* v, size_t n);
// Appends n values of `bits` bits each, LSB first, ceil(n*bits/8) bytes.
void PackBits(const uint32_t* v, size_t n, int bits, std::string* out);
inline size_t PackedBytes(size_t n, int bits) { return (n * static_cast<size_t>(bits) + 7) / 8; }
// Reads n values of `bits` bits from `in`, which must hold PackedBytes(n, bits) + 8 readable
// bytes (the reader copies blocks into padded scratch buffers so this holds).
void UnpackBits(const char* in, size_t n, int bits, uint32_t* out);

}  // namespace ragdb::text
