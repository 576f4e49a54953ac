#include "query/payload/stored_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "query/datetime.h"
#include "query/geo.h"
#include "query/json_path.h"
#include "query/value_match.h"

namespace ragdb {
namespace {

constexpr uint32_t kMagic = 0x58495052;  // "RPIX" read as little-endian bytes
constexpr uint8_t kVersion = 1;

// Sorts (key, row) pairs, drops duplicates and splits them into keys + CSR posting lists.
template <typename K>
void Group(std::vector<std::pair<K, uint32_t>>* pairs, std::vector<K>* keys,
           std::vector<uint32_t>* offsets, std::vector<uint32_t>* postings) {
  std::sort(pairs->begin(), pairs->end());
  pairs->erase(std::unique(pairs->begin(), pairs->end()), pairs->end());
  offsets->clear();
  for (auto& [k, row] : *pairs) {
    if (keys->empty() || !(keys->back() == k)) {
      keys->push_back(std::move(k));
      offsets->push_back(static_cast<uint32_t>(postings->size()));
    }
    postings->push_back(row);
  }
  offsets->push_back(static_cast<uint32_t>(postings->size()));
}

// ---- little-endian encoding ----

template <typename T>
void Put(std::string* out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  unsigned char b[sizeof(T)];
  uint64_t u = 0;
  std::memcpy(&u, &v, sizeof(T));
  for (size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<unsigned char>(u >> (8 * i));
  out->append(reinterpret_cast<const char*>(b), sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t remaining() const { return in_.size() - pos_; }
  size_t pos() const { return pos_; }

  template <typename T>
  Status Get(T* v, const char* what) {
    if (remaining() < sizeof(T)) return Truncated(what);
    uint64_t u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      u |= static_cast<uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    }
    std::memcpy(v, &u, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }
  Status GetBytes(size_t n, std::string* s, const char* what) {
    if (remaining() < n) return Truncated(what);
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  Status Truncated(const char* what) const {
    return Status::Corruption("payload index: truncated at byte " + std::to_string(pos_) +
                              " reading " + what);
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

Status Corrupt(const std::string& msg) { return Status::Corruption("payload index: " + msg); }

void PutBitset(std::string* out, const Bitset& b) {
  for (uint64_t w : b.words()) Put<uint64_t>(out, w);
}

Status GetBitset(Reader* r, size_t rows, const char* what, Bitset* b) {
  *b = Bitset(rows);
  for (uint64_t& w : b->mutable_words()) RAGDB_RETURN_IF_ERROR(r->Get(&w, what));
  if (rows % 64 != 0 && !b->words().empty() && (b->words().back() >> (rows % 64)) != 0) {
    return Corrupt(std::string(what) + " has bits past the last row");
  }
  return Status::Ok();
}

constexpr uint8_t kLastType = static_cast<uint8_t>(PayloadType::kUuid);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsSubset(const Bitset& a, const Bitset& b) {
  for (size_t i = 0; i < a.words().size(); ++i) {
    if (a.words()[i] & ~b.words()[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<unsigned __int128> CanonicalUuid(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  unsigned __int128 v = 0;
  for (size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash) {
      if (s[i] != '-') return std::nullopt;
      continue;
    }
    const int h = HexValue(s[i]);
    if (h < 0) return std::nullopt;
    v = (v << 4) | static_cast<unsigned>(h);
  }
  return v;
}

Result<StoredPayloadIndex> StoredPayloadIndex::Build(std::string path, PayloadType type,
                                                     const std::vector<const Json*>& payloads) {
  Status st = internal::ValidatePath(path);
  if (!st.ok()) return Status::InvalidArgument("payload index: " + st.message());
  if (payloads.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("payload index: more than 2^32-1 rows");
  }
  StoredPayloadIndex idx;
  idx.path_ = std::move(path);
  idx.type_ = type;
  idx.rows_ = static_cast<uint32_t>(payloads.size());
  idx.present_ = Bitset(idx.rows_);
  idx.non_empty_ = Bitset(idx.rows_);
  idx.has_null_ = Bitset(idx.rows_);

  std::vector<std::pair<std::string, uint32_t>> str_pairs;
  std::vector<std::pair<int64_t, uint32_t>> int_pairs;
  std::vector<std::pair<double, uint32_t>> float_pairs;
  std::vector<std::pair<unsigned __int128, uint32_t>> uuid_pairs;
  struct GeoEntry {
    uint64_t cell;
    uint32_t row;
    GeoPoint point;
  };
  std::vector<GeoEntry> geo;
  std::vector<const Json*> raw;
  for (uint32_t row = 0; row < idx.rows_; ++row) {
    if (payloads[row] == nullptr) continue;
    internal::ResolvePath(*payloads[row], idx.path_, &raw);
    if (raw.empty()) continue;
    idx.present_.Set(row);
    for (const Json* v : raw) {
      if (v->is_null()) {
        idx.has_null_.Set(row);
      } else if (!(v->is_array() && v->empty())) {
        idx.non_empty_.Set(row);
      }
    }
    bool other = false;
    const std::string* text = nullptr;
    size_t strings = 0;
    const size_t geo_before = geo.size();
    internal::ForEachLeaf(raw, [&](const Json& leaf) {
      if (type == PayloadType::kGeo) {
        // Objects that are not points, and every scalar, never match a geo condition, and the
        // geo index answers nothing else.
        if (auto p = internal::GeoPointOf(leaf)) geo.push_back({internal::GeoCell(*p), row, *p});
        return;
      }
      if (!leaf.is_string() && !leaf.is_number() && !leaf.is_boolean()) return;  // never matched
      switch (type) {
        case PayloadType::kKeyword:
          if (leaf.is_string()) {
            str_pairs.emplace_back(leaf.get<std::string>(), row);
          } else {
            other = true;
          }
          break;
        case PayloadType::kText:
          if (leaf.is_string()) {
            text = &leaf.get_ref<const std::string&>();
            ++strings;
          } else {
            other = true;
          }
          break;
        case PayloadType::kInteger:
          if (auto i = leaf.is_number() ? internal::ExactInt64(leaf) : std::nullopt) {
            int_pairs.emplace_back(*i, row);
          } else {
            other = true;
          }
          break;
        case PayloadType::kFloat:
          if (auto d = leaf.is_number() ? internal::ExactDouble(leaf) : std::nullopt) {
            float_pairs.emplace_back(*d, row);
          } else {
            other = true;
          }
          break;
        case PayloadType::kBool:
          if (leaf.is_boolean()) {
            int_pairs.emplace_back(leaf.get<bool>() ? 1 : 0, row);
          } else {
            other = true;
          }
          break;
        case PayloadType::kDatetime:
          // Only datetime ranges are answered here: a leaf that is not a date-time string can
          // never match one.
          if (leaf.is_string()) {
            if (auto t = internal::ParseDatetime(leaf.get_ref<const std::string&>())) {
              int_pairs.emplace_back(*t, row);
            }
          }
          break;
        case PayloadType::kUuid:
          if (auto u = leaf.is_string() ? CanonicalUuid(leaf.get_ref<const std::string&>())
                                        : std::nullopt) {
            uuid_pairs.emplace_back(*u, row);
          } else {
            other = true;
          }
          break;
        case PayloadType::kGeo:
          break;
      }
    });
    // A text index keeps words per row, not per leaf, so it cannot tell whether all query words
    // are in the same one of several strings: such rows are re-checked.
    if (strings > 1) {
      other = true;
    } else if (strings == 1) {
      for (std::string& w : internal::TextWords(*text)) str_pairs.emplace_back(std::move(w), row);
    }
    // Two points of one row in one cell would be one posting; keep the row re-checked instead.
    for (size_t i = geo_before; i < geo.size() && !other; ++i) {
      for (size_t j = geo_before; j < i; ++j) other |= geo[j].cell == geo[i].cell;
    }
    if (other) idx.other_rows_.push_back(row);
  }
  if (idx.IsStringKeyed()) {
    Group(&str_pairs, &idx.str_keys_, &idx.offsets_, &idx.postings_);
  } else if (type == PayloadType::kFloat) {
    Group(&float_pairs, &idx.float_keys_, &idx.offsets_, &idx.postings_);
  } else if (type == PayloadType::kUuid) {
    Group(&uuid_pairs, &idx.uuid_keys_, &idx.offsets_, &idx.postings_);
  } else if (type == PayloadType::kGeo) {
    std::sort(geo.begin(), geo.end(), [](const GeoEntry& a, const GeoEntry& b) {
      return a.cell != b.cell ? a.cell < b.cell : a.row < b.row;
    });
    idx.offsets_.clear();
    for (const GeoEntry& e : geo) {
      if (!idx.postings_.empty() && idx.cell_keys_.back() == e.cell &&
          idx.postings_.back() == e.row) {
        continue;  // the row's second point in this cell: the row is an other row
      }
      if (idx.cell_keys_.empty() || idx.cell_keys_.back() != e.cell) {
        idx.cell_keys_.push_back(e.cell);
        idx.offsets_.push_back(static_cast<uint32_t>(idx.postings_.size()));
      }
      idx.postings_.push_back(e.row);
      idx.points_.push_back(e.point);
    }
    idx.offsets_.push_back(static_cast<uint32_t>(idx.postings_.size()));
  } else {
    Group(&int_pairs, &idx.int_keys_, &idx.offsets_, &idx.postings_);
  }
  return idx;
}

std::optional<size_t> StoredPayloadIndex::FindEqual(const Json& v) const {
  auto find = [](const auto& keys, const auto& key) -> std::optional<size_t> {
    auto it = std::lower_bound(keys.begin(), keys.end(), key);
    if (it == keys.end() || !(*it == key)) return std::nullopt;
    return static_cast<size_t>(it - keys.begin());
  };
  switch (type_) {
    case PayloadType::kKeyword:
      if (!v.is_string()) return std::nullopt;
      return find(str_keys_, v.get_ref<const std::string&>());
    case PayloadType::kInteger:
      if (auto i = v.is_number() ? internal::ExactInt64(v) : std::nullopt)
        return find(int_keys_, *i);
      return std::nullopt;
    case PayloadType::kFloat:
      if (auto d = v.is_number() ? internal::ExactDouble(v) : std::nullopt) {
        return find(float_keys_, *d);
      }
      return std::nullopt;
    case PayloadType::kBool:
      if (!v.is_boolean()) return std::nullopt;
      return find(int_keys_, int64_t{v.get<bool>() ? 1 : 0});
    case PayloadType::kUuid:
      if (auto u = v.is_string() ? CanonicalUuid(v.get_ref<const std::string&>()) : std::nullopt) {
        return find(uuid_keys_, *u);
      }
      return std::nullopt;
    case PayloadType::kText:
    case PayloadType::kDatetime:
    case PayloadType::kGeo:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<size_t> StoredPayloadIndex::FindWord(const std::string& w) const {
  auto it = std::lower_bound(str_keys_.begin(), str_keys_.end(), w);
  if (it == str_keys_.end() || *it != w) return std::nullopt;
  return static_cast<size_t>(it - str_keys_.begin());
}

void StoredPayloadIndex::AddPostings(size_t key, Bitset* out) const {
  for (uint32_t i = offsets_[key]; i < offsets_[key + 1]; ++i) out->Set(postings_[i]);
}

std::optional<Bitset> StoredPayloadIndex::LookupAny(const std::vector<Json>& values) const {
  if (type_ == PayloadType::kText || type_ == PayloadType::kDatetime ||
      type_ == PayloadType::kGeo) {
    return std::nullopt;
  }
  for (const Json& v : values) {
    if (v.is_null()) return std::nullopt;  // null elements of arrays are not tracked
  }
  Bitset out(rows_);
  for (const Json& v : values) {
    if (auto k = FindEqual(v)) AddPostings(*k, &out);
  }
  return out;
}

std::pair<size_t, size_t> StoredPayloadIndex::RangeKeys(const Range& r) const {
  auto run = [&r](const auto& keys) -> std::pair<size_t, size_t> {
    auto lo = std::partition_point(keys.begin(), keys.end(), [&r](auto v) {
      return !internal::AboveLower(static_cast<double>(v), r);
    });
    auto hi = std::partition_point(keys.begin(), keys.end(), [&r](auto v) {
      return internal::BelowUpper(static_cast<double>(v), r);
    });
    size_t a = static_cast<size_t>(lo - keys.begin());
    size_t b = static_cast<size_t>(hi - keys.begin());
    return {a, std::max(a, b)};
  };
  if (type_ == PayloadType::kInteger || type_ == PayloadType::kDatetime) return run(int_keys_);
  if (type_ == PayloadType::kFloat) return run(float_keys_);
  return {0, 0};
}

template <typename Test>
Bitset StoredPayloadIndex::ScanKeys(Test&& test) const {
  Bitset out(rows_);
  for (size_t k = 0; k < str_keys_.size(); ++k) {
    if (test(str_keys_[k])) AddPostings(k, &out);
  }
  return out;
}

std::optional<IndexAnswer> StoredPayloadIndex::LookupText(const Condition& c) const {
  using K = Condition::Kind;
  const std::vector<std::string> words = internal::TextWords(c.text);
  if (type_ == PayloadType::kKeyword) {  // whole strings: test each distinct one
    switch (c.kind) {
      case K::kMatchText:
        return IndexAnswer{
            ScanKeys([&](const std::string& s) { return internal::TextContainsAll(s, words); })};
      case K::kMatchTextAny:
        return IndexAnswer{
            ScanKeys([&](const std::string& s) { return internal::TextContainsAny(s, words); })};
      default:
        return IndexAnswer{
            ScanKeys([&](const std::string& s) { return internal::TextContainsPhrase(s, words); })};
    }
  }
  if (type_ == PayloadType::kInteger || type_ == PayloadType::kFloat ||
      type_ == PayloadType::kBool) {
    // Numbers and bools never match text conditions; only strings among the other rows can.
    return IndexAnswer{Bitset(rows_)};
  }
  if (type_ != PayloadType::kText) return std::nullopt;  // uuid, datetime, geo
  if (c.kind == K::kMatchTextAny) {
    Bitset out(rows_);
    for (const std::string& w : words) {
      if (auto k = FindWord(w)) AddPostings(*k, &out);
    }
    return IndexAnswer{std::move(out)};
  }
  // All words (text, and phrase as a superset): the rows holding every word.
  if (words.empty()) return std::nullopt;  // any string matches; strings are not tracked
  Bitset out(rows_);
  for (size_t w = 0; w < words.size(); ++w) {
    std::optional<size_t> k = FindWord(words[w]);
    if (!k) return IndexAnswer{Bitset(rows_)};
    Bitset rows_with(rows_);
    AddPostings(*k, &rows_with);
    if (w == 0) {
      out = std::move(rows_with);
    } else {
      out &= rows_with;
    }
  }
  return IndexAnswer{std::move(out), c.kind != K::kMatchPhrase || words.size() == 1};
}

Bitset StoredPayloadIndex::LookupGeo(const Condition& c) const {
  Bitset out(rows_);
  for (const auto& [first, last] : internal::GeoCellRanges(c.kind, c.geo)) {
    auto it = std::lower_bound(cell_keys_.begin(), cell_keys_.end(), first);
    for (; it != cell_keys_.end() && *it <= last; ++it) {
      const size_t k = static_cast<size_t>(it - cell_keys_.begin());
      for (uint32_t i = offsets_[k]; i < offsets_[k + 1]; ++i) {
        if (internal::GeoContains(c.kind, c.geo, points_[i])) out.Set(postings_[i]);
      }
    }
  }
  return out;
}

std::optional<IndexAnswer> StoredPayloadIndex::Lookup(const Condition& c, size_t rows) const {
  if (rows != rows_) return std::nullopt;
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kMatch:
    case K::kMatchAny: {
      std::optional<Bitset> any = LookupAny(c.values);
      if (!any) return std::nullopt;
      return IndexAnswer{std::move(*any)};
    }
    case K::kMatchExcept: {
      std::optional<Bitset> any = LookupAny(c.values);
      if (!any) return std::nullopt;
      Bitset out = present_;
      out.AndNot(*any);
      return IndexAnswer{std::move(out)};
    }
    case K::kRange: {
      if (c.range.datetime) {
        if (type_ == PayloadType::kKeyword) {
          return IndexAnswer{ScanKeys([&](const std::string& s) {
            auto t = internal::ParseDatetime(s);
            return t && internal::InRange(static_cast<double>(*t), c.range);
          })};
        }
        if (type_ != PayloadType::kDatetime) {
          // Integer, float, bool and uuid indexes hold no date-time strings (other rows may).
          if (type_ == PayloadType::kText || type_ == PayloadType::kGeo) return std::nullopt;
          return IndexAnswer{Bitset(rows_)};
        }
      } else if (type_ == PayloadType::kDatetime || type_ == PayloadType::kGeo) {
        return std::nullopt;  // numbers are not tracked
      }
      // Keyword, text, bool and uuid indexes hold no numbers, so only other rows could match.
      Bitset out(rows_);
      auto [lo, hi] = RangeKeys(c.range);
      for (size_t k = lo; k < hi; ++k) AddPostings(k, &out);
      return IndexAnswer{std::move(out)};
    }
    case K::kMatchText:
    case K::kMatchTextAny:
    case K::kMatchPhrase:
      return LookupText(c);
    case K::kGeoRadius:
    case K::kGeoBoundingBox:
    case K::kGeoPolygon:
      if (type_ != PayloadType::kGeo) return std::nullopt;
      return IndexAnswer{LookupGeo(c)};
    case K::kIsEmpty: {
      Bitset out = non_empty_;
      out.Flip();
      return IndexAnswer{std::move(out)};
    }
    case K::kIsNull:
      return IndexAnswer{has_null_};
    case K::kValuesCount:
    case K::kHasId:
    case K::kNested:
    case K::kNestedArray:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<size_t> StoredPayloadIndex::EstimateCount(const Condition& c) const {
  using K = Condition::Kind;
  size_t n = 0;
  switch (c.kind) {
    case K::kMatch:
    case K::kMatchAny:
      if (type_ == PayloadType::kText || type_ == PayloadType::kDatetime ||
          type_ == PayloadType::kGeo) {
        return std::nullopt;
      }
      for (const Json& v : c.values) {
        if (v.is_null()) return std::nullopt;
        if (auto k = FindEqual(v)) n += ListSize(*k);
      }
      n += other_rows_.size();
      break;
    case K::kMatchExcept:
      if (type_ == PayloadType::kText || type_ == PayloadType::kDatetime ||
          type_ == PayloadType::kGeo) {
        return std::nullopt;
      }
      for (const Json& v : c.values) {
        if (v.is_null()) return std::nullopt;
      }
      n = present_.Count();
      break;
    case K::kRange: {
      if (c.range.datetime ? (type_ == PayloadType::kText || type_ == PayloadType::kGeo)
                           : (type_ == PayloadType::kDatetime || type_ == PayloadType::kGeo)) {
        return std::nullopt;
      }
      if (c.range.datetime && type_ == PayloadType::kKeyword) {
        n = non_empty_.Count();  // parsing the dictionary would not be cheap
        break;
      }
      if (c.range.datetime && type_ != PayloadType::kDatetime) {
        n = other_rows_.size();
        break;
      }
      auto [lo, hi] = RangeKeys(c.range);
      n = offsets_[hi] - offsets_[lo] + other_rows_.size();
      break;
    }
    case K::kMatchText:
    case K::kMatchTextAny:
    case K::kMatchPhrase: {
      std::vector<std::string> words = internal::TextWords(c.text);
      if (type_ == PayloadType::kText) {
        if (c.kind == K::kMatchTextAny) {
          for (const std::string& w : words) {
            if (auto k = FindWord(w)) n += ListSize(*k);
          }
        } else {
          if (words.empty()) return std::nullopt;
          n = rows_;
          for (const std::string& w : words) {
            std::optional<size_t> k = FindWord(w);
            n = std::min(n, k ? ListSize(*k) : 0);
          }
        }
        n += other_rows_.size();
      } else if (type_ == PayloadType::kKeyword) {
        n = non_empty_.Count();  // scanning the dictionary would not be cheap
      } else if (type_ == PayloadType::kInteger || type_ == PayloadType::kFloat ||
                 type_ == PayloadType::kBool) {
        n = other_rows_.size();
      } else {
        return std::nullopt;
      }
      break;
    }
    case K::kGeoRadius:
    case K::kGeoBoundingBox:
    case K::kGeoPolygon: {
      if (type_ != PayloadType::kGeo) return std::nullopt;
      for (const auto& [first, last] : internal::GeoCellRanges(c.kind, c.geo)) {
        auto lo = std::lower_bound(cell_keys_.begin(), cell_keys_.end(), first);
        auto hi = std::upper_bound(lo, cell_keys_.end(), last);
        n += offsets_[static_cast<size_t>(hi - cell_keys_.begin())] -
             offsets_[static_cast<size_t>(lo - cell_keys_.begin())];
      }
      n += other_rows_.size();
      break;
    }
    case K::kIsEmpty:
      n = rows_ - non_empty_.Count();
      break;
    case K::kIsNull:
      n = has_null_.Count();
      break;
    case K::kValuesCount:
    case K::kHasId:
    case K::kNested:
    case K::kNestedArray:
      return std::nullopt;
  }
  return std::min<size_t>(n, rows_);
}

void StoredPayloadIndex::AppendTo(std::string* out) const {
  Put<uint32_t>(out, kMagic);
  Put<uint8_t>(out, kVersion);
  Put<uint8_t>(out, static_cast<uint8_t>(type_));
  Put<uint16_t>(out, 0);
  Put<uint32_t>(out, static_cast<uint32_t>(path_.size()));
  out->append(path_);
  Put<uint32_t>(out, rows_);
  Put<uint32_t>(out, static_cast<uint32_t>(distinct_keys()));
  if (IsStringKeyed()) {
    for (const std::string& k : str_keys_) {
      Put<uint32_t>(out, static_cast<uint32_t>(k.size()));
      out->append(k);
    }
  } else if (type_ == PayloadType::kFloat) {
    for (double k : float_keys_) Put<double>(out, k);
  } else if (type_ == PayloadType::kUuid) {
    for (unsigned __int128 k : uuid_keys_) {
      Put<uint64_t>(out, static_cast<uint64_t>(k >> 64));
      Put<uint64_t>(out, static_cast<uint64_t>(k));
    }
  } else if (type_ == PayloadType::kGeo) {
    for (uint64_t k : cell_keys_) Put<uint64_t>(out, k);
  } else {
    for (int64_t k : int_keys_) Put<int64_t>(out, k);
  }
  for (size_t k = 0; k < distinct_keys(); ++k) Put<uint32_t>(out, offsets_[k + 1] - offsets_[k]);
  for (uint32_t r : postings_) Put<uint32_t>(out, r);
  for (const GeoPoint& p : points_) {
    Put<double>(out, p.lon);
    Put<double>(out, p.lat);
  }
  Put<uint32_t>(out, static_cast<uint32_t>(other_rows_.size()));
  for (uint32_t r : other_rows_) Put<uint32_t>(out, r);
  PutBitset(out, present_);
  PutBitset(out, non_empty_);
  PutBitset(out, has_null_);
}

Result<StoredPayloadIndex> StoredPayloadIndex::Load(std::string_view bytes) {
  Reader r(bytes);
  uint32_t magic = 0;
  uint8_t version = 0, type = 0;
  uint16_t reserved = 0;
  RAGDB_RETURN_IF_ERROR(r.Get(&magic, "magic"));
  if (magic != kMagic) return Corrupt("bad magic");
  RAGDB_RETURN_IF_ERROR(r.Get(&version, "version"));
  if (version != kVersion) return Corrupt("unknown version " + std::to_string(version));
  RAGDB_RETURN_IF_ERROR(r.Get(&type, "type"));
  if (type > kLastType) return Corrupt("unknown payload type " + std::to_string(type));
  RAGDB_RETURN_IF_ERROR(r.Get(&reserved, "header"));
  if (reserved != 0) return Corrupt("nonzero reserved header bits");

  StoredPayloadIndex idx;
  idx.type_ = static_cast<PayloadType>(type);
  uint32_t path_len;
  RAGDB_RETURN_IF_ERROR(r.Get(&path_len, "path length"));
  RAGDB_RETURN_IF_ERROR(r.GetBytes(path_len, &idx.path_, "path"));
  if (!internal::ValidatePath(idx.path_).ok()) return Corrupt("invalid path");
  RAGDB_RETURN_IF_ERROR(r.Get(&idx.rows_, "row count"));

  uint32_t keys;
  RAGDB_RETURN_IF_ERROR(r.Get(&keys, "key count"));
  // Every key takes at least 4 bytes (its list length) + 4 (one posting): bound before reserving.
  if (keys > r.remaining() / 8) return r.Truncated("keys");
  auto increasing = [](uint32_t k, const auto& v) { return k == 0 || v[k - 1] < v[k]; };
  if (idx.IsStringKeyed()) {
    idx.str_keys_.resize(keys);
    for (uint32_t k = 0; k < keys; ++k) {
      uint32_t len;
      RAGDB_RETURN_IF_ERROR(r.Get(&len, "key length"));
      RAGDB_RETURN_IF_ERROR(r.GetBytes(len, &idx.str_keys_[k], "key"));
      if (!increasing(k, idx.str_keys_)) {
        return Corrupt("keys not strictly increasing at key " + std::to_string(k));
      }
    }
  } else if (idx.type_ == PayloadType::kFloat) {
    idx.float_keys_.resize(keys);
    for (uint32_t k = 0; k < keys; ++k) {
      RAGDB_RETURN_IF_ERROR(r.Get(&idx.float_keys_[k], "key"));
      if (std::isnan(idx.float_keys_[k])) return Corrupt("NaN key");
      if (!increasing(k, idx.float_keys_)) {
        return Corrupt("keys not strictly increasing at key " + std::to_string(k));
      }
    }
  } else if (idx.type_ == PayloadType::kUuid) {
    idx.uuid_keys_.resize(keys);
    for (uint32_t k = 0; k < keys; ++k) {
      uint64_t hi, lo;
      RAGDB_RETURN_IF_ERROR(r.Get(&hi, "key"));
      RAGDB_RETURN_IF_ERROR(r.Get(&lo, "key"));
      idx.uuid_keys_[k] = (static_cast<unsigned __int128>(hi) << 64) | lo;
      if (!increasing(k, idx.uuid_keys_)) {
        return Corrupt("keys not strictly increasing at key " + std::to_string(k));
      }
    }
  } else if (idx.type_ == PayloadType::kGeo) {
    idx.cell_keys_.resize(keys);
    for (uint32_t k = 0; k < keys; ++k) {
      RAGDB_RETURN_IF_ERROR(r.Get(&idx.cell_keys_[k], "key"));
      if (!increasing(k, idx.cell_keys_)) {
        return Corrupt("keys not strictly increasing at key " + std::to_string(k));
      }
    }
  } else {
    idx.int_keys_.resize(keys);
    for (uint32_t k = 0; k < keys; ++k) {
      RAGDB_RETURN_IF_ERROR(r.Get(&idx.int_keys_[k], "key"));
      if (!increasing(k, idx.int_keys_)) {
        return Corrupt("keys not strictly increasing at key " + std::to_string(k));
      }
      if (idx.type_ == PayloadType::kBool && idx.int_keys_[k] != 0 && idx.int_keys_[k] != 1) {
        return Corrupt("bool key other than 0 or 1");
      }
    }
  }
  idx.offsets_.assign(1, 0);
  uint64_t total = 0;
  for (uint32_t k = 0; k < keys; ++k) {
    uint32_t len;
    RAGDB_RETURN_IF_ERROR(r.Get(&len, "posting list length"));
    if (len == 0) return Corrupt("empty posting list for key " + std::to_string(k));
    if (len > idx.rows_) return Corrupt("posting list longer than the row count");
    total += len;
    if (total > std::numeric_limits<uint32_t>::max()) return Corrupt("too many postings");
    idx.offsets_.push_back(static_cast<uint32_t>(total));
  }
  if (total * 4 > r.remaining()) return r.Truncated("posting lists");
  idx.postings_.resize(total);
  for (uint32_t k = 0; k < keys; ++k) {
    for (uint32_t i = idx.offsets_[k]; i < idx.offsets_[k + 1]; ++i) {
      RAGDB_RETURN_IF_ERROR(r.Get(&idx.postings_[i], "posting"));
      if (idx.postings_[i] >= idx.rows_) return Corrupt("posting row out of range");
      if (i > idx.offsets_[k] && idx.postings_[i - 1] >= idx.postings_[i]) {
        return Corrupt("posting list not strictly increasing for key " + std::to_string(k));
      }
    }
  }
  if (idx.type_ == PayloadType::kGeo) {
    if (total * 16 > r.remaining()) return r.Truncated("geo points");
    idx.points_.resize(total);
    for (uint64_t i = 0; i < total; ++i) {
      GeoPoint& p = idx.points_[i];
      RAGDB_RETURN_IF_ERROR(r.Get(&p.lon, "geo point"));
      RAGDB_RETURN_IF_ERROR(r.Get(&p.lat, "geo point"));
      if (!internal::GeoPointOf(Json{{"lon", p.lon}, {"lat", p.lat}})) {
        return Corrupt("geo point out of range");
      }
    }
    for (uint32_t k = 0; k < keys; ++k) {
      for (uint32_t i = idx.offsets_[k]; i < idx.offsets_[k + 1]; ++i) {
        if (internal::GeoCell(idx.points_[i]) != idx.cell_keys_[k]) {
          return Corrupt("geo point outside its cell");
        }
      }
    }
  }
  uint32_t others;
  RAGDB_RETURN_IF_ERROR(r.Get(&others, "other-row count"));
  if (others > r.remaining() / 4) return r.Truncated("other rows");
  idx.other_rows_.resize(others);
  for (uint32_t i = 0; i < others; ++i) {
    RAGDB_RETURN_IF_ERROR(r.Get(&idx.other_rows_[i], "other row"));
    if (idx.other_rows_[i] >= idx.rows_) return Corrupt("other row out of range");
    if (i > 0 && idx.other_rows_[i - 1] >= idx.other_rows_[i]) {
      return Corrupt("other rows not strictly increasing");
    }
  }
  size_t words = (size_t{idx.rows_} + 63) / 64;
  if (r.remaining() != words * 8 * 3) {
    if (r.remaining() < words * 8 * 3) return r.Truncated("row bitsets");
    return Corrupt(std::to_string(r.remaining() - words * 8 * 3) + " trailing bytes");
  }
  RAGDB_RETURN_IF_ERROR(GetBitset(&r, idx.rows_, "present bitset", &idx.present_));
  RAGDB_RETURN_IF_ERROR(GetBitset(&r, idx.rows_, "non-empty bitset", &idx.non_empty_));
  RAGDB_RETURN_IF_ERROR(GetBitset(&r, idx.rows_, "null bitset", &idx.has_null_));
  if (!IsSubset(idx.non_empty_, idx.present_) || !IsSubset(idx.has_null_, idx.present_)) {
    return Corrupt("non-empty or null rows outside the present rows");
  }
  return idx;
}

Json StoredPayloadIndex::KeyValue(size_t key) const {
  switch (type_) {
    case PayloadType::kKeyword:
    case PayloadType::kText:
      return str_keys_[key];
    case PayloadType::kInteger:
    case PayloadType::kDatetime:
      return int_keys_[key];
    case PayloadType::kBool:
      return int_keys_[key] != 0;
    case PayloadType::kFloat:
      return float_keys_[key];
    default:
      return nullptr;
  }
}

}  // namespace ragdb
