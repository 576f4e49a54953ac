// What a Collection answers for the optional calls it does not implement (the local and the
// cluster collections implement them all): Unimplemented, naming the call. Two work for every
// collection through its public calls:
//   - changing some vectors of stored records: each record is read, changed and written back as
//     one upsert, like SetPayload (not atomic against a concurrent write to the same record,
//     which one of the two then overwrites);
//   - the distance matrix of a random sample: Sample with vectors, then every pair scored.
#include <algorithm>
#include <cmath>
#include <map>

#include "ragdb/database.h"
#include "simd/distance.h"

namespace ragdb {
namespace {

Status NotHere(const Collection& c, const char* what) {
  return Status::Unimplemented(std::string(what) + " is not supported by collection '" + c.name() +
                               "'");
}

}  // namespace

Result<std::vector<ScoredPoint>> Collection::Recommend(const RecommendRequest&) const {
  return NotHere(*this, "recommend");
}
Result<std::vector<ScoredPoint>> Collection::Discover(const DiscoverRequest&) const {
  return NotHere(*this, "discover");
}
Result<std::vector<FacetHit>> Collection::Facet(const FacetRequest&) const {
  return NotHere(*this, "facet");
}
Result<std::vector<Record>> Collection::Sample(const SampleRequest&) const {
  return NotHere(*this, "random sampling");
}
Status Collection::DropPayloadIndex(const std::string&) {
  return NotHere(*this, "deleting a payload index");
}
Status Collection::UpdateVectorIndex(const std::string&, const IndexParams&) {
  return NotHere(*this, "changing index parameters");
}

Status Collection::UpdateVectors(std::span<const Record> records) {
  std::vector<PointId> ids;
  ids.reserve(records.size());
  for (const Record& r : records) ids.push_back(r.id);
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> stored, GetMany(ids, /*with_vectors=*/true));
  std::map<PointId, Record*> by_id;
  for (Record& r : stored) by_id[r.id] = &r;
  for (const Record& change : records) {
    auto it = by_id.find(change.id);
    if (it == by_id.end()) {
      return Status::NotFound("No point with id " + change.id.ToString() + " found");
    }
    if (change.vectors.empty() && change.sparse_vectors.empty() && change.multi_vectors.empty()) {
      return Status::InvalidArgument("point " + change.id.ToString() + ": no vectors to update");
    }
    for (const auto& [name, v] : change.vectors) it->second->vectors[name] = v;
    for (const auto& [name, v] : change.sparse_vectors) it->second->sparse_vectors[name] = v;
    for (const auto& [name, m] : change.multi_vectors) it->second->multi_vectors[name] = m;
  }
  // A record named twice takes its changes in order: the map above merged them into one.
  std::vector<Record> merged;
  for (auto& [id, r] : by_id) merged.push_back(std::move(*r));
  return Upsert(merged);
}

Result<size_t> Collection::DeleteVectors(std::span<const PointId> ids,
                                         std::span<const std::string> fields) {
  if (fields.empty()) return Status::InvalidArgument("delete vectors: no vector names given");
  {
    CollectionSchema s = schema();
    for (const std::string& field : fields) {
      const VectorField* dense = s.FindVector(field);
      bool sparse = std::any_of(s.sparse_vectors.begin(), s.sparse_vectors.end(),
                                [&](const SparseVectorField& f) { return f.name == field; });
      if (dense == nullptr && !sparse && s.FindMultiVector(field) == nullptr) {
        return Status::InvalidArgument("collection '" + name() + "' has no vector field '" + field +
                                       "'");
      }
      if (dense != nullptr && !dense->embedder.empty()) {
        return Status::InvalidArgument("vector '" + field +
                                       "' is embedded from the record's text; deleting it would "
                                       "embed it again");
      }
    }
  }
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> stored, GetMany(ids, /*with_vectors=*/true));
  for (Record& r : stored) {
    for (const std::string& field : fields) {
      r.vectors.erase(field);
      r.sparse_vectors.erase(field);
      r.multi_vectors.erase(field);
    }
  }
  RAGDB_RETURN_IF_ERROR(Upsert(stored));
  return stored.size();
}

Result<DistanceMatrix> Collection::SearchMatrix(const DistanceMatrixRequest& request) const {
  const CollectionSchema s = schema();
  const VectorField* field = s.FindVector(request.field);
  if (field == nullptr) {
    return Status::InvalidArgument("collection '" + name() + "' has no vector field '" +
                                   request.field + "'");
  }
  DistanceMatrix out;
  if (request.sample == 0 || request.limit == 0) return out;
  SampleRequest sample;
  sample.filter = request.filter;
  sample.limit = request.sample;
  sample.with_payload = false;
  sample.with_vectors = true;
  sample.seed = request.seed;
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> picked, Sample(sample));
  // Only points with a vector in the field take part (the sample may come out smaller).
  std::erase_if(picked, [&](const Record& r) { return !r.vectors.contains(field->name); });
  if (picked.size() < 2) return out;  // no pairs
  std::sort(picked.begin(), picked.end(),
            [](const Record& a, const Record& b) { return a.id < b.id; });
  std::vector<const std::vector<float>*> rows;
  for (const Record& r : picked) {
    out.ids.push_back(r.id);
    rows.push_back(&r.vectors.at(field->name));
  }
  // Every pair, scored as a search with the row's own vector scores the other: similarity for
  // cosine and ip, Euclidean distance for l2, differing bits for hamming.
  const size_t dim = field->dim;
  auto distance = [&](size_t i, size_t j) {
    if (field->metric == Metric::kCosine || field->metric == Metric::kIp) {
      return -simd::Dot(rows[i]->data(), rows[j]->data(), dim);
    }
    return simd::L2Sqr(rows[i]->data(), rows[j]->data(), dim);
  };
  auto score = [&](float d) {
    if (field->metric == Metric::kL2) return std::sqrt(std::max(0.0f, d));
    return field->metric == Metric::kHamming ? d : -d;
  };
  out.rows.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<std::pair<float, size_t>> by_distance;  // (distance, column)
    for (size_t j = 0; j < rows.size(); ++j) {
      if (j != i) by_distance.push_back({distance(i, j), j});
    }
    const size_t keep = std::min(request.limit, by_distance.size());
    std::partial_sort(by_distance.begin(), by_distance.begin() + keep, by_distance.end());
    for (size_t k = 0; k < keep; ++k) {
      out.rows[i].push_back({by_distance[k].second, score(by_distance[k].first)});
    }
  }
  return out;
}

}  // namespace ragdb
