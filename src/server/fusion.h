// Fusion of several ranked lists into one, as Qdrant's Query API does for `{"fusion": ...}`.
//
// RRF (reciprocal rank fusion): a point at 0-based position p of a list scores
//   1 / ((p + 1) / w + k - 1)
// per list (= 1 / (p + k) with weight w = 1), summed over the lists it is in. Qdrant's default k
// is 2. Input scores are ignored; only order counts.
//
// DBSF (distribution-based score fusion): each list's scores are mapped to [0, 1] with
// mean - 3 sigma -> 0 and mean + 3 sigma -> 1 (sigma = sample standard deviation; a single-point
// list scores 0.5, a list of equal scores 0.5), then summed per point. Lists must be "larger is
// better": callers negate Euclidean distances first.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::server {

inline constexpr size_t kDefaultRrfK = 2;

// Result: best first; ties broken by id. Payloads/vectors of the first occurrence are kept.
Result<std::vector<ScoredPoint>> FuseRrf(std::vector<std::vector<ScoredPoint>> lists,
                                         size_t k = kDefaultRrfK,
                                         const std::vector<float>* weights = nullptr);
std::vector<ScoredPoint> FuseDbsf(std::vector<std::vector<ScoredPoint>> lists);

}  // namespace ragdb::server
