#include "index/kmeans.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include "base/thread_pool.h"
#include "index/kernels.h"

namespace ragdb::index {

void AssignNearest(const float* x, size_t n, size_t d, const float* centroids, size_t k,
                   uint32_t* assign, float* dist, ThreadPool* pool) {
  const IndexKernels& kern = Kernels();
  auto run = [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const float* r = x + i * d;
      float best = 3.4e38f;
      uint32_t arg = 0;
      for (size_t c = 0; c < k; ++c) {
        // Short rows (PQ sub-vectors) are cheaper inline than through the kernel pointer.
        float v;
        if (d <= 8) {
          v = 0;
          const float* cc = centroids + c * d;
          for (size_t j = 0; j < d; ++j) v += (r[j] - cc[j]) * (r[j] - cc[j]);
        } else {
          v = kern.l2(r, centroids + c * d, d);
        }
        if (v < best) {
          best = v;
          arg = static_cast<uint32_t>(c);
        }
      }
      assign[i] = arg;
      if (dist) dist[i] = best;
    }
  };
  if (pool)
    pool->ParallelFor(n, 256, run);
  else
    run(0, n);
}

std::vector<uint32_t> SampleRows(size_t n, size_t count, uint64_t seed) {
  std::vector<uint32_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0u);
  if (count >= n) return rows;
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < count; ++i) {  // partial Fisher-Yates
    size_t j = i + rng() % (n - i);
    std::swap(rows[i], rows[j]);
  }
  rows.resize(count);
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<float> KMeans(const float* x, size_t n, size_t d, size_t k, int iters, uint64_t seed,
                          ThreadPool* pool) {
  std::vector<float> cent(k * d, 0);
  if (n == 0 || k == 0) return cent;
  std::vector<uint32_t> init = SampleRows(n, k, seed);
  for (size_t c = 0; c < k; ++c)
    std::memcpy(&cent[c * d], x + size_t{init[c % init.size()]} * d, d * 4);
  if (n <= k) return cent;
  std::vector<uint32_t> assign(n);
  std::vector<double> sums(k * d);
  std::vector<size_t> counts(k);
  std::mt19937_64 rng(seed + 1);
  for (int it = 0; it < iters; ++it) {
    AssignNearest(x, n, d, cent.data(), k, assign.data(), nullptr, pool);
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (size_t i = 0; i < n; ++i) {
      size_t c = assign[i];
      ++counts[c];
      const float* r = x + i * d;
      double* s = &sums[c * d];
      for (size_t j = 0; j < d; ++j) s[j] += r[j];
    }
    for (size_t c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;
      for (size_t j = 0; j < d; ++j)
        cent[c * d + j] = static_cast<float>(sums[c * d + j] / double(counts[c]));
    }
    // Empty clusters: copy the biggest cluster's centroid with a small symmetric perturbation
    // so the two halves separate on the next assignment.
    for (size_t c = 0; c < k; ++c) {
      if (counts[c] != 0) continue;
      size_t big = std::max_element(counts.begin(), counts.end()) - counts.begin();
      std::uniform_real_distribution<float> u(-1e-3f, 1e-3f);
      for (size_t j = 0; j < d; ++j) {
        float e = u(rng) * (std::abs(cent[big * d + j]) + 1e-3f);
        cent[c * d + j] = cent[big * d + j] + e;
        cent[big * d + j] -= e;
      }
      counts[c] = counts[big] / 2;
      counts[big] -= counts[c];
    }
  }
  return cent;
}

}  // namespace ragdb::index
