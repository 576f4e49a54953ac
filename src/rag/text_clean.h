// Text cleaning shared by every parser: UTF-8 validation, NFC normalization, whitespace rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"  // FindInvalidUtf8, AppendUtf8
#include "ragdb/status.h"

namespace ragdb::rag {

// OK, or InvalidArgument "<what>: invalid UTF-8 at byte N" so callers can point at the bad byte.
Status CheckUtf8(std::string_view text, std::string_view what);

// Each byte becomes the code point of the same value (ISO-8859-1 is the first 256 code points).
std::string Latin1ToUtf8(std::string_view bytes);

// Drops a leading UTF-8 byte order mark.
std::string_view StripBom(std::string_view text);

// Unicode NFC through ICU; ASCII input is returned unchanged without calling ICU.
std::string NormalizeNfc(std::string_view text);

// For flowing text: every run of whitespace (ASCII, NBSP, the U+2000 spaces, U+3000, line and
// paragraph separators) becomes one space, control characters are dropped, ends are trimmed.
std::string CollapseWhitespace(std::string_view text);

// For tables, code and records: CRLF/CR become LF, control characters other than tab and LF are
// dropped, trailing spaces of each line and leading/trailing blank lines are removed.
std::string CleanLines(std::string_view text);

// Decodes one code point at `pos` of text already checked to be UTF-8 and advances `pos`; a
// malformed byte (which validation would have refused) reads as U+FFFD.
uint32_t DecodeUtf8(std::string_view text, size_t* pos);

}  // namespace ragdb::rag
