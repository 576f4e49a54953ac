// Random samples and the distance matrix within one (ragdb/explore.h).
#include <algorithm>
#include <random>

#include "db/collection_impl.h"
#include "db/explore/explore_util.h"

namespace ragdb::db {
namespace {

struct Located {
  const Segment* segment;
  uint32_t row;
};

std::mt19937_64 Rng(const std::optional<uint64_t>& seed) {
  if (seed) return std::mt19937_64(*seed);
  std::random_device rd;
  return std::mt19937_64((uint64_t{rd()} << 32) ^ rd());
}

// Up to `n` of the rows `rows(segment)` allows, uniformly without repeats (reservoir sampling),
// in random order.
template <typename RowsFn>
std::vector<Located> Reservoir(const std::vector<const Segment*>& segments, RowsFn&& rows, size_t n,
                               std::mt19937_64& rng) {
  std::vector<Located> kept;
  uint64_t seen = 0;
  for (const Segment* s : segments) {
    rows(*s).ForEach([&](size_t r) {
      ++seen;
      if (kept.size() < n) {
        kept.push_back({s, static_cast<uint32_t>(r)});
      } else {
        uint64_t j = std::uniform_int_distribution<uint64_t>(0, seen - 1)(rng);
        if (j < n) kept[j] = {s, static_cast<uint32_t>(r)};
      }
    });
  }
  std::shuffle(kept.begin(), kept.end(), rng);
  return kept;
}

// A search score from an index-layer distance (as collection_search.cc reports them).
float ScoreOf(Metric metric, float distance) {
  if (metric == Metric::kL2) return std::sqrt(std::max(0.0f, distance));
  if (metric == Metric::kHamming) return distance;
  return -distance;
}

}  // namespace

Result<std::vector<Record>> CollectionImpl::Sample(const SampleRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  std::vector<const Segment*> segments;
  for (const auto& s : sealed_) segments.push_back(s.get());
  segments.push_back(growing_.get());
  std::mt19937_64 rng = Rng(request.seed);
  std::vector<Located> picked = Reservoir(
      segments, [&](const Segment& s) { return AllowedRows(s, filter); }, request.limit, rng);
  std::vector<Record> out(picked.size());
  for (size_t i = 0; i < picked.size(); ++i) {
    RAGDB_RETURN_IF_ERROR(
        picked[i].segment->ReadRecord(schema_, picked[i].row, request.with_vectors, &out[i]));
    if (!request.with_payload) out[i].payload = Json();
  }
  return out;
}

Result<DistanceMatrix> CollectionImpl::SearchMatrix(const DistanceMatrixRequest& request) const {
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  RAGDB_ASSIGN_OR_RETURN(PreparedQuery field, ExampleField(request.field));
  const size_t fi = field.field_index;
  const Metric metric = field.field->metric;
  DistanceMatrix out;
  if (request.sample == 0 || request.limit == 0) return out;
  const Filter* filter = request.filter && !request.filter->empty() ? &*request.filter : nullptr;
  std::vector<const Segment*> segments;
  for (const auto& s : sealed_) segments.push_back(s.get());
  segments.push_back(growing_.get());
  std::mt19937_64 rng = Rng(request.seed);
  Bitset filtered;
  std::vector<Located> picked = Reservoir(
      segments,
      [&](const Segment& s) {
        Segment::Searchable where = SearchScope(s, fi, filter, &filtered);
        return where.rows != nullptr ? *where.rows : Bitset(s.rows(), true);
      },
      request.sample, rng);
  if (picked.size() < 2) return out;  // no pairs
  std::sort(picked.begin(), picked.end(), [](const Located& a, const Located& b) {
    return a.segment->id(a.row) < b.segment->id(b.row);
  });
  for (const Located& p : picked) out.ids.push_back(p.segment->id(p.row));
  // Every pair, scored as a search with the row's own vector would score the other.
  const index::IndexKernels& kernels = index::Kernels();
  out.rows.resize(picked.size());
  std::vector<index::TypedRows> rows;
  for (const Located& p : picked) rows.push_back(p.segment->rows(fi));
  index::TypedQuery q;
  for (size_t i = 0; i < picked.size(); ++i) {
    index::RowAsQuery(rows[i], picked[i].row, &q);
    std::vector<std::pair<float, size_t>> by_distance;  // (distance, column)
    for (size_t j = 0; j < picked.size(); ++j) {
      if (j == i) continue;
      by_distance.push_back({index::TypedDistance(kernels, rows[j], q, picked[j].row), j});
    }
    const size_t keep = std::min(request.limit, by_distance.size());
    std::partial_sort(by_distance.begin(), by_distance.begin() + keep, by_distance.end());
    for (size_t k = 0; k < keep; ++k) {
      out.rows[i].push_back({by_distance[k].second, ScoreOf(metric, by_distance[k].first)});
    }
  }
  return out;
}

}  // namespace ragdb::db
