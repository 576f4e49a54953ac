// Data sets and ground truth for the index tests (seeded, so every run sees the same data).
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "base/bitset.h"
#include "index/vector_index.h"

namespace ragdb::index::testing {

// n rows around `clusters` Gaussian centres (clustered data is harder for graphs than uniform).
inline std::vector<float> Clustered(size_t n, size_t d, size_t clusters, uint64_t seed,
                                    bool normalize = false) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> centres(clusters * d);
  for (float& c : centres) c = g(rng) * 3;
  std::vector<float> x(n * d);
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % clusters;
    for (size_t j = 0; j < d; ++j) x[i * d + j] = centres[c * d + j] + g(rng);
    if (normalize) {
      double s = 0;
      for (size_t j = 0; j < d; ++j) s += double(x[i * d + j]) * x[i * d + j];
      float inv = float(1 / std::sqrt(s));
      for (size_t j = 0; j < d; ++j) x[i * d + j] *= inv;
    }
  }
  return x;
}

// Base rows and held-out queries drawn from the same clusters (queries are not in the base).
struct DataSet {
  std::vector<float> x, q;
};
inline DataSet MakeData(size_t n, size_t nq, size_t d, size_t clusters, uint64_t seed,
                        bool normalize = false) {
  DataSet s;
  s.x = Clustered(n + nq, d, clusters, seed, normalize);
  s.q.assign(s.x.begin() + n * d, s.x.end());
  s.x.resize(n * d);
  return s;
}

inline float RefDistance(Metric m, const float* a, const float* b, size_t d) {
  double s = 0;
  if (m == Metric::kL2) {
    for (size_t j = 0; j < d; ++j) s += double(a[j] - b[j]) * (a[j] - b[j]);
    return float(s);
  }
  double na = 0;
  for (size_t j = 0; j < d; ++j) {
    s += double(a[j]) * b[j];
    na += double(a[j]) * a[j];
  }
  if (m == Metric::kCosine) return float(1 - s / std::sqrt(na));  // rows are unit
  return float(-s);
}

// Exact top-k rows (allowed only), double precision.
inline std::vector<uint32_t> BruteForce(Metric m, const std::vector<float>& x, size_t d,
                                        const float* q, size_t k, const Bitset* allowed = nullptr) {
  size_t n = x.size() / d;
  std::vector<std::pair<float, uint32_t>> all;
  for (size_t i = 0; i < n; ++i) {
    if (allowed && !allowed->Test(i)) continue;
    all.emplace_back(RefDistance(m, q, &x[i * d], d), uint32_t(i));
  }
  size_t kk = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + kk, all.end());
  std::vector<uint32_t> r;
  for (size_t i = 0; i < kk; ++i) r.push_back(all[i].second);
  return r;
}

inline double Recall(const std::vector<Neighbor>& got, const std::vector<uint32_t>& truth) {
  if (truth.empty()) return got.empty() ? 1.0 : 0.0;
  std::set<uint32_t> t(truth.begin(), truth.end());
  size_t hit = 0;
  for (const Neighbor& g : got) hit += t.count(g.row);
  return double(hit) / double(truth.size());
}

inline Bitset RandomBits(size_t n, double p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Bitset b(n);
  for (size_t i = 0; i < n; ++i)
    if (u(rng) < p) b.Set(i);
  return b;
}

// A copy of `s` in 64-byte aligned memory (what an mmapped file gives).
struct AlignedBytes {
  explicit AlignedBytes(const std::string& s, size_t shift = 0)
      : buf(new char[s.size() + 128]), size(s.size()) {
    char* base = buf.get();
    base += (64 - reinterpret_cast<uintptr_t>(base) % 64) % 64;
    data = base + shift;
    std::copy(s.begin(), s.end(), data);
  }
  std::string_view view() const { return {data, size}; }
  std::unique_ptr<char[]> buf;
  char* data;
  size_t size;
};

}  // namespace ragdb::index::testing
