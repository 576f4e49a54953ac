// Evaluating filters: on one record (Matches) and on a whole segment (Evaluate), the latter using
// payload indexes where they can answer a condition and reading payloads only for the rest.
//
// Per-record semantics (shared by every path; the payload indexes answer exactly the same):
//   A condition's path resolves to raw values (json_path.h: objects are descended, arrays of
//   objects are descended element-wise); leaf values are the raw values with arrays replaced by
//   their elements.
//   kMatch / kMatchAny  some leaf equals some value (ScalarEquals: 3 == 3.0, strings and bools
//                       exactly, null == null)
//   kMatchExcept        the path resolves to at least one raw value (null and [] count as present)
//                       and no leaf equals any value
//   kMatchText          some string leaf contains every word of `text` (value_match.h TextWords)
//   kMatchTextAny       some string leaf contains at least one word of `text`
//   kMatchPhrase        some string leaf contains the words of `text` consecutively, in order
//   kRange              some numeric leaf (as a double) lies within the bounds; a datetime range:
//                       some string leaf parses as RFC 3339 (datetime.h) and its instant does
//   kGeo*               some leaf is a geo point (geo.h GeoPointOf) inside the shape
//   kValuesCount        the count of values lies within the bounds: a null raw value counts 0,
//                       an array its elements, anything else 1 (a missing path: 0)
//   kIsEmpty            every raw value is null or [] (true when the path resolves to nothing)
//   kIsNull             some raw value is null
//   kHasId              the record id is one of `ids`
//   kNested             the sub-filter matches (a null `filter` counts as the empty filter)
//   kNestedArray        some object element of the raw values (an object counts as one element)
//                       matches `filter`, reading paths inside that element
//   Filter              all `must`, at least one `should` (if any), at least min_should_count
//                       of `min_should` (if any), no `must_not`; the empty filter matches
//                       everything.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/bitset.h"
#include "query/payload/payload_index.h"
#include "ragdb/filter.h"
#include "ragdb/json.h"
#include "ragdb/point_id.h"

namespace ragdb {

bool Matches(const Filter& filter, const PointId& id, const Json& payload);
bool ConditionMatches(const Condition& condition, const PointId& id, const Json& payload);

// One segment, as seen by the filter evaluator. Implemented by the storage layer.
class FilterSource {
 public:
  virtual ~FilterSource() = default;
  // Rows are 0..rows()-1.
  virtual size_t rows() const = 0;
  // The payload index on exactly this path (Condition::key as written), or nullptr. An index is
  // used only when its rows() equals this source's rows(). Growing (in-memory) segments may
  // return nullptr for every path: evaluation then reads payloads.
  virtual const PayloadIndex* index(std::string_view path) const = 0;
  // The payload of a row (a null Json for "no payload"). The evaluator uses the reference only
  // until its next call to payload(), so an implementation may decode into one reused buffer.
  // Never called for rows outside the candidates passed to Evaluate.
  virtual const Json& payload(size_t row) const = 0;
  virtual PointId id(size_t row) const = 0;
};

// The rows of `source` that match `filter`, restricted to `candidates` when given (e.g. the live
// rows; its size should be source.rows(): rows beyond it are not candidates). Identical, row by
// row, to Matches(filter, id(r), payload(r)). Index-answered `must` conditions are intersected
// first so that payloads are read only for rows still possible, and each such row's payload is read
// once for all remaining conditions.
Bitset Evaluate(const Filter& filter, const FilterSource& source,
                const Bitset* candidates = nullptr);

// A cheap estimate of how many rows match, for the query planner: from the payload indexes when
// they can tell (posting list sizes, plus the index's other_rows()), otherwise assuming a
// condition may match every row, so it leans high. Never exceeds rows(); reads no payloads.
size_t EstimateCount(const Filter& filter, const FilterSource& source);

}  // namespace ragdb
