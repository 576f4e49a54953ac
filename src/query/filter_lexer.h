// Tokens of the filter expression language (grammar: filter_parser.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb::internal {

enum class TokenKind {
  kEnd,
  kIdent,     // bare word: field name or keyword (and, or, not, in, true, false, null, exists)
  kString,    // "..." or '...' with escapes; `str` holds the decoded text
  kBacktick,  // `...` (a field name, no escapes); `str` holds the text
  kNumber,    // `number` holds a JSON integer or float
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kEq,  // ==
  kNe,  // !=
  kLt,
  kLe,
  kGt,
  kGe,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t column = 0;      // 1-based byte column of the first byte
  std::string_view text;  // the source bytes of the token (empty for kEnd)
  std::string str;        // kString / kBacktick
  Json number;            // kNumber
};

// Splits `input` into tokens ending with one kEnd. Errors: "column N: unterminated string", ...
Result<std::vector<Token>> Tokenize(std::string_view input);

// Case-insensitive comparison of an identifier with a lowercase keyword.
bool IsKeyword(const Token& t, std::string_view lower_keyword);

}  // namespace ragdb::internal
