#include "model/llm/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace ragdb::model::llm {

Sampler::Sampler(const SamplingOptions& options) : options_(options), rng_(options.seed) {}

int32_t Sampler::Argmax(const float* logits, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

void Sampler::Penalize(float* logits, size_t n, const std::vector<int32_t>& history) const {
  if (options_.repeat_penalty == 1.0f || options_.repeat_last_n == 0) return;
  std::unordered_set<int32_t> seen;
  const size_t from =
      history.size() > options_.repeat_last_n ? history.size() - options_.repeat_last_n : 0;
  for (size_t i = from; i < history.size(); ++i) {
    const int32_t t = history[i];
    if (t < 0 || static_cast<size_t>(t) >= n || !seen.insert(t).second) continue;
    // As in llama.cpp / CTRL: shrink positive logits, push negative ones further down.
    logits[t] =
        logits[t] > 0 ? logits[t] / options_.repeat_penalty : logits[t] * options_.repeat_penalty;
  }
}

int32_t Sampler::Sample(float* logits, size_t n, const std::vector<int32_t>& history) {
  Penalize(logits, n, history);
  if (greedy()) return Argmax(logits, n);
  candidates_.clear();
  candidates_.reserve(n);
  for (size_t i = 0; i < n; ++i) candidates_.emplace_back(logits[i], static_cast<int32_t>(i));
  size_t k = options_.top_k == 0 ? n : std::min(options_.top_k, n);
  auto by_logit = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), by_logit);
  candidates_.resize(k);
  // Softmax with temperature over the top k.
  const float inv_t = 1.0f / options_.temperature;
  const float mx = candidates_[0].first;
  double sum = 0;
  for (auto& c : candidates_) sum += (c.first = std::exp((c.first - mx) * inv_t));
  for (auto& c : candidates_) c.first = static_cast<float>(c.first / sum);
  // Top-p: the smallest prefix whose probability reaches p.
  if (options_.top_p < 1.0f) {
    double acc = 0;
    size_t keep = candidates_.size();
    for (size_t i = 0; i < candidates_.size(); ++i) {
      acc += candidates_[i].first;
      if (acc >= options_.top_p) {
        keep = i + 1;
        break;
      }
    }
    candidates_.resize(keep);
  }
  // Min-p: drop tokens less likely than min_p times the most likely one.
  if (options_.min_p > 0) {
    const float floor = candidates_[0].first * options_.min_p;
    size_t keep = 1;
    while (keep < candidates_.size() && candidates_[keep].first >= floor) ++keep;
    candidates_.resize(keep);
  }
  double total = 0;
  for (const auto& c : candidates_) total += c.first;
  std::uniform_real_distribution<double> u(0.0, total);
  double r = u(rng_);
  for (const auto& c : candidates_) {
    if ((r -= c.first) <= 0) return c.second;
  }
  return candidates_.back().second;
}

}  // namespace ragdb::model::llm
