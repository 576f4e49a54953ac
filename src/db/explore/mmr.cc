// Search with maximal marginal relevance (SearchRequest::mmr, ragdb/explore.h): the nearest
// candidates are fetched with their vectors, then picked one by one for relevance and diversity.
#include "query/mmr.h"

#include "db/collection_impl.h"
#include "db/replication.h"
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

Result<SearchRequest> MmrCandidatesRequest(const CollectionSchema& schema,
                                           const std::string& collection,
                                           const SearchRequest& request) {
  const MmrParams& mmr = *request.mmr;
  if (!(mmr.diversity >= 0 && mmr.diversity <= 1)) {
    return Status::InvalidArgument("mmr.diversity must be between 0 and 1");
  }
  if (schema.FindVector(request.field) == nullptr) {
    return Status::InvalidArgument("collection '" + collection + "' has no vector field '" +
                                   request.field + "'");
  }
  SearchRequest candidates = request;
  candidates.mmr.reset();
  candidates.offset = 0;
  candidates.k = mmr.candidates > 0 ? mmr.candidates : request.k + request.offset;
  candidates.with_vectors = true;
  return candidates;
}

std::vector<ScoredPoint> SelectMmr(const CollectionSchema& schema, const SearchRequest& request,
                                   std::vector<ScoredPoint> hits) {
  const MmrParams& mmr = *request.mmr;
  const VectorField* field = schema.FindVector(request.field);
  if (field == nullptr) return {};  // MmrCandidatesRequest refused it
  const size_t want = request.k + request.offset;
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

Result<std::vector<ScoredPoint>> CollectionImpl::SearchWithMmr(const SearchRequest& request) const {
  RAGDB_ASSIGN_OR_RETURN(SearchRequest candidates, MmrCandidatesRequest(schema_, name_, request));
  RAGDB_ASSIGN_OR_RETURN(std::vector<ScoredPoint> hits, SearchLocked(candidates));
  return SelectMmr(schema_, request, std::move(hits));
}

}  // namespace ragdb::db
