// Parses JSON text into a ragdb::Json value: the server's request bodies.
//
// Why not nlohmann::json::parse: it lexes each number into a temporary string and converts it
// with strtod, which made parsing a 128-float search body ~7% of the server's CPU per search.
// This reader converts numbers in place with std::from_chars (correctly rounded, like strtod)
// and copies strings in runs. It accepts and rejects what nlohmann's parser does (RFC 8259: no
// comments, trailing commas, NaN or invalid UTF-8; a leading UTF-8 BOM is skipped) and gives
// the same values with the same types: integers without fraction or exponent are unsigned when
// non-negative, signed when negative, double beyond 64 bits; duplicate keys keep the last
// value. It also refuses nesting deeper than `max_depth`, which would otherwise recurse deeply.
#pragma once

#include <string_view>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb {

inline constexpr int kDefaultMaxJsonDepth = 128;

// InvalidArgument naming the line, column and problem ("syntax error at line 1, column 9:
// expected ',' or ']' in an array") for text that is not one JSON value.
Result<Json> ReadJson(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

}  // namespace ragdb
