#include "index/locality_order.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "base/thread_pool.h"
#include "index/kmeans.h"

namespace ragdb::index {
namespace {

// Rows used to train each level's centroids, and k-means iterations (the order needs locality,
// not optimal clusters).
constexpr size_t kTrainRows = 16384;
constexpr int kIters = 6;

// Centroids for the rows `ids` (gathered from a sample into a contiguous array) and each row's
// nearest one.
std::vector<uint32_t> Cluster(const std::vector<uint32_t>& ids, size_t dim, size_t k,
                              const std::function<const float*(size_t)>& row, uint64_t seed,
                              ThreadPool* pool) {
  std::vector<uint32_t> sample = SampleRows(ids.size(), kTrainRows, seed);
  std::vector<float> train(sample.size() * dim);
  for (size_t i = 0; i < sample.size(); ++i) {
    std::memcpy(&train[i * dim], row(ids[sample[i]]), dim * sizeof(float));
  }
  k = std::min(k, sample.size());
  std::vector<float> centroids = KMeans(train.data(), sample.size(), dim, k, kIters, seed, pool);
  std::vector<uint32_t> assign(ids.size());
  auto run = [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      AssignNearest(row(ids[i]), 1, dim, centroids.data(), k, &assign[i], nullptr, nullptr);
    }
  };
  if (pool != nullptr) {
    pool->ParallelFor(ids.size(), 1024, run);
  } else {
    run(0, ids.size());
  }
  return assign;
}

// Stable sort of `ids` by `key` (counting sort: keys are cluster numbers below k).
void SortByKey(std::vector<uint32_t>* ids, const std::vector<uint32_t>& key, size_t k) {
  std::vector<size_t> start(k + 1, 0);
  for (uint32_t c : key) ++start[c + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<uint32_t> out(ids->size());
  for (size_t i = 0; i < ids->size(); ++i) out[start[key[i]]++] = (*ids)[i];
  *ids = std::move(out);
}

}  // namespace

std::vector<uint32_t> LocalityOrder(size_t n, size_t dim,
                                    const std::function<const float*(size_t)>& row, uint64_t seed,
                                    ThreadPool* pool) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  if (n < 2 || dim == 0) return order;
  // About sqrt(n) leaves: sqrt(sqrt(n)) coarse clusters of as many fine ones each.
  const size_t per_level = std::max<size_t>(2, size_t(std::ceil(std::pow(double(n), 0.25))));
  std::vector<uint32_t> coarse = Cluster(order, dim, per_level, row, seed, pool);
  SortByKey(&order, coarse, per_level);
  std::sort(coarse.begin(), coarse.end());
  // Within each coarse cluster, the fine clusters.
  size_t begin = 0;
  while (begin < n) {
    size_t end = begin;
    while (end < n && coarse[end] == coarse[begin]) ++end;
    if (end - begin > per_level) {
      std::vector<uint32_t> ids(order.begin() + begin, order.begin() + end);
      std::vector<uint32_t> fine =
          Cluster(ids, dim, per_level, row, seed + 1 + coarse[begin], pool);
      SortByKey(&ids, fine, per_level);
      std::copy(ids.begin(), ids.end(), order.begin() + begin);
    }
    begin = end;
  }
  return order;
}

}  // namespace ragdb::index
