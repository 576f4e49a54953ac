// The read side of CollectionImpl: get, count, scroll, describe and exact (FLAT) search.
#include <algorithm>
#include <cmath>
#include <queue>

#include "base/process_memory.h"
#include "base/thread_pool.h"
#include "db/collection_impl.h"
#include "db/flat_batch.h"
#include "db/run_batch.h"
#include "db/topk.h"
#include "query/filter_eval.h"
#include "simd/distance.h"
#include "simd/elements.h"

namespace ragdb::db {
namespace {

// Scans the allowed rows of one vector column (every row when `allowed` is null). Whole 64-row
// words that are fully allowed go through the batch kernel; the rest row by row.
void ScanColumn(const Segment& s, const float* column, uint32_t dim, Metric metric,
                const float* query, const Bitset* allowed, TopK* top) {
  const simd::Kernels& k = simd::Active();
  const bool l2 = metric == Metric::kL2;
  float dist[64];
  const size_t rows = s.rows();
  const size_t words = (rows + 63) / 64;
  for (size_t w = 0; w < words; ++w) {
    const size_t base = w * 64;
    const size_t in_word = std::min<size_t>(64, rows - base);
    uint64_t bits = allowed != nullptr
                        ? allowed->words()[w]
                        : (in_word == 64 ? ~uint64_t{0} : (uint64_t{1} << in_word) - 1);
    if (bits == 0) continue;
    if (bits == ~uint64_t{0}) {
      const float* block = column + base * dim;
      if (l2) {
        k.l2sqr_batch(query, block, 64, dim, dist);
      } else {
        k.dot_batch(query, block, 64, dim, dist);
        for (float& d : dist) d = -d;
      }
      float t = top->threshold();
      for (uint32_t i = 0; i < 64; ++i) {
        if (dist[i] < t) {
          top->Push(dist[i], &s, static_cast<uint32_t>(base + i));
          t = top->threshold();
        }
      }
      continue;
    }
    while (bits) {
      size_t r = base + static_cast<size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      const float* v = column + r * dim;
      float d = l2 ? k.l2sqr(query, v, dim) : -k.dot(query, v, dim);
      top->Push(d, &s, static_cast<uint32_t>(r));
    }
  }
}

// Scans the allowed rows of a column stored in a compact element type (float16, int8, uint8,
// binary): the float query against the codes, no decoded copy of the rows. One instantiation
// per type keeps the type switch out of the row loop; rows worse than the current k-th are not
// pushed.
template <ElementType kType>
void ScanTyped(const Segment& s, const index::TypedRows& rows, const index::TypedQuery& q,
               const Bitset* allowed, TopK* top) {
  index::TypedRows typed = rows;
  typed.type = kType;  // lets the compiler fold TypedDistance's switch
  const index::IndexKernels& k = index::Kernels();
  float t = top->threshold();
  auto visit = [&](size_t r) {
    const float d = index::TypedDistance(k, typed, q, r);
    if (d < t) {
      top->Push(d, &s, static_cast<uint32_t>(r));
      t = top->threshold();
    }
  };
  if (allowed != nullptr) {
    allowed->ForEach(visit);
  } else {
    for (size_t r = 0; r < s.rows(); ++r) visit(r);
  }
}

void ScanTypedColumn(const Segment& s, const index::TypedRows& rows, const float* query,
                     const Bitset* allowed, TopK* top) {
  index::TypedQuery q;
  index::PrepareTypedQuery(rows, query, &q);
  switch (rows.type) {
    case ElementType::kFloat16:
      return ScanTyped<ElementType::kFloat16>(s, rows, q, allowed, top);
    case ElementType::kInt8:
      return ScanTyped<ElementType::kInt8>(s, rows, q, allowed, top);
    case ElementType::kUint8:
      return ScanTyped<ElementType::kUint8>(s, rows, q, allowed, top);
    case ElementType::kBinary:
      return ScanTyped<ElementType::kBinary>(s, rows, q, allowed, top);
    case ElementType::kFloat32:
      return ScanTyped<ElementType::kFloat32>(s, rows, q, allowed, top);
  }
}

const char* IndexKindName(index::IndexKind kind) {
  switch (kind) {
    case index::IndexKind::kFlat:
      return "flat";
    case index::IndexKind::kHnsw:
      return "hnsw";
    case index::IndexKind::kIvfFlat:
      return "ivf_flat";
    case index::IndexKind::kIvfPq:
      return "ivf_pq";
  }
  return "unknown";
}

// L2 reports the distance, hamming the count of differing bits; both are smaller-is-better.
float ToScore(Metric metric, float distance) {
  if (metric == Metric::kL2) return std::sqrt(std::max(0.0f, distance));
  if (metric == Metric::kHamming) return distance;
  return -distance;
}

bool PassesThreshold(Metric metric, float score, float threshold) {
  return metric == Metric::kL2 || metric == Metric::kHamming ? score <= threshold
                                                             : score >= threshold;
}

}  // namespace

Bitset CollectionImpl::AllowedRows(const Segment& s, const Filter* filter) const {
  Bitset live = s.LiveRows();
  if (filter == nullptr || filter->empty()) return live;
  if (s.sealed()) {
    live &= *FilterMatch(s, *filter).rows;
    return live;
  }
  SegmentFilterSource source(s);
  return Evaluate(*filter, source, &live);
}

FilterCache::Match CollectionImpl::FilterMatch(const Segment& s, const Filter& filter) const {
  auto evaluate = [&] {
    SegmentFilterSource source(s);
    return Evaluate(filter, source);
  };
  if (s.sealed()) return static_cast<const SealedSegment&>(s).filter_cache().Get(filter, evaluate);
  auto rows = std::make_shared<const Bitset>(evaluate());
  return {rows, rows->Count()};
}

Result<Record> CollectionImpl::Get(const PointId& id, bool with_vectors) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  auto it = locations_.find(id);
  if (it == locations_.end()) return Status::NotFound("id " + id.ToString() + " not found");
  Record r;
  RAGDB_RETURN_IF_ERROR(it->second.segment->ReadRecord(schema_, it->second.row, with_vectors, &r));
  return r;
}

