// PayloadIndex: an index of one payload path over the rows 0..rows()-1 of a segment, used to
// answer filter conditions without reading payloads. Two kinds implement it: StoredPayloadIndex
// (stored_index.h, immutable, written into sealed segments) and GrowingPayloadIndex
// (growing_index.h, kept up to date as the growing segment takes rows).
//
// What an index holds, by PayloadType (the "held" leaf values; leaves: see filter_eval.h):
//   keyword   string leaves                  -> sorted distinct strings, each with its rows
//   text      the words (TextWords) of a row's single string leaf -> sorted words with rows
//   integer   integer leaves in int64 range  -> sorted distinct int64s with rows
//   float     numeric leaves exactly representable as a double -> sorted distinct doubles
//   bool      bool leaves                    -> keys 0 (false) and 1 (true)
//   datetime  string leaves that parse as RFC 3339 -> sorted instants (microseconds) with rows
//   uuid      string leaves in canonical form (36 lower-case hex digits and hyphens) -> sorted
//             128-bit values with rows
//   geo       geo point leaves ({"lon", "lat"}) -> Z-order cells (geo.h) with rows and points
// plus, for every row, whether the path is present, non-empty (not null / []) and has a null.
//
// Exactness contract: Lookup() answers a condition it supports exactly for every row except
// other_rows(): rows having a leaf the index does not hold but the condition could match (a number
// in a keyword index, 2.5 in an integer index, a second string in a text index, a non-canonical
// UUID string, two points of one row in one geo cell). Callers re-check those rows against the
// payload (Evaluate in filter_eval.cc does). An answer marked inexact is a superset: every row in
// it must be re-checked (a phrase: the index knows a row's words, not their order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bitset.h"
#include "ragdb/filter.h"
#include "ragdb/schema.h"

namespace ragdb {

struct IndexAnswer {
  Bitset rows;
  bool exact = true;  // false: a superset, re-check every row
};

class PayloadIndex {
 public:
  virtual ~PayloadIndex() = default;

  virtual const std::string& path() const = 0;
  virtual PayloadType type() const = 0;
  virtual size_t rows() const = 0;
  virtual const std::vector<uint32_t>& other_rows() const = 0;

  // The rows matching `c` (see the contract above), or nullopt when this index cannot answer `c`
  // (kHasId, kNested, a match on a text index, null match values, ...). `rows` must equal rows()
  // (nullopt otherwise). The condition's key is not checked against path().
  virtual std::optional<IndexAnswer> Lookup(const Condition& c, size_t rows) const = 0;
  // Upper-bound-ish estimate of Lookup(c)'s count + other_rows().size(); nullopt when Lookup
  // would be nullopt.
  virtual std::optional<size_t> EstimateCount(const Condition& c) const = 0;
};

}  // namespace ragdb
