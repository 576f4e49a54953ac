#include "query/fusion.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "query/json_path.h"

namespace ragdb::query {
namespace {

Status CheckWeights(size_t lists, std::span<const float> weights) {
  if (weights.empty()) return Status::Ok();
  if (weights.size() != lists) {
    return Status::InvalidArgument("fusion: " + std::to_string(weights.size()) + " weights for " +
                                   std::to_string(lists) + " sub-queries");
  }
  for (float w : weights) {
    if (!std::isfinite(w) || w < 0) {
      return Status::InvalidArgument("fusion: weights must be finite and >= 0");
    }
  }
  return Status::Ok();
}

// Accumulates per-point sums in double (so the order of addition barely matters), keeping the
// first occurrence of each point.
class Accumulator {
 public:
  void Add(ScoredPoint&& p, double contribution) {
    auto [it, inserted] = index_.try_emplace(p.id, points_.size());
    if (inserted) {
      points_.push_back(std::move(p));
      sums_.push_back(0);
    }
    sums_[it->second] += contribution;
  }
  std::vector<ScoredPoint> Take() {
    std::vector<size_t> order(points_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (sums_[a] != sums_[b]) return sums_[a] > sums_[b];
      return points_[a].id < points_[b].id;
    });
    std::vector<ScoredPoint> out;
    out.reserve(order.size());
    for (size_t i : order) {
      out.push_back(std::move(points_[i]));
      out.back().score = static_cast<float>(sums_[i]);
    }
    return out;
  }

 private:
  std::unordered_map<PointId, size_t> index_;
  std::vector<ScoredPoint> points_;
  std::vector<double> sums_;
};

}  // namespace

Result<std::vector<ScoredPoint>> FuseRrf(std::vector<std::vector<ScoredPoint>> lists, double k,
                                         std::span<const float> weights) {
  RAGDB_RETURN_IF_ERROR(CheckWeights(lists.size(), weights));
  if (!std::isfinite(k) || k < 0) return Status::InvalidArgument("fusion: rrf k must be >= 0");
  Accumulator acc;
  for (size_t i = 0; i < lists.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    for (size_t r = 0; r < lists[i].size(); ++r) {
      acc.Add(std::move(lists[i][r]), w / (k + static_cast<double>(r + 1)));
    }
  }
  return acc.Take();
}

std::vector<double> NormalizeScores(std::span<const double> scores,
                                    ScoreNormalization normalization) {
  std::vector<double> out(scores.size());
  if (scores.empty()) return out;
  if (normalization == ScoreNormalization::kMinMax) {
    auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
    const double range = *hi - *lo;
    for (size_t i = 0; i < scores.size(); ++i) {
      out[i] = range > 0 ? (scores[i] - *lo) / range : 1.0;
    }
    return out;
  }
  const double n = static_cast<double>(scores.size());
  double mean = 0;
  for (double s : scores) mean += s;
  mean /= n;
  double var = 0;
  for (double s : scores) var += (s - mean) * (s - mean);
  const double sigma = scores.size() > 1 ? std::sqrt(var / (n - 1)) : 0.0;
  for (size_t i = 0; i < scores.size(); ++i) {
    out[i] = sigma > 0 ? (scores[i] - (mean - 3 * sigma)) / (6 * sigma) : 0.5;
  }
  return out;
}

Result<std::vector<ScoredPoint>> FuseWeighted(std::vector<std::vector<ScoredPoint>> lists,
                                              ScoreNormalization normalization,
                                              std::span<const float> weights) {
  RAGDB_RETURN_IF_ERROR(CheckWeights(lists.size(), weights));
  Accumulator acc;
  for (size_t i = 0; i < lists.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    std::vector<double> scores;
    scores.reserve(lists[i].size());
    for (const auto& p : lists[i]) scores.push_back(p.score);
    std::vector<double> norm = NormalizeScores(scores, normalization);
    for (size_t r = 0; r < lists[i].size(); ++r) acc.Add(std::move(lists[i][r]), w * norm[r]);
  }
  return acc.Take();
}

std::vector<PointGroup> GroupBy(const std::vector<ScoredPoint>& ranking, std::string_view path,
                                size_t group_size, size_t max_groups) {
  std::vector<PointGroup> groups;
  std::unordered_map<std::string, size_t> by_key;  // dumped key -> group
  std::vector<const Json*> raw;
  for (const ScoredPoint& p : ranking) {
    raw.clear();
    internal::ResolvePath(p.payload, path, &raw);
    std::vector<std::string> seen;  // a point joins a group once even if a value repeats
    internal::ForEachLeaf(raw, [&](const Json& v) {
      if (!(v.is_string() || v.is_number_integer() || v.is_boolean())) return;
      std::string key = v.dump();
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) return;
      seen.push_back(key);
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        if (groups.size() >= max_groups) return;
        it = by_key.emplace(key, groups.size()).first;
        groups.push_back({v, {}});
      }
      PointGroup& g = groups[it->second];
      if (g.hits.size() < group_size) g.hits.push_back(p);
    });
  }
  return groups;
}

std::optional<Filter> AndFilters(const std::optional<Filter>& a, const std::optional<Filter>& b) {
  if (!a || a->empty()) return b;
  if (!b || b->empty()) return a;
  Filter f;
  for (const Filter* part : {&*a, &*b}) {
    Condition c;
    c.kind = Condition::Kind::kNested;
    c.filter = std::make_shared<const Filter>(*part);
    f.must.push_back(std::move(c));
  }
  return f;
}

}  // namespace ragdb::query