Result<std::vector<Record>> CollectionImpl::GetMany(std::span<const PointId> ids,
                                                    bool with_vectors) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  std::vector<Record> out;
  for (const PointId& id : ids) {
    auto it = locations_.find(id);
    if (it == locations_.end()) continue;
    Record r;
    RAGDB_RETURN_IF_ERROR(
        it->second.segment->ReadRecord(schema_, it->second.row, with_vectors, &r));
    out.push_back(std::move(r));
  }
  return out;
}

Result<size_t> CollectionImpl::Count(const Filter* filter) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  if (filter == nullptr || filter->empty()) return locations_.size();
  size_t n = AllowedRows(*growing_, filter).Count();
  for (const auto& s : sealed_) n += AllowedRows(*s, filter).Count();
  return n;
}

Result<ScrollPage> CollectionImpl::Scroll(const ScrollRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  if (request.order_by) return ScrollOrdered(request);
  ScrollPage page;
  auto it = request.offset ? locations_.lower_bound(*request.offset) : locations_.begin();
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  for (; it != locations_.end(); ++it) {
    Record r;
    const Location& loc = it->second;
    RAGDB_RETURN_IF_ERROR(loc.segment->ReadRecord(schema_, loc.row, request.with_vectors, &r));
    if (filter != nullptr && !Matches(*filter, r.id, r.payload)) continue;
    if (page.records.size() == request.limit) {
      page.next_offset = r.id;
      break;
    }
    if (!request.with_payload) r.payload = Json();
    page.records.push_back(std::move(r));
  }
  return page;
}

Result<CollectionInfo> CollectionImpl::Describe() const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  CollectionInfo info;
  info.name = name_;
  info.schema = schema_;
  info.points = locations_.size();
  info.wal_bytes = wal_->size();
  info.segments_pending_rebuild = SegmentsPendingRebuild();
  for (size_t i = 0; i < sealed_.size(); ++i) {
    const auto& s = sealed_[i];
    SegmentInfo si;
    si.id = i;
    si.rows = s->rows();
    si.deleted = s->deleted().Count();
    si.bytes = s->file_size();
    si.sealed = true;
    for (size_t f = 0; f < schema_.vectors.size(); ++f) {
      if (const index::VectorIndex* index = s->vector_index(f)) {
        const std::string& name = schema_.vectors[f].name;
        // The segment's own index: while a rebuild runs it may differ from the schema's.
        si.indexes.push_back(std::string(IndexKindName(index->kind())) +
                             (name.empty() ? "" : ":" + name) + " (" +
                             std::to_string(index->MemoryUsage()) + " bytes)");
      }
    }
    for (size_t f = 0; f < schema_.multi_vectors.size(); ++f) {
      if (const index::VectorIndex* index = s->multi_index(f)) {
        const std::string& name = schema_.multi_vectors[f].name;
        si.indexes.push_back("hnsw tokens" + (name.empty() ? "" : ":" + name) + " (" +
                             std::to_string(index->size()) + " vectors, " +
                             std::to_string(index->MemoryUsage()) + " bytes)");
      }
    }
    info.segments.push_back(si);
  }
  SegmentInfo g;
  g.id = sealed_.size();
  g.rows = growing_->rows();
  g.deleted = growing_->deleted().Count();
  info.segments.push_back(g);
  return info;
}

