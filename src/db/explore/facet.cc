// Facet counts (ragdb/explore.h): how many of the points matching a filter hold each value of a
// payload key. Sealed segments with a keyword, integer or bool index on the key count from its
// posting lists; other rows are counted from their payloads.
#include <algorithm>
#include <map>

#include "db/collection_impl.h"
#include "db/replication.h"
#include "query/json_path.h"
#include "query/payload/stored_index.h"

namespace ragdb::db {
namespace {

// Facet values: strings, integers and booleans (what Qdrant counts).
bool Facetable(const Json& v) {
  return v.is_string() || v.is_boolean() ||
         (v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX));
}

// Strings first, then integers, then booleans; each type in increasing order.
int TypeRank(const Json& v) { return v.is_string() ? 0 : v.is_boolean() ? 2 : 1; }
bool ValueLess(const Json& a, const Json& b) {
  if (TypeRank(a) != TypeRank(b)) return TypeRank(a) < TypeRank(b);
  if (a.is_number_integer()) return a.get<int64_t>() < b.get<int64_t>();
  return a < b;
}
struct ValueOrder {
  bool operator()(const Json& a, const Json& b) const { return ValueLess(a, b); }
};
using Counts = std::map<Json, uint64_t, ValueOrder>;

// Counts each distinct facetable value of `key` in `payload` once.
void CountPayload(const Json& payload, const std::string& key, Counts* counts) {
  std::vector<const Json*> raw;
  internal::ResolvePath(payload, key, &raw);
  std::vector<const Json*> seen;
  internal::ForEachLeaf(raw, [&](const Json& v) {
    if (!Facetable(v)) return;
    for (const Json* s : seen) {
      if (!ValueLess(*s, v) && !ValueLess(v, *s)) return;
    }
    seen.push_back(&v);
    ++(*counts)[v];
  });
}

// By count descending; equal counts keep the value order of the map (stable sort).
std::vector<FacetHit> ByCount(const Counts& counts) {
  std::vector<FacetHit> hits;
  hits.reserve(counts.size());
  for (auto& [value, n] : counts) hits.push_back({value, n});
  std::stable_sort(hits.begin(), hits.end(),
                   [](const FacetHit& a, const FacetHit& b) { return a.count > b.count; });
  return hits;
}

bool IndexCountsFacets(const PayloadIndex* index) {
  return index != nullptr &&
         (index->type() == PayloadType::kKeyword || index->type() == PayloadType::kInteger ||
          index->type() == PayloadType::kBool);
}

}  // namespace

Result<std::vector<FacetHit>> CollectionImpl::Facet(const FacetRequest& request) const {
  RAGDB_RETURN_IF_ERROR(internal::ValidatePath(request.key).WithContext("facet key"));
  if (request.limit == 0) return Status::InvalidArgument("facet limit must be at least 1");
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  Counts counts;
  auto count_segment = [&](const Segment& s) -> Status {
    Bitset allowed = AllowedRows(s, filter);
    // Key by key only from a sealed segment's index; the growing segment's (chunks merged
    // as it grows) is read through its payloads.
    const auto* index = dynamic_cast<const StoredPayloadIndex*>(s.payload_index(request.key));
    if (IndexCountsFacets(index)) {
      // Rows the index does not describe fully are read from their payloads below.
      Bitset from_index = allowed;
      Bitset rest(allowed.size());
      for (uint32_t r : index->other_rows()) {
        if (allowed.Test(r)) {
          from_index.Reset(r);
          rest.Set(r);
        }
      }
      for (size_t key = 0; key < index->distinct_keys(); ++key) {
        uint64_t n = 0;
        for (uint32_t r : index->KeyRows(key)) n += from_index.Test(r);
        if (n > 0) counts[index->KeyValue(key)] += n;
      }
      allowed = std::move(rest);
    }
    SegmentFilterSource source(s);
    allowed.ForEach([&](size_t r) { CountPayload(source.payload(r), request.key, &counts); });
    return Status::Ok();
  };
  for (const auto& s : sealed_) RAGDB_RETURN_IF_ERROR(count_segment(*s));
  RAGDB_RETURN_IF_ERROR(count_segment(*growing_));

  std::vector<FacetHit> hits = ByCount(counts);
  if (hits.size() > request.limit) hits.resize(request.limit);
  return hits;
}

std::vector<FacetHit> MergeFacetHits(std::span<const FacetHit> hits) {
  Counts counts;
  for (const FacetHit& h : hits) counts[h.value] += h.count;
  return ByCount(counts);
}

}  // namespace ragdb::db
