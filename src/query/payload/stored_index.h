// StoredPayloadIndex: the immutable payload index of a sealed segment (and the chunks a growing
// segment's index is made of), built from payloads and serialized into the segment file.
//
// Serialized layout (AppendTo / Load), all integers little-endian:
//   u32 magic 0x58495052 ("RPIX")   u8 version = 1   u8 type (PayloadType)   u16 zero
//   u32 path length, path bytes
//   u32 rows
//   u32 key count K, then K keys in strictly increasing order:
//       keyword/text: u32 length + bytes;  integer/bool/datetime: i64 (bool: 0 or 1);
//       float: f64 (no NaN);  uuid: u64 high half, u64 low half;  geo: u64 Z-order cell
//   K x u32 posting list length (each >= 1)
//   the posting lists, concatenated: u32 rows, strictly increasing within a list, < rows
//   geo only: one point per posting, in posting order: f64 lon, f64 lat (valid coordinates)
//   u32 other-row count, then those u32 rows, strictly increasing, < rows
//   3 bitsets of ceil(rows/64) u64 words each: present, non_empty, has_null (bits past rows are
//   zero; non_empty and has_null are subsets of present)
// Load validates all of this and the exact total length; the caller checksums the whole block.
// Types keyword..text were the only ones before datetime, uuid and geo existed; their layout is
// unchanged, so older segment files open as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "query/payload/payload_index.h"
#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb {

class StoredPayloadIndex final : public PayloadIndex {
 public:
  // Indexes `path` over payloads[0..n-1] (nullptr = no payload). InvalidArgument for a bad path or
  // more than 2^32 - 1 rows.
  static Result<StoredPayloadIndex> Build(std::string path, PayloadType type,
                                          const std::vector<const Json*>& payloads);
  static Result<StoredPayloadIndex> Build(const PayloadIndexField& field,
                                          const std::vector<const Json*>& payloads) {
    return Build(field.path, field.type, payloads);
  }

  const std::string& path() const override { return path_; }
  PayloadType type() const override { return type_; }
  size_t rows() const override { return rows_; }
  const std::vector<uint32_t>& other_rows() const override { return other_rows_; }
  size_t distinct_keys() const { return offsets_.size() - 1; }
  // The index key by key (facet counts, ordered scrolls): key i's value as JSON (a string for
  // keyword and text, an integer for integer and datetime (microseconds), a double, a boolean
  // for bool; null for uuid and geo) and its rows. Keys are in increasing order.
  Json KeyValue(size_t key) const;
  std::span<const uint32_t> KeyRows(size_t key) const {
    return {postings_.data() + offsets_[key], postings_.data() + offsets_[key + 1]};
  }

  std::optional<IndexAnswer> Lookup(const Condition& c, size_t rows) const override;
  std::optional<size_t> EstimateCount(const Condition& c) const override;

  void AppendTo(std::string* out) const;
  static Result<StoredPayloadIndex> Load(std::string_view bytes);

 private:
  StoredPayloadIndex() = default;

  bool IsStringKeyed() const {
    return type_ == PayloadType::kKeyword || type_ == PayloadType::kText;
  }
  bool IsIntKeyed() const {
    return type_ == PayloadType::kInteger || type_ == PayloadType::kBool ||
           type_ == PayloadType::kDatetime;
  }
  size_t ListSize(size_t key) const { return offsets_[key + 1] - offsets_[key]; }
  // Key index of a value equal (ScalarEquals) to `v` among the held leaves, or nullopt.
  std::optional<size_t> FindEqual(const Json& v) const;
  std::optional<size_t> FindWord(const std::string& w) const;
  void AddPostings(size_t key, Bitset* out) const;
  // Rows having a held leaf equal to one of `values`; nullopt if a value is null or the index
  // holds no comparable values (text, datetime, geo).
  std::optional<Bitset> LookupAny(const std::vector<Json>& values) const;
  // Key range [first, last) whose values lie in `r` (numeric and datetime indexes).
  std::pair<size_t, size_t> RangeKeys(const Range& r) const;
  // Text conditions over a keyword (whole strings) or text (words) index.
  std::optional<IndexAnswer> LookupText(const Condition& c) const;
  Bitset LookupGeo(const Condition& c) const;
  // Rows of keys whose string passes `test` (keyword indexes).
  template <typename Test>
  Bitset ScanKeys(Test&& test) const;

  std::string path_;
  PayloadType type_ = PayloadType::kKeyword;
  uint32_t rows_ = 0;
  std::vector<std::string> str_keys_;         // keyword, text
  std::vector<int64_t> int_keys_;             // integer, bool, datetime
  std::vector<double> float_keys_;            // float
  std::vector<unsigned __int128> uuid_keys_;  // uuid
  std::vector<uint64_t> cell_keys_;           // geo
  std::vector<uint32_t> offsets_{0};  // key i's rows are postings_[offsets_[i] .. offsets_[i+1])
  std::vector<uint32_t> postings_;
  std::vector<GeoPoint> points_;  // geo: the point of each posting
  std::vector<uint32_t> other_rows_;
  Bitset present_, non_empty_, has_null_;
};

// A string in canonical UUID form (8-4-4-4-12 lower-case hex digits) as 128 bits; nullopt for
// anything else.
std::optional<unsigned __int128> CanonicalUuid(std::string_view s);

}  // namespace ragdb
