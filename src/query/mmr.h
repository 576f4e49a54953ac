// Maximal marginal relevance (ragdb/explore.h, MmrParams): which candidates to keep, in order.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

namespace ragdb::query {

// Picks up to `limit` of the candidates 0..n-1 (n = relevance.size()): first the most relevant,
// then each time the one maximizing
//   (1 - diversity) * relevance[i] - diversity * max over picked j of similarity(i, j).
// Ties go to the lower index. Returns the picked indices in the order picked. `similarity` is
// called at most n * limit times.
std::vector<size_t> MmrSelect(std::span<const float> relevance,
                              const std::function<float(size_t, size_t)>& similarity,
                              float diversity, size_t limit);

}  // namespace ragdb::query
