// Per-search scratch memory for graph walks: an epoch-stamped visited table and a sorted
// candidate pool. Scratch objects are recycled through a small free list so a search allocates
// nothing in the steady state and "clearing" the visited set is one increment.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace ragdb::index {

class VisitedTable {
 public:
  void Prepare(size_t n) {
    if (marks_.size() < n) marks_.resize(n, 0);
    if (++epoch_ == 0) {  // wrapped: stale stamps could collide, so clear once per 65535 uses
      std::fill(marks_.begin(), marks_.end(), 0);
      epoch_ = 1;
    }
  }
  bool Test(uint32_t i) const { return marks_[i] == epoch_; }
  void Set(uint32_t i) { marks_[i] = epoch_; }
  // Sets and returns whether it was already set.
  bool TestAndSet(uint32_t i) {
    bool was = marks_[i] == epoch_;
    marks_[i] = epoch_;
    return was;
  }
  const void* Address(uint32_t i) const { return &marks_[i]; }

 private:
  std::vector<uint16_t> marks_;
  uint16_t epoch_ = 0;
};

// A bounded candidate list kept sorted by distance (best first). Expanded entries are flagged in
// the id's top bit; `cursor_` is the first unexpanded one. Insertion is a binary search plus a
// short memmove, which beats two binary heaps for beams of a few hundred.
class CandidatePool {
 public:
  static constexpr uint32_t kExpanded = 0x80000000u;
  struct Entry {
    float dist;
    uint32_t id;
  };

  void Reset(size_t capacity) {
    cap_ = std::max<size_t>(1, capacity);
    if (data_.size() < cap_ + 1) data_.resize(cap_ + 1);
    size_ = cursor_ = 0;
  }
  bool full() const { return size_ == cap_; }
  float worst() const { return size_ == cap_ ? data_[size_ - 1].dist : 3.4e38f; }
  // False when the pool is full and `dist` is not better than its worst entry.
  bool Insert(uint32_t id, float dist) {
    if (size_ == cap_ && dist >= data_[size_ - 1].dist) return false;
    size_t lo = 0, hi = size_;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (data_[mid].dist <= dist)
        lo = mid + 1;
      else
        hi = mid;
    }
    size_t moved = (size_ < cap_ ? size_ : size_ - 1) - lo;
    std::memmove(&data_[lo + 1], &data_[lo], moved * sizeof(Entry));
    data_[lo] = {dist, id};
    if (size_ < cap_) ++size_;
    if (lo < cursor_) cursor_ = lo;
    return true;
  }
  bool HasNext() const { return cursor_ < size_; }
  // Marks the best unexpanded entry expanded and returns its id.
  uint32_t Pop() {
    uint32_t id = data_[cursor_].id;
    data_[cursor_].id |= kExpanded;
    while (cursor_ < size_ && (data_[cursor_].id & kExpanded)) ++cursor_;
    return id;
  }
  size_t size() const { return size_; }
  uint32_t next_id() const { return data_[cursor_].id & ~kExpanded; }
  uint32_t id(size_t i) const { return data_[i].id & ~kExpanded; }
  float dist(size_t i) const { return data_[i].dist; }

 private:
  std::vector<Entry> data_;
  size_t size_ = 0, cap_ = 1, cursor_ = 0;
};

struct SearchScratch {
  VisitedTable visited;
  CandidatePool pool;
  std::vector<float> query_buf;  // normalized query (cosine)
  std::vector<float> qs;         // SQ8-prepared query
  std::vector<uint8_t> bits;     // binary-quantized query
  std::vector<uint32_t> ids;     // neighbour ids gathered for a batch of distance computations
  std::vector<std::pair<float, uint32_t>> found;  // a walk's candidates before the final top-k
};

// A free list of scratch objects shared by concurrent searches on one index.
class ScratchPool {
 public:
  class Lease {
   public:
    Lease(ScratchPool* p, std::unique_ptr<SearchScratch> s) : pool_(p), s_(std::move(s)) {}
    ~Lease() { pool_->Release(std::move(s_)); }
    SearchScratch* operator->() { return s_.get(); }
    SearchScratch& operator*() { return *s_; }

   private:
    ScratchPool* pool_;
    std::unique_ptr<SearchScratch> s_;
  };
  Lease Acquire() {
    std::lock_guard<std::mutex> l(mu_);
    if (free_.empty()) return Lease(this, std::make_unique<SearchScratch>());
    auto s = std::move(free_.back());
    free_.pop_back();
    return Lease(this, std::move(s));
  }

 private:
  void Release(std::unique_ptr<SearchScratch> s) {
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(std::move(s));
  }
  std::mutex mu_;
  std::vector<std::unique_ptr<SearchScratch>> free_;
};

}  // namespace ragdb::index
