// Strict UTF-8 validation and code-point iteration (analyzers, the JSON reader). ICU's converters
// silently substitute U+FFFD for bad bytes; we want the caller to hear about bad input instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ragdb/status.h"

namespace ragdb {

// Decodes the code point starting at s[*i] and advances *i past it. Returns false (and leaves
// *i unchanged) on a malformed, overlong, surrogate or out-of-range sequence.
bool DecodeUtf8(std::string_view s, size_t* i, char32_t* cp);

// Appends the UTF-8 encoding of a valid code point.
void AppendUtf8(char32_t cp, std::string* out);

// Byte offset of the first malformed sequence, or npos when `s` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view s);

// OK, or InvalidArgument naming the byte offset of the first malformed sequence.
Status ValidateUtf8(std::string_view s);

// True when every byte is < 0x80 (fast paths for plain English text).
bool IsAscii(std::string_view s);

}  // namespace ragdb
