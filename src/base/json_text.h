// JSON text without a Json tree in between, for the server's hot paths: ReadJson parses request
// bodies; AppendJsonNumber writes numbers of responses that are assembled as text.
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

#include <string>
#include <string_view>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb {

inline constexpr int kDefaultMaxJsonDepth = 128;

// InvalidArgument naming the line, column and problem ("syntax error at line 1, column 9:
// expected ',' or ']' in an array") for text that is not one JSON value.
Result<Json> ReadJson(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

// Compact JSON text of `j`; invalid UTF-8 in strings becomes U+FFFD instead of an exception
// (payloads and documents are user text).
std::string WriteJson(const Json& j);

// Appends a double in the shortest form that reads back to the same value, with ".0" on integral
// values and "null" when not finite (as nlohmann's dump writes them).
void AppendJsonNumber(double v, std::string* out);
// The same for a float: the shortest text that reads back to the same float (0.34176219 rather
// than the double 0.3417621850967407), as Qdrant writes its f32 scores.
void AppendJsonNumber(float v, std::string* out);
// A float as a Json number that prints as written: the double nearest the float's shortest
// text, so 1.2f shows as 1.2 rather than 1.2000000476837158. Non-finite values become null.
Json FloatJson(float v);

}  // namespace ragdb
