// Recent filter results of one sealed segment. A sealed segment's ids and payloads never change
// (an update appends a new row and deletes the old one), so the rows a filter matches stay the
// same for the segment's life; callers apply deletes on top. Lucene caches filter bitsets per
// segment for the same reason: a search that repeats a filter (a tenant, a category, a date
// window) evaluates it once instead of walking its payload-index postings every time.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "base/bitset.h"
#include "ragdb/filter.h"

namespace ragdb::db {

class FilterCache {
 public:
  struct Match {
    std::shared_ptr<const Bitset> rows;  // the rows the filter matches, deleted ones included
    size_t count = 0;
  };

  // The cached result for `filter`, or evaluate() (a Bitset) computed now and cached. Evaluation
  // runs outside the lock; two searches missing at once both evaluate, and one result is kept.
  template <typename Evaluate>
  Match Get(const Filter& filter, Evaluate&& evaluate) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].filter == filter) {
          Match m = entries_[i].match;
          std::rotate(entries_.begin(), entries_.begin() + i, entries_.begin() + i + 1);
          return m;
        }
      }
    }
    auto rows = std::make_shared<const Bitset>(evaluate());
    Match m{rows, rows->Count()};
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() == kEntries) entries_.pop_back();
    entries_.insert(entries_.begin(), Entry{filter, m});
    return m;
  }

  // Entries kept (least recently used dropped first): at most kEntries x rows / 8 bytes.
  static constexpr size_t kEntries = 8;

 private:
  struct Entry {
    Filter filter;
    Match match;
  };
  std::mutex mu_;
  std::vector<Entry> entries_;  // most recently used first
};

}  // namespace ragdb::db
