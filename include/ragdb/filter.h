// Filter: a condition on records' payloads (and ids), in the shape Qdrant uses.
//
// Two equivalent forms build the same tree:
//   JSON (Qdrant): {"must": [{"key": "cat", "match": {"value": "news"}}],
//                   "should": [...], "must_not": [{"is_null": {"key": "deleted"}}]}
//   expression:    cat == "news" and (price < 9.5 or tags in ["a", "b"]) and deleted != null
//
// Semantics (as in Qdrant): a record passes when every `must` condition holds, at least one
// `should` condition holds (if there are any), at least `min_should_count` of the `min_should`
// conditions hold (if there are any), and no `must_not` condition holds. A field that is
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
  // Bounds are instants (microseconds since 1970-01-01T00:00:00Z, from RFC 3339 strings) and
  // match payload strings that parse as RFC 3339 date-times, not numbers.
  bool datetime = false;
  friend bool operator==(const Range&, const Range&) = default;
};

// A point on Earth in degrees (Qdrant's {"lon", "lat"}).
struct GeoPoint {
  double lon = 0, lat = 0;
  friend bool operator==(const GeoPoint&, const GeoPoint&) = default;
};

// The area of a geo condition: a circle (center, radius in meters, great-circle distance), a
// box (top-left and bottom-right corners; a box whose left edge is east of its right edge
// crosses the antimeridian) or a polygon (exterior ring and holes, each closed: first point ==
// last point, at least 4 points).
struct GeoShape {
  GeoPoint center;
  double radius = 0;
  GeoPoint top_left, bottom_right;
  std::vector<GeoPoint> exterior;
  std::vector<std::vector<GeoPoint>> interiors;
  friend bool operator==(const GeoShape&, const GeoShape&) = default;
};

struct Condition {
  enum class Kind {
    kMatch,         // key's value (or an element of it) equals `values[0]` (string, integer, bool)
    kMatchAny,      // ... equals one of `values`
    kMatchExcept,   // the field exists and no element equals any of `values`
    kMatchText,     // key's string value contains every word of `text` (case-insensitive)
    kRange,         // key's numeric value (or an element) lies in `range` (instants: datetime)
    kIsEmpty,       // key is missing, null or []
    kIsNull,        // key is present and null
    kHasId,         // the record's id is one of `ids`
    kNested,        // `filter` holds (a sub-filter used as one condition)
    kMatchTextAny,  // key's string value contains at least one word of `text`
    kMatchPhrase,   // key's string value contains the words of `text` consecutively
    kGeoRadius,     // a geo point at key lies within `geo.radius` meters of `geo.center`
    kGeoBoundingBox,  // ... inside the box `geo.top_left` .. `geo.bottom_right`
    kGeoPolygon,      // ... inside `geo.exterior` and outside every `geo.interiors`
    kValuesCount,     // the number of values at key lies in `range` (Qdrant's values_count)
    kNestedArray,     // `filter` holds for one element of the array of objects at key, its
                      // paths read inside that element (Qdrant's "nested")
  };
  Kind kind = Kind::kMatch;
  std::string key;           // dotted path; "a.b" reads payload["a"]["b"], "a[].b" likewise
  std::vector<Json> values;  // kMatch / kMatchAny / kMatchExcept
  std::string text;          // kMatchText / kMatchTextAny / kMatchPhrase
  Range range;               // kRange / kValuesCount
  GeoShape geo;              // kGeoRadius / kGeoBoundingBox / kGeoPolygon
  std::vector<PointId> ids;  // kHasId
  std::shared_ptr<const Filter> filter;  // kNested / kNestedArray

  // Equal conditions select the same rows (nested filters compared by value).
  friend bool operator==(const Condition& a, const Condition& b);
};

struct Filter {
  std::vector<Condition> must;
  std::vector<Condition> should;
  std::vector<Condition> must_not;
  // At least `min_should_count` of `min_should` hold (Qdrant's "min_should"); ignored when
  // `min_should` is empty.
  std::vector<Condition> min_should;
  size_t min_should_count = 0;

  bool empty() const {
    return must.empty() && should.empty() && must_not.empty() && min_should.empty();
  }

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
      !(a.range == b.range) || !(a.geo == b.geo) || a.ids != b.ids) {
    return false;
  }
  if (a.filter == nullptr || b.filter == nullptr) return a.filter == b.filter;
  return *a.filter == *b.filter;
}

}  // namespace ragdb
