// Top-k selection shared by the exact and batched search paths.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

namespace ragdb::db {

class Segment;

struct Candidate {
  float distance;  // lower is better: squared L2, or minus the similarity
  const Segment* segment;
  uint32_t row;
  bool operator<(const Candidate& o) const { return distance < o.distance; }
};

// The k smallest distances seen so far (a max-heap on distance).
class TopK {
 public:
  explicit TopK(size_t k = 0) : k_(k) {}
  float threshold() const {
    return heap_.size() < k_ ? std::numeric_limits<float>::infinity() : heap_.top().distance;
  }
  void Push(float distance, const Segment* s, uint32_t row) {
    if (heap_.size() < k_) {
      heap_.push({distance, s, row});
    } else if (distance < heap_.top().distance) {
      heap_.pop();
      heap_.push({distance, s, row});
    }
  }
  void Merge(TopK&& other) {
    while (!other.heap_.empty()) {
      const Candidate& c = other.heap_.top();
      Push(c.distance, c.segment, c.row);
      other.heap_.pop();
    }
  }
  std::vector<Candidate> TakeSorted() {
    std::vector<Candidate> out;
    out.reserve(heap_.size());
    while (!heap_.empty()) {
      out.push_back(heap_.top());
      heap_.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  size_t k_;
  std::priority_queue<Candidate> heap_;
};

}  // namespace ragdb::db
