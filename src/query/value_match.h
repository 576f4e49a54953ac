// Comparisons between payload leaf values and filter values. Every evaluation path (per-record
// Matches, payload indexes) goes through these so that they agree exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/filter.h"
#include "ragdb/json.h"

namespace ragdb::internal {

// Equality of two scalars: numbers compare by value across integer and float (3 == 3.0, exactly:
// 2^53 + 1 != 2^53 as a float), strings and bools exactly, null == null. Different kinds (a
// string and a number, a bool and a number) and arrays/objects are never equal.
bool ScalarEquals(const Json& leaf, const Json& value);

// A number's value as a double (integers are rounded to the nearest double); nullopt otherwise.
std::optional<double> NumberAsDouble(const Json& j);

// Range bounds tested on a double. The lower part and the upper part are each monotone in x, so
// the matching values of a sorted array are one contiguous run.
bool AboveLower(double x, const Range& r);
bool BelowUpper(double x, const Range& r);
inline bool InRange(double x, const Range& r) { return AboveLower(x, r) && BelowUpper(x, r); }

// Exact conversions used by the numeric indexes; nullopt when the value has no exact image.
std::optional<int64_t> ExactInt64(const Json& number);
std::optional<double> ExactDouble(const Json& number);

// Text matching: words are maximal runs of ASCII letters/digits and non-ASCII bytes, ASCII is
// lowercased. A text matches a query when it contains every word of the query.
std::vector<std::string> TextWords(std::string_view text);
bool TextContainsAll(std::string_view text, const std::vector<std::string>& words);
// At least one of `words` occurs (false when `words` is empty: nothing to find).
bool TextContainsAny(std::string_view text, const std::vector<std::string>& words);
// `words` occur consecutively, in order (true when `words` is empty).
bool TextContainsPhrase(std::string_view text, const std::vector<std::string>& words);

// True for values a Match condition may hold: string, number, bool, null.
inline bool IsMatchScalar(const Json& j) {
  return j.is_string() || j.is_number() || j.is_boolean() || j.is_null();
}

}  // namespace ragdb::internal
