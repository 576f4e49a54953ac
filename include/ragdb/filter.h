// Filter: a condition on records' payloads (and ids), in the shape Qdrant uses.
//
// Two equivalent forms build the same tree:
//   JSON (Qdrant): {"must": [{"key": "cat", "match": {"value": "news"}}],
//                   "should": [...], "must_not": [{"is_null": {"key": "deleted"}}]}
//   expression:    cat == "news" and (price < 9.5 or tags in ["a", "b"]) and deleted != null
//
// Semantics (as in Qdrant): a record passes when every `must` condition holds, at least one
// `should` condition holds (if there are any), and no `must_not` condition holds. A field that is
// an array matches `match` / `range` when any element does. A missing field never matches a
// `match` or `range` condition, so `x != 1` (= must_not x == 1) passes records without `x`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/json.h"
#include "ragdb/point_id.h"
#include "ragdb/status.h"

namespace ragdb {

struct Filter;

struct Range {
  std::optional<double> gt, gte, lt, lte;
  friend bool operator==(const Range&, const Range&) = default;
};

struct Condition {
  enum class Kind {
    kMatch,        // key's value (or an element of it) equals `values[0]` (string, integer, bool)
    kMatchAny,     // ... equals one of `values`
    kMatchExcept,  // the field exists and no element equals any of `values`
    kMatchText,    // key's string value contains every word of `text` (case-insensitive)
    kRange,        // key's numeric value (or an element) lies in `range`
    kIsEmpty,      // key is missing, null or []
    kIsNull,       // key is present and null
    kHasId,        // the record's id is one of `ids`
    kNested,       // `filter` holds (a sub-filter used as one condition)
  };
  Kind kind = Kind::kMatch;
  std::string key;           // dotted path; "a.b" reads payload["a"]["b"], "a[].b" likewise
  std::vector<Json> values;  // kMatch / kMatchAny / kMatchExcept
  std::string text;          // kMatchText
  Range range;               // kRange
  std::vector<PointId> ids;  // kHasId
  std::shared_ptr<const Filter> filter;  // kNested

  // Equal conditions select the same rows (nested filters compared by value).
  friend bool operator==(const Condition& a, const Condition& b);
};

struct Filter {
  std::vector<Condition> must;
  std::vector<Condition> should;
  std::vector<Condition> must_not;

  bool empty() const { return must.empty() && should.empty() && must_not.empty(); }

  // Parses the Qdrant JSON form. Strict: unknown keys are errors naming the key and its path
  // within the filter (e.g. "filter.must[1].match: unknown key 'valu'").
  static Result<Filter> FromJson(const Json& j);
  // Parses the expression form. Errors give the 1-based column: "column 14: expected a value".
  static Result<Filter> Parse(std::string_view expression);
  // The Qdrant JSON form (the expression form converts to it losslessly).
  Json ToJson() const;

  friend bool operator==(const Filter&, const Filter&) = default;
};

inline bool operator==(const Condition& a, const Condition& b) {
  if (a.kind != b.kind || a.key != b.key || a.values != b.values || a.text != b.text ||
      !(a.range == b.range) || a.ids != b.ids) {
    return false;
  }
  if (a.filter == nullptr || b.filter == nullptr) return a.filter == b.filter;
  return *a.filter == *b.filter;
}

}  // namespace ragdb
