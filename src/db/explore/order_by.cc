// Scroll ordered by a numeric payload value (ScrollRequest::order_by, ragdb/explore.h). Each
// segment offers its best `limit` (value, row) entries: from an integer or float index on the key
// when it has one (keys are sorted), else from the payloads; the segments' offers are merged.
#include <algorithm>

#include "db/collection_impl.h"
#include "query/json_path.h"
#include "query/payload/stored_index.h"

namespace ragdb::db {
namespace {

struct Entry {
  double value;
  Json original;  // the payload number, integer or not
  const Segment* segment;
  uint32_t row;
};

bool Numeric(const Json& v) { return v.is_number() && !std::isnan(v.get<double>()); }

}  // namespace

Result<ScrollPage> CollectionImpl::ScrollOrdered(const ScrollRequest& request) const {
  const OrderBy& order = *request.order_by;
  RAGDB_RETURN_IF_ERROR(internal::ValidatePath(order.key).WithContext("order_by key"));
  if (request.offset) {
    return Status::InvalidArgument(
        "scroll: an offset cannot be combined with order_by (page with order_by.start_from)");
  }
  const bool desc = order.descending;
  auto in_range = [&](double v) {
    if (!order.start_from) return true;
    return desc ? v <= *order.start_from : v >= *order.start_from;
  };
  // Ordered by value, then id (and equal (value, id) pairs of one point are one entry).
  auto before = [&](const Entry& a, const Entry& b) {
    if (a.value != b.value) return desc ? a.value > b.value : a.value < b.value;
    return a.segment->id(a.row) < b.segment->id(b.row);
  };
  const size_t limit = request.limit;
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  std::vector<Entry> entries;
  auto keep_best = [&] {
    std::sort(entries.begin(), entries.end(), before);
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](const Entry& a, const Entry& b) {
                                return a.value == b.value && a.segment == b.segment &&
                                       a.row == b.row;
                              }),
                  entries.end());
    if (entries.size() > limit) entries.resize(limit);
  };
  for (const Segment* s : [&] {
         std::vector<const Segment*> all;
         for (const auto& seg : sealed_) all.push_back(seg.get());
         all.push_back(growing_.get());
         return all;
       }()) {
    Bitset allowed = AllowedRows(*s, filter);
    // Key by key only from a sealed segment's index; the growing segment's is read through
    // its payloads.
    const auto* index = dynamic_cast<const StoredPayloadIndex*>(s->payload_index(order.key));
    if (index != nullptr &&
        (index->type() == PayloadType::kInteger || index->type() == PayloadType::kFloat)) {
      // Rows the index does not describe fully are read from their payloads below.
      Bitset rest(allowed.size());
      for (uint32_t r : index->other_rows()) {
        if (allowed.Test(r)) rest.Set(r);
      }
      const size_t keys = index->distinct_keys();
      size_t taken = 0;
      for (size_t i = 0; i < keys && taken < limit; ++i) {
        const size_t key = desc ? keys - 1 - i : i;
        Json value = index->KeyValue(key);
        const double v = value.get<double>();
        if (!in_range(v)) continue;
        for (uint32_t r : index->KeyRows(key)) {
          if (!allowed.Test(r) || rest.Test(r)) continue;
          entries.push_back({v, value, s, r});
          ++taken;
        }
      }
      allowed = std::move(rest);
    }
    SegmentFilterSource source(*s);
    allowed.ForEach([&](size_t r) {
      std::vector<const Json*> raw;
      internal::ResolvePath(source.payload(r), order.key, &raw);
      internal::ForEachLeaf(raw, [&](const Json& v) {
        if (!Numeric(v) || !in_range(v.get<double>())) return;
        entries.push_back({v.get<double>(), v, s, static_cast<uint32_t>(r)});
      });
      if (entries.size() > 4 * limit + 1024) keep_best();  // bounds memory on large segments
    });
    keep_best();
  }
  ScrollPage page;
  for (const Entry& e : entries) {
    Record r;
    RAGDB_RETURN_IF_ERROR(e.segment->ReadRecord(schema_, e.row, request.with_vectors, &r));
    if (!request.with_payload) r.payload = Json();
    page.records.push_back(std::move(r));
    page.order_values.push_back(e.original);
  }
  return page;
}

}  // namespace ragdb::db
