// The locality order (a permutation that groups rows near in space) and an HNSW graph built over
// rows stored in that order (which must not depend on that order for its quality).
#include "index/locality_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "base/thread_pool.h"
#include "index/hnsw.h"
#include "index/test_util.h"

namespace ragdb::index {
namespace {

using testing::BruteForce;
using testing::Recall;

TEST(LocalityOrder, IsAPermutationThatGroupsClusters) {
  // 40 well separated clusters: rows of one cluster should end up in few contiguous runs.
  const size_t n = 8000, d = 16, clusters = 40;
  std::mt19937_64 rng(3);
  std::normal_distribution<float> g;
  std::vector<float> centres(clusters * d), x(n * d);
  std::vector<uint32_t> label(n);
  for (float& c : centres) c = g(rng) * 20;
  for (size_t i = 0; i < n; ++i) {
    label[i] = static_cast<uint32_t>(rng() % clusters);
    for (size_t j = 0; j < d; ++j) x[i * d + j] = centres[label[i] * d + j] + g(rng);
  }
  ThreadPool pool(2);
  auto row = [&](size_t i) { return &x[i * d]; };
  std::vector<uint32_t> order = LocalityOrder(n, d, row, 42, &pool);
  std::vector<uint32_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint32_t> iota(n);
  std::iota(iota.begin(), iota.end(), 0u);
  ASSERT_EQ(sorted, iota) << "not a permutation";
  EXPECT_EQ(order, LocalityOrder(n, d, row, 42, nullptr)) << "not deterministic";
  size_t runs = 1;
  for (size_t i = 1; i < n; ++i) runs += label[order[i]] != label[order[i - 1]];
  // Stored as they came, the labels change on almost every row (~7,800 runs); grouped, each of
  // the 40 clusters lies in a few runs (k-means may split one between neighbouring leaves).
  EXPECT_LE(runs, n / 10) << "clusters are scattered";
  EXPECT_EQ(LocalityOrder(1, d, row, 42, nullptr), std::vector<uint32_t>{0});
  EXPECT_TRUE(LocalityOrder(0, d, row, 42, nullptr).empty());
}

// Rows stored cluster by cluster (what the locality order produces, and what ingesting documents
// chunk by chunk looks like) must still give a good graph: the build inserts them in a shuffled
// order. Inserted in storage order, these 50,000 rows sorted by cluster reach recall 0.9885 at
// ef 32 (0.9995 shuffled); at 1M rows the gap was 0.71 against 0.96 at ef 64.
TEST(LocalityOrder, HnswBuiltOverRowsSortedByClusterKeepsRecall) {
  const size_t n = 50000, d = 32, clusters = 500, nq = 200;
  std::mt19937_64 rng(1);
  std::normal_distribution<float> g;
  std::vector<float> centres(clusters * d);
  for (float& c : centres) c = 3 * g(rng);
  std::vector<std::pair<uint32_t, std::vector<float>>> rows(n + nq);
  for (auto& [label, v] : rows) {
    label = static_cast<uint32_t>(rng() % clusters);
    v.resize(d);
    for (size_t j = 0; j < d; ++j) v[j] = centres[label * d + j] + g(rng);
  }
  std::vector<float> queries;
  for (size_t i = n; i < n + nq; ++i)
    queries.insert(queries.end(), rows[i].second.begin(), rows[i].second.end());
  rows.resize(n);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<float> x;
  for (const auto& r : rows) x.insert(x.end(), r.second.begin(), r.second.end());
  IndexConfig c;
  c.kind = IndexKind::kHnsw;
  c.metric = Metric::kL2;
  c.dim = d;
  c.m = 12;
  c.ef_construction = 100;
  ThreadPool pool(2);
  auto built = HnswIndex::Build(c, x.data(), n, &pool);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  SearchParams p;
  p.ef = 32;
  double recall = 0;
  for (size_t i = 0; i < nq; ++i) {
    const float* q = &queries[i * d];
    recall += Recall((*built)->Search(q, 10, p, nullptr), BruteForce(Metric::kL2, x, d, q, 10));
  }
  EXPECT_GE(recall / nq, 0.995);
}

}  // namespace
}  // namespace ragdb::index
