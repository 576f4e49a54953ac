// Top-k selection shared by the exact and batched search paths.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace ragdb::db {

class Segment;

struct Candidate {
  float distance;  // lower is better: squared L2, or minus the similarity
  const Segment* segment;
  uint32_t row;
  bool operator<(const Candidate& o) const { return distance < o.distance; }
};

// The k smallest distances seen so far (a max-heap on distance). Reset() keeps the storage, so a
// TopK kept per thread serves every query without allocating.
class TopK {
 public:
  explicit TopK(size_t k = 0) { Reset(k); }
  void Reset(size_t k) {
    k_ = k;
    heap_.clear();
    heap_.reserve(k);
  }
  bool full() const { return heap_.size() >= k_; }
  float threshold() const {
    return heap_.size() < k_ ? std::numeric_limits<float>::infinity() : heap_.front().distance;
  }
  void Push(float distance, const Segment* s, uint32_t row) {
    if (heap_.size() < k_) {
      heap_.push_back({distance, s, row});
      std::push_heap(heap_.begin(), heap_.end());
    } else if (k_ > 0 && distance < heap_.front().distance) {
      ReplaceTop({distance, s, row});
    }
  }
  // Best first into *out (replacing its contents); leaves this empty.
  void TakeSorted(std::vector<Candidate>* out) {
    std::sort_heap(heap_.begin(), heap_.end());
    out->assign(heap_.begin(), heap_.end());
    heap_.clear();
  }
  std::vector<Candidate> TakeSorted() {
    std::vector<Candidate> out;
    TakeSorted(&out);
    return out;
  }

 private:
  // Puts `c` in place of the worst entry and sifts it down: one pass where pop_heap + push_heap
  // take two (most pushes into a full top-k replace its worst entry).
  void ReplaceTop(const Candidate& c) {
    const size_t n = heap_.size();
    size_t i = 0;
    while (true) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child] < heap_[child + 1]) ++child;
      if (!(c < heap_[child])) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = c;
  }

  size_t k_ = 0;
  std::vector<Candidate> heap_;
};

}  // namespace ragdb::db
