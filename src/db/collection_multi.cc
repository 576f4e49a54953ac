// Multi-vector (late interaction) search: exact MaxSim over every live row of a multi-vector
// field. A row's score is the sum, over the query's vectors, of each one's best dot product with
// the row's vectors (cosine fields store unit vectors and normalize the query's, so that is the
// sum of best cosines: ColBERT's and Qdrant's max_sim).
#include <algorithm>
#include <cmath>

#include "db/collection_impl.h"
#include "db/topk.h"
#include "simd/distance.h"

namespace ragdb::db {
namespace {

// `scratch` holds one query vector's dot products with the row's vectors.
float MaxSim(const float* query, size_t query_rows, const float* doc, size_t doc_rows, size_t dim,
             std::vector<float>* scratch) {
  scratch->resize(doc_rows);
  float total = 0;
  for (size_t i = 0; i < query_rows; ++i) {
    simd::DotBatch(query + i * dim, doc, doc_rows, dim, scratch->data());
    total += *std::max_element(scratch->begin(), scratch->end());
  }
  return total;
}

}  // namespace

Result<std::vector<float>> CollectionImpl::MultiQuery(const SearchRequest& request,
                                                      const MultiVectorField& field) const {
  const std::string label = "query for multi-vector field '" + field.name + "'";
  if (!request.vector.empty()) {
    return Status::InvalidArgument(label + ": give an array of vectors (multi_vector), not one "
                                   "vector");
  }
  if (request.query_image) return Status::InvalidArgument(label + ": image queries need CLIP");
  MultiVector embedded;
  if (request.query_text) {
    if (!request.multi_vector.empty()) {
      return Status::InvalidArgument(label + ": give vectors or query_text, not both");
    }
    const size_t f = static_cast<size_t>(&field - schema_.multi_vectors.data());
    RAGDB_ASSIGN_OR_RETURN(const MultiVectorEmbedder* embedder, FieldMultiEmbedder(f));
    if (embedder == nullptr) {
      return Status::InvalidArgument(label + ": the field has no embedder, so the query needs "
                                     "vectors");
    }
    RAGDB_ASSIGN_OR_RETURN(embedded, embedder->EmbedQuery(*request.query_text));
  }
  const MultiVector& m = request.query_text ? embedded : request.multi_vector;
  if (m.empty()) return Status::InvalidArgument(label + ": no vectors");
  if (m.size() > MultiVectorField::kMaxVectorsPerRecord) {
    return Status::InvalidArgument(label + ": " + std::to_string(m.size()) +
                                   " vectors, over the limit of " +
                                   std::to_string(MultiVectorField::kMaxVectorsPerRecord));
  }
  std::vector<float> flat;
  flat.reserve(m.size() * field.dim);
  for (size_t t = 0; t < m.size(); ++t) {
    if (m[t].size() != field.dim) {
      return Status::InvalidArgument(label + ": vector " + std::to_string(t) + " has dimension " +
                                     std::to_string(m[t].size()) + ", expected " +
                                     std::to_string(field.dim));
    }
    for (size_t k = 0; k < m[t].size(); ++k) {
      if (!std::isfinite(m[t][k])) {
        return Status::InvalidArgument(label + ": vector " + std::to_string(t) + " component " +
                                       std::to_string(k) + " is not finite");
      }
    }
    flat.insert(flat.end(), m[t].begin(), m[t].end());
    if (field.metric == Metric::kCosine) simd::Normalize(flat.data() + t * field.dim, field.dim);
  }
  return flat;
}

Result<std::vector<ScoredPoint>> CollectionImpl::SearchMultiLocked(
    const SearchRequest& request, const MultiVectorField& field) const {
  if (request.mmr) {
    return Status::InvalidArgument("mmr is not available for multi-vector field '" + field.name +
                                   "'");
  }
  const size_t f = static_cast<size_t>(&field - schema_.multi_vectors.data());
  RAGDB_ASSIGN_OR_RETURN(std::vector<float> query, MultiQuery(request, field));
  if (request.k == 0) return std::vector<ScoredPoint>{};
  const size_t query_rows = query.size() / field.dim;
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  TopK top;
  top.Reset(request.k + request.offset);
  std::vector<float> scratch;
  auto scan = [&](const Segment& s) {
    const Segment::MultiRows m = s.multi_rows(f);
    AllowedRows(s, filter).ForEach([&](size_t r) {
      if (m.count(r) == 0) return;
      const float score = MaxSim(query.data(), query_rows, m.row(r), m.count(r), field.dim,
                                 &scratch);
      top.Push(-score, &s, static_cast<uint32_t>(r));  // TopK keeps the smallest
    });
  };
  for (const auto& s : sealed_) scan(*s);
  scan(*growing_);
  std::vector<Candidate> best;
  top.TakeSorted(&best);
  std::vector<ScoredPoint> out;
  for (size_t i = request.offset; i < best.size(); ++i) {
    const float score = -best[i].distance;
    if (request.score_threshold && score < *request.score_threshold) break;  // best first
    ScoredPoint& p = out.emplace_back();
    p.score = score;
    RAGDB_RETURN_IF_ERROR(FillPoint(*best[i].segment, best[i].row, request.with_payload,
                                    request.with_vectors, request.with_text, &p));
  }
  return out;
}

}  // namespace ragdb::db
