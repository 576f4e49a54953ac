// Small pieces shared by every index: metric handling, a bounded top-k, the exact scan.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bitset.h"
#include "index/kernels.h"
#include "index/vector_index.h"
#include "ragdb/schema.h"

namespace ragdb::index {

// Internally every metric is "smaller is better": l2 -> squared L2, ip/cosine -> -dot. Cosine
// is reported as 1 - dot (ToReported) so it reads as a cosine distance.
inline bool UsesL2(Metric m) { return m == Metric::kL2; }
inline float ToReported(Metric m, float internal) {
  return m == Metric::kCosine ? 1.0f + internal : internal;
}

// The query as the kernels need it: for cosine a normalized copy in *buf, else `q` itself.
const float* PrepareQuery(Metric m, const float* q, size_t d, std::vector<float>* buf);

// Distance between a prepared query and a float row.
inline float FloatDistance(const IndexKernels& k, bool l2, const float* q, const float* x,
                           size_t d) {
  return l2 ? k.l2(q, x, d) : -k.dot(q, x, d);
}

// Checks that a cosine index gets unit rows (samples up to 256 rows).
Status CheckUnitRows(const float* vectors, size_t n, size_t d);

// `allowed` with bounds: rows beyond the bitset are disallowed.
inline bool IsAllowed(const Bitset* allowed, size_t row) {
  return allowed == nullptr || (row < allowed->size() && allowed->Test(row));
}
size_t CountAllowed(const Bitset* allowed, size_t n);
// CountAllowed, or the count the caller passed in SearchParams::allowed_count when it applies.
inline size_t CountAllowed(const Bitset* allowed, size_t n, const SearchParams& params) {
  if (allowed != nullptr && params.allowed_count != 0 && allowed->size() <= n) {
    return params.allowed_count;
  }
  return CountAllowed(allowed, n);
}

// Keeps the k smallest (distance, row) pairs seen; Take() returns them best first.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k + 1); }
  // Builds the heap in `storage` (cleared first), keeping its capacity: with a vector kept by
  // the caller, a search allocates nothing for its results.
  TopK(size_t k, std::vector<Neighbor>&& storage) : k_(k), heap_(std::move(storage)) {
    heap_.clear();
    heap_.reserve(k + 1);
  }
  bool full() const { return heap_.size() >= k_; }
  float worst() const { return heap_.empty() ? 3.4e38f : heap_.front().distance; }
  void Push(uint32_t row, float dist) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back({row, dist});
      std::push_heap(heap_.begin(), heap_.end(), Less);
    } else if (dist < heap_.front().distance) {
      std::pop_heap(heap_.begin(), heap_.end(), Less);
      heap_.back() = {row, dist};
      std::push_heap(heap_.begin(), heap_.end(), Less);
    }
  }
  std::vector<Neighbor> Take() {
    std::sort_heap(heap_.begin(), heap_.end(), Less);
    return std::move(heap_);
  }

 private:
  static bool Less(const Neighbor& a, const Neighbor& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.row < b.row);
  }
  size_t k_;
  std::vector<Neighbor> heap_;
};

// Exact k-NN over float rows 0..n-1 (allowed only), internal distances (see ToReported).
std::vector<Neighbor> ExactSearch(const float* vectors, size_t n, size_t d, bool l2,
                                  const float* prepared_query, size_t k, const Bitset* allowed,
                                  size_t* distance_computations = nullptr);

// Converts internal distances to reported ones in place.
void FinishResults(Metric m, std::vector<Neighbor>* results);

}  // namespace ragdb::index
