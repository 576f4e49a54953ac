// Requests beyond "the k nearest to one vector": recommendation and discovery by examples,
// facet counts, payload-ordered scrolls, random samples, distance matrices and MMR diversity.
// Collection (database.h) answers them; the semantics follow Qdrant's, so that the HTTP server can
// expose them unchanged.
//
// Similarity. Custom scores below combine a "similarity" sim(x, e) between a stored vector x and
// an example e, higher = more similar: the dot product for ip, the cosine for cosine (both sides
// unit length), minus the SQUARED Euclidean distance for l2, minus the Hamming distance for
// hamming. These are Qdrant's raw scores, so the numbers match what Qdrant returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ragdb/filter.h"
#include "ragdb/json.h"
#include "ragdb/point_id.h"
#include "ragdb/record.h"

namespace ragdb {

// An example of what is (or is not) wanted: a stored point, whose vector of the request's field
// is used, or a vector given directly. Stored points used as examples are never returned.
struct VectorExample {
  std::optional<PointId> id;  // set: a stored point
  std::vector<float> vector;  // otherwise: this vector

  static VectorExample Point(PointId id) { return {std::move(id), {}}; }
  static VectorExample Vector(std::vector<float> v) { return {std::nullopt, std::move(v)}; }
};

// How Recommend combines its examples.
enum class RecommendStrategy {
  // One ordinary nearest-neighbour search (the index is used) for
  //   q = 2 * mean(positive) - mean(negative)   (q = mean(positive) without negatives).
  // Needs a positive example. Scores are those of a search.
  kAverageVector,
  // Each candidate scores against every example: with p = max sim to a positive and
  // n = max sim to a negative (-inf without that side), score = s(p) if p > n else -s(n), where
  // s(x) = 0.5 * (x / (1 + |x|) + 1) maps any similarity into (0, 1). Exact scan.
  kBestScore,
  // score = sum of sims to the positives - sum of sims to the negatives. Exact scan.
  kSumScores,
};

struct RecommendRequest {
  std::string field = kDefaultVectorName;  // which vector field
  std::vector<VectorExample> positive;
  std::vector<VectorExample> negative;
  RecommendStrategy strategy = RecommendStrategy::kAverageVector;
  size_t k = 10;
  std::optional<Filter> filter;
  size_t offset = 0;
  // Drops hits worse than this: for kAverageVector by the field's metric (as in a search), for
  // the custom scores "lower than this".
  std::optional<float> score_threshold;
  bool with_payload = true;
  bool with_vectors = false;
  bool exact = false;  // kAverageVector: force a FLAT scan
  uint32_t ef = 0;     // kAverageVector: HNSW beam width; 0 = index default
};

// One side of a context: points should be nearer `positive` than `negative`.
struct ContextPair {
  VectorExample positive;
  VectorExample negative;
};

// Discovery (with a target) and context search (without). Exact scan.
//  - With a target: score = rank + s(sim(x, target)), where rank counts +1 for each pair whose
//    positive is more similar to x than its negative, -1 when less (0 on a tie), and s() is the
//    (0, 1) map of RecommendStrategy::kBestScore. So every point in a better "zone" of the
//    context ranks above every point in a worse one, and the target orders each zone.
//  - Without a target: score = sum over pairs of min(0, d) / (1 + |min(0, d)|), with
//    d = sim(x, positive) - sim(x, negative) - FLT_EPSILON: 0 for points on the positive side of
//    every pair, negative (a loss) otherwise.
struct DiscoverRequest {
  std::string field = kDefaultVectorName;
  std::optional<VectorExample> target;
  std::vector<ContextPair> context;  // at least one pair when there is no target
  size_t k = 10;
  std::optional<Filter> filter;
  size_t offset = 0;
  std::optional<float> score_threshold;  // drops hits scoring lower than this
  bool with_payload = true;
  bool with_vectors = false;
};

// Counts of the values of one payload key among the points matching a filter.
struct FacetRequest {
  std::string key;  // dotted path; array values count each distinct element once per point
  size_t limit = 10;
  std::optional<Filter> filter;
};
struct FacetHit {
  Json value;  // a string, an integer or a boolean (other values are not counted)
  uint64_t count = 0;
};

// Scroll order by a numeric payload value instead of by id.
struct OrderBy {
  std::string key;  // dotted path to a number (or an array of numbers)
  bool descending = false;
  // Start at this value (inclusive): the lowest one returned for ascending order, the highest for
  // descending. Unset: from the very first.
  std::optional<double> start_from;
};

// Random points among those matching a filter (without repeats).
struct SampleRequest {
  std::optional<Filter> filter;
  size_t limit = 10;
  bool with_payload = true;
  bool with_vectors = false;
  std::optional<uint64_t> seed;  // unset: a different sample each call
};

// Pairwise similarities within a random sample: for each sampled point, its `limit` nearest
// other sampled points.
struct DistanceMatrixRequest {
  std::string field = kDefaultVectorName;
  std::optional<Filter> filter;  // only points with a vector in `field` are sampled
  size_t sample = 10;
  size_t limit = 3;
  std::optional<uint64_t> seed;
};
struct DistanceMatrix {
  std::vector<PointId> ids;  // the sample, in id order
  struct Entry {
    size_t column;  // index into ids
    float score;    // as a search with the row's vector would score it
  };
  std::vector<std::vector<Entry>> rows;  // rows[i]: nearest others of ids[i], best first
};

// Maximal marginal relevance: re-ranks the nearest `candidates` for diversity, picking each next
// point by  (1 - diversity) * sim(x, query) - diversity * max sim(x, already picked), the first
// by relevance alone. Hits keep their search scores.
struct MmrParams {
  float diversity = 0.5f;  // 0 = pure relevance, 1 = pure diversity
  size_t candidates = 0;   // 0 = the request's k + offset
};

}  // namespace ragdb
