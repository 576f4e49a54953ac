// The Unicode pieces the tokenizers need (UTF-8 coding, character classes, case mapping and
// normalization forms), with ICU doing the table work.
#pragma once

#include <string>
#include <string_view>

#include "base/utf8.h"  // AppendUtf8
#include "ragdb/status.h"

namespace ragdb::model {

// Strict UTF-8 decoding: rejects overlong forms, surrogates, values past U+10FFFF and truncated
// sequences, naming the byte offset.
Result<std::u32string> DecodeUtf8(std::string_view text);
std::string EncodeUtf8(std::u32string_view s);

// The classes of BERT's basic tokenizer, as Hugging Face's Rust tokenizers define them.
bool IsBertWhitespace(char32_t c);     // \t \n \r ' ' or category Zs
bool IsBertControl(char32_t c);        // category C* except \t \n \r
bool IsBertPunctuation(char32_t c);    // ASCII punctuation or category P*
bool IsCjk(char32_t c);                // the CJK ideograph blocks BERT isolates
bool IsUnicodeWhitespace(char32_t c);  // the White_Space property
bool IsNonspacingMark(char32_t c);     // category Mn
bool IsLetter(char32_t c);             // category L* (regex \p{L})
bool IsNumber(char32_t c);             // category N* (regex \p{N})

// Per-character full lowercase (as Rust's char::to_lowercase: no context-dependent final sigma).
std::u32string LowercaseChars(std::u32string_view s);

enum class NormForm { kNfc, kNfd, kNfkc, kNfkd };
std::u32string Normalize(std::u32string_view s, NormForm form);

}  // namespace ragdb::model
