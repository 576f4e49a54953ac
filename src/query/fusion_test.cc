#include "query/fusion.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ragdb::query {
namespace {

ScoredPoint P(uint64_t id, float score, Json payload = Json()) {
  ScoredPoint p;
  p.id = id;
  p.score = score;
  p.payload = std::move(payload);
  return p;
}

std::vector<uint64_t> Ids(const std::vector<ScoredPoint>& v) {
  std::vector<uint64_t> out;
  for (const auto& p : v) out.push_back(p.id.number());
  return out;
}

TEST(FusionTest, RrfSumsReciprocalRanks) {
  // list A: 1, 2, 3   list B: 3, 1
  auto fused = FuseRrf({{P(1, 9), P(2, 8), P(3, 7)}, {P(3, 0.5f), P(1, 0.1f)}}, 60);
  ASSERT_TRUE(fused.ok());
  ASSERT_EQ(Ids(*fused), (std::vector<uint64_t>{1, 3, 2}));
  EXPECT_FLOAT_EQ((*fused)[0].score, static_cast<float>(1.0 / 61 + 1.0 / 62));
  EXPECT_FLOAT_EQ((*fused)[1].score, static_cast<float>(1.0 / 63 + 1.0 / 61));
  EXPECT_FLOAT_EQ((*fused)[2].score, static_cast<float>(1.0 / 62));
}

TEST(FusionTest, RrfWeightsAndConstant) {
  std::vector<float> w{0.2f, 1.0f};
  auto fused = FuseRrf({{P(1, 1), P(2, 0)}, {P(2, 1), P(1, 0)}}, 2, w);
  ASSERT_TRUE(fused.ok());
  ASSERT_EQ(Ids(*fused), (std::vector<uint64_t>{2, 1}));
  EXPECT_FLOAT_EQ((*fused)[0].score, static_cast<float>(0.2 / 4 + 1.0 / 3));
  EXPECT_FLOAT_EQ((*fused)[1].score, static_cast<float>(0.2 / 3 + 1.0 / 4));
}

TEST(FusionTest, TiesBrokenByIdAndEmptyLists) {
  auto fused = FuseRrf({{P(7, 1)}, {}, {P(4, 1)}}, 60);
  ASSERT_TRUE(fused.ok());
  EXPECT_EQ(Ids(*fused), (std::vector<uint64_t>{4, 7}));
  auto none = FuseRrf({}, 60);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto w = FuseWeighted({{}, {}}, ScoreNormalization::kDbsf);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->empty());
}

TEST(FusionTest, BadWeights) {
  std::vector<float> one{1};
  EXPECT_FALSE(FuseRrf({{P(1, 1)}, {P(2, 1)}}, 60, one).ok());
  std::vector<float> neg{1, -1};
  EXPECT_FALSE(FuseWeighted({{P(1, 1)}, {P(2, 1)}}, ScoreNormalization::kMinMax, neg).ok());
}

TEST(FusionTest, MinMaxNormalization) {
  std::vector<double> s{10, 5, 0};
  auto n = NormalizeScores(s, ScoreNormalization::kMinMax);
  EXPECT_DOUBLE_EQ(n[0], 1);
  EXPECT_DOUBLE_EQ(n[1], 0.5);
  EXPECT_DOUBLE_EQ(n[2], 0);
  std::vector<double> same{3, 3};
  EXPECT_EQ(NormalizeScores(same, ScoreNormalization::kMinMax), (std::vector<double>{1, 1}));
}

TEST(FusionTest, DbsfNormalization) {
  // mean 2, sample sigma 1: 2 - 3 = -1 -> 0, 2 + 3 = 5 -> 1.
  std::vector<double> s{3, 2, 1};
  auto n = NormalizeScores(s, ScoreNormalization::kDbsf);
  EXPECT_DOUBLE_EQ(n[0], 4.0 / 6);
  EXPECT_DOUBLE_EQ(n[1], 0.5);
  EXPECT_DOUBLE_EQ(n[2], 2.0 / 6);
  std::vector<double> single{42};
  EXPECT_EQ(NormalizeScores(single, ScoreNormalization::kDbsf), (std::vector<double>{0.5}));
}

TEST(FusionTest, WeightedMinMax) {
  // A: 1 -> 1.0, 2 -> 0.5, 3 -> 0   B: 3 -> 1.0, 2 -> 0
  std::vector<float> w{0.3f, 0.7f};
  auto fused = FuseWeighted({{P(1, 10), P(2, 5), P(3, 0)}, {P(3, 0.9f), P(2, 0.1f)}},
                            ScoreNormalization::kMinMax, w);
  ASSERT_TRUE(fused.ok());
  ASSERT_EQ(Ids(*fused), (std::vector<uint64_t>{3, 1, 2}));
  EXPECT_FLOAT_EQ((*fused)[0].score, 0.7f);
  EXPECT_FLOAT_EQ((*fused)[1].score, 0.3f);
  EXPECT_FLOAT_EQ((*fused)[2].score, 0.15f);
}

TEST(FusionTest, FirstOccurrenceKeepsPayload) {
  auto fused = FuseRrf({{P(1, 1, {{"a", 1}})}, {P(1, 1, {{"a", 2}})}}, 60);
  ASSERT_TRUE(fused.ok());
  ASSERT_EQ(fused->size(), 1u);
  EXPECT_EQ((*fused)[0].payload["a"], 1);
}

TEST(FusionTest, GroupBy) {
  std::vector<ScoredPoint> ranking{
      P(1, 9, {{"doc", "a"}}), P(2, 8, {{"doc", "b"}}), P(3, 7, {{"doc", "a"}}), P(4, 6, {}),
      P(5, 5, {{"doc", "c"}}), P(6, 4, {{"doc", "a"}}), P(7, 3, {{"doc", "b"}})};
  auto groups = GroupBy(ranking, "doc", 2, 2);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].key, "a");
  EXPECT_EQ(Ids(groups[0].hits), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(groups[1].key, "b");
  EXPECT_EQ(Ids(groups[1].hits), (std::vector<uint64_t>{2, 7}));
  auto best = GroupBy(ranking, "doc", 1, 10);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(Ids(best[2].hits), (std::vector<uint64_t>{5}));
}

TEST(FusionTest, GroupByArrayJoinsEachGroup) {
  std::vector<ScoredPoint> ranking{P(1, 2, {{"tags", {"x", "y", "x"}}}), P(2, 1, {{"tags", "y"}})};
  auto groups = GroupBy(ranking, "tags", 5, 10);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(Ids(groups[0].hits), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Ids(groups[1].hits), (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace ragdb::query
