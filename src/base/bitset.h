// A fixed-size dense bitset over a segment's rows: filter results, tombstones, visited sets.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/popcount.h"

namespace ragdb {

class Bitset {
 public:
  Bitset() = default;
  explicit Bitset(size_t n, bool value = false)
      : n_(n), words_((n + 63) / 64, value ? ~uint64_t{0} : 0) {
    if (value) ClearTail();
  }

  size_t size() const { return n_; }
  bool Test(size_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void Set(size_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  void Reset(size_t i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  void Resize(size_t n) {
    n_ = n;
    words_.resize((n + 63) / 64, 0);
    ClearTail();
  }

  size_t Count() const { return PopcountWords(words_.data(), words_.size()); }
  bool Any() const {
    for (uint64_t w : words_)
      if (w) return true;
    return false;
  }

  Bitset& operator&=(const Bitset& o) {
    for (size_t i = 0; i < words_.size(); ++i) words_[i] &= o.words_[i];
    return *this;
  }
  Bitset& operator|=(const Bitset& o) {
    for (size_t i = 0; i < words_.size(); ++i) words_[i] |= o.words_[i];
    return *this;
  }
  // this &= ~o
  Bitset& AndNot(const Bitset& o) {
    for (size_t i = 0; i < words_.size(); ++i) words_[i] &= ~o.words_[i];
    return *this;
  }
  // this |= src shifted up by `offset` bits (bits landing past size() are dropped).
  void OrShifted(const Bitset& src, size_t offset) {
    const size_t word = offset / 64, bit = offset % 64;
    for (size_t i = 0; i < src.words_.size(); ++i) {
      const uint64_t w = src.words_[i];
      if (w == 0) continue;
      if (i + word < words_.size()) words_[i + word] |= w << bit;
      if (bit != 0 && i + word + 1 < words_.size()) words_[i + word + 1] |= w >> (64 - bit);
    }
    ClearTail();
  }
  void Flip() {
    for (uint64_t& w : words_) w = ~w;
    ClearTail();
  }

  // Calls fn(i) for every set bit, in increasing order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t wi = 0; wi < words_.size(); ++wi) {
      uint64_t w = words_[wi];
      while (w) {
        fn(wi * 64 + static_cast<size_t>(std::countr_zero(w)));
        w &= w - 1;
      }
    }
  }

  const std::vector<uint64_t>& words() const { return words_; }
  std::vector<uint64_t>& mutable_words() { return words_; }
  friend bool operator==(const Bitset&, const Bitset&) = default;

 private:
  void ClearTail() {
    if (n_ % 64 != 0 && !words_.empty()) words_.back() &= (uint64_t{1} << (n_ % 64)) - 1;
  }
  size_t n_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace ragdb
