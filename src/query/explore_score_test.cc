// The scoring formulas of recommendation / discovery / context search and the MMR selection,
// against values worked out by hand and a brute-force MMR.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "query/example_score.h"
#include "query/mmr.h"

namespace ragdb::query {
namespace {

TEST(ExampleScore, SigmoidsStayInTheirRanges) {
  EXPECT_FLOAT_EQ(FastSigmoid(0), 0);
  EXPECT_FLOAT_EQ(FastSigmoid(1), 0.5f);
  EXPECT_FLOAT_EQ(FastSigmoid(-3), -0.75f);
  EXPECT_FLOAT_EQ(ScaledSigmoid(0), 0.5f);
  EXPECT_FLOAT_EQ(ScaledSigmoid(1), 0.75f);
  for (float x : {-1e30f, -5.0f, 5.0f, 1e30f}) {
    EXPECT_GE(ScaledSigmoid(x), 0.0f);
    EXPECT_LE(ScaledSigmoid(x), 1.0f);
  }
}

TEST(ExampleScore, BestScorePicksTheNearerSide) {
  std::vector<float> pos{0.2f, 0.9f}, neg{0.5f};
  EXPECT_FLOAT_EQ(BestScore(pos, neg), ScaledSigmoid(0.9f));  // best positive wins
  std::vector<float> pos2{0.1f}, neg2{0.7f, 0.3f};
  EXPECT_FLOAT_EQ(BestScore(pos2, neg2), -ScaledSigmoid(0.7f));  // nearer a negative: negative
  std::vector<float> none;
  EXPECT_FLOAT_EQ(BestScore(none, neg2), -ScaledSigmoid(0.7f));  // only negatives
  EXPECT_FLOAT_EQ(BestScore(pos2, none), ScaledSigmoid(0.1f));
  // A tie goes to the negative side.
  std::vector<float> tie_p{0.4f}, tie_n{0.4f};
  EXPECT_FLOAT_EQ(BestScore(tie_p, tie_n), -ScaledSigmoid(0.4f));
}

TEST(ExampleScore, SumScores) {
  std::vector<float> pos{0.2f, 0.9f}, neg{0.5f, -1.0f};
  EXPECT_FLOAT_EQ(SumScores(pos, neg), 1.1f - (-0.5f));
}

TEST(ExampleScore, DiscoveryRanksZonesBeforeTheTarget) {
  EXPECT_EQ(PairRank(0.9f, 0.1f), 1);
  EXPECT_EQ(PairRank(0.1f, 0.9f), -1);
  EXPECT_EQ(PairRank(0.5f, 0.5f), 0);
  // Two pairs satisfied beats one satisfied whatever the target similarity.
  EXPECT_GT(DiscoverScore(2, -100.0f), DiscoverScore(1, 100.0f));
  EXPECT_FLOAT_EQ(DiscoverScore(-1, 0.0f), -0.5f);
}

TEST(ExampleScore, ContextLossIsZeroOnThePositiveSide) {
  EXPECT_FLOAT_EQ(PairLoss(0.9f, 0.1f), 0.0f);
  EXPECT_FLOAT_EQ(PairLoss(0.1f, 0.9f), FastSigmoid(0.1f - 0.9f - FLT_EPSILON));
  EXPECT_LT(PairLoss(0.5f, 0.5f), 0.0f);  // the margin makes a tie a (tiny) loss
}

// MMR by its definition, recomputing every maximum from scratch.
std::vector<size_t> BruteMmr(const std::vector<float>& rel,
                             const std::vector<std::vector<float>>& sim, float diversity,
                             size_t limit) {
  std::vector<size_t> picked;
  std::vector<bool> taken(rel.size());
  while (picked.size() < limit && picked.size() < rel.size()) {
    size_t best = rel.size();
    float best_score = 0;
    for (size_t i = 0; i < rel.size(); ++i) {
      if (taken[i]) continue;
      float score;
      if (picked.empty()) {
        score = rel[i];
      } else {
        float m = -INFINITY;
        for (size_t j : picked) m = std::max(m, sim[i][j]);
        score = (1 - diversity) * rel[i] - diversity * m;
      }
      if (best == rel.size() || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    picked.push_back(best);
    taken[best] = true;
  }
  return picked;
}

TEST(Mmr, MatchesTheDefinitionOnRandomData) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 1 + rng() % 30;
    std::vector<float> rel(n);
    std::vector<std::vector<float>> sim(n, std::vector<float>(n));
    for (size_t i = 0; i < n; ++i) {
      rel[i] = u(rng);
      for (size_t j = 0; j <= i; ++j) sim[i][j] = sim[j][i] = u(rng);
    }
    const float diversity = static_cast<float>(trial % 5) / 4;
    const size_t limit = 1 + rng() % 12;
    size_t calls = 0;
    auto got = MmrSelect(
        rel,
        [&](size_t a, size_t b) {
          ++calls;
          return sim[a][b];
        },
        diversity, limit);
    EXPECT_EQ(got, BruteMmr(rel, sim, diversity, limit)) << "trial " << trial;
    EXPECT_LE(calls, n * limit);
  }
}

TEST(Mmr, ZeroDiversityIsRelevanceOrder) {
  std::vector<float> rel{0.1f, 0.9f, 0.5f, 0.7f};
  auto got = MmrSelect(
      rel, [](size_t, size_t) { return 1.0f; }, 0.0f, 3);
  EXPECT_EQ(got, (std::vector<size_t>{1, 3, 2}));
  EXPECT_TRUE(MmrSelect(
                  {}, [](size_t, size_t) { return 0.0f; }, 0.5f, 3)
                  .empty());
  EXPECT_TRUE(MmrSelect(
                  rel, [](size_t, size_t) { return 0.0f; }, 0.5f, 0)
                  .empty());
}

TEST(Mmr, FullDiversityAvoidsNearDuplicates) {
  // Candidates 0 and 1 are duplicates; 2 is different but less relevant.
  std::vector<float> rel{0.9f, 0.89f, 0.5f};
  std::vector<std::vector<float>> sim{{1, 1, 0}, {1, 1, 0}, {0, 0, 1}};
  auto got = MmrSelect(
      rel, [&](size_t a, size_t b) { return sim[a][b]; }, 0.7f, 2);
  EXPECT_EQ(got, (std::vector<size_t>{0, 2}));
}

}  // namespace
}  // namespace ragdb::query