Result<std::vector<ScoredPoint>> CollectionImpl::Search(const SearchRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  return request.mmr && !schema_.FindMultiVector(request.field) ? SearchWithMmr(request)
                                                                : SearchLocked(request);
}

Status CollectionImpl::PrepareQuery(const SearchRequest& request, PreparedQuery* q) const {
  const VectorField* field = schema_.FindVector(request.field);
  if (field == nullptr) {
    return Status::InvalidArgument("collection '" + name_ + "' has no vector field '" +
                                   request.field + "'");
  }
  q->field = field;
  q->field_index = static_cast<size_t>(field - schema_.vectors.data());
  q->vector.resize(field->dim);  // keeps its storage when a query of this size came before
  return FillQueryVector(request, *q, q->vector.data(), &q->norm_sq);
}

Status CollectionImpl::FillQueryVector(const SearchRequest& request, const PreparedQuery& q,
                                       float* out, float* norm_sq) const {
  const VectorField& field = *q.field;
  const size_t dim = field.dim;
  if ((request.query_text || request.query_image) && request.vector.empty()) {
    RAGDB_ASSIGN_OR_RETURN(std::vector<float> v, EmbedQuery(request, q.field_index));
    if (v.size() != dim) {
      return Status::Internal("embedder of vector field '" + field.name + "' returned " +
                              std::to_string(v.size()) + " dimensions, expected " +
                              std::to_string(dim));
    }
    std::copy(v.begin(), v.end(), out);
  } else {
    if (request.vector.size() != dim) {
      return Status::InvalidArgument("query vector has dimension " +
                                     std::to_string(request.vector.size()) + ", expected " +
                                     std::to_string(dim));
    }
    std::copy(request.vector.begin(), request.vector.end(), out);
  }
  // A NaN or infinite component makes the squared norm non-finite; only then look closer (huge
  // finite components can overflow the sum too, and they are valid).
  float sq = simd::Active().dot(out, out, dim);
  if (!std::isfinite(sq)) {
    for (size_t i = 0; i < dim; ++i) {
      if (!std::isfinite(out[i])) {
        return Status::InvalidArgument("query vector has a NaN or infinite component");
      }
    }
  }
  // Float queries are fine against float16 and integer rows; binary rows take bits.
  if (field.element_type == ElementType::kBinary) {
    std::string why;
    size_t bad = simd::CheckElements(ElementType::kBinary, out, dim, &why);
    if (bad < dim) {
      return Status::InvalidArgument("query vector component " + std::to_string(bad) + " " + why +
                                     " (vector field '" + field.name + "' stores bits)");
    }
  }
  if (field.metric == Metric::kCosine) sq = simd::Normalize(out, dim) > 0 ? 1.0f : 0.0f;
  *norm_sq = sq;
  return Status::Ok();
}

Segment::Searchable CollectionImpl::SearchScope(const Segment& s, size_t field,
                                                const Filter* filter, Bitset* filtered) const {
  Segment::Searchable where = s.SearchableRows(field);
  if (filter == nullptr || where.count == 0) return where;
  if (!s.sealed()) {  // rows are still being appended: evaluate over the searchable rows only
    SegmentFilterSource source(s);
    *filtered = Evaluate(*filter, source, where.rows);
    return {filtered, filtered->Count()};
  }
  const FilterCache::Match match = FilterMatch(s, *filter);
  if (match.count == 0) return {nullptr, 0};
  *filtered = *match.rows;
  if (where.rows == nullptr) return {filtered, match.count};
  *filtered &= *where.rows;  // deletes and rows without a vector
  return {filtered, filtered->Count()};
}

