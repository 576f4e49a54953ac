// Multi-vector (late interaction) search: MaxSim over the live rows of a multi-vector field. A
// row's score is the sum, over the query's vectors, of each one's best dot product with the
// row's vectors (cosine fields store unit vectors and normalize the query's, so that is the sum
// of best cosines: ColBERT's and Qdrant's max_sim). Exact by default; a field with a token index
// (MultiVectorField::index = hnsw) scores exactly only the rows its token search ranks best.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

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

// The row holding token vector `token` (offsets[r] <= token < offsets[r + 1]).
uint32_t RowOfToken(const Segment::MultiRows& m, size_t rows, uint32_t token) {
  const uint64_t* end = m.offsets + rows + 1;
  return static_cast<uint32_t>(std::upper_bound(m.offsets + 1, end, token) - (m.offsets + 1));
}

// Through a segment's token index (the end-to-end retrieval of ColBERT, with the missing-
// similarity estimate of XTR): each query vector's `ef` nearest token vectors give their rows a
// partial MaxSim, the best similarity found per query vector, and a query vector that found none
// of a row's tokens counts with the lowest similarity it found (no token it missed scores more).
// The `rescore` rows ranked best by that estimate are scored exactly.
template <typename Push>
void IndexedMaxSim(const float* query, size_t query_rows, const Segment::MultiRows& m,
                   const index::VectorIndex& tokens, const Bitset& allowed, size_t ef,
                   size_t rescore, size_t dim, std::vector<float>* scratch, Push&& push) {
  constexpr float kNone = -std::numeric_limits<float>::infinity();
  std::unordered_map<uint32_t, size_t> slot;  // row -> its block of `partial`
  std::vector<float> partial;                 // per candidate row, query_rows best similarities
  std::vector<float> floor(query_rows, 0.0f);
  std::vector<index::Neighbor> hits;
  index::SearchParams params;
  params.ef = static_cast<uint32_t>(ef);
  for (size_t i = 0; i < query_rows; ++i) {
    tokens.SearchInto(query + i * dim, ef, params, nullptr, &hits);
    if (hits.empty()) continue;
    floor[i] = -hits.back().distance;  // inner product: distance is its negation
    for (const index::Neighbor& h : hits) {
      const uint32_t row = RowOfToken(m, allowed.size(), h.row);
      if (!allowed.Test(row)) continue;
      auto [it, fresh] = slot.try_emplace(row, slot.size());
      if (fresh) partial.resize(partial.size() + query_rows, kNone);
      float& best = partial[it->second * query_rows + i];
      best = std::max(best, -h.distance);
    }
  }
  std::vector<std::pair<float, uint32_t>> ranked;
  ranked.reserve(slot.size());
  for (const auto& [row, s] : slot) {
    float estimate = 0;
    for (size_t i = 0; i < query_rows; ++i) {
      const float best = partial[s * query_rows + i];
      estimate += best == kNone ? floor[i] : best;
    }
    ranked.emplace_back(estimate, row);
  }
  const size_t keep = std::min(rescore, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t j = 0; j < keep; ++j) {
    const uint32_t row = ranked[j].second;
    push(MaxSim(query, query_rows, m.row(row), m.count(row), dim, scratch), row);
  }
}

// Token-index search width when the request does not set ef: enough for recall@10 near 0.95
// on ColBERT-like data (bench/maxsim_bench.py).
constexpr size_t kDefaultTokenEf = 100;

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
    const size_t allowed_rows = allowed.Count();
    // A token index, unless exactness is asked for or the filter leaves few rows (then the rows
    // it allows cost less than a search); the beam widens as the filter narrows.
    const index::VectorIndex* tokens = request.exact ? nullptr : s.multi_index(f);
    if (tokens != nullptr && allowed_rows * 4 >= allowed.size()) {
      const size_t want = request.k + request.offset;
      const size_t base = std::max<size_t>(request.ef ? request.ef : kDefaultTokenEf, want);
      const size_t ef = std::min<size_t>(base * allowed.size() / std::max<size_t>(allowed_rows, 1),
                                         tokens->size());
      IndexedMaxSim(query.data(), query_rows, m, *tokens, allowed, ef, std::max(base, want),
                    field.dim, &scratch, push);
      return;
    }
    // Most rows allowed: blocks of rows through one product each. A selective filter: row by
    // row, so that the rows it leaves out cost nothing.
    if (allowed_rows * 4 >= allowed.size()) {
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
