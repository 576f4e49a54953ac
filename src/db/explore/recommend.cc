// Recommendation and discovery by examples (ragdb/explore.h): the average-vector strategy is one
// ordinary search; the custom scores (best score, sum of scores, discovery, context) scan the
// field's rows exactly, scoring each against every example.
#include <cmath>

#include "db/collection_impl.h"
#include "db/explore/explore_util.h"
#include "query/example_score.h"
#include "simd/distance.h"
#include "simd/elements.h"

namespace ragdb::db {
namespace {

// The example points of a request: they are looked up and never returned.
void CollectIds(const std::vector<VectorExample>& examples, std::vector<PointId>* ids) {
  for (const auto& e : examples) {
    if (e.id) ids->push_back(*e.id);
  }
}

}  // namespace

Result<PreparedQuery> CollectionImpl::ExampleField(const std::string& name) const {
  const VectorField* f = schema_.FindVector(name);
  if (f == nullptr) {
    return Status::InvalidArgument("collection '" + name_ + "' has no vector field '" + name + "'");
  }
  PreparedQuery field;
  field.field = f;
  field.field_index = static_cast<size_t>(f - schema_.vectors.data());
  return field;
}

Result<std::vector<float>> CollectionImpl::ExampleVector(const VectorExample& example,
                                                         const PreparedQuery& field) const {
  SearchRequest as_query;
  if (example.id) {
    auto it = locations_.find(*example.id);
    if (it == locations_.end()) {
      return Status::NotFound("No point with id " + example.id->ToString() + " found");
    }
    const Segment& s = *it->second.segment;
    const uint32_t row = it->second.row;
    if (!s.has_vector(field.field_index).Test(row)) {
      return Status::InvalidArgument("point " + example.id->ToString() + " has no vector '" +
                                     field.field->name + "'");
    }
    const index::TypedRows col = s.rows(field.field_index);
    as_query.vector.resize(col.dim);
    simd::DecodeElements(col.type, col.row(row), col.dim, as_query.vector.data());
  } else {
    as_query.vector = example.vector;
  }
  std::vector<float> out(field.field->dim);
  float norm_sq = 0;
  RAGDB_RETURN_IF_ERROR(FillQueryVector(as_query, field, out.data(), &norm_sq));
  return out;
}

Result<std::vector<ScoredPoint>> CollectionImpl::ScanByScore(const ScoreScan& scan) const {
  const PreparedQuery& f = *scan.field;
  const size_t fi = f.field_index;
  const size_t n_examples = scan.examples.size();
  // The examples prepared once for the field's row layout (same for every segment).
  std::vector<index::TypedQuery> queries(n_examples);
  const index::TypedRows layout = growing_->rows(fi);
  for (size_t e = 0; e < n_examples; ++e) {
    index::PrepareTypedQuery(layout, scan.examples[e].data(), &queries[e]);
  }
  const index::IndexKernels& kernels = index::Kernels();
  BestRows best(scan.k + scan.offset);
  std::vector<float> sims(n_examples);
  Bitset filtered;
  auto visit_segment = [&](const Segment& s) {
    const Segment::Searchable where = SearchScope(s, fi, scan.filter, &filtered);
    if (where.count == 0) return;
    const index::TypedRows rows = s.rows(fi);
    auto consider = [&](size_t r) {
      const float score = scan.score(sims);
      if (scan.score_threshold && score < *scan.score_threshold) return;
      if (score < best.threshold()) return;
      if (!scan.exclude.empty() &&
          std::find(scan.exclude.begin(), scan.exclude.end(), s.id(r)) != scan.exclude.end()) {
        return;
      }
      best.Push({score, &s, static_cast<uint32_t>(r)});
    };
    auto visit = [&](size_t r) {
      // Similarity is minus the index layer's "smaller is better" distance (explore.h).
      for (size_t e = 0; e < n_examples; ++e) {
        sims[e] = -index::TypedDistance(kernels, rows, queries[e], r);
      }
      consider(r);
    };
    // Float rows that are not sparse among the allowed ones: each example against a block of
    // rows at once (the batch kernels of exact search), then the rows scored from the block.
    const bool dense = where.rows == nullptr || where.count * 8 >= s.rows();
    if (rows.type == ElementType::kFloat32 && rows.row_bytes == rows.dim * sizeof(float) &&
        rows.metric != Metric::kHamming && dense) {
      constexpr size_t kBlock = 256;
      std::vector<float> block(n_examples * kBlock);
      const bool l2 = rows.metric == Metric::kL2;
      for (size_t first = 0; first < s.rows(); first += kBlock) {
        const size_t n = std::min(kBlock, s.rows() - first);
        const float* base = reinterpret_cast<const float*>(rows.row(first));
        for (size_t e = 0; e < n_examples; ++e) {
          float* out = block.data() + e * kBlock;
          if (l2) {
            simd::L2SqrBatch(queries[e].q, base, n, rows.dim, out);
            for (size_t i = 0; i < n; ++i) out[i] = -out[i];
          } else {
            simd::DotBatch(queries[e].q, base, n, rows.dim, out);
          }
        }
        for (size_t i = 0; i < n; ++i) {
          if (where.rows != nullptr && !where.rows->Test(first + i)) continue;
          for (size_t e = 0; e < n_examples; ++e) sims[e] = block[e * kBlock + i];
          consider(first + i);
        }
      }
    } else if (where.rows == nullptr) {
      for (size_t r = 0; r < s.rows(); ++r) visit(r);
    } else {
      where.rows->ForEach(visit);
    }
  };
  for (const auto& s : sealed_) visit_segment(*s);
  visit_segment(*growing_);
  std::vector<ScoredRow> top = best.TakeSorted();
  std::vector<ScoredPoint> out;
  for (size_t i = scan.offset; i < top.size(); ++i) {
    ScoredPoint& p = out.emplace_back();
    p.score = top[i].score;
    RAGDB_RETURN_IF_ERROR(
        FillPoint(*top[i].segment, top[i].row, scan.with_payload, scan.with_vectors, false, &p));
  }
  return out;
}

Result<std::vector<ScoredPoint>> CollectionImpl::Recommend(const RecommendRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  RAGDB_ASSIGN_OR_RETURN(PreparedQuery field, ExampleField(request.field));
  std::vector<std::vector<float>> positive, negative;
  for (const auto& e : request.positive) {
    RAGDB_ASSIGN_OR_RETURN(auto v, ExampleVector(e, field));
    positive.push_back(std::move(v));
  }
  for (const auto& e : request.negative) {
    RAGDB_ASSIGN_OR_RETURN(auto v, ExampleVector(e, field));
    negative.push_back(std::move(v));
  }
  std::vector<PointId> example_ids;
  CollectIds(request.positive, &example_ids);
  CollectIds(request.negative, &example_ids);

  if (request.strategy == RecommendStrategy::kAverageVector) {
    if (positive.empty()) {
      return Status::InvalidArgument(
          "recommend: the average_vector strategy needs at least one positive example");
    }
    const size_t dim = field.field->dim;
    std::vector<double> mean_pos(dim, 0), mean_neg(dim, 0);
    for (const auto& v : positive) {
      for (size_t i = 0; i < dim; ++i) mean_pos[i] += v[i] / positive.size();
    }
    for (const auto& v : negative) {
      for (size_t i = 0; i < dim; ++i) mean_neg[i] += v[i] / negative.size();
    }
    SearchRequest search;
    search.field = request.field;
    search.vector.resize(dim);
    for (size_t i = 0; i < dim; ++i) {
      search.vector[i] =
          static_cast<float>(negative.empty() ? mean_pos[i] : 2 * mean_pos[i] - mean_neg[i]);
    }
    search.k = request.k;
    search.offset = request.offset;
    search.filter = ExcludingIds(request.filter, std::move(example_ids));
    search.score_threshold = request.score_threshold;
    search.with_payload = request.with_payload;
    search.with_vectors = request.with_vectors;
    search.exact = request.exact;
    search.ef = request.ef;
    return SearchLocked(search);
  }

  if (positive.empty() && negative.empty()) {
    return Status::InvalidArgument("recommend: needs at least one positive or negative example");
  }
  ScoreScan scan;
  scan.field = &field;
  const size_t n_pos = positive.size();
  scan.examples = std::move(positive);
  for (auto& v : negative) scan.examples.push_back(std::move(v));
  if (request.strategy == RecommendStrategy::kBestScore) {
    scan.score = [n_pos](std::span<const float> sims) {
      return query::BestScore(sims.first(n_pos), sims.subspan(n_pos));
    };
  } else {
    scan.score = [n_pos](std::span<const float> sims) {
      return query::SumScores(sims.first(n_pos), sims.subspan(n_pos));
    };
  }
  scan.filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  scan.exclude = std::move(example_ids);
  scan.k = request.k;
  scan.offset = request.offset;
  scan.score_threshold = request.score_threshold;
  scan.with_payload = request.with_payload;
  scan.with_vectors = request.with_vectors;
  return ScanByScore(scan);
}

Result<std::vector<ScoredPoint>> CollectionImpl::Discover(const DiscoverRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  if (!request.target && request.context.empty()) {
    return Status::InvalidArgument("discover: needs a target or at least one context pair");
  }
  RAGDB_ASSIGN_OR_RETURN(PreparedQuery field, ExampleField(request.field));
  ScoreScan scan;
  scan.field = &field;
  std::vector<PointId> example_ids;
  // Examples in order: the target (when there is one), then each pair's positive and negative.
  if (request.target) {
    RAGDB_ASSIGN_OR_RETURN(auto v, ExampleVector(*request.target, field));
    scan.examples.push_back(std::move(v));
    if (request.target->id) example_ids.push_back(*request.target->id);
  }
  for (const auto& pair : request.context) {
    for (const VectorExample* e : {&pair.positive, &pair.negative}) {
      RAGDB_ASSIGN_OR_RETURN(auto v, ExampleVector(*e, field));
      scan.examples.push_back(std::move(v));
      if (e->id) example_ids.push_back(*e->id);
    }
  }
  const size_t pairs = request.context.size();
  if (request.target) {
    scan.score = [pairs](std::span<const float> sims) {
      int rank = 0;
      for (size_t p = 0; p < pairs; ++p) rank += query::PairRank(sims[1 + 2 * p], sims[2 + 2 * p]);
      return query::DiscoverScore(rank, sims[0]);
    };
  } else {
    scan.score = [pairs](std::span<const float> sims) {
      float loss = 0;
      for (size_t p = 0; p < pairs; ++p) loss += query::PairLoss(sims[2 * p], sims[2 * p + 1]);
      return loss;
    };
  }
  scan.filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  scan.exclude = std::move(example_ids);
  scan.k = request.k;
  scan.offset = request.offset;
  scan.score_threshold = request.score_threshold;
  scan.with_payload = request.with_payload;
  scan.with_vectors = request.with_vectors;
  return ScanByScore(scan);
}

}  // namespace ragdb::db
