// The text side of CollectionImpl: BM25 and sparse-vector search over all segments, and hybrid
// queries that fuse several sub-queries (src/query/fusion.h) on one snapshot of the data.
#include <algorithm>
#include <memory>

#include "base/thread_pool.h"
#include "db/collection_impl.h"
#include "db/run_batch.h"
#include "db/text_segment_index.h"
#include "query/fusion.h"
#include "text/analyzer.h"
#include "text/bm25.h"
#include "text/query.h"

namespace ragdb::db {
namespace {

struct Hit {
  float score;
  const Segment* segment;
  uint32_t row;
};

// Best first; equal scores by id, so the order does not depend on the segment layout.
void SortHits(std::vector<Hit>* hits) {
  std::sort(hits->begin(), hits->end(), [](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.segment->id(a.row) < b.segment->id(b.row);
  });
}

// Sorts the hits (SortHits) and turns the page [offset, offset + k) into points; `fill` adds
// what the request asked for (payload, vectors, text).
template <typename Fill>
Result<std::vector<ScoredPoint>> PageOfHits(std::vector<Hit>* hits, size_t offset, size_t k,
                                            Fill&& fill) {
  SortHits(hits);
  std::vector<ScoredPoint> out;
  for (size_t i = offset; i < hits->size() && out.size() < k; ++i) {
    ScoredPoint p;
    p.score = (*hits)[i].score;
    RAGDB_RETURN_IF_ERROR(fill((*hits)[i], &p));
    out.push_back(std::move(p));
  }
  return out;
}

// The whole query as one phrase: drop the user's quotes and add ours.
std::string AsPhrase(const std::string& query) {
  std::string q = "\"";
  for (char c : query) {
    if (c != '"') q += c;
  }
  return q + "\"";
}

}  // namespace

Status CollectionImpl::FillPoint(const Segment& s, uint32_t row, bool with_payload,
                                 bool with_vectors, bool with_text, ScoredPoint* out) const {
  out->id = s.id(row);
  if (!(with_payload || with_vectors || with_text)) return Status::Ok();
  Record r;
  RAGDB_RETURN_IF_ERROR(s.ReadRecord(schema_, row, with_vectors, &r));
  if (with_payload) out->payload = std::move(r.payload);
  if (with_vectors) {
    out->vectors = std::move(r.vectors);
    out->multi_vectors = std::move(r.multi_vectors);
  }
  if (with_text) out->text = std::move(r.text);
  return Status::Ok();
}

Result<std::vector<ScoredPoint>> CollectionImpl::SearchText(
    const TextSearchRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  return SearchTextLocked(request);
}

Result<text::TextQuery> CollectionImpl::ParseTextRequest(const TextSearchRequest& request) const {
  if (!schema_.text) {
    return Status::InvalidArgument("collection '" + name_ +
                                   "' has no text field (create it with --text)");
  }
  // Analyzers are not thread-safe and cost microseconds to make: one per query.
  RAGDB_ASSIGN_OR_RETURN(auto analyzer, text::MakeAnalyzer(AnalyzerConfigFor(*schema_.text)));
  auto query =
      text::ParseTextQuery(*analyzer, request.phrase ? AsPhrase(request.query) : request.query,
                           request.all_terms ? text::MatchMode::kAll : text::MatchMode::kAny);
  if (!query.ok()) return query.status().WithContext("text query");
  return query;
}

Result<text::CollectionStats> CollectionImpl::TextStats(const TextSearchRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  RAGDB_ASSIGN_OR_RETURN(text::TextQuery query, ParseTextRequest(request));
  text::CollectionStats stats;
  const std::vector<std::string> terms = query.AllTerms();
  for (const auto& t : terms) stats.doc_freq[t];  // every term listed, also at zero
  auto add = [&](const Segment& s) -> Status {
    if (s.text_index() == nullptr) return Status::Internal("segment without a text index");
    stats.Add(*s.text_index(), terms);
    return Status::Ok();
  };
  for (const auto& s : sealed_) RAGDB_RETURN_IF_ERROR(add(*s));
  RAGDB_RETURN_IF_ERROR(add(*growing_));
  return stats;
}

Result<std::vector<ScoredPoint>> CollectionImpl::SearchTextWithStats(
    const TextSearchRequest& request, const text::CollectionStats& stats) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  return SearchTextLocked(request, &stats);
}

