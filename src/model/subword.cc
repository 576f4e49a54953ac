#include "model/subword.h"

#include <algorithm>
#include <limits>

namespace ragdb::model {

WordPiece::WordPiece(std::unordered_map<std::u32string, int32_t> vocab, int32_t unk_id,
                     std::u32string prefix, size_t max_chars)
    : vocab_(std::move(vocab)), unk_id_(unk_id), prefix_(std::move(prefix)), max_chars_(max_chars) {
  for (const auto& [tok, id] : vocab_) max_piece_ = std::max(max_piece_, tok.size());
}

int32_t WordPiece::TokenToId(const std::u32string& token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

void WordPiece::Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const {
  if (word.size() > max_chars_) {
    ids->push_back(unk_id_);
    return;
  }
  const size_t mark = ids->size();
  size_t start = 0;
  std::u32string key;
  while (start < word.size()) {
    size_t end = std::min(word.size(), start + max_piece_);
    int32_t found = -1;
    for (; end > start; --end) {
      key.clear();
      if (start > 0) key = prefix_;
      key.append(word, start, end - start);
      auto it = vocab_.find(key);
      if (it != vocab_.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      ids->resize(mark);
      ids->push_back(unk_id_);
      return;
    }
    ids->push_back(found);
    start = end;
  }
}

Unigram::Unigram(const std::vector<std::pair<std::u32string, double>>& pieces, int32_t unk_id)
    : unk_id_(unk_id) {
  double min_score = std::numeric_limits<double>::max();
  scores_.reserve(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    index_.emplace(pieces[i].first, static_cast<int32_t>(i));
    scores_.push_back(pieces[i].second);
    min_score = std::min(min_score, pieces[i].second);
    max_piece_ = std::max(max_piece_, pieces[i].first.size());
  }
  unk_score_ = (pieces.empty() ? 0.0 : min_score) - 10.0;
}

int32_t Unigram::TokenToId(const std::u32string& token) const {
  auto it = index_.find(token);
  return it == index_.end() ? -1 : it->second;
}

void Unigram::Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const {
  const size_t n = word.size();
  if (n == 0) return;
  constexpr double kNone = -std::numeric_limits<double>::infinity();
  std::vector<double> best(n + 1, kNone);
  std::vector<int32_t> best_id(n + 1, -1);
  std::vector<size_t> best_start(n + 1, 0);
  best[0] = 0;
  std::u32string key;
  // Forward relaxation in order of start position: on a tie the earlier start wins, which is the
  // order Hugging Face's lattice visits candidates in.
  for (size_t s = 0; s < n; ++s) {
    if (best[s] == kNone) continue;
    bool single = false;
    const size_t limit = std::min(n - s, max_piece_);
    for (size_t len = 1; len <= limit; ++len) {
      key.assign(word, s, len);
      auto it = index_.find(key);
      if (it == index_.end()) continue;
      if (len == 1) single = true;
      double score = best[s] + scores_[it->second];
      if (score > best[s + len]) {
        best[s + len] = score;
        best_id[s + len] = it->second;
        best_start[s + len] = s;
      }
    }
    if (!single) {
      double score = best[s] + unk_score_;
      if (score > best[s + 1]) {
        best[s + 1] = score;
        best_id[s + 1] = unk_id_;
        best_start[s + 1] = s;
      }
    }
  }
  std::vector<int32_t> rev;
  for (size_t e = n; e > 0; e = best_start[e]) rev.push_back(best_id[e]);
  for (auto it = rev.rbegin(); it != rev.rend(); ++it) {
    if (*it == unk_id_ && !ids->empty() && ids->back() == unk_id_ && it != rev.rbegin()) continue;
    ids->push_back(*it);
  }
}

}  // namespace ragdb::model
