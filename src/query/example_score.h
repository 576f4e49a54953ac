// The scores of recommendation, discovery and context search (ragdb/explore.h), from a
// candidate's similarities to the examples. Qdrant's formulas, so that scores match its answers.
#pragma once

#include <cfloat>
#include <cmath>
#include <span>

namespace ragdb::query {

// x / (1 + |x|): a cheap sigmoid into (-1, 1).
inline float FastSigmoid(float x) { return x / (1.0f + std::fabs(x)); }
// FastSigmoid scaled into (0, 1).
inline float ScaledSigmoid(float x) { return 0.5f * (FastSigmoid(x) + 1.0f); }

// RecommendStrategy::kBestScore: the best positive similarity, squashed into (0, 1), when it beats
// the best negative one; minus the squashed best negative otherwise. An empty side counts as -inf.
inline float BestScore(std::span<const float> positive_sims, std::span<const float> negative_sims) {
  float best_pos = -INFINITY, best_neg = -INFINITY;
  for (float s : positive_sims) best_pos = s > best_pos ? s : best_pos;
  for (float s : negative_sims) best_neg = s > best_neg ? s : best_neg;
  return best_pos > best_neg ? ScaledSigmoid(best_pos) : -ScaledSigmoid(best_neg);
}

// RecommendStrategy::kSumScores.
inline float SumScores(std::span<const float> positive_sims, std::span<const float> negative_sims) {
  float pos = 0, neg = 0;
  for (float s : positive_sims) pos += s;
  for (float s : negative_sims) neg += s;
  return pos - neg;
}

// A context pair's contribution to a discovery rank: +1 nearer the positive, -1 nearer the
// negative, 0 on a tie.
inline int PairRank(float positive_sim, float negative_sim) {
  return (positive_sim > negative_sim) - (positive_sim < negative_sim);
}

// A context pair's loss for context search: 0 on the positive side, negative otherwise.
inline float PairLoss(float positive_sim, float negative_sim) {
  float d = positive_sim - negative_sim - FLT_EPSILON;
  return FastSigmoid(d < 0 ? d : 0.0f);
}

// Discovery: the context rank plus the squashed similarity to the target.
inline float DiscoverScore(int rank, float target_sim) {
  return static_cast<float>(rank) + ScaledSigmoid(target_sim);
}

}  // namespace ragdb::query
