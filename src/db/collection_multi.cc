// Multi-vector (late interaction) search: exact MaxSim over every live row of a multi-vector
// field. A row's score is the sum, over the query's vectors, of each one's best dot product with
// the row's vectors (cosine fields store unit vectors and normalize the query's, so that is the
// sum of best cosines: ColBERT's and Qdrant's max_sim).
#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "db/collection_impl.h"
#include "db/flat_batch.h"
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

// Token vectors per product of the blocked scan: the scores (query vectors x this) stay in L2.
constexpr size_t kTokenBlock = 2048;

// MaxSim of every allowed row of `m` with the query, rows taken in blocks whose token vectors
// are contiguous: one matrix product (sgemm) per block scores the query against all of them,
// then each row takes its maxima — numpy's way, reading each stored vector once per query
// instead of once per query vector.
template <typename Push>
void BlockedMaxSim(const float* query, size_t query_rows, const Segment::MultiRows& m,
                   const Bitset& allowed, size_t dim, std::vector<float>* scores, Push&& push) {
  const size_t rows = allowed.size();
  size_t r = 0;
  while (r < rows) {
    while (r < rows && (!allowed.Test(r) || m.count(r) == 0)) ++r;  // block starts at a hit
    if (r == rows) break;
    size_t end = r + 1;
    while (end < rows && m.offsets[end + 1] - m.offsets[r] <= kTokenBlock) ++end;
    const size_t tokens = m.offsets[end] - m.offsets[r];
    scores->resize(query_rows * tokens);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(query_rows),
                static_cast<int>(tokens), static_cast<int>(dim), 1.0f, query, static_cast<int>(dim),
                m.row(r), static_cast<int>(dim), 0.0f, scores->data(), static_cast<int>(tokens));
    for (size_t row = r; row < end; ++row) {
      if (!allowed.Test(row) || m.count(row) == 0) continue;
      const size_t first = m.offsets[row] - m.offsets[r];
      const size_t n = m.count(row);
      float total = 0;
      for (size_t i = 0; i < query_rows; ++i) {
        const float* s = scores->data() + i * tokens + first;
        total += *std::max_element(s, s + n);
      }
      push(total, row);
    }
    r = end;
  }
}

}  // namespace

Result<std::vector<float>> CollectionImpl::MultiQuery(const SearchRequest& request,
                                                      const MultiVectorField& field) const {
  const std::string label = "query for multi-vector field '" + field.name + "'";
  if (!request.vector.empty()) {
    return Status::InvalidArgument(label +
                                   ": give an array of vectors (multi_vector), not one "
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
      return Status::InvalidArgument(label +
                                     ": the field has no embedder, so the query needs "
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
  SingleThreadedBlas();
  auto scan = [&](const Segment& s) {
    const Segment::MultiRows m = s.multi_rows(f);
    const Bitset allowed = AllowedRows(s, filter);
    auto push = [&](float score, size_t r) {
      top.Push(-score, &s, static_cast<uint32_t>(r));  // TopK keeps the smallest
    };
    // Most rows allowed: blocks of rows through one product each. A selective filter: row by
    // row, so that the rows it leaves out cost nothing.
    if (allowed.Count() * 4 >= allowed.size()) {
      BlockedMaxSim(query.data(), query_rows, m, allowed, field.dim, &scratch, push);
      return;
    }
    allowed.ForEach([&](size_t r) {
      if (m.count(r) == 0) return;
      push(MaxSim(query.data(), query_rows, m.row(r), m.count(r), field.dim, &scratch), r);
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
