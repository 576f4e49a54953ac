// Approximate indexes inside collections: recall against exact search, filters, deletes,
// persistence, and searches running while writes go on.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "ragdb/database.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

constexpr uint32_t kDim = 24;

CollectionSchema IndexedSchema(IndexType type, Metric metric,
                               Quantization q = Quantization::kNone) {
  CollectionSchema s;
  VectorField f;
  f.dim = kDim;
  f.metric = metric;
  f.index.type = type;
  f.index.m = 12;
  f.index.ef_construction = 100;
  f.index.quantization = q;
  f.index.nlist = 32;
  f.index.pq_m = 8;
  s.vectors.push_back(f);
  return s;
}

// Clustered data, so that an approximate index has structure to exploit. The cluster centers are
// fixed; `seed` varies the points around them.
const std::vector<std::vector<float>>& Centers() {
  static const auto centers = [] {
    std::mt19937 rng(12345);
    std::normal_distribution<float> g;
    std::vector<std::vector<float>> c(20, std::vector<float>(kDim));
    for (auto& v : c)
      for (float& x : v) x = 4 * g(rng);
    return c;
  }();
  return centers;
}

std::vector<Record> Clustered(size_t n, uint64_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<Record> out;
  for (uint64_t i = 0; i < n; ++i) {
    Record r;
    r.id = i;
    auto& v = r.vectors[""];
    v = Centers()[i % Centers().size()];
    for (float& x : v) x += g(rng);
    r.payload = {{"bucket", i % 10}};
    out.push_back(std::move(r));
  }
  return out;
}

// Queries come from the same distribution as the data.
std::vector<float> Query(std::mt19937& rng) {
  std::normal_distribution<float> g;
  std::vector<float> q = Centers()[rng() % Centers().size()];
  for (float& x : q) x += g(rng);
  return q;
}

double Recall(const std::shared_ptr<Collection>& c, std::optional<Filter> filter, uint32_t ef) {
  std::mt19937 rng(99);
  double hit = 0, total = 0;
  for (int i = 0; i < 30; ++i) {
    SearchRequest req;
    req.vector = Query(rng);
    req.k = 10;
    req.filter = filter;
    req.with_payload = false;
    req.ef = ef;
    req.nprobe = 8;
    auto approx = *c->Search(req);
    req.exact = true;
    auto exact = *c->Search(req);
    std::set<PointId> truth;
    for (const auto& h : exact) truth.insert(h.id);
    for (const auto& h : approx) hit += truth.count(h.id);
    total += exact.size();
  }
  return total == 0 ? 1.0 : hit / total;
}

TEST(VectorIndex, HnswInCollectionKeepsRecallWithFiltersAndSurvivesReopen) {
  TempDir dir;
  std::vector<ScoredPoint> before;
  SearchRequest probe;
  {
    auto db = *Database::Open(dir.path());
    auto c = *db->CreateCollection("c", IndexedSchema(IndexType::kHnsw, Metric::kL2));
    ASSERT_TRUE(c->Upsert(Clustered(4000, 1)).ok());
    ASSERT_TRUE(c->Optimize().ok());
    auto info = *c->Describe();
    ASSERT_EQ(info.segments[0].indexes.size(), 1u) << "optimize should build the HNSW index";
    EXPECT_GE(Recall(c, std::nullopt, 64), 0.95);
    for (const char* f : {"bucket == 3", "bucket < 5", "bucket in [1, 2, 3, 4, 5, 6, 7, 8, 9]"}) {
      EXPECT_GE(Recall(c, *Filter::Parse(f), 64), 0.95) << f;
    }
    // Deleted rows are never returned, though the graph still walks through them.
    std::vector<PointId> del;
    for (uint64_t i = 0; i < 4000; i += 2) del.push_back(i);
    ASSERT_EQ(*c->Delete(del), 2000u);
    std::mt19937 rng(3);
    for (int i = 0; i < 20; ++i) {
      probe.vector = Query(rng);
      probe.k = 10;
      auto hits = *c->Search(probe);
      for (const auto& h : hits) EXPECT_EQ(h.id.number() % 2, 1u);
    }
    EXPECT_GE(Recall(c, std::nullopt, 64), 0.95);
    before = *c->Search(probe);
  }
  auto db = *Database::Open(dir.path());
  auto c = *db->GetCollection("c");
  auto after = *c->Search(probe);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_FLOAT_EQ(after[i].score, before[i].score);
  }
}

TEST(VectorIndex, EveryIndexTypeAndMetricReachesRecall) {
  struct Case {
    IndexType type;
    Metric metric;
    Quantization q;
    double min_recall;
  };
  for (const Case& t : {Case{IndexType::kHnsw, Metric::kCosine, Quantization::kNone, 0.95},
                        Case{IndexType::kHnsw, Metric::kIp, Quantization::kNone, 0.9},
                        Case{IndexType::kHnsw, Metric::kL2, Quantization::kSq8, 0.95},
                        Case{IndexType::kIvfFlat, Metric::kL2, Quantization::kNone, 0.9},
                        Case{IndexType::kIvfPq, Metric::kL2, Quantization::kNone, 0.85}}) {
    TempDir dir;
    auto db = *Database::Open(dir.path());
    auto c = *db->CreateCollection("c", IndexedSchema(t.type, t.metric, t.q));
    ASSERT_TRUE(c->Upsert(Clustered(3000, 2)).ok());
    ASSERT_TRUE(c->Optimize().ok());
    EXPECT_EQ((*c->Describe()).segments[0].indexes.size(), 1u);
    EXPECT_GE(Recall(c, std::nullopt, 64), t.min_recall)
        << IndexTypeName(t.type) << " " << MetricName(t.metric);
  }
}

TEST(VectorIndex, SearchesRunWhileUpsertsSealSegments) {
  TempDir dir;
  DatabaseOptions o;
  o.seal_threshold_rows = 1500;  // seals (and builds indexes) during the test
  auto db = *Database::Open(dir.path(), o);
  auto c = *db->CreateCollection("c", IndexedSchema(IndexType::kHnsw, Metric::kL2));
  ASSERT_TRUE(c->Upsert(Clustered(1500, 4)).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> searches{0};
  std::thread reader([&] {
    std::mt19937 rng(5);
    while (!stop) {
      SearchRequest req;
      req.vector = Query(rng);
      auto r = c->Search(req);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->size(), 10u);
      searches++;
    }
  });
  auto more = Clustered(6000, 6);
  for (size_t i = 0; i < more.size(); i += 500) {
    for (size_t j = i; j < i + 500; ++j) more[j].id = PointId(uint64_t{100000 + j});
    ASSERT_TRUE(c->Upsert(std::span<const Record>(more).subspan(i, 500)).ok());
  }
  stop = true;
  reader.join();
  EXPECT_GT(searches.load(), 0);
  EXPECT_EQ(*c->Count(), 7500u);
  EXPECT_GE(Recall(c, std::nullopt, 64), 0.95);
}

}  // namespace
}  // namespace ragdb
