// PayloadIndex: an immutable index of one payload path over the rows 0..n-1 of a segment, used to
// answer filter conditions without reading payloads.
//
// What it holds, by PayloadType (the "held" leaf values, see filter_eval.h for leaves):
//   keyword  string leaves                 -> sorted distinct strings, each with its rows
//   text     the words (TextWords) of a row's single string leaf -> sorted words with rows
//   integer  integer leaves in int64 range -> sorted distinct int64s with rows
//   float    numeric leaves exactly representable as a double -> sorted distinct doubles
//   bool     bool leaves                   -> keys 0 (false) and 1 (true)
// plus, for every row, whether the path is present, non-empty (not null / []) and has a null.
//
// Exactness contract: a row is an "other row" when it has a string/number/bool leaf the index does
// not hold (a number in a keyword index, 2.5 in an integer index, or a second string leaf in a
// text index). Lookup() is exact for every row except other_rows(); callers re-check those rows
// against the payload (Evaluate in filter_eval.cc does). Typically other_rows() is empty.
//
// Growing (in-memory) segments have no PayloadIndex: the index is built when a segment is sealed
// (Build) or opened (Load), and the evaluator scans payloads of segments without one.
//
// Serialized layout (AppendTo / Load), all integers little-endian:
//   u32 magic 0x58495052 ("RPIX")   u8 version = 1   u8 type (PayloadType)   u16 zero
//   u32 path length, path bytes
//   u32 rows
//   u32 key count K, then K keys in strictly increasing order:
//       keyword/text: u32 length + bytes;  integer/bool: i64 (bool: 0 or 1);  float: f64 (no NaN)
//   K x u32 posting list length (each >= 1)
//   the posting lists, concatenated: u32 rows, strictly increasing within a list, < rows
//   u32 other-row count, then those u32 rows, strictly increasing, < rows
//   3 bitsets of ceil(rows/64) u64 words each: present, non_empty, has_null (bits past rows are
//   zero; non_empty and has_null are subsets of present)
// Load validates all of this and the exact total length; the caller checksums the whole block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bitset.h"
#include "ragdb/filter.h"
#include "ragdb/json.h"
#include "ragdb/schema.h"
#include "ragdb/status.h"

namespace ragdb {

class PayloadIndex {
 public:
  // Indexes `path` over payloads[0..n-1] (nullptr = no payload). InvalidArgument for a bad path or
  // more than 2^32 - 1 rows.
  static Result<PayloadIndex> Build(std::string path, PayloadType type,
                                    const std::vector<const Json*>& payloads);
  static Result<PayloadIndex> Build(const PayloadIndexField& field,
                                    const std::vector<const Json*>& payloads) {
    return Build(field.path, field.type, payloads);
  }

  const std::string& path() const { return path_; }
  PayloadType type() const { return type_; }
  size_t rows() const { return rows_; }
  size_t distinct_keys() const { return offsets_.size() - 1; }
  const std::vector<uint32_t>& other_rows() const { return other_rows_; }

  // The rows matching `c`, exact except on other_rows(), or nullopt when this index cannot answer
  // `c` (kHasId, kNested, text conditions on non-text data, null match values, ...). `rows` must
  // equal rows() (nullopt otherwise). The condition's key is not checked against path().
  std::optional<Bitset> Lookup(const Condition& c, size_t rows) const;
  // Upper-bound-ish estimate of Lookup(c).Count() + other_rows().size(); nullopt when Lookup would
  // be nullopt.
  std::optional<size_t> EstimateCount(const Condition& c) const;

  // The index key by key (facet counts, ordered scrolls): key i's value as JSON (a string for
  // keyword and text, an integer, a double, or a boolean for bool) and its rows. Keys are in
  // increasing order; i < distinct_keys().
  Json KeyValue(size_t key) const;
  std::span<const uint32_t> KeyRows(size_t key) const {
    return {postings_.data() + offsets_[key], postings_.data() + offsets_[key + 1]};
  }

  void AppendTo(std::string* out) const;
  static Result<PayloadIndex> Load(std::string_view bytes);

 private:
  PayloadIndex() = default;

  bool IsStringKeyed() const {
    return type_ == PayloadType::kKeyword || type_ == PayloadType::kText;
  }
  // Key index of a value equal (ScalarEquals) to `v` among the held leaves, or nullopt.
  std::optional<size_t> FindEqual(const Json& v) const;
  void AddPostings(size_t key, Bitset* out) const;
  // Rows having a held leaf equal to one of `values`; nullopt if a value is null or the index is a
  // text index.
  std::optional<Bitset> LookupAny(const std::vector<Json>& values) const;
  // Key range [first, last) whose values lie in `r` (numeric indexes).
  std::pair<size_t, size_t> RangeKeys(const Range& r) const;

  std::string path_;
  PayloadType type_ = PayloadType::kKeyword;
  uint32_t rows_ = 0;
  std::vector<std::string> str_keys_;  // keyword, text
  std::vector<int64_t> int_keys_;      // integer, bool
  std::vector<double> float_keys_;     // float
  std::vector<uint32_t> offsets_{0};   // key i's rows are postings_[offsets_[i] .. offsets_[i+1])
  std::vector<uint32_t> postings_;
  std::vector<uint32_t> other_rows_;
  Bitset present_, non_empty_, has_null_;
};

}  // namespace ragdb
