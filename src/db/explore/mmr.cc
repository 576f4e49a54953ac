// Search with maximal marginal relevance (SearchRequest::mmr, ragdb/explore.h): the nearest
// candidates are fetched with their vectors, then picked one by one for relevance and diversity.
#include "query/mmr.h"

#include "db/collection_impl.h"
#include "simd/distance.h"

namespace ragdb::db {
namespace {

// The similarity of explore.h between two decoded vectors of a field.
float Similarity(Metric metric, const std::vector<float>& a, const std::vector<float>& b) {
  switch (metric) {
    case Metric::kCosine:
    case Metric::kIp:
      return simd::Dot(a.data(), b.data(), a.size());
    case Metric::kL2:
    case Metric::kHamming:  // bits as 0/1 floats: the squared distance counts differing bits
      return -simd::L2Sqr(a.data(), b.data(), a.size());
  }
  return 0;
}

// The similarity of a hit to the query, from its search score.
float Relevance(Metric metric, float score) {
  switch (metric) {
    case Metric::kCosine:
    case Metric::kIp:
      return score;
    case Metric::kL2:
      return -score * score;
    case Metric::kHamming:
      return -score;
  }
  return 0;
}

}  // namespace

Result<std::vector<ScoredPoint>> CollectionImpl::SearchWithMmr(const SearchRequest& request) const {
  const MmrParams& mmr = *request.mmr;
  if (!(mmr.diversity >= 0 && mmr.diversity <= 1)) {
    return Status::InvalidArgument("mmr.diversity must be between 0 and 1");
  }
  const VectorField* field = schema_.FindVector(request.field);
  if (field == nullptr) {
    return Status::InvalidArgument("collection '" + name_ + "' has no vector field '" +
                                   request.field + "'");
  }
  const size_t want = request.k + request.offset;
  SearchRequest candidates = request;
  candidates.mmr.reset();
  candidates.offset = 0;
  candidates.k = mmr.candidates > 0 ? mmr.candidates : want;
  candidates.with_vectors = true;
  RAGDB_ASSIGN_OR_RETURN(std::vector<ScoredPoint> hits, SearchLocked(candidates));

  std::vector<float> relevance(hits.size());
  std::vector<std::vector<float>> vectors(hits.size());
  for (size_t i = 0; i < hits.size(); ++i) {
    relevance[i] = Relevance(field->metric, hits[i].score);
    vectors[i] = hits[i].vectors[field->name];
    // Integer rows keep their values; cosine compares directions.
    if (field->metric == Metric::kCosine) simd::Normalize(vectors[i].data(), vectors[i].size());
  }
  const std::vector<size_t> order = query::MmrSelect(
      relevance,
      [&](size_t a, size_t b) { return Similarity(field->metric, vectors[a], vectors[b]); },
      mmr.diversity, want);
  std::vector<ScoredPoint> out;
  for (size_t i = request.offset; i < order.size(); ++i) {
    ScoredPoint p = std::move(hits[order[i]]);
    if (!request.with_vectors) p.vectors.clear();
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace ragdb::db
