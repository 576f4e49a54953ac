// Fusion of ranked lists into one ranking, and grouping of a ranking by a payload field: the
// arithmetic of hybrid search, as pure functions (no collection involved).
//
// Every input list must be best first with "larger is better" scores (callers negate Euclidean
// distances). Output ties are broken by id, so results do not depend on list order.
//
// RRF (reciprocal rank fusion, Cormack et al. 2009): a point at 1-based rank r of list i gets
//   w_i / (k + r)
// summed over the lists it appears in; scores are ignored, only ranks count. k = 60 is the
// paper's constant; Qdrant uses k = 2 (pass it explicitly), which is why k is a parameter.
//
// Weighted sum: each list's scores are normalized to about [0, 1], multiplied by w_i and summed
// (a point absent from a list gets 0 from it).
//   min-max: (s - min) / (max - min); a list whose scores are all equal maps to 1.
//   DBSF (distribution-based score fusion): (s - (mu - 3 sigma)) / (6 sigma), mu the mean and
//     sigma the sample standard deviation of the list's scores (not clamped, as in Qdrant);
//     a one-point list or zero sigma maps to 0.5.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::query {

inline constexpr double kDefaultRrfK = 60;

// InvalidArgument when weights are given but their count differs from the lists' or one is
// negative or not finite; empty weights = all 1. The first occurrence of a point (in list order)
// supplies its payload, vectors and text.
Result<std::vector<ScoredPoint>> FuseRrf(std::vector<std::vector<ScoredPoint>> lists,
                                         double k = kDefaultRrfK,
                                         std::span<const float> weights = {});
Result<std::vector<ScoredPoint>> FuseWeighted(std::vector<std::vector<ScoredPoint>> lists,
                                              ScoreNormalization normalization,
                                              std::span<const float> weights = {});

// The normalized scores of one list (same order as `scores`).
std::vector<double> NormalizeScores(std::span<const double> scores,
                                    ScoreNormalization normalization);

// a AND b, either possibly unset or empty (a hybrid query's filter joined with a sub-query's).
std::optional<Filter> AndFilters(const std::optional<Filter>& a, const std::optional<Filter>& b);

// Groups a ranking by the values of payload `path` (a point whose value is an array joins the
// group of each element; points without a string, integer or bool value are left out). Groups
// are ordered by their best point; each keeps its best `group_size` points. Stops opening new
// groups after `max_groups`.
std::vector<PointGroup> GroupBy(const std::vector<ScoredPoint>& ranking, std::string_view path,
                                size_t group_size, size_t max_groups);

}  // namespace ragdb::query
