// The filtered-search planner shared by every index. Given how many rows a filter allows it picks:
//   kExact       few allowed rows: scanning them exactly is cheaper than any graph walk, and exact;
//   kGraphTwoHop low selectivity: walk only allowed nodes, reaching them through disallowed
//                neighbours two hops out (ACORN-1 style), so the walk does not stall in regions
//                with no allowed node;
//   kGraph       otherwise: the normal walk through every node, only allowed nodes enter results.
// Graph walks also fall back to exact when their distance computations exceed the allowed count
// (at that point the scan would have been cheaper) or when they end with fewer than k results,
// and HNSW scans exactly whenever no more than 4 x ef rows are allowed, whatever the strategy (a
// walk would score about that many rows anyway).
#pragma once

#include <algorithm>
#include <cstddef>

#include "index/vector_index.h"

namespace ragdb::index {

struct FilterPlannerConfig {
  size_t exact_min_rows = 2048;    // always exact at or below this many allowed rows
  double exact_fraction = 0.02;    // ... or at or below this fraction of the index
  double two_hop_fraction = 0.15;  // below this selectivity walk with two-hop expansion
};

inline FilterStrategy PlanFilteredSearch(size_t n, size_t allowed_count, size_t k,
                                         const FilterPlannerConfig& c = {}) {
  if (allowed_count >= n) return FilterStrategy::kGraph;  // nothing filtered
  size_t exact_limit =
      std::max({c.exact_min_rows, static_cast<size_t>(c.exact_fraction * double(n)), 4 * k});
  if (allowed_count <= exact_limit) return FilterStrategy::kExact;
  if (double(allowed_count) < c.two_hop_fraction * double(n)) return FilterStrategy::kGraphTwoHop;
  return FilterStrategy::kGraph;
}

}  // namespace ragdb::index