Result<std::vector<ScoredPoint>> CollectionImpl::SearchTextLocked(
    const TextSearchRequest& request, const text::CollectionStats* global) const {
  if (request.k == 0 && schema_.text) return std::vector<ScoredPoint>{};
  RAGDB_ASSIGN_OR_RETURN(text::TextQuery parsed, ParseTextRequest(request));
  const text::TextQuery* query = &parsed;
  if (query->empty()) return std::vector<ScoredPoint>{};

  std::vector<const Segment*> segments;
  for (const auto& s : sealed_) segments.push_back(s.get());
  segments.push_back(growing_.get());
  // Collection-wide statistics: a row scores the same whatever the segment layout.
  text::CollectionStats local;
  const std::vector<std::string> terms = query->AllTerms();
  for (const Segment* s : segments) {
    const text::InvertedIndexReader* reader = s->text_index();
    if (reader == nullptr) return Status::Internal("segment without a text index");
    if (global == nullptr) local.Add(*reader, terms);
  }
  const text::CollectionStats& stats = global != nullptr ? *global : local;
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  text::TextSearchOptions options;
  options.k = request.k + request.offset;
  options.bm25 = Bm25For(*schema_.text);
  std::vector<Hit> hits;
  for (const Segment* s : segments) {
    Bitset allowed = AllowedRows(*s, filter);
    if (!allowed.Any()) continue;
    options.allowed = &allowed;
    RAGDB_ASSIGN_OR_RETURN(auto rows, text::SearchText(*s->text_index(), *query, stats, options));
    for (const auto& r : rows) hits.push_back({r.score, s, r.row});
  }
  return PageOfHits(&hits, request.offset, request.k, [&](const Hit& h, ScoredPoint* p) {
    return FillPoint(*h.segment, h.row, request.with_payload, request.with_vectors,
                     request.with_text, p);
  });
}

Result<std::vector<std::vector<ScoredPoint>>> CollectionImpl::SearchTextBatch(
    std::span<const TextSearchRequest> requests, size_t threads) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  return RunBatch(requests, threads,
                  [this](const TextSearchRequest& r) { return SearchTextLocked(r); });
}

Result<std::vector<ScoredPoint>> CollectionImpl::SearchSparse(
    const SparseSearchRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  return SearchSparseLocked(request);
}

Result<std::vector<ScoredPoint>> CollectionImpl::SearchSparseLocked(
    const SparseSearchRequest& request) const {
  size_t field = schema_.sparse_vectors.size();
  for (size_t f = 0; f < schema_.sparse_vectors.size(); ++f) {
    if (schema_.sparse_vectors[f].name == request.field) field = f;
  }
  if (field == schema_.sparse_vectors.size()) {
    return Status::InvalidArgument("collection '" + name_ + "' has no sparse vector field '" +
                                   request.field + "'");
  }
  SparseVector embedded;
  if (request.query_text) {
    if (!request.vector.indices.empty()) {
      return Status::InvalidArgument("sparse query: give a vector or query_text, not both");
    }
    RAGDB_ASSIGN_OR_RETURN(const SparseEmbedder* embedder, FieldSparseEmbedder(field));
    if (embedder == nullptr) {
      return Status::InvalidArgument("sparse vector field '" + request.field +
                                     "' has no embedder, so a text query needs a vector");
    }
    RAGDB_ASSIGN_OR_RETURN(auto v,
                           embedder->Embed(std::span<const std::string>(&*request.query_text, 1)));
    embedded = std::move(v[0]);
  }
  auto sorted = text::NormalizeSparse(request.query_text ? embedded : request.vector);
  if (!sorted.ok()) return sorted.status().WithContext("sparse query");
  SparseVector query;
  for (const auto& [i, v] : *sorted) {
    query.indices.push_back(i);
    query.values.push_back(v);
  }
  if (request.k == 0) return std::vector<ScoredPoint>{};
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  std::vector<const Segment*> segments;
  for (const auto& s : sealed_) segments.push_back(s.get());
  segments.push_back(growing_.get());
  std::vector<Hit> hits;
  for (const Segment* s : segments) {
    const text::SparseIndexReader* reader = s->sparse_index(field);
    if (reader == nullptr) return Status::Internal("segment without a sparse index");
    Bitset allowed = AllowedRows(*s, filter);
    if (!allowed.Any()) continue;
    RAGDB_ASSIGN_OR_RETURN(auto rows, reader->Search(query, request.k + request.offset, &allowed));
    for (const auto& r : rows) hits.push_back({r.score, s, r.row});
  }
  return PageOfHits(&hits, request.offset, request.k, [&](const Hit& h, ScoredPoint* p) {
    return FillPoint(*h.segment, h.row, request.with_payload, request.with_vectors,
                     request.with_text, p);
  });
}

