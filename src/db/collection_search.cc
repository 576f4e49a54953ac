// The read side of CollectionImpl: get, count, scroll, describe and exact (FLAT) search.
#include <algorithm>
#include <cmath>
#include <queue>

#include "base/thread_pool.h"
#include "db/collection_impl.h"
#include "query/filter_eval.h"
#include "simd/distance.h"

namespace ragdb::db {
namespace {

struct Candidate {
  float distance;  // lower is better: squared L2, or minus the similarity
  const Segment* segment;
  uint32_t row;
  bool operator<(const Candidate& o) const { return distance < o.distance; }
};

// The k smallest distances seen so far (a max-heap on distance).
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) {}
  float threshold() const {
    return heap_.size() < k_ ? std::numeric_limits<float>::infinity() : heap_.top().distance;
  }
  void Push(float distance, const Segment* s, uint32_t row) {
    if (heap_.size() < k_) {
      heap_.push({distance, s, row});
    } else if (distance < heap_.top().distance) {
      heap_.pop();
      heap_.push({distance, s, row});
    }
  }
  std::vector<Candidate> TakeSorted() {
    std::vector<Candidate> out;
    out.reserve(heap_.size());
    while (!heap_.empty()) {
      out.push_back(heap_.top());
      heap_.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  size_t k_;
  std::priority_queue<Candidate> heap_;
};

// Scans the allowed rows of one vector column. Whole 64-row words that are fully allowed go
// through the batch kernel; the rest row by row.
void ScanColumn(const Segment& s, const float* column, uint32_t dim, Metric metric,
                const float* query, const Bitset& allowed, TopK* top) {
  const simd::Kernels& k = simd::Active();
  const bool l2 = metric == Metric::kL2;
  float dist[64];
  const auto& words = allowed.words();
  for (size_t w = 0; w < words.size(); ++w) {
    uint64_t bits = words[w];
    if (bits == 0) continue;
    const size_t base = w * 64;
    if (bits == ~uint64_t{0}) {
      const float* rows = column + base * dim;
      if (l2) {
        k.l2sqr_batch(query, rows, 64, dim, dist);
      } else {
        k.dot_batch(query, rows, 64, dim, dist);
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

float ToScore(Metric metric, float distance) {
  return metric == Metric::kL2 ? std::sqrt(std::max(0.0f, distance)) : -distance;
}

bool PassesThreshold(Metric metric, float score, float threshold) {
  return metric == Metric::kL2 ? score <= threshold : score >= threshold;
}

}  // namespace

Bitset CollectionImpl::AllowedRows(const Segment& s, const Filter* filter) const {
  Bitset live = s.LiveRows();
  if (filter == nullptr || filter->empty()) return live;
  SegmentFilterSource source(s);
  return Evaluate(*filter, source, &live);
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
  for (size_t i = 0; i < sealed_.size(); ++i) {
    const auto& s = sealed_[i];
    SegmentInfo si;
    si.id = i;
    si.rows = s->rows();
    si.deleted = s->deleted().Count();
    si.bytes = s->file_size();
    si.sealed = true;
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
  return SearchLocked(request);
}

Result<std::vector<ScoredPoint>> CollectionImpl::SearchLocked(const SearchRequest& request) const {
  const VectorField* field = schema_.FindVector(request.field);
  if (field == nullptr) {
    return Status::InvalidArgument("collection '" + name_ + "' has no vector field '" +
                                   request.field + "'");
  }
  if (request.vector.size() != field->dim) {
    return Status::InvalidArgument("query vector has dimension " +
                                   std::to_string(request.vector.size()) + ", expected " +
                                   std::to_string(field->dim));
  }
  for (float x : request.vector) {
    if (!std::isfinite(x)) return Status::InvalidArgument("query vector has a NaN or infinite component");
  }
  if (request.k == 0) return std::vector<ScoredPoint>{};
  const size_t field_index = static_cast<size_t>(field - schema_.vectors.data());
  std::vector<float> query = request.vector;
  if (field->metric == Metric::kCosine) simd::Normalize(query.data(), query.size());

  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  TopK top(request.k + request.offset);
  auto scan = [&](const Segment& s) {
    Bitset allowed = AllowedRows(s, filter);
    allowed &= s.has_vector(field_index);
    ScanColumn(s, s.column(field_index), field->dim, field->metric, query.data(), allowed, &top);
  };
  for (const auto& s : sealed_) scan(*s);
  scan(*growing_);

  std::vector<Candidate> best = top.TakeSorted();
  std::vector<ScoredPoint> out;
  for (size_t i = request.offset; i < best.size(); ++i) {
    const Candidate& c = best[i];
    ScoredPoint p;
    p.id = c.segment->id(c.row);
    p.score = ToScore(field->metric, c.distance);
    if (request.score_threshold && !PassesThreshold(field->metric, p.score, *request.score_threshold)) {
      break;  // sorted best first: the rest are worse
    }
    if (request.with_payload || request.with_vectors || request.with_text) {
      Record r;
      RAGDB_RETURN_IF_ERROR(c.segment->ReadRecord(schema_, c.row, request.with_vectors, &r));
      if (request.with_payload) p.payload = std::move(r.payload);
      if (request.with_vectors) p.vectors = std::move(r.vectors);
      if (request.with_text) p.text = std::move(r.text);
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<std::vector<ScoredPoint>>> CollectionImpl::SearchBatch(
    std::span<const SearchRequest> requests, size_t threads) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  std::vector<std::vector<ScoredPoint>> results(requests.size());
  std::vector<Status> errors(requests.size());
  if (threads == 0) threads = ThreadPool::HardwareThreads();
  auto run = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      auto r = SearchLocked(requests[i]);
      if (r.ok()) {
        results[i] = std::move(r).value();
      } else {
        errors[i] = r.status();
      }
    }
  };
  if (threads <= 1 || requests.size() <= 1) {
    run(0, requests.size());
  } else {
    ThreadPool pool(threads - 1);  // the calling thread works too
    pool.ParallelFor(requests.size(), 1, run);
  }
  for (size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i].ok()) return errors[i].WithContext("query " + std::to_string(i));
  }
  return results;
}

}  // namespace ragdb::db
