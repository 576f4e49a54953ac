// Small pieces the exploration calls of CollectionImpl share (src/db/explore/).
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "db/segment.h"
#include "ragdb/filter.h"

namespace ragdb::db {

// `filter` (when set) and "the id is none of `ids`": example points are never results.
inline std::optional<Filter> ExcludingIds(const std::optional<Filter>& filter,
                                          std::vector<PointId> ids) {
  if (ids.empty()) return filter;
  Filter out;
  if (filter && !filter->empty()) {
    Condition nested;
    nested.kind = Condition::Kind::kNested;
    nested.filter = std::make_shared<const Filter>(*filter);
    out.must.push_back(std::move(nested));
  }
  Condition c;
  c.kind = Condition::Kind::kHasId;
  c.ids = std::move(ids);
  out.must_not.push_back(std::move(c));
  return out;
}

// A row scored by a custom score (higher is better).
struct ScoredRow {
  float score;
  const Segment* segment;
  uint32_t row;
};

// Higher score first; equal scores in id order, so that results do not depend on how rows are
// split into segments.
inline bool BetterRow(const ScoredRow& a, const ScoredRow& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.segment->id(a.row) < b.segment->id(b.row);
}

// The best `k` rows pushed, by BetterRow.
class BestRows {
 public:
  explicit BestRows(size_t k) : k_(k) {}
  void Push(const ScoredRow& r) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back(r);
      std::push_heap(heap_.begin(), heap_.end(), BetterRow);
    } else if (BetterRow(r, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), BetterRow);
      heap_.back() = r;
      std::push_heap(heap_.begin(), heap_.end(), BetterRow);
    }
  }
  // The worst kept score, or -inf while fewer than k are kept: rows scoring below it cannot enter.
  float threshold() const { return heap_.size() < k_ ? -INFINITY : heap_.front().score; }
  std::vector<ScoredRow> TakeSorted() {
    std::sort(heap_.begin(), heap_.end(), BetterRow);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<ScoredRow> heap_;  // a heap whose front is the worst kept row
};

}  // namespace ragdb::db
