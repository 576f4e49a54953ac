// Filtered search: recall against the exact filtered answer at 1%, 10% and 50% selectivity, for
// the planner's choice and for each graph strategy forced.
#include "index/filter.h"

#include <gtest/gtest.h>

#include "base/thread_pool.h"
#include "index/hnsw.h"
#include "index/ivf.h"
#include "index/test_util.h"

namespace ragdb::index {
namespace {

constexpr size_t kN = 20000, kD = 32, kQ = 60, kK = 10;

struct Fixture {
  testing::DataSet data = testing::MakeData(kN, kQ, kD, 30, 21);
  std::unique_ptr<VectorIndex> hnsw;
  Fixture() {
    IndexConfig c;
    c.kind = IndexKind::kHnsw;
    c.metric = Metric::kL2;
    c.dim = kD;
    c.m = 16;
    c.ef_construction = 100;
    // A serial build gives the same graph on every run, so the recall figures are repeatable
    // (a parallel build inserts in a scheduling-dependent order).
    hnsw = std::move(BuildIndex(c, data.x.data(), kN, nullptr).value());
  }
};

Fixture& Shared() {
  static Fixture* f = new Fixture();
  return *f;
}

struct Outcome {
  double recall = 0;
  size_t fallbacks = 0;
  double mean_distances = 0;
};

Outcome RunFiltered(const VectorIndex& index, double selectivity, FilterStrategy strategy,
                    uint32_t ef = 64) {
  Fixture& f = Shared();
  Bitset allowed = testing::RandomBits(kN, selectivity, 1000 + size_t(selectivity * 100));
  Outcome o;
  for (size_t i = 0; i < kQ; ++i) {
    SearchStats stats;
    SearchParams p{.ef = ef, .nprobe = 16, .filter = strategy, .stats = &stats};
    auto got = index.Search(&f.data.q[i * kD], kK, p, &allowed);
    for (const Neighbor& nb : got) EXPECT_TRUE(allowed.Test(nb.row));
    o.recall += testing::Recall(
        got, testing::BruteForce(Metric::kL2, f.data.x, kD, &f.data.q[i * kD], kK, &allowed));
    o.fallbacks += stats.fell_back_to_exact;
    o.mean_distances += double(stats.distance_computations);
  }
  o.recall /= kQ;
  o.mean_distances /= kQ;
  return o;
}

class FilteredRecall : public ::testing::TestWithParam<double> {};

TEST_P(FilteredRecall, PlannerChoiceMeetsRecall) {
  Outcome o = RunFiltered(*Shared().hnsw, GetParam(), FilterStrategy::kAuto);
  EXPECT_GE(o.recall, 0.95);
  RecordProperty("mean_distances", std::to_string(o.mean_distances));
}

TEST_P(FilteredRecall, GraphWalkMeetsRecall) {
  double s = GetParam();
  Outcome o = RunFiltered(*Shared().hnsw, s, FilterStrategy::kGraph);
  EXPECT_GE(o.recall, 0.95) << "fallbacks " << o.fallbacks;
  Outcome t = RunFiltered(*Shared().hnsw, s, FilterStrategy::kGraphTwoHop);
  EXPECT_GE(t.recall, 0.95) << "fallbacks " << t.fallbacks;
  std::printf(
      "selectivity %.2f: walk recall %.3f (%zu exact fallbacks, %.0f dists/query); "
      "two-hop recall %.3f (%zu fallbacks, %.0f dists/query)\n",
      s, o.recall, o.fallbacks, o.mean_distances, t.recall, t.fallbacks, t.mean_distances);
}

INSTANTIATE_TEST_SUITE_P(Selectivity, FilteredRecall, ::testing::Values(0.01, 0.10, 0.50));

TEST(FilterPlanner, Choices) {
  EXPECT_EQ(PlanFilteredSearch(1000000, 1000000, 10), FilterStrategy::kGraph);
  EXPECT_EQ(PlanFilteredSearch(1000000, 10000, 10), FilterStrategy::kExact);         // 1%
  EXPECT_EQ(PlanFilteredSearch(1000000, 100000, 10), FilterStrategy::kGraphTwoHop);  // 10%
  EXPECT_EQ(PlanFilteredSearch(1000000, 500000, 10), FilterStrategy::kGraph);        // 50%
  EXPECT_EQ(PlanFilteredSearch(5000, 1000, 10), FilterStrategy::kExact);
}

TEST(FilteredIvf, RecallWithFilter) {
  Fixture& f = Shared();
  IndexConfig c;
  c.kind = IndexKind::kIvfFlat;
  c.dim = kD;
  c.nlist = 64;
  ThreadPool pool(2);
  auto ivf = BuildIndex(c, f.data.x.data(), kN, &pool);
  ASSERT_TRUE(ivf.ok());
  for (double s : {0.01, 0.1, 0.5}) {
    EXPECT_GE(RunFiltered(**ivf, s, FilterStrategy::kAuto).recall, 0.95) << s;
  }
}

TEST(Filtered, EmptyAndShortBitsets) {
  Fixture& f = Shared();
  Bitset none(kN);
  EXPECT_TRUE(f.hnsw->Search(f.data.q.data(), kK, {}, &none).empty());
  Bitset shorter(100, true);  // rows past the bitset count as disallowed
  auto got = f.hnsw->Search(f.data.q.data(), kK, {}, &shorter);
  ASSERT_EQ(got.size(), kK);
  for (const Neighbor& nb : got) EXPECT_LT(nb.row, 100u);
}

}  // namespace
}  // namespace ragdb::index
