#include "index/ivf.h"

#include <gtest/gtest.h>

#include "base/thread_pool.h"
#include "index/test_util.h"

namespace ragdb::index {
namespace {

constexpr size_t kN = 10000, kD = 32, kQ = 50, kK = 10;

IndexConfig Ivf(IndexKind kind, Metric m) {
  IndexConfig c;
  c.kind = kind;
  c.metric = m;
  c.dim = kD;
  c.nlist = 64;
  c.pq_m = 16;
  return c;
}

double MeanRecall(const VectorIndex& index, Metric m, const testing::DataSet& s, SearchParams p) {
  double sum = 0;
  for (size_t i = 0; i < kQ; ++i) {
    auto got = index.Search(&s.q[i * kD], kK, p, nullptr);
    sum += testing::Recall(got, testing::BruteForce(m, s.x, kD, &s.q[i * kD], kK));
  }
  return sum / kQ;
}

class IvfRecall : public ::testing::TestWithParam<std::tuple<IndexKind, Metric>> {};

TEST_P(IvfRecall, MeetsRecall) {
  auto [kind, metric] = GetParam();
  auto s = testing::MakeData(kN, kQ, kD, 20, 31, metric == Metric::kCosine);
  ThreadPool pool(2);
  auto built = BuildIndex(Ivf(kind, metric), s.x.data(), kN, &pool);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  SearchParams p{.nprobe = 16, .rerank = 100};
  double r = MeanRecall(**built, metric, s, p);
  EXPECT_GE(r, 0.95);
  if (kind == IndexKind::kIvfPq) {
    // Without re-ranking PQ alone is approximate: worse, but far from random.
    SearchParams raw{.nprobe = 16};
    raw.rerank = 1;  // re-rank only k
    EXPECT_GT(MeanRecall(**built, metric, s, raw), 0.3);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, IvfRecall,
    ::testing::Combine(::testing::Values(IndexKind::kIvfFlat, IndexKind::kIvfPq),
                       ::testing::Values(Metric::kL2, Metric::kIp, Metric::kCosine)));

TEST(Ivf, SerializeRoundTripAndCorruption) {
  auto s = testing::MakeData(4000, kQ, kD, 10, 32);
  for (IndexKind kind : {IndexKind::kIvfFlat, IndexKind::kIvfPq}) {
    auto built = BuildIndex(Ivf(kind, Metric::kL2), s.x.data(), 4000, nullptr);
    ASSERT_TRUE(built.ok());
    std::string blob;
    ASSERT_TRUE((*built)->Serialize(&blob).ok());
    testing::AlignedBytes a(blob);
    auto opened = OpenIndex(a.view(), s.x.data(), 4000);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    SearchParams p{.nprobe = 8, .rerank = 40};
    for (size_t i = 0; i < kQ; ++i) {
      EXPECT_EQ((*built)->Search(&s.q[i * kD], kK, p, nullptr),
                (*opened)->Search(&s.q[i * kD], kK, p, nullptr));
    }
    std::string bad = blob;
    bad[bad.size() / 2] ^= 0x5a;
    testing::AlignedBytes b(bad);
    EXPECT_EQ(OpenIndex(b.view(), s.x.data(), 4000).status().code(), StatusCode::kCorruption);
    EXPECT_EQ((*built)->Add(s.x.data(), 4001).code(), StatusCode::kUnimplemented);
  }
}

}  // namespace
}  // namespace ragdb::index