Result<QueryResult> CollectionImpl::Query(const HybridQuery& hq) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  if (hq.queries.empty()) return Status::InvalidArgument("query: no sub-queries");
  if (hq.group_by && hq.group_size == 0) {
    return Status::InvalidArgument("query: group_size must be at least 1");
  }
  // Payloads are needed to group even when the caller does not want them back.
  const bool payload = hq.with_payload || hq.group_by.has_value();
  std::vector<std::vector<ScoredPoint>> lists;
  for (size_t i = 0; i < hq.queries.size(); ++i) {
    const HybridSubQuery& sub = hq.queries[i];
    const std::string label = "query " + std::to_string(i);
    const int set = sub.dense.has_value() + sub.sparse.has_value() + sub.text.has_value();
    if (set != 1) {
      return Status::InvalidArgument(label + ": set exactly one of dense, sparse and text");
    }
    Result<std::vector<ScoredPoint>> hits = std::vector<ScoredPoint>{};
    bool negate = false;  // fusion wants larger-is-better scores
    if (sub.dense) {
      SearchRequest r = *sub.dense;
      r.filter = query::AndFilters(hq.filter, r.filter);
      r.offset = 0;
      r.with_payload = payload;
      r.with_vectors = hq.with_vectors;
      r.with_text = hq.with_text;
      const VectorField* f = schema_.FindVector(r.field);
      negate = f != nullptr && f->metric == Metric::kL2;
      hits = SearchLocked(r);
    } else if (sub.sparse) {
      SparseSearchRequest r = *sub.sparse;
      r.filter = query::AndFilters(hq.filter, r.filter);
      r.offset = 0;
      r.with_payload = payload;
      r.with_vectors = hq.with_vectors;
      r.with_text = hq.with_text;
      hits = SearchSparseLocked(r);
    } else {
      TextSearchRequest r = *sub.text;
      r.filter = query::AndFilters(hq.filter, r.filter);
      r.offset = 0;
      r.with_payload = payload;
      r.with_vectors = hq.with_vectors;
      r.with_text = hq.with_text;
      hits = SearchTextLocked(r);
    }
    if (!hits.ok()) return hits.status().WithContext(label);
    if (negate) {
      for (auto& p : *hits) p.score = -p.score;
    }
    lists.push_back(std::move(hits).value());
  }

  Result<std::vector<ScoredPoint>> fused =
      hq.fusion == FusionMethod::kRrf
          ? query::FuseRrf(std::move(lists), hq.rrf_k, hq.weights)
          : query::FuseWeighted(std::move(lists), hq.normalization, hq.weights);
  if (!fused.ok()) return fused.status();

  QueryResult result;
  if (hq.group_by) {
    result.groups = query::GroupBy(*fused, *hq.group_by, hq.group_size, hq.offset + hq.limit);
    result.groups.erase(result.groups.begin(),
                        result.groups.begin() + std::min(hq.offset, result.groups.size()));
    for (auto& g : result.groups) {
      if (!hq.with_payload) {
        for (auto& p : g.hits) p.payload = Json();
      }
      result.points.insert(result.points.end(), g.hits.begin(), g.hits.end());
    }
  } else {
    auto& all = *fused;
    for (size_t i = hq.offset; i < all.size() && result.points.size() < hq.limit; ++i) {
      result.points.push_back(std::move(all[i]));
    }
  }
  return result;
}

}  // namespace ragdb::db