Result<std::vector<ScoredPoint>> CollectionImpl::Materialize(const SearchRequest& request,
                                                             const PreparedQuery& q,
                                                             std::span<const Candidate> best,
                                                             bool gemm_l2) const {
  std::vector<ScoredPoint> out;
  out.reserve(best.size() > request.offset ? best.size() - request.offset : 0);
  for (size_t i = request.offset; i < best.size(); ++i) {
    const Candidate& c = best[i];
    ScoredPoint& p = out.emplace_back();
    // The batched L2 path leaves out the query's own norm (constant per query).
    p.score = ToScore(q.field->metric, gemm_l2 ? c.distance + q.norm_sq : c.distance);
    if (request.score_threshold &&
        !PassesThreshold(q.field->metric, p.score, *request.score_threshold)) {
      out.pop_back();
      break;  // sorted best first: the rest are worse
    }
    p.id = c.segment->id(c.row);  // ids are resolved for the returned hits only
    if (request.with_payload || request.with_vectors || request.with_text) {
      Record r;
      RAGDB_RETURN_IF_ERROR(c.segment->ReadRecord(schema_, c.row, request.with_vectors, &r));
      if (request.with_payload) p.payload = std::move(r.payload);
      if (request.with_vectors) {
        p.vectors = std::move(r.vectors);
        p.multi_vectors = std::move(r.multi_vectors);
      }
      if (request.with_text) p.text = std::move(r.text);
    }
  }
  return out;
}

namespace {

// Buffers that every single search on a thread reuses, so that a search allocates little more
// than its result (searches do not nest, so one set per thread is enough).
struct SearchScratch {
  PreparedQuery query;
  TopK top;
  Bitset filtered;
  std::vector<index::Neighbor> neighbors;
  std::vector<Candidate> best;
};

SearchScratch& ThreadSearchScratch() {
  thread_local SearchScratch scratch;
  return scratch;
}

}  // namespace

Result<std::vector<ScoredPoint>> CollectionImpl::SearchLocked(const SearchRequest& request) const {
  if (const MultiVectorField* multi = schema_.FindMultiVector(request.field)) {
    return SearchMultiLocked(request, *multi);
  }
  SearchScratch& scratch = ThreadSearchScratch();
  const PreparedQuery& q = scratch.query;
  RAGDB_RETURN_IF_ERROR(PrepareQuery(request, &scratch.query));
  if (request.k == 0) return std::vector<ScoredPoint>{};
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  const size_t top_k = request.k + request.offset;
  TopK& top = scratch.top;
  top.Reset(top_k);
  auto scan = [&](const Segment& s) {
    const Segment::Searchable where = SearchScope(s, q.field_index, filter, &scratch.filtered);
    if (where.count == 0) return;  // nothing here can match
    const index::VectorIndex* index = request.exact ? nullptr : s.vector_index(q.field_index);
    if (index == nullptr) {
      const index::TypedRows rows = s.rows(q.field_index);
      if (rows.type == ElementType::kFloat32) {
        ScanColumn(s, reinterpret_cast<const float*>(rows.data), q.field->dim, q.field->metric,
                   q.vector.data(), where.rows, &top);
      } else {
        ScanTypedColumn(s, rows, q.vector.data(), where.rows, &top);
      }
      return;
    }
    // The index plans the filtered search itself (exact scan of few allowed rows, or a
    // filter-aware graph walk); with every row allowed it takes its unfiltered path.
    index::SearchParams params;
    params.ef = request.ef;
    params.nprobe = request.nprobe;
    params.allowed_count = where.count;
    // Index distances for cosine are 1 - dot; ours are -dot.
    const float shift = q.field->metric == Metric::kCosine ? -1.0f : 0.0f;
    index->SearchInto(q.vector.data(), top_k, params, where.rows, &scratch.neighbors);
    for (const auto& n : scratch.neighbors) top.Push(n.distance + shift, &s, n.row);
  };
  for (const auto& s : sealed_) scan(*s);
  scan(*growing_);
  top.TakeSorted(&scratch.best);
  auto out = Materialize(request, q, scratch.best, /*gemm_l2=*/false);
  if (frugal()) KeepUnderMemoryLimit();
  return out;
}

void CollectionImpl::KeepUnderMemoryLimit() const {
  // Reading the resident size costs a few microseconds, small beside a search of a collection
  // large enough to need a limit. It is looked at after every search: the kernel maps up to 16
  // neighbouring pages of the page cache on each fault (fault-around), so one search can make a
  // few MiB of re-ranked rows resident.
  const size_t budget = options_.memory_limit_bytes / 8 * 7;
  if (ResidentBytes() <= budget) return;
  for (const auto& s : sealed_) s->ReleasePages(/*everything=*/false);
  if (ResidentBytes() <= budget) return;
  for (const auto& s : sealed_) s->ReleasePages(/*everything=*/true);
}

