#include "query/mmr.h"

#include <cmath>
#include <limits>

namespace ragdb::query {

std::vector<size_t> MmrSelect(std::span<const float> relevance,
                              const std::function<float(size_t, size_t)>& similarity,
                              float diversity, size_t limit) {
  const size_t n = relevance.size();
  std::vector<size_t> picked;
  if (n == 0 || limit == 0) return picked;
  const float lambda = 1.0f - diversity;
  std::vector<bool> taken(n, false);
  // The highest similarity of each candidate to anything picked so far, updated per pick.
  std::vector<float> max_sim(n, -std::numeric_limits<float>::infinity());
  size_t first = 0;
  for (size_t i = 1; i < n; ++i) {
    if (relevance[i] > relevance[first]) first = i;
  }
  picked.push_back(first);
  taken[first] = true;
  while (picked.size() < limit && picked.size() < n) {
    const size_t last = picked.back();
    size_t best = n;
    float best_score = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < n; ++i) {
      if (taken[i]) continue;
      max_sim[i] = std::max(max_sim[i], similarity(i, last));
      float score = lambda * relevance[i] - diversity * max_sim[i];
      if (best == n || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    picked.push_back(best);
    taken[best] = true;
  }
  return picked;
}

}  // namespace ragdb::query
