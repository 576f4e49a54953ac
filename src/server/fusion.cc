#include "server/fusion.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace ragdb::server {
namespace {

// Merges (id -> summed score), keeping the first occurrence's payload and vectors.
std::vector<ScoredPoint> SumById(std::vector<std::vector<ScoredPoint>>& lists) {
  std::unordered_map<PointId, size_t> index;
  std::vector<ScoredPoint> out;
  for (auto& list : lists) {
    for (auto& p : list) {
      auto [it, inserted] = index.emplace(p.id, out.size());
      if (inserted) {
        out.push_back(std::move(p));
      } else {
        out[it->second].score += p.score;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const ScoredPoint& a, const ScoredPoint& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.id < b.id;
  });
  return out;
}

}  // namespace

Result<std::vector<ScoredPoint>> FuseRrf(std::vector<std::vector<ScoredPoint>> lists, size_t k,
                                         const std::vector<float>* weights) {
  if (k == 0) return Status::InvalidArgument("RRF k must be at least 1");
  if (weights && weights->size() != lists.size()) {
    return Status::InvalidArgument("number of RRF weights (" + std::to_string(weights->size()) +
                                   ") must match the number of prefetches (" +
                                   std::to_string(lists.size()) + ")");
  }
  for (size_t l = 0; l < lists.size(); ++l) {
    float w = weights ? (*weights)[l] : 1.0f;
    for (size_t p = 0; p < lists[l].size(); ++p) {
      lists[l][p].score =
          w <= 0 ? 0.0f : 1.0f / (static_cast<float>(p + 1) / w + static_cast<float>(k) - 1.0f);
    }
  }
  return SumById(lists);
}

std::vector<ScoredPoint> FuseDbsf(std::vector<std::vector<ScoredPoint>> lists) {
  for (auto& list : lists) {
    if (list.size() == 1) list[0].score = 0.5f;
    if (list.size() < 2) continue;
    double mean = 0, m2 = 0;
    size_t n = 0;
    for (const auto& p : list) {  // Welford: stable one-pass mean and variance
      ++n;
      double d = p.score - mean;
      mean += d / static_cast<double>(n);
      m2 += d * (p.score - mean);
    }
    double sd = std::sqrt(m2 / static_cast<double>(n - 1));
    double lo = mean - 3 * sd, hi = mean + 3 * sd;
    for (auto& p : list) {
      p.score = hi == lo ? 0.5f : static_cast<float>((p.score - lo) / (hi - lo));
    }
  }
  return SumById(lists);
}

}  // namespace ragdb::server