bool CollectionImpl::CanBatchTogether(std::span<const SearchRequest> requests) const {
  if (requests.size() < 8) return false;  // below this the per-query scan is as fast
  const SearchRequest& first = requests[0];
  const VectorField* field = schema_.FindVector(first.field);
  if (field == nullptr) return false;
  const size_t fi = static_cast<size_t>(field - schema_.vectors.data());
  // The matrix product needs float rows; compact rows are scanned query by query.
  if (field->element_type != ElementType::kFloat32) return false;
  for (const auto& s : sealed_) {
    if (s->vector_index(fi) != nullptr && !first.exact) return false;  // the index is faster
  }
  for (const auto& r : requests) {
    if (r.field != first.field || r.k + r.offset != first.k + first.offset) return false;
    if (r.exact != first.exact || r.mmr) return false;
    if (r.filter != first.filter) return false;  // compared by value, not by their JSON text
  }
  return true;
}

Result<std::vector<std::vector<ScoredPoint>>> CollectionImpl::SearchBatchTogether(
    std::span<const SearchRequest> requests, size_t threads) const {
  const size_t nq = requests.size();
  // The queries as one matrix for the products, each prepared in place; per query only the
  // squared norm is kept (the batched L2 distances leave it out). CanBatchTogether checked that
  // they share one field.
  PreparedQuery& q = ThreadSearchScratch().query;
  RAGDB_RETURN_IF_ERROR(PrepareQuery(requests[0], &q));
  const VectorField* field = q.field;
  const size_t fi = q.field_index;
  const uint32_t dim = field->dim;
  std::unique_ptr<float[]> queries(new float[nq * dim]);  // uninitialized: every row is set
  std::vector<float> norms_sq(nq);
  for (size_t i = 0; i < nq; ++i) {
    Status st = FillQueryVector(requests[i], q, &queries[i * dim], &norms_sq[i]);
    if (!st.ok()) return st.WithContext("query " + std::to_string(i));
  }
  const SearchRequest& first = requests[0];
  const Filter* filter = first.filter && !first.filter->empty() ? &*first.filter : nullptr;
  // The segments that can contribute, with the rows each may return.
  struct Part {
    const Segment* segment;
    const Bitset* rows;  // null: every row
  };
  std::vector<Part> parts;
  std::vector<Bitset> filtered(sealed_.size() + 1);
  auto add = [&](const Segment& s) {
    Bitset* f = &filtered[parts.size()];
    const Segment::Searchable where = SearchScope(s, fi, filter, f);
    if (where.count > 0) parts.push_back({&s, where.rows});
  };
  for (const auto& s : sealed_) add(*s);
  add(*growing_);

  // Each thread takes a slice of the queries and scans every segment for them.
  const size_t k = first.k + first.offset;
  std::vector<TopK> tops(nq, TopK(k));
  auto run = [&](size_t qb, size_t qe) {  // threads take disjoint slices of the queries
    for (const Part& part : parts) {
      const auto* column = reinterpret_cast<const float*>(part.segment->rows(fi).data);
      FlatBatchScan(&queries[qb * dim], qe - qb, part.segment, column, 0, part.segment->rows(), dim,
                    field->metric, part.rows, &tops[qb]);
    }
  };
  if (threads <= 1) {
    run(0, nq);
  } else {
    ThreadPool pool(threads - 1);
    size_t grain = std::max<size_t>(8, (nq + threads - 1) / threads);
    pool.ParallelFor(nq, grain, run);
  }
  std::vector<std::vector<ScoredPoint>> results(nq);
  std::vector<Candidate>& best = ThreadSearchScratch().best;
  for (size_t i = 0; i < nq; ++i) {
    q.norm_sq = norms_sq[i];
    tops[i].TakeSorted(&best);
    auto r = Materialize(requests[i], q, best, /*gemm_l2=*/field->metric == Metric::kL2);
    if (!r.ok()) return r.status();
    results[i] = std::move(r).value();
  }
  return results;
}

Result<std::vector<std::vector<ScoredPoint>>> CollectionImpl::SearchBatch(
    std::span<const SearchRequest> requests, size_t threads) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  if (threads == 0) threads = ThreadPool::HardwareThreads();
  if (CanBatchTogether(requests)) return SearchBatchTogether(requests, threads);
  return RunBatch(requests, threads, [this](const SearchRequest& r) {
    return r.mmr && !schema_.FindMultiVector(r.field) ? SearchWithMmr(r) : SearchLocked(r);
  });
}

}  // namespace ragdb::db
