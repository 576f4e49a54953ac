// CRC-32C (Castagnoli), the checksum on every stored record and file section. Uses the SSE4.2
// instruction when the CPU has it, a table otherwise; both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ragdb::crc32c {

// Extends `crc` (the CRC of earlier bytes, 0 to start) with `n` bytes.
uint32_t Extend(uint32_t crc, const void* data, size_t n);
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// The portable path, exposed so tests can compare it with the hardware one.
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n);

}  // namespace ragdb::crc32c
